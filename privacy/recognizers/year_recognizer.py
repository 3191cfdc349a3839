"""Years written in clinical notes ("MI 1992", "CABG '95", "CVA in 94").

Safe Harbor (45 CFR 164.514(b)(2)(i)(C)) lets the year of a date stay, but a year beside an
event in a patient's history narrows who the patient is, and de-identification gold standards
such as the PhysioNet deid corpus mark them. This recognizer is on by default
(``years_in_text`` in ``configs/detection.yaml``) and can be turned off.
"""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from privacy.entities import DATE_TIME
from privacy.recognizers.date_recognizer import is_ventilator_setting

_SLASH_PAIR = regex.compile(r"\d{1,2}/\d{1,2}")

# Units and words after which a number is a quantity or a clock time, not a year.
_NOT_AFTER = (
    r"(?![\d/:%]|\.\d|\s*(?i:cc\b|ml\b|mls\b|mg\b|mcg\b|g\b|gm\b|kg\b|kcal|cal\b|units?\b|u\b|iu\b"
    r"|hrs?\b|hours?\b|min|mins\b|minutes?\b|secs?\b|x\b|mmhg|mm\b|cm\b|ft\b|lbs?\b|bpm|%|mph"
    r"|am\b|pm\b|a\.m|p\.m|hrs|h\b|o'?clock|times\b|steps\b|feet\b|meters?\b))"
)
# Words before which a four-digit number is a time ("at 1930", "@ 2000", "until 2015").
_NOT_TIME_BEFORE = (
    r"(?<!(?i:at|@|~|by|until|till|til|around|approx|about|from|to|since|before|after)\s{1,2})"
)
_HISTORY = (
    r"(?i:mi|ami|imi|nqwmi|awmi|cabg|ptca|pci|stent|cva|tia|avr|mvr|tvr|pe|dvt|aaa|turp|chf"
    r"|surgery|repair|replacement|ablation|redo|dx'?d?|diagnosed|hx|in|since)"
)
# Events of a patient's history (no bare "in"/"since": "since 12." is midnight).
_HISTORY_ITEM = (
    r"(?i:mi|ami|imi|nqwmi|awmi|cabg|ptca|pci|stent|cva|tia|avr|mvr|tvr|dvt|aaa|turp|chf"
    r"|ablation|redo)"
)
_HISTORY_WORDS = (
    rf"(?:{_HISTORY}"
    r"|(?i:year|yr|of|during|a|an|the|early|late|mid|summer|winter|spring|fall|autumn))"
)


class YearRecognizer(PatternRecognizer):
    """Recognize years: ``1992``, ``'95``, and two-digit years after a history item.

    Four-digit years from 1960 to 1999 are taken anywhere (no clock time is written 1960 to
    1999: minutes stop at 59); 1900-1959 and 2000-2199 (years past 2100 included: notes with
    shifted dates carry them) overlap clock times, so they are taken only after a history
    word or ``in``/``since`` and never after ``at``/``@``. Two-digit
    years need an apostrophe (``'92``), or a history item before them (``CABG 81,``) and
    punctuation after, or to open a clause before a history item (``HTN. 02 CABG``).
    """

    ENTITY = DATE_TIME
    PATTERNS = [
        Pattern(
            "yyyy 1960-1999 (medium)",
            rf"(?=1)(?<![\d/.:\-$#]){_NOT_TIME_BEFORE}\b19[6-9]\d\b{_NOT_AFTER}",
            0.5,
        ),
        Pattern(
            "yyyy after a history word (medium)",
            rf"(?=\d)(?<=\b{_HISTORY_WORDS}\s{{1,2}}(?:in\s)?)(?:19[0-5]\d|20\d\d|21\d\d)\b{_NOT_AFTER}",
            0.5,
        ),
        Pattern(
            "yyyy after 'it is' (medium)",
            r"(?=\d)(?<=\b(?:it'?s|it\s+is|year\s+is|year\s+of)\s{1,2})(?:19\d\d|20\d\d|21\d\d)\b"
            r"(?![\d/:%]|\.\d)",
            0.6,
        ),
        Pattern(
            "'yy (medium)",
            r"(?=\d)(?<=(?:^|[\s(,;:/\-\p{L}])')\d\d\b(?![\d/:.]\d)(?!'?s\b)(?![ \t]*x\b)",
            0.5,
        ),
        Pattern("yy' (medium)", r"(?=\d)(?<=[\s(,;:])\d\d(?='(?!s\b)(?![\p{L}\d]))", 0.5),
        Pattern(
            "m/yy (medium)",
            r"(?<![\d/.\-:])(?:0?[1-9]|1[0-2])/(?:3[2-9]|[4-9]\d)\b(?![/.]?\d)",
            0.5,
        ),
        Pattern(
            "yy after a history word (medium)",
            rf"(?=\d)(?<=\b{_HISTORY}\s{{1,2}})(?:[3-9]\d|0\d)(?=\s*(?:[,;)\n]|\.(?!\d)|$|\s+(?i:and|&|w/|s/p|with)\b))",
            0.45,
        ),
        Pattern(
            "yy after a history item, any decade (medium)",
            rf"(?=\d)(?<=\b{_HISTORY_ITEM}\s{{1,2}})[12]\d(?=\s*(?:[,;)\n]|\.(?!\d)|$))",
            0.45,
        ),
        Pattern(
            "yy opening a history item (medium)",
            rf"(?=\d)(?<=(?:^|[.;,][ \t]{{1,3}})[ \t]*)\d\d(?=[ \t]+{_HISTORY_ITEM}\b)",
            0.45,
        ),
    ]
    CONTEXT = ["history", "pmh", "hx", "s/p", "status post", "year"]

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

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Years found by the patterns, less ``m/yy`` pairs that are ventilator settings."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [
            r
            for r in results
            if not (
                _SLASH_PAIR.fullmatch(text, r.start, r.end)
                and is_ventilator_setting(text, r.start, r.end)
            )
        ]
