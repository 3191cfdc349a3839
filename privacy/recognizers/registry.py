"""The one list of recognizers Shareable runs, and the one map of entity names.

:func:`build_registry` builds a Presidio :class:`RecognizerRegistry` holding, for English:

* the project's recognizers (``privacy/recognizers/*_recognizer.py``, one class per file);
* those of Presidio's predefined recognizers that find Safe Harbor identifiers, each
  constructed with *our* entity name (:data:`ENTITY_MAP`); the e-mail one is subclassed to
  stay offline and the URL one to ignore ``word.xx`` in telegraphic notes;
* when the NLP engine has a trained named-entity model, Presidio's spaCy recognizer for the
  ``PERSON`` and ``LOCATION`` entities it finds.

To add a recognizer, write its file and add it to :data:`PROJECT_RECOGNIZERS` (or to
:data:`PRESIDIO_RECOGNIZERS` with a line in :data:`ENTITY_MAP`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from presidio_analyzer import EntityRecognizer, RecognizerRegistry
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    IbanRecognizer,
    IpRecognizer,
    MacAddressRecognizer,
    SpacyRecognizer,
    UsBankRecognizer,
    UsItinRecognizer,
    UsLicenseRecognizer,
    UsMbiRecognizer,
    UsNpiRecognizer,
    UsPassportRecognizer,
    UsSsnRecognizer,
)

from privacy import entities as e
from privacy.recognizers.account_number_recognizer import AccountNumberRecognizer
from privacy.recognizers.age_recognizer import AgeRecognizer
from privacy.recognizers.clinical_note_recognizer import ClinicalNoteRecognizer
from privacy.recognizers.date_recognizer import DateRecognizer
from privacy.recognizers.device_id_recognizer import DeviceIdRecognizer
from privacy.recognizers.fax_number_recognizer import FaxNumberRecognizer
from privacy.recognizers.health_plan_id_recognizer import HealthPlanIdRecognizer
from privacy.recognizers.international_phone_recognizer import InternationalPhoneRecognizer
from privacy.recognizers.license_number_recognizer import LicenseNumberRecognizer
from privacy.recognizers.medical_record_number_recognizer import MedicalRecordNumberRecognizer
from privacy.recognizers.name_place_recognizer import NamePlaceRecognizer
from privacy.recognizers.nanp_phone_recognizer import NanpPhoneRecognizer
from privacy.recognizers.offline_email_recognizer import OfflineEmailRecognizer
from privacy.recognizers.reference_number_recognizer import ReferenceNumberRecognizer
from privacy.recognizers.street_address_recognizer import StreetAddressRecognizer
from privacy.recognizers.uuid_recognizer import UuidRecognizer
from privacy.recognizers.vin_recognizer import VinRecognizer
from privacy.recognizers.web_url_recognizer import WebUrlRecognizer
from privacy.recognizers.year_recognizer import YearRecognizer
from privacy.recognizers.zip_code_recognizer import ZipCodeRecognizer

if TYPE_CHECKING:
    from presidio_analyzer.nlp_engine import NlpEngine

    from privacy.detection_config import DetectionConfig

LANGUAGE = "en"

ENTITY_MAP: dict[str, str] = {
    # Presidio's entity names -> ours (privacy.entities).
    "US_SSN": e.US_SSN,
    "US_ITIN": e.US_SSN,  # IRS taxpayer numbers share the SSN's format and are used in its place
    "PHONE_NUMBER": e.PHONE_NUMBER,
    "EMAIL_ADDRESS": e.EMAIL_ADDRESS,
    "URL": e.URL,
    "IP_ADDRESS": e.IP_ADDRESS,
    "MAC_ADDRESS": e.DEVICE_ID,
    "CREDIT_CARD": e.ACCOUNT_NUMBER,
    "IBAN_CODE": e.ACCOUNT_NUMBER,
    "US_BANK_NUMBER": e.ACCOUNT_NUMBER,
    "US_DRIVER_LICENSE": e.LICENSE_NUMBER,
    "US_PASSPORT": e.LICENSE_NUMBER,
    "US_NPI": e.LICENSE_NUMBER,
    "US_MBI": e.HEALTH_PLAN_ID,
    # Named-entity labels of trained spaCy pipelines -> ours.
    "PERSON": e.PERSON,
    "PER": e.PERSON,
    "GPE": e.LOCATION,
    "LOC": e.LOCATION,
}
"""The one place where outside entity names become Shareable's."""

NER_LABELS: tuple[str, ...] = ("PERSON", "PER", "GPE", "LOC")
"""Keys of :data:`ENTITY_MAP` that are spaCy NER labels (used only with a trained model)."""

