"""Certificate and licence numbers (Safe Harbor category K)."""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import LICENSE_NUMBER

_LABEL = (
    r"(?:licen[cs]e|lic\.|DL|permit|certificate|cert\.|passport|DEA|NPI|registration"
    r"|driver'?s?)"
)
_DEA = regex.compile(r"[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}", regex.IGNORECASE)


class LicenseNumberRecognizer(PatternRecognizer):
    """Recognize licence and certificate numbers.

    Driver licences, passports, professional licences, DEA registrations and NPIs have many
    formats; after a label (``DL: S99984236``, ``license # A1234567``, ``passport X19277260X``)
    any code with a digit counts. Without a label: DEA numbers with a valid check digit, and
    the common driver-licence / passport shapes (``S99984236``, ``X19277260X``) when a context
    word is near.
    """

    ENTITY = LICENSE_NUMBER
    PATTERNS = [
        Pattern(
            "Labelled licence (strong)",
            rf"\b(?=[A-Z0-9][A-Z0-9-]*\d)(?<=\b{_LABEL}\s*(?:licen[cs]e)?\s*(?:no|num|number|\#)?\.?\s*(?:is\s*)?"
            r"[:#\-]?\s*)(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,19}\b",
            0.85,
        ),
        Pattern("DEA registration (weak)", r"\b[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}\b", 0.3),
        Pattern("Letter and 8 digits (weak)", r"\b[A-Z]\d{8}\b", 0.3),
        Pattern("Passport letter-digits-letter (weak)", r"\b[A-Z]\d{8}[A-Z]\b", 0.3),
    ]
    QUICK_CHECK = (
        r"(?i)licen[cs]e|lic\.|\bdl|permit|certificate|cert\.|passport|dea|npi|registration"
        r"|driver"
    )
    """Found in every text that a pattern scoring 0.4 or more can match (a cheap pre-filter:
    the detector skips those patterns where this finds nothing)."""
    CONTEXT = ["license", "licence", "driver", "passport", "certificate", "dea", "npi", "permit"]

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

    def validate_result(self, pattern_text: str) -> bool | None:
        """Confirm DEA registration numbers by their check digit.

        DEA numbers are two letters (or a letter and 9) and seven digits; the seventh digit is
        the last digit of (d1 + d3 + d5) + 2 * (d2 + d4 + d6) (DEA Diversion Control Division,
        registration number format). A valid check digit makes the match certain; other texts
        are not judged here (``None``) so that licences of other shapes keep their score.
        """
        if _DEA.fullmatch(pattern_text) is None:
            return None
        d = [int(c) for c in pattern_text[2:]]
        if (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]:
            return True
        return None
