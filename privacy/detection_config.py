"""Settings of PHI detection, read from ``configs/detection.yaml``.

:class:`DetectionConfig` is a frozen pydantic model (unknown keys are errors); load it with
:func:`load_detection_config`. Every default below is also written out in the shipped YAML
file, so that a steward sees and edits the real values. Nothing here is data: the file holds
settings only, and error messages may quote it.
"""

from __future__ import annotations

import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from privacy.entities import FREE_TEXT, IDENTIFIER_ENTITIES
from privacy.errors import SpecError
from privacy.headers import compile_hint

CONFIG_DIR: Traversable = files("configs")
"""The shipped ``configs`` package data (found by importlib.resources, installed or not)."""

DEFAULT_CONFIG_PATH = CONFIG_DIR / "detection.yaml"
"""Where :func:`load_detection_config` looks when it is given no path."""

BLANK_ENGINE = "blank"
"""The ``nlp_engine`` value for the built-in pipeline with no model: the rules alone."""

SHIPPED_ENGINE = "shareable_ner"
"""The ``nlp_engine`` value (the default) for the PHI model shipped in ``privacy/ner/model``
beside the rules."""

HINT_ENTITIES: tuple[str, ...] = (*sorted(IDENTIFIER_ENTITIES), FREE_TEXT)
"""Entities a header hint may name."""

DEFAULT_HEADER_HINTS: dict[str, tuple[str, ...]] = {
    # Order matters: the first entity with a hint matching the header's tokens wins
    # (``email address`` is an email before it is an address, ``birth place`` a place).
    # Each hint is a sequence of whole-token regexes; ^ and $ anchor it (privacy.headers).
    "US_SSN": ("ssn", "social sec\\w*", "national id", "nationalid"),
    "EMAIL_ADDRESS": ("e?mail", "e mail"),
    "URL": (
        "(url|uri|website|webpage|homepage)s?", "web (site|page)s?", "home page",
        "^ (web)? domains? (name)? $", "host name", "hostname",
    ),
    "IP_ADDRESS": ("^ ip (v4|v6)? (addr|address)? $", "ip (addr|address)", "ipv4|ipv6|ipaddr"),
    "FAX_NUMBER": ("fax",),
    "PHONE_NUMBER": ("(tele)?phone", "tel", "mobile", "cell", "pager", "cellphone"),
    "MEDICAL_RECORD_NUMBER": (
        "mrn", "medical rec(ord)?s?", "^ mr (no|num|number) $", "chart (no|num|number|id)",
    ),
    "HEALTH_PLAN_ID": (
        "member (id|no|num|number)", "memberid", "^ member $", "beneficiary", "subscriber",
        "plan id", "policy (id|no|num|number)", "insurance (id|no|num|number)",
        "mbi|hicn|hic", "(medicaid|medicare) id",
    ),
    "ACCOUNT_NUMBER": (
        "acct", "account", "iban", "credit card", "card (no|num|number)",
        "cc (no|num|number)", "^ cc $", "ccnumber", "cvv|cvc", "cc expires",
    ),
    "VEHICLE_ID": ("vin", "vehicle", "licen[cs]e plate", "plate (no|num|number)"),
    "LICENSE_NUMBER": (
        "licen[cs]e", "drivers?", "passport", "certificate", "dea|npi|dl",
    ),
    "DEVICE_ID": ("device", "serial", "udi|imei", "mac (addr|address)"),
    "BIOMETRIC_ID": ("biometric", "fingerprints?", "retina", "(voice|face|palm) print"),
    "PHOTO": ("(photo|photograph|image|picture|portrait|headshot|mugshot)s?",),
    "BIRTH_DATE": ("dob|bdate|birthdate", "birth (date|day|dt)", "date of birth"),
    "DATE_TIME": (
        "dates?", "dt|dttm|datetime|timestamp|time|dod", "date time", "time stamp",
    ),
    "AGE": ("age|agep|ages", "age (at|years|yrs)", "years old", "yrs|yrs old"),
    "ZIP_CODE": ("zip|zipcode|zip5|zip4|zcta|zcta5", "postal", "post code", "postcode"),
    "GEO_COORDINATE": (
        "lat|lon|lng|latitude|longitude|coord|coords|coordinates|geo|geom|geometry",
    ),
    "LOCATION": (
        "city|county|town|township|borough|village|municipality|parish|hometown",
        "neighbou?rhood|district|precinct|tract|fips|puma|cbsa|msa|blkgrp|geoid",
        "block group", "birth place", "birthplace", "place of birth",
    ),
    "STREET_ADDRESS": ("address|addr|addr\\d|street|streetaddress", "po box"),
    "EMPLOYER": ("company|employer|employers|workplace", "work place", "organisation name"),
    "SECRET": ("password|passwd|pwd|passphrase|secret|token|apikey", "api key", "pass word"),
    "PERSON": (
        "^ (first|last|middle|maiden|given|family|sur|full|nick|patient|pt|provider"
        "|physician|doctor|nurse|clinician|attending|contact|mother|mothers|father|spouse"
        "|guardian|kin|owner)? name $",
        "^ (first|last|middle|maiden|surname|forename|fname|lname|mname) (\\d+)? $",
        "(first|last|full|given|family|maiden) name $",
        "^ name (first|last|full|given|family) $",
        "^ (name)? (prefix|suffix|title|honorific) $",
        "^ salutation $",
        "maiden",
        "^ middle (initial|init|i) $",
        "^ (middleinitial|initials?) $",
    ),
    "RECORD_ID": (
        "^ id $", "id $", "^ id", "uuid|guid|uid",
        "^ (patient|subject|person|pat|encounter|visit|admission|hadm)"
        " (id|key|no|num|nbr)? $",
        "user name", "username|login|screenname", "screen name",
    ),
    "FREE_TEXT": (
        "notes?", "comments?",
        "text|narrative|remarks?|memo|freetext|impression|findings|hpi|message",
        "free text",
    ),
}  # fmt: skip
"""Header hints shipped in ``configs/detection.yaml`` (see :class:`DetectionConfig`)."""

