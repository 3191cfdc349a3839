"""Medical record numbers (Safe Harbor category H)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import MEDICAL_RECORD_NUMBER

_LABEL = (
    r"(?:MRN|MR\s?\#|MR\s?(?:no|num|number)|med(?:ical)?\.?\s*rec(?:ord)?s?\.?"
    r"(?:\s*(?:no|num|number|\#))?|chart\s*(?:no|num|number|\#))"
)


class MedicalRecordNumberRecognizer(PatternRecognizer):
    """Recognize medical record numbers: ``MRN-123456``, ``MRN: 1234567``, ``chart # 445566``.

    MRNs are assigned by each facility and have no shared format or checksum, so a bare number
    only counts next to a context word; an ``MRN`` prefix or label is strong evidence.
    """

    ENTITY = MEDICAL_RECORD_NUMBER
    PATTERNS = [
        Pattern("MRN with prefix (strong)", r"\bMRN[-#:]?\d{5,12}\b", 0.85),
        Pattern(
            "Labelled MRN (strong)",
            rf"\b(?=[A-Z]{{0,3}}-?\d)(?<=\b{_LABEL}\.?\s*(?:is\s*)?[:#\-]?\s*)[A-Z]{{0,3}}-?\d{{4,12}}\b",
            0.85,
        ),
        Pattern("Digits (weak)", r"\b\d{6,10}\b", 0.05),
    ]
    QUICK_CHECK = r"(?i)mrn|\bmr\s?(?:\#|no|num)|med(?:ical)?\.?\s*rec|chart\s*(?:no|num|\#)"
    """Found in every text that a pattern scoring 0.4 or more can match (a cheap pre-filter:
    the detector skips those patterns where this finds nothing)."""
    CONTEXT = ["mrn", "record", "chart", "medical"]

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

    def invalidate_result(self, pattern_text: str) -> bool:
        """Reject numbers made of a single repeated digit (``000000``, ``1111111``).

        Such fillers are placeholders in every record system, never assigned MRNs.
        """
        digits = [c for c in pattern_text if c.isdigit()]
        return len(set(digits)) <= 1
