"""Web addresses (Safe Harbor category N)."""

from __future__ import annotations

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import UrlRecognizer

from privacy.entities import URL

_LABEL = r"[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?"
_COMMON_TLDS = "com|org|net|edu|gov|mil|int|info|biz|io|us|uk|ca|health|care|app|dev|co"


class WebUrlRecognizer(UrlRecognizer):
    """Presidio's URL recognizer with patterns that leave telegraphic clinical text alone.

    Presidio's scheme-less pattern takes any ``word.xx`` with a country-code suffix as a URL,
    and clinical notes are full of ``tube.me``, ``today.Pt`` or ``held.Car`` (sentences without
    a space after the period). Here a URL needs a scheme (``https://``), a ``www.`` host, or a
    lower-case host name ending in a common suffix (``cooper.com``, ``mass.gov``).
    """

    ENTITY = URL
    PATTERNS = [
        Pattern(
            "URL with scheme (strong)",
            r"\b(?:https?|ftps?)://[^\s<>\"'()]*[^\s<>\"'().,;:!?]",
            0.6,
        ),
        Pattern(
            "www host (strong)",
            rf"\bwww\d{{0,3}}\.{_LABEL}(?:\.{_LABEL})+(?:/[^\s<>\"'()]*[^\s<>\"'().,;:!?])?",
            0.6,
        ),
        Pattern(
            "Host with a common suffix (medium)",
            rf"(?<![@\w.])(?-i:{_LABEL}(?:\.{_LABEL})*\.(?:{_COMMON_TLDS}))\b"
            r"(?:/[^\s<>\"'()]*[^\s<>\"'().,;:!?])?",
            0.5,
        ),
    ]
    QUICK_CHECK = (
        r"(?i:://|www)"
        r"|[a-z0-9]\.(?:com|org|net|edu|gov|mil|int|info|biz|io|us|uk|ca|health|care|app|dev|co)\b"
    )
    """Found in every text that a pattern scoring 0.4 or more can match (a cheap pre-filter:
    the detector skips those patterns where this finds nothing)."""

    def __init__(
        self,
        patterns: list[Pattern] | None = None,
        context: list[str] | None = None,
        supported_language: str = "en",
        supported_entity: str = ENTITY,
        name: str | None = None,
    ) -> None:
        super().__init__(
            patterns=patterns if patterns else self.PATTERNS,
            context=context,
            supported_language=supported_language,
            supported_entity=supported_entity,
            name=name,
        )
