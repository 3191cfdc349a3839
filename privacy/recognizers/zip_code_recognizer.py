"""ZIP codes (Safe Harbor category B: geographic units smaller than a state)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import ZIP_CODE
from privacy.recognizers._gazetteer import US_STATE_ABBRS, US_STATE_NAMES

_STATE = (
    "(?-i:"
    + "|".join(sorted(US_STATE_ABBRS))
    + ")|"
    + "|".join(sorted(name.replace(" ", r"\s") for name in US_STATE_NAMES))
)


class ZipCodeRecognizer(PatternRecognizer):
    """Recognize US ZIP codes: 5 digits or ZIP+4.

    A bare 5-digit number is as likely a count or a code as a ZIP, so it counts only next to a
    context word (``zip``, ``postal``); after a state (``Boston, MA 02118``) or a label it is
    strong evidence, and the ZIP+4 form (``02118-2393``) is distinctive on its own.
    """

    ENTITY = ZIP_CODE
    PATTERNS = [
        Pattern(
            "Labelled ZIP (strong)",
            r"\b(?=\d{5})(?<=\b(?:zip|zipcode|zip\s*code|postal\s*code|postcode)\s*[:#\-]?\s*)"
            r"\d{5}(?:-?\d{4})?\b",
            0.85,
        ),
        Pattern(
            "ZIP after state (strong)",
            rf"\b(?=\d{{5}})(?<=\b(?:{_STATE})\.?,?\s{{1,3}})\d{{5}}(?:-\d{{4}})?\b",
            0.75,
        ),
        Pattern("ZIP+4 (medium)", r"\b\d{5}-\d{4}\b", 0.5),
        Pattern("5 digits (weak)", r"\b\d{5}\b", 0.05),
        Pattern("ZIP+4 without dash (very weak)", r"\b\d{9}\b", 0.01),
    ]
    QUICK_CHECK = r"\d{5}"
    """Found in every text that a pattern scoring 0.4 or more can match (a cheap pre-filter:
    the detector skips those patterns where this finds nothing)."""
    CONTEXT = ["zip", "postal", "postcode", "zcta"]

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
        """Reject 5-digit prefixes below 00501, the lowest ZIP code the USPS has assigned.

        USPS ZIP codes run from 00501 (Holtsville, NY) to 99950; 00000-00500 are unused.
        """
        return int(pattern_text[:5]) < 501
