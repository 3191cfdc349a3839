"""Health plan beneficiary numbers (Safe Harbor category I)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import HEALTH_PLAN_ID

# CMS MBI alphabet: letters except S, L, O, I, B, Z.
_A = "[AC-HJKMNP-RT-Y]"
_AN = "[0-9AC-HJKMNP-RT-Y]"
_MBI = rf"[1-9]{_A}{_AN}\d-?{_A}{_AN}\d-?{_A}{_A}\d\d"
_LABEL = (
    r"(?:member|subscriber|beneficiary|policy|insurance|insured|medicaid|medicare|mbi|hicn"
    r"|plan\s*id|group\s*(?:no|num|number|\#))"
)


class HealthPlanIdRecognizer(PatternRecognizer):
    """Recognize health plan member and beneficiary ids.

    Medicare Beneficiary Identifiers follow CMS's 11-character layout (``1EG4-TE5-MK73``);
    commercial payers use their own formats, typically a 3-letter prefix and digits
    (``XYZ123456789``), which count only next to a context word or a label such as
    ``Member ID:``.
    """

    ENTITY = HEALTH_PLAN_ID
    PATTERNS = [
        Pattern("MBI with dashes (medium)", rf"\b[1-9]{_A}{_AN}\d-{_A}{_AN}\d-{_A}{_A}\d\d\b", 0.7),
        Pattern("MBI (medium)", rf"\b{_MBI}\b", 0.5),
        Pattern(
            "Labelled member id (strong)",
            rf"\b(?=[A-Z0-9][A-Z0-9-]*\d)(?<=\b{_LABEL}\s*(?:id|no|num|number|\#)?\.?\s*(?:is\s*)?[:#\-]?\s*)"
            r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{5,19}\b",
            0.85,
        ),
        Pattern("Payer prefix and digits (weak)", r"\b[A-Z]{3}\d{6,12}\b", 0.3),
        Pattern("Legacy HICN (weak)", r"\b\d{9}[A-Z]\d?\b", 0.3),
    ]
    QUICK_CHECK = (
        r"(?i)[1-9][a-z][0-9a-z]\d-?[a-z]|member|subscriber|beneficiary|policy|insur|medicaid"
        r"|medicare|mbi|hicn|plan\s*id|group\s*(?:no|num|\#)"
    )
    """Found in every text that a pattern scoring 0.4 or more can match (a cheap pre-filter:
    the detector skips those patterns where this finds nothing)."""
    CONTEXT = [
        "member",
        "subscriber",
        "beneficiary",
        "insurance",
        "insured",
        "policy",
        "medicare",
        "medicaid",
        "payer",
        "plan",
        "coverage",
        "mbi",
    ]

    def __init__(
        self,
        patterns: list[Pattern] | None = None,
        context: list[str] | None = None,
        supported_language: str = "en",
        supported_entity: str = ENTITY,
        name: str | None = None,
    ) -> None:
        super().__init__(
            supported_entity=supported_entity,
            patterns=patterns if patterns else self.PATTERNS,
            context=context if context else self.CONTEXT,
            supported_language=supported_language,
            name=name,
        )
