"""Telephone numbers (Safe Harbor category D) in North American and labelled forms."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import PHONE_NUMBER

_PAGER_HYPHENATED = re.compile(r"\d{1,2}-\d{4,5}")
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
            r"(?=[+(\d])(?<![\d\-])(?:\+?1[\s.\-]?)?(?:\([2-9]\d{2}\)|[2-9]\d{2})[\s.\-]?\d{3}"
            r"[\s.\-]\d{4}"
            r"(?![\d\-])",
            0.45,
        ),
        Pattern(
            "Pager number (medium)",
            r"(?=\d)(?<=\b(?i:pager|beeper|pg|page|bleep)\s*(?i:no\.?|num|number|\#)?\s*[:#]?\s*\#?\s*)"
            r"(?:\d{4,6}|\d{1,2}-\d{4,5})\b(?![\d/.\-])",
            0.6,
        ),
        Pattern(
            "ddd-ddd-dddd (medium)",
            r"(?<![\d\-/.])\d{3}(?:-|/|\s?-\s?)\d{3}(?:-|/|\s?-\s?)\d{4}(?![\d\-/])",
            0.5,
        ),
        Pattern(
            "Spaced ddd ddd dddd (weak)",
            r"(?=\d)(?<=\(|\b(?i:at|is|#|call|number)\s{1,2})\d{3}\s\d{3}\s?\d{4,5}\b(?![\d/.])",
            0.5,
        ),
        Pattern(
            "International with + (medium)",
            r"(?<![\w+])\+\d{1,3}[\s.\-]?(?:\(0\)\s?)?\(?\d{1,4}\)?(?:[\s.\-]?\d{2,4}){2,5}(?![\w\-])",
            0.6,
        ),
        Pattern(
            "Trunk-prefixed groups (medium)",
            r"(?<![\w.,/+\-])(?!\d{3}-\d{2}-\d{4}\b)\(?0\d{1,4}\)?(?:[\s.\-]\d{2,4}){2,4}"
            r"(?![\w.,/]\d|[\w\-])",
            0.5,
        ),
        Pattern(
            "Called at (medium)",
            r"(?=[(+\d])(?<=\b(?i:call\s+me\s+(?:at|on)|call\s+(?:at|on)|answering\s+at|reached\s+at"
            r"|reach\s+me\s+(?:at|on)|registered|messages\s+to|texts?\s+to|desk|office|mobile"
            r"|fax|tel|phone|cell)\s*[:#]?\s*)"
            r"\(?\+?\d[\d\s().\-]{5,18}\d(?![\d/])",
            0.6,
        ),
        Pattern(
            "Before a phone label (medium)",
            r"(?<![\w.+\-])\(?\+?\d[\d\s().\-]{5,18}\d(?=\s*-?\s*(?i:office|fax|mobile|cell|home|work|desk)\b)",
            0.6,
        ),
        Pattern(
            "Extension after a number (medium)",
            r"(?=[xXeE])(?<=\d{4}[\s)]{1,2})(?i:x|ext\.?|extension)\s?\d{2,5}\b",
            0.5,
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
        """Reject fewer than 7 digits (no dialable number is shorter) and repeated digits.

        Pager numbers (4 to 6 digits, or ``8-1675``, after a pager label) and extensions
        (``x45``) are shorter by nature: they are recognised by their label and kept.
        """
        digits = [c for c in pattern_text if c.isdigit()]
        if pattern_text[:1] in "xXeE" or (pattern_text.isdigit() and 4 <= len(pattern_text) <= 6):
            return False
        if _PAGER_HYPHENATED.fullmatch(pattern_text):  # "PG 8-1675": a pager's own grouping
            return False
        return len(digits) < 7 or len(set(digits)) <= 1