PROJECT_RECOGNIZERS: tuple[type[EntityRecognizer], ...] = (
    AccountNumberRecognizer,
    DateRecognizer,
    DeviceIdRecognizer,
    FaxNumberRecognizer,
    HealthPlanIdRecognizer,
    LicenseNumberRecognizer,
    MedicalRecordNumberRecognizer,
    NanpPhoneRecognizer,
    OfflineEmailRecognizer,
    ReferenceNumberRecognizer,
    StreetAddressRecognizer,
    UuidRecognizer,
    VinRecognizer,
    WebUrlRecognizer,
    ZipCodeRecognizer,
)
"""The project's recognizers that take no settings (others: see :func:`build_recognizers`)."""

PRESIDIO_RECOGNIZERS: tuple[tuple[Callable[..., EntityRecognizer], str, dict], ...] = (
    (UsSsnRecognizer, "US_SSN", {}),
    (UsItinRecognizer, "US_ITIN", {}),
    (IpRecognizer, "IP_ADDRESS", {}),
    (MacAddressRecognizer, "MAC_ADDRESS", {}),
    (CreditCardRecognizer, "CREDIT_CARD", {}),
    (IbanRecognizer, "IBAN_CODE", {}),
    (UsBankRecognizer, "US_BANK_NUMBER", {}),
    (UsLicenseRecognizer, "US_DRIVER_LICENSE", {}),
    # Presidio's passport context includes "us"/"states", which as substrings match "status"
    # or "virus"; keep the words that mean passport.
    (UsPassportRecognizer, "US_PASSPORT", {"context": ["passport", "travel"]}),
    (UsNpiRecognizer, "US_NPI", {}),
    (UsMbiRecognizer, "US_MBI", {}),
)
"""Presidio's predefined recognizers used, with their own entity name (mapped by ENTITY_MAP)."""

PRESIDIO_QUICK_CHECKS: dict[str, str] = {
    # Presidio recognizer class -> a regex found in every text that one of its patterns scoring
    # 0.4 or more can match (for the validating ones - credit card, NPI - any pattern): a
    # cheap pre-filter, as the project's recognizers declare in ``QUICK_CHECK``.
    "UsSsnRecognizer": r"\d{3}[- .]\d{2}[- .]\d{4}",
    "UsItinRecognizer": r"9\d\d[- ]?\d",
    "IpRecognizer": r"\d\.\d{1,3}\.\d|::|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:",
    "MacAddressRecognizer": r"(?i)[0-9a-f]{2}[:-][0-9a-f]{2}[:-]|[0-9a-f]{4}\.[0-9a-f]{4}\.",
    "CreditCardRecognizer": r"\d{4}[- ]?\d{3}",
    "UsNpiRecognizer": r"[12]\d{3}[ -]?\d{3}",
    "UsMbiRecognizer": r"\d[A-Za-z][0-9A-Za-z]\d-?[A-Za-z]",
}
"""Pre-filters of the Presidio recognizers that declare none (see :data:`PROJECT_RECOGNIZERS`)."""


def build_recognizers(config: DetectionConfig) -> list[EntityRecognizer]:
    """Instantiate every recognizer for English (without the NLP engine's NER recognizer)."""
    recognizers: list[EntityRecognizer] = [cls() for cls in PROJECT_RECOGNIZERS]
    recognizers.append(NamePlaceRecognizer(locales=config.name_locales))
    recognizers.append(ClinicalNoteRecognizer(locales=config.name_locales))
    recognizers.append(AgeRecognizer(min_age=config.min_age_in_text))
    if config.years_in_text:
        recognizers.append(YearRecognizer())
    recognizers.append(
        InternationalPhoneRecognizer(
            supported_entity=ENTITY_MAP["PHONE_NUMBER"],
            supported_regions=tuple(config.phone_regions),
        )
    )
    for cls, presidio_entity, kwargs in PRESIDIO_RECOGNIZERS:
        recognizers.append(cls(supported_entity=ENTITY_MAP[presidio_entity], **kwargs))
    return recognizers


def build_registry(
    config: DetectionConfig, nlp_engine: NlpEngine | None = None
) -> RecognizerRegistry:
    """Return the registry of every recognizer detection runs.

    Args:
        config: The detection config (name locales, phone regions).
        nlp_engine: The NLP engine in use; when it has a trained NER model, Presidio's spaCy
            recognizer is added for ``PERSON`` and ``LOCATION``.

    Returns:
        A registry for language ``"en"``.
    """
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for recognizer in build_recognizers(config):
        registry.add_recognizer(recognizer)
    if nlp_engine is not None and nlp_engine.get_supported_entities():
        registry.add_recognizer(
            SpacyRecognizer(supported_language=LANGUAGE, supported_entities=[e.PERSON, e.LOCATION])
        )
    return registry
