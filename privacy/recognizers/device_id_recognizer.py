"""Device identifiers and serial numbers (Safe Harbor category M)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import DEVICE_ID

_LABEL = (
    r"(?:serial|s/n|sn|device\s*id|udi|imei|lot|model\s*/\s*serial|implant\s*id"
    r"|(?:pacemaker|pump|defibrillator|icd|stimulator)\s*(?:serial|id))"
)


class DeviceIdRecognizer(PatternRecognizer):
    """Recognize device identifiers: GS1 / HIBCC UDIs and serial numbers.

    A Unique Device Identifier (21 CFR 801.20, FDA UDI rule) in GS1 human-readable form starts
    with application identifier ``(01)`` and a 14-digit GTIN, followed by production
    identifiers such as ``(17)`` expiry, ``(10)`` lot and ``(21)`` serial; HIBCC UDIs start
    with ``+``. Serial numbers have no shared format: they are taken after a label (``S/N:``,
    ``serial no.``) or, weakly, as alphanumeric codes near a device word.
    """

    ENTITY = DEVICE_ID
    PATTERNS = [
        Pattern("GS1 UDI (strong)", r"\(01\)\d{14}(?:\(\d{2,4}\)[A-Z0-9\-./]+)*", 0.9),
        Pattern(
            "HIBCC UDI (medium)", r"(?<![\w+])\+[A-Z]\d{3}[A-Z0-9]{2,18}(?:/[A-Z0-9$+%]+)*", 0.5
        ),
        Pattern(
            "Labelled serial (strong)",
            rf"\b(?=[A-Z0-9][A-Z0-9-]*\d)(?<=\b{_LABEL}\.?\s*(?:no|num|number|\#)?\.?\s*(?:is\s*)?[:#\-]?\s*)"
            r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,24}\b",
            0.85,
        ),
        Pattern(
            "Serial-like code (weak)",
            r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{2,}(?:-[A-Z0-9]+)+\b"
            r"|\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,20}\b",
            0.05,
        ),
        Pattern("IMEI (weak)", r"\b\d{15}\b", 0.05),
    ]
    QUICK_CHECK = (
        r"(?i)\(01\)\d|\+[a-z]\d{3}|serial|s/n|\bsn|device|udi|imei|\blot|model|implant"
        r"|pacemaker|pump|defibrillator|icd|stimulator"
    )
    """Found in every text that a pattern scoring 0.4 or more can match (a cheap pre-filter:
    the detector skips those patterns where this finds nothing)."""
    CONTEXT = [
        "serial",
        "device",
        "udi",
        "imei",
        "pacemaker",
        "defibrillator",
        "implant",
        "pump",
        "stimulator",
    ]

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
