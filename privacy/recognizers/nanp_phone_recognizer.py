"""Telephone numbers (Safe Harbor category D) in North American and labelled forms."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import PHONE_NUMBER

_LABEL = r"(?:phone|tel|telephone|cell|cellphone|mobile|pager|contact|call|callback|home|work)"


class NanpPhoneRecognizer(PatternRecognizer):
    """Recognize phone numbers by shape and label, complementing Presidio's phone recognizer.

    Presidio's recognizer (python-phonenumbers) accepts only numbers valid in their region; a
    number with an unassigned area code or exchange is still a telephone number to de-identify.
    This one takes the North American Numbering Plan *shape* (``(617) 555-0123``,
    ``617.555.0123``, ``+1 617 555 0123``: a separator before the last four digits, so that a
    bare 10-digit code is not taken) and, after a label (``Phone:``, ``cell``), any
    number of 7 to 15 digits with the usual separators.
    """

    ENTITY = PHONE_NUMBER
    PATTERNS = [
        Pattern(
            "Labelled phone (strong)",
            rf"(?=\+?\(?\d)(?<=\b{_LABEL}\s*(?:no|num|number|\#)?\.?\s*(?:is\s*)?[:#\-]?\s*)"
            r"\+?\(?\d[\d\s().\-]{5,17}\d(?!\d)",
            0.75,
        ),
        Pattern(
            "NANP shape (medium)",
            r"(?<![\d\-])(?:\+?1[\s.\-]?)?(?:\([2-9]\d{2}\)|[2-9]\d{2})[\s.\-]?\d{3}[\s.\-]\d{4}"
            r"(?![\d\-])",
            0.45,
        ),
    ]
    CONTEXT = ["phone", "call", "cell", "tel", "mobile", "contact", "reach", "pager"]

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
        """Reject fewer than 7 digits (no dialable number is shorter) and repeated digits."""
        digits = [c for c in pattern_text if c.isdigit()]
        return len(digits) < 7 or len(set(digits)) <= 1
