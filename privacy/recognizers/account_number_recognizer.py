"""Account numbers (Safe Harbor category J)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import ACCOUNT_NUMBER

_LABEL = r"(?:acct|account|a/c|billing|invoice|guarantor)"


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
    ]
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
