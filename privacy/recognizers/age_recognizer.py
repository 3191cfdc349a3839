"""Ages in text (Safe Harbor category C: ages over 89 and their elements)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import AGE

_AGE = r"\b(?:1[0-2]\d|\d{1,2})"


class AgeRecognizer(PatternRecognizer):
    """Recognize a person's age: ``93 yo``, ``93-year-old``, ``age 93``, ``aged 91``.

    The span is the number only, so ``93-year-old`` keeps its words when redacted. Safe Harbor
    (45 CFR 164.514(b)(2)(i)(C)) removes ages over 89 only, so ages below ``min_age``
    (default 90; ``min_age_in_text`` in the detection config) are not reported.
    """

    ENTITY = AGE
    PATTERNS = [
        Pattern(
            "N-year-old (strong)",
            rf"{_AGE}(?=\s*-?\s*(?:years?|yrs?|yr)\.?\s*-?\s*old\b)",
            0.85,
        ),
        Pattern(
            "N yo (strong)",
            rf"{_AGE}(?=\s*-?\s*(?:yo|y/o|y\.o\.?|yof|yom|yowf|yowm|y\.?o\.?f|y\.?o\.?m)(?![\w/]))",
            0.85,
        ),
        Pattern("N years of age (strong)", rf"{_AGE}(?=\s+years?\s+of\s+age\b)", 0.85),
        Pattern(
            "age N (medium)",
            rf"\b(?=\d)(?<=\b(?:age|aged|ages)\s*(?:of|is|was|:|-)?\s*){_AGE}\b"
            r"(?!\s*(?:%|mg|kg|lbs?|cm|mm|ml|g\b|/|\.\d))",
            0.75,
        ),
    ]
    CONTEXT = ["age", "aged", "old", "year"]
    MIN_AGE = 90
    MAX_AGE = 125

    def __init__(
        self,
        patterns: list[Pattern] | None = None,
        context: list[str] | None = None,
        supported_language: str = "en",
        supported_entity: str = ENTITY,
        name: str | None = None,
        min_age: int = MIN_AGE,
    ) -> None:
        self.min_age = min_age
        super().__init__(
            supported_entity=supported_entity,
            patterns=patterns if patterns else self.PATTERNS,
            context=context if context else self.CONTEXT,
            supported_language=supported_language,
            name=name,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        """Reject ages below ``min_age`` (Safe Harbor keeps ages up to 89) or above 125.

        No person documented has lived past 122 years; larger numbers are not ages.
        """
        age = int(pattern_text)
        return age < self.min_age or age > self.MAX_AGE
