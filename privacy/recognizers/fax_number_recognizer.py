"""Fax numbers (Safe Harbor category E)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import FAX_NUMBER


class FaxNumberRecognizer(PatternRecognizer):
    """Recognize phone-shaped numbers right after the word ``fax``.

    Fax and telephone numbers share the NANP format; only the label tells them apart. Presidio's
    phone recognizer finds the same digits as ``PHONE_NUMBER`` with a lower score, so when spans
    are merged the fax label wins.
    """

    ENTITY = FAX_NUMBER
    PATTERNS = [
        Pattern(
            "Labelled fax (strong)",
            r"(?=[+(]?\d)(?<=\bfax(?:\s*(?:no|num|number|\#))?\.?\s*[:#\-]?\s*)"
            r"(?:\+?1[\s.\-]?)?\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]?\d{4}\b",
            0.9,
        ),
    ]
    QUICK_CHECK = r"(?i)fax"
    """Found in every text that a pattern scoring 0.4 or more can match (a cheap pre-filter:
    the detector skips those patterns where this finds nothing)."""
    CONTEXT = ["fax", "facsimile"]

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
