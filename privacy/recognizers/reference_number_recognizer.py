"""Other identifying numbers behind a label (Safe Harbor category R)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import RECORD_ID

_LABEL = (
    r"(?:ref(?:erence)?|conf(?:irmation)?|case|claim|order|ticket|tracking|accession|requisition"
    r"|specimen|encounter|visit|admission|episode)"
)


class ReferenceNumberRecognizer(PatternRecognizer):
    """Recognize numbers that name one record by a label: ``ref # 8336652``, ``claim no. A7731``.

    Safe Harbor's last category is "any other unique identifying number": reference,
    confirmation, case, claim, order, accession or encounter numbers. They have no shared
    format, so only a label followed by ``#``/``no``/``number`` and a code holding at least
    five digits counts ("case 2" or "order 3 units" do not).
    """

    ENTITY = RECORD_ID
    PATTERNS = [
        Pattern(
            "Labelled reference number (strong)",
            rf"\b(?=[A-Z0-9-]*(?:\d[A-Z-]*){{5}})(?<=\b{_LABEL}\s*(?:\#|no\.?|num(?:ber)?)"
            r"\s*(?:is\s*)?[:#\-]?\s*)[A-Z0-9][A-Z0-9-]{4,19}\b",
            0.7,
        ),
    ]
    QUICK_CHECK = r"(?i)ref|conf|case|claim|order|ticket|tracking|accession|requisition" + (
        r"|specimen|encounter|visit|admission|episode"
    )
    """Found in every text that a pattern scoring 0.4 or more can match (a cheap pre-filter:
    the detector skips those patterns where this finds nothing)."""
    CONTEXT = ["reference", "confirmation", "claim", "accession", "tracking"]

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
        """Reject codes made of a single repeated digit (``00000``): placeholders, not numbers."""
        digits = [c for c in pattern_text if c.isdigit()]
        return len(set(digits)) <= 1