DEFAULT_NEUTRAL_HINTS: tuple[str, ...] = (
    "ndc", "prod srvc id", "icd\\d*", "icd\\d* (cm|pcs)", "cpt", "hcpcs", "snomed\\w*",
    "loinc", "rxnorm|rxcui", "drg", "ms drg", "(dx|px|diag|proc) (cd|code)",
    "country code", "(tele)?phone country code",
    "^ codes? $", "(reason|procedure|diagnosis|condition|drug|medication|bodysite|modality|sop"
    "|cvx|lab|test|vaccine) codes?",
)  # fmt: skip
"""Headers that name a code or quantity that is no identifier (an NDC drug code is clinical)."""


class FreeTextSettings(BaseModel):
    """When a string column counts as free text (span detection instead of one entity)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_mean_words: float = Field(
        default=5.0,
        gt=0,
        description="Mean words per sampled value at or above which the column may be free text.",
    )
    min_mean_chars: float = Field(
        default=30.0,
        gt=0,
        description="Mean characters per sampled value at or above which "
        "the column may be free text.",
    )
    min_distinct_fraction: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Distinct values / sampled values at or above "
        "which the column may be free text (low-cardinality descriptions are not free text).",
    )
    min_span_fraction: float = Field(
        default=0.3,
        ge=0.0,
        le=1.0,
        description="A column of short text that no single entity "
        "explains is still free text when at least this fraction of its values hold a span.",
    )


class DetectionConfig(BaseModel):
    """Everything the detectors (column_scan, text_detection) can be told, with safe defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    nlp_engine: str = Field(
        default=SHIPPED_ENGINE,
        min_length=1,
        description="'shareable_ner' for the PHI model "
        "shipped in the package (names, places, dates, phones) beside the rules; 'blank' for "
        "the rules alone (tokenizer, sentencizer, lookup lemmatizer; no model); or the name of "
        "an installed spaCy model package (e.g. 'en_core_web_lg') or the path of a model folder "
        "(a site's own model). Nothing is ever downloaded.",
    )
    score_threshold: float = Field(
        default=0.4, ge=0.0, le=1.0, description="Spans scoring below this are ignored."
    )
    sample_rows: int = Field(
        default=1000,
        ge=1,
        le=1_000_000,
        description="Rows read from a source for detection; "
        "also the most non-null values examined per column (spread evenly over the column).",
    )
    min_value_fraction: float = Field(
        default=0.3,
        gt=0.0,
        le=1.0,
        description="Fraction of a column's sampled values an "
        "entity must cover for the values alone to classify the column.",
    )
    min_age_in_text: int = Field(
        default=90,
        ge=0,
        le=125,
        description="Ages in free text below this are not reported "
        "(Safe Harbor removes ages over 89; set 0 to report every age).",
    )
    years_in_text: bool = Field(
        default=True,
        description='Report years in free text ("MI 1992", "CABG \'95"). Safe Harbor lets a '
        "year stay, but a year beside an event of a patient's history narrows who they are.",
    )
    batch_size: int = Field(
        default=64, ge=1, le=10_000, description="Texts per spaCy nlp.pipe batch."
    )
    workers: int = Field(
        default=0,
        ge=0,
        le=256,
        description="Processes that detect spans in free text (0: one per CPU core; 1: none, "
        "all in this process).",
    )
    parallel_min_texts: int = Field(
        default=128,
        ge=1,
        description="Fewer texts than this in one call are analysed in this process (starting "
        "work in other processes costs more than it saves on a few texts).",
    )
    phone_regions: tuple[str, ...] = Field(
        default=("US",),
        min_length=1,
        description="ISO 3166 regions whose phone number "
        "formats are recognised (python-phonenumbers region codes).",
    )
    name_locales: tuple[str, ...] = Field(
        default=("en_US", "en", "en_GB", "en_IE"),
        min_length=1,
        description="Faker locales whose first and last names make the name gazetteer (the "
        "first in full; the others without frequent English words and US places).",
    )
    free_text: FreeTextSettings = Field(
        default_factory=FreeTextSettings, description="Free-text column heuristics."
    )
    header_hints: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: dict(DEFAULT_HEADER_HINTS),
        description="Per entity, hints matched against the words of a column name (split at "
        "camelCase, digits and punctuation; glued known words split too): each hint is a "
        "sequence of whole-word regexes separated by spaces, `(...)?` optional, ^ and $ "
        "anchors. The first entity in file order with a matching hint is the header entity.",
    )
    neutral_hints: tuple[str, ...] = Field(
        default=DEFAULT_NEUTRAL_HINTS,
        description="Hints (same syntax) for headers that name a code or quantity that is no "
        "identifier (NDC, ICD, country code): such a header suggests no entity, and the "
        "values alone must show one.",
    )

    @field_validator("header_hints")
    @classmethod
    def _hints_are_known_and_compile(
        cls, value: dict[str, tuple[str, ...]]
    ) -> dict[str, tuple[str, ...]]:
        for entity, patterns in value.items():
            if entity not in HINT_ENTITIES:
                raise ValueError(
                    f"unknown entity {entity!r}; allowed values: {', '.join(HINT_ENTITIES)}"
                )
            _check_hints(entity, patterns)
        return value

    @field_validator("neutral_hints")
    @classmethod
    def _neutral_hints_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _check_hints("", value)
        return value

    @field_validator("name_locales")
    @classmethod
    def _locales_have_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        import importlib.util

        for locale in value:
            if importlib.util.find_spec(f"faker.providers.person.{locale}") is None:
                raise ValueError(
                    f"Faker has no person names for locale {locale!r}; use locales such as "
                    "'en_US', 'en_GB', 'es_MX'"
                )
        return value

    @field_validator("phone_regions")
    @classmethod
    def _regions_are_known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        import phonenumbers

        unknown = [r for r in value if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(
                f"unknown region(s) {', '.join(map(repr, unknown))}; use ISO 3166 alpha-2 "
                "codes such as 'US', 'CA', 'GB'"
            )
        return value


def _check_hints(owner: str, hints: tuple[str, ...]) -> None:
    for hint in hints:
        try:
            compile_hint(hint)
        except re.error as exc:
            where = f"{owner}: " if owner else ""
            raise ValueError(f"{where}pattern {hint!r} is not a valid regex ({exc})") from None


def load_detection_config(path: Path | Traversable | None = None) -> DetectionConfig:
    """Read and validate a detection config file.

    Args:
        path: The YAML file; by default the shipped ``configs/detection.yaml``.

    Returns:
        The validated, frozen configuration.

    Raises:
        SpecError: The file is missing or unreadable, is not YAML, or has an unknown key or
            an invalid value; the message names the file, the key and the allowed values.
    """
    path = DEFAULT_CONFIG_PATH if path is None else path
    path = Path(path) if isinstance(path, str) else path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the detection config ({exc.strerror}).") from None
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{path}: not valid YAML{where}.") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: expected a mapping of settings at the top level.")
    try:
        return DetectionConfig.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(_describe_errors(path, exc)) from None


def _describe_errors(path: Path | Traversable, exc: ValidationError) -> str:
    lines = [f"{path}: invalid detection config:"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            parent = _model_at(error["loc"][:-1])
            allowed = ", ".join(parent.model_fields) if parent else ""
            lines.append(f"  - {key}: unknown key; allowed keys: {allowed}")
        else:
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"  - {key}: {message}")
    return "\n".join(lines)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = DetectionConfig
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model
