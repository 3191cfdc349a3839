"""Account numbers (Safe Harbor category J)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import ACCOUNT_NUMBER

_LABEL = r"(?:acct|account|billing|invoice|guarantor)"  # not "a/c": assist-control ventilation


class AccountNumberRecognizer(PatternRecognizer):
    """Recognize labelled account numbers: ``Acct# 12345678``, ``account number AB-20931``.

    Bank, card and IBAN numbers are found by Presidio's own recognizers (see the registry);
    this one covers the hospital billing and guarantor accounts they miss, which have no
    common format and so are only taken after a label.
    """

    ENTITY = ACCOUNT_NUMBER
    PATTERNS = [
        Pattern("Account prefix (strong)", r"\bACCT[-#:]?\d{4,17}\b", 0.85),
        Pattern(
            "Labelled account (strong)",
            rf"\b(?=[A-Z0-9][A-Z0-9-]*\d)(?<=\b{_LABEL}\.?\s*(?:no|num|number|\#)?\.?\s*(?:is\s*)?[:#\-]?\s*)"
            r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,24}\b",
            0.85,
        ),
        Pattern(
            "Card number after a label (medium)",
            r"(?=\d)(?<=\b(?i:card|cc)\b(?i:\s*(?:no\.?|num|number|\#|is|:))*\s*[:#]?\s*)"
            r"\d(?:[ \-]?\d){11,18}\b",
            0.6,
        ),
        Pattern(
            "IBAN after a label (medium)",
            r"(?=[A-Za-z]{2}\d)(?<=\b(?i:iban)\b(?i:\s*(?:no\.?|number|is|:))*\s*[:#]?\s*)"
            r"[A-Za-z]{2}\d{2}(?:\s?[A-Za-z0-9]){11,30}\b",
            0.7,
        ),
    ]
    QUICK_CHECK = r"(?i)acct|account|billing|invoice|guarantor|\bcard\b|\bcc\b|iban"
    """Found in every text that a pattern scoring 0.4 or more can match (a cheap pre-filter:
    the detector skips those patterns where this finds nothing)."""
    CONTEXT = ["account", "acct", "billing", "invoice", "guarantor"]

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
        """Reject values whose digits are all the same (``0000000``): placeholders, not accounts."""
        digits = [c for c in pattern_text if c.isdigit()]
        return len(set(digits)) <= 1
