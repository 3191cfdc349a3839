"""Record identifiers in UUID form (Safe Harbor category R: any other unique identifier)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import RECORD_ID


class UuidRecognizer(PatternRecognizer):
    """Recognize UUIDs (``8-4-4-4-12`` hexadecimal groups, RFC 9562 text form).

    Record systems (Synthea, FHIR servers, EHR exports) key patients and encounters by UUIDs;
    the version and variant nibbles are not checked because generators do not all set them.
    Undashed 32-hex strings are left alone: they are the shape of Shareable's own pseudonyms.
    """

    ENTITY = RECORD_ID
    PATTERNS = [
        Pattern(
            "UUID (strong)",
            r"\b[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\b",
            0.85,
        ),
    ]
    QUICK_CHECK = r"(?i)[0-9a-f]{8}-"
    """Found in every text that a pattern scoring 0.4 or more can match (a cheap pre-filter:
    the detector skips those patterns where this finds nothing)."""
    CONTEXT = ["uuid", "guid", "id", "identifier"]

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
