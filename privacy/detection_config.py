"""Settings of PHI detection, read from ``configs/detection.yaml``.

:class:`DetectionConfig` is a frozen pydantic model (unknown keys are errors); load it with
:func:`load_detection_config`. Every default below is also written out in the shipped YAML
file, so that a steward sees and edits the real values. Nothing here is data: the file holds
settings only, and error messages may quote it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from privacy.entities import FREE_TEXT, IDENTIFIER_ENTITIES
from privacy.errors import SpecError

CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs"
"""The repository's ``configs/`` folder."""

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
    # Order matters: the first entity whose pattern matches the normalised header wins
    # (``email_address`` is an email before it is an address, ``birthplace`` a place).
    "US_SSN": (r"ssn", r"social_?sec",),
    "EMAIL_ADDRESS": (r"e_?mail",),
    "URL": (
        r"(^|_)(url|uri|website|web_?site|web_?page|homepage)s?(_|$)",
        r"^(web_?)?domain(_?name)?s?$",
        r"^host_?name$",
    ),
    "IP_ADDRESS": (r"(^|_)ip(v4|v6)?(_?addr(ess)?)?(_|$)",),
    "FAX_NUMBER": (r"fax",),
    # A phone's country code alone ("TelephoneCountryCode": 1, 44) is no identifier.
    "PHONE_NUMBER": (
        r"phone(?!_country_code$)",
        r"(^|_)(tel|telephone|mobile|cell|pager)(_(?!country_code$)|$)",
    ),
    "MEDICAL_RECORD_NUMBER": (
        r"(^|_)mrn(_|$)",
        r"medical_?rec(ord)?",
        r"(^|_)mr_?(no|num|number)(_|$)",
        r"chart_?(no|num|number|id)",
    ),
    "HEALTH_PLAN_ID": (
        r"member_?(id|no|num|number)",
        r"^member$",
        r"beneficiary",
        r"subscriber",
        r"plan_?id",
        r"policy_?(id|no|num|number)",
        r"insurance_?(id|no|num|number)",
        r"(^|_)(mbi|hicn|medicaid_?id|medicare_?id)(_|$)",
    ),
    "ACCOUNT_NUMBER": (
        r"acct",
        r"account",
        r"(^|_)iban(_|$)",
        r"credit_?card",
        r"card_?(no|num)",
        r"(^|_)cc_?(no|num|number)(_|$)",
        r"(^|_)(cvv|cvc)2?(_|$)",
    ),
    "VEHICLE_ID": (r"(^|_)vin(_|$)", r"vehicle", r"licen[cs]e_?plate", r"plate_?(no|num)"),
    "LICENSE_NUMBER": (
        r"licen[cs]e",
        r"(^|_)drivers?(_|$)",
        r"passport",
        r"certificate",
        r"(^|_)(dea|npi|dl)(_|$)",
    ),
    "DEVICE_ID": (r"device", r"serial", r"(^|_)(udi|imei)(_|$)", r"mac_?addr"),
    "BIOMETRIC_ID": (r"biometric", r"fingerprint", r"retina", r"(voice|face|palm)_?print",),
    "PHOTO": (r"(^|_)(photo|photograph|image|picture|portrait|headshot|mugshot)s?(_|$)",),
    "BIRTH_DATE": (r"(^|_)(dob|bdate)(_|$)", r"birth_?(date|day|dt)", r"date_?of_?birth"),
    "DATE_TIME": (
        r"date(_|$)",
        r"(^|_)date",
        r"(^|_)(dt|dttm|datetime|timestamp|time|dod)(_|$)",
    ),
    "AGE": (r"(^|_)age(_|$)", r"(^|_)age_?(at|years|yrs)", r"years_?old"),
    "ZIP_CODE": (r"zip", r"postal", r"post_?code", r"(^|_)zcta(_|$)"),
    "GEO_COORDINATE": (
        r"(^|_)(lat|lon|lng|latitude|longitude|coord|coords|coordinates|geo|geom|geometry)(_|$)",
    ),
    "LOCATION": (
        r"(^|_)(city|county|town|township|borough|village|municipality|parish)(_|$)",
        r"(^|_)(neighbou?rhood|district|precinct|tract|fips)(_|$)",
        r"birth_?place",
        r"place_?of_?birth",
        r"hometown",
    ),
    "STREET_ADDRESS": (r"address", r"(^|_)(street|addr|addr\d|po_?box)(_|$)",),
    "PERSON": (
        r"^(first|last|middle|maiden|given|family|sur|full|nick|patient|pt|provider|physician"
        r"|doctor|nurse|clinician|attending|contact|mother|father|spouse|guardian|kin)?_?name$",
        r"^(first|last|middle|maiden|surname|forename|fname|lname|mname)(_?\d)?$",
        r"_(first|last|full|given|family|maiden)_?name$",
        r"^name_(first|last|full|given|family)$",
        r"^(name_)?(prefix|suffix|title|honorific)$",
        r"^salutation$",
        r"(^|_)maiden(_|$)",
        r"^(middle_?(initial|init|i)|initials?)$",
    ),
    "RECORD_ID": (
        r"^id$",
        r"_id$",
        r"^id_",
        r"uuid",
        r"guid",
        r"(^|_)uid(_|$)",
        r"^(patient|subject|person|pat|encounter|visit|admission|hadm)(_?(id|key|no|num|nbr))?$",
        r"(^|_)(user_?name|login|screen_?name)(_|$)",
    ),
    "FREE_TEXT": (
        r"note",
        r"comment",
        r"(^|_)(text|narrative|remarks?|memo|free_?text|impression|findings|hpi|message)(_|$)",
    ),
}  # fmt: skip
"""Header hint patterns shipped in ``configs/detection.yaml`` (see :class:`DetectionConfig`)."""


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
        description="Per entity, regexes searched in the normalised column name (lower case, "
        "words joined by '_'; camelCase split). The first entity in file order that matches "
        "is the column's header entity.",
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
            for pattern in patterns:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(
                        f"{entity}: pattern {pattern!r} is not a valid regex ({exc})"
                    ) from None
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


def load_detection_config(path: Path | None = None) -> DetectionConfig:
    """Read and validate a detection config file.

    Args:
        path: The YAML file; by default ``configs/detection.yaml`` of this repository.

    Returns:
        The validated, frozen configuration.

    Raises:
        SpecError: The file is missing or unreadable, is not YAML, or has an unknown key or
            an invalid value; the message names the file, the key and the allowed values.
    """
    path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
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


def _describe_errors(path: Path, exc: ValidationError) -> str:
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
