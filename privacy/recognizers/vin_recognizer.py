"""Vehicle identifiers (Safe Harbor category L): VINs and labelled licence plates."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import VEHICLE_ID

_VIN_CHARS = "[A-HJ-NPR-Z0-9]"  # I, O and Q are never used (ISO 3779)
_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit(vin: str) -> str:
    """Return the check digit (``0``-``9`` or ``X``) of a 17-character VIN (49 CFR 565.15(c))."""
    total = sum(_TRANSLITERATION[c] * w for c, w in zip(vin.upper(), _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


class VinRecognizer(PatternRecognizer):
    """Recognize vehicle identification numbers, and licence plates after a label.

    A VIN is 17 characters from the ISO 3779 alphabet; in North America its ninth character is
    a check digit (49 CFR 565.15(c)), which :meth:`validate_result` verifies.
    """

    ENTITY = VEHICLE_ID
    PATTERNS = [
        Pattern(
            "VIN (medium)",
            rf"\b(?={_VIN_CHARS}*[A-HJ-NPR-Z])(?={_VIN_CHARS}*\d){_VIN_CHARS}{{17}}\b",
            0.5,
        ),
        Pattern(
            "Labelled licence plate (strong)",
            r"\b(?=[A-Z0-9][A-Z0-9 -]*\d)"
            r"(?<=\b(?:licen[cs]e\s*plate|plate|tag)\s*(?:no|num|number|\#)?\.?\s*[:#\-]?\s*)"
            r"[A-Z0-9]{1,4}[ -]?[A-Z0-9]{1,4}\b",
            0.8,
        ),
    ]
    QUICK_CHECK = r"(?i)[a-z0-9]{17}|plate|\btag"
    """Found in every text that a pattern scoring 0.4 or more can match (a cheap pre-filter:
    the detector skips those patterns where this finds nothing)."""
    CONTEXT = ["vin", "vehicle", "car", "truck", "auto", "motor", "plate"]

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
        """Verify a VIN's check digit (position 9) per 49 CFR 565.15(c) / ISO 3779.

        Each character is transliterated to a number (letters A-Z skipping I, O, Q map to 1-9
        in runs), multiplied by the position weight (8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2), and
        the sum modulo 11 (10 written ``X``) must equal the ninth character. A 17-character
        code failing the check is not a (North American) VIN; plates are not judged (``None``).
        """
        if len(pattern_text) != 17:
            return None
        return pattern_text[8].upper() == vin_check_digit(pattern_text)
