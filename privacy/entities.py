"""The identifier vocabulary shared by detection, policy, transforms and validation.

Each entity is one kind of identifier that detection can report for a column or a text span.
Names follow Presidio's where Presidio has one (``PERSON``, ``US_SSN``, ``PHONE_NUMBER`` ...);
the project adds the health identifiers Presidio lacks. ``HIPAA_CATEGORY`` maps every entity to
the Safe Harbor identifier category of 45 CFR 164.514(b)(2)(i) it belongs to.
"""

from __future__ import annotations

PERSON = "PERSON"
US_SSN = "US_SSN"
PHONE_NUMBER = "PHONE_NUMBER"
FAX_NUMBER = "FAX_NUMBER"
EMAIL_ADDRESS = "EMAIL_ADDRESS"
MEDICAL_RECORD_NUMBER = "MEDICAL_RECORD_NUMBER"
HEALTH_PLAN_ID = "HEALTH_PLAN_ID"
ACCOUNT_NUMBER = "ACCOUNT_NUMBER"
LICENSE_NUMBER = "LICENSE_NUMBER"
VEHICLE_ID = "VEHICLE_ID"
DEVICE_ID = "DEVICE_ID"
URL = "URL"
IP_ADDRESS = "IP_ADDRESS"
BIOMETRIC_ID = "BIOMETRIC_ID"
PHOTO = "PHOTO"
RECORD_ID = "RECORD_ID"
STREET_ADDRESS = "STREET_ADDRESS"
LOCATION = "LOCATION"
GEO_COORDINATE = "GEO_COORDINATE"
ZIP_CODE = "ZIP_CODE"
DATE_TIME = "DATE_TIME"
BIRTH_DATE = "BIRTH_DATE"
AGE = "AGE"
EMPLOYER = "EMPLOYER"
"""The name of an individual's employer (Safe Harbor (A) covers names of employers)."""
SECRET = "SECRET"
"""A password, access token or API key: a code that identifies and unlocks an account."""
FREE_TEXT = "FREE_TEXT"
"""Not an identifier itself: a column of free text in which identifiers are found span by span."""

HIPAA_CATEGORY: dict[str, str] = {
    PERSON: "(A) names",
    EMPLOYER: "(A) names",
    STREET_ADDRESS: "(B) geographic subdivisions smaller than a state",
    LOCATION: "(B) geographic subdivisions smaller than a state",
    GEO_COORDINATE: "(B) geographic subdivisions smaller than a state",
    ZIP_CODE: "(B) geographic subdivisions smaller than a state (ZIP code)",
    DATE_TIME: "(C) all elements of dates (except year) directly related to an individual",
    BIRTH_DATE: "(C) all elements of dates (except year) directly related to an individual",
    AGE: "(C) ages over 89",
    PHONE_NUMBER: "(D) telephone numbers",
    FAX_NUMBER: "(E) fax numbers",
    EMAIL_ADDRESS: "(F) electronic mail addresses",
    US_SSN: "(G) social security numbers",
    MEDICAL_RECORD_NUMBER: "(H) medical record numbers",
    HEALTH_PLAN_ID: "(I) health plan beneficiary numbers",
    ACCOUNT_NUMBER: "(J) account numbers",
    LICENSE_NUMBER: "(K) certificate/license numbers",
    VEHICLE_ID: "(L) vehicle identifiers and serial numbers",
    DEVICE_ID: "(M) device identifiers and serial numbers",
    URL: "(N) web universal resource locators",
    IP_ADDRESS: "(O) internet protocol address numbers",
    BIOMETRIC_ID: "(P) biometric identifiers",
    PHOTO: "(Q) full-face photographs and comparable images",
    RECORD_ID: "(R) any other unique identifying number, characteristic, or code",
    SECRET: "(R) any other unique identifying number, characteristic, or code",
}

IDENTIFIER_ENTITIES: frozenset[str] = frozenset(HIPAA_CATEGORY)
"""Every entity that is a Safe Harbor identifier (all but ``FREE_TEXT``)."""

SPAN_ENTITIES: frozenset[str] = IDENTIFIER_ENTITIES - {PHOTO, BIOMETRIC_ID, EMPLOYER, SECRET}
"""Entities that can be found as spans inside free text."""

ROW_LINKED_ENTITIES: frozenset[str] = (SPAN_ENTITIES | {EMPLOYER, SECRET}) - {AGE}
"""Entities whose column values are also cut out of the same row's free text (not ages: a
number such as 45 stands for too many other things in a note)."""
