"""Dates (Safe Harbor category C: all elements of dates except the year)."""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from privacy.entities import DATE_TIME
from privacy.recognizers._gazetteer import MONTHS


def _month_alternatives() -> str:
    forms: list[str] = []
    for month in MONTHS:
        short = "Sept" if month == "September" else month[:3]
        for form in (month, short, *(("Sep",) if month == "September" else ())):
            forms += [form, form.upper()]
    return "|".join(sorted(set(forms), key=len, reverse=True))


_MONTH = rf"(?:{_month_alternatives()})"
_MONTH_NUMBER = {m[:3].lower(): i for i, m in enumerate(MONTHS, start=1)}
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MON = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_ORDINAL = r"(?i:st|nd|rd|th)"
_TIME = (
    r"(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?)"
)
# Words after which a bare m/d ("on 7/29", "until 9/12", "s/p CABG 7/29", "to arrive 9/9",
# "post 3/3 transfusion", "to the OR 6/10") is a date, even one shaped like a score.
_MD_CUE = (
    r"(?i:on|since|until|till|thru|through|from|by|dated?|seen|admitted|discharged|last|next"
    r"|due|started|stopped|restarted|held|placed|removed|changed|performed|done|d/c'?d?|s/p"
    r"|arrive|arrives|arriving|arrival|post|(?-i:OR))"
)
_NOT_DATE_AFTER = (
    r"(?!\s*(?i:tabs?\b|tablets?|strength|ns\b|normal|doses?\b|mg|ml|cc\b|of\b|%|up\b|bilat"
    r"|hrs?\b|hours?\b|amps?\b|rate\b|pain|incisional|liters?\b|l\b|lpm|gallon|puffs?\b"
    r"|breaths?\b|pillows?\b|sem\b|murmur|times\b|x\b|ps\b|peep|fio2|bpm\b|beats|min\b"
    r"|minutes|mcg|units?\b|u\b|meq|kg\b|mmhg))"
)
# A fraction or score rather than a date: "pain 4/10", "1/2 tab", "strength 5/5".
_NOT_DATE_BEFORE = (
    r"\b(?i:pain|score|scale|strength|rated|rating|x|q|ratio|i:e|gcs|grade|cpap|ps|psv|peep|bipap"
    r"|ips|eps|simv|imv|vent|ventilation|rales|crackles|cp|c/o|d5|d5w|sem|murmur|cpap/ps|peep/ps"
    r"|ps/peep|mae|strength|grips?|amp|about)[\s:/=]{0,3}(?:of\s|at\s|on\s|to\s)?\s{0,2}"
    r"|(?<![\w.])\d\s"  # "1 1/2 hours" (not "CABG X3 10/5")
)
_NOT_FRACTION = (
    r"(?!(?:1/[234]|2/3|3/4|(\d\d?)/\1|\d\d?/10)\b(?<!(?:^|(?<!\d)\.[ \t]{1,3})[ \t]*\S+))"
)
"""Fractions, equal pairs ("5/5" strength, "10/10" pain) and scores out of 10 are no dates -
but where they open a line or a sentence ("9/9 ABX STOPPED", ". 10/10 ONSET OF PAIN")."""
_LOWER_MONTH = (
    "january|february|march|april|june|july|august|september|october|november|december"
    "|jan|feb|apr|jun|jul|aug|sept|sep|oct|nov"  # not "dec": decreased
)
_MONTH_ALONE = (
    "January|February|April|June|July|August|September|October|November|December"
    "|JANUARY|FEBRUARY|APRIL|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER"
    "|january|february|april|june|july|september|october|november|december"
    "|Feb|Apr|Aug|Sept|Sep|Oct|Nov|FEB|APR|AUG|SEPT|OCT|NOV"
)
_WEEKDAY = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs"
_HOLIDAY = (
    r"christmas(?:\s+eve)?|xmas|x-mas|thanksgiving|easter|new\s+year'?s(?:\s+(?:eve|day))?"
    r"|halloween|hanukkah|chanukah|kwanzaa|memorial\s+day|labor\s+day|independence\s+day"
    r"|veterans\s+day|valentine'?s\s+day|mother'?s\s+day|father'?s\s+day|fourth\s+of\s+july"
)
_US_TIME = r"(?:,?\s+(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*(?i:[ap]\.?m\.?))?)"


_SLASH_PAIR = regex.compile(r"\d{1,2}/\d{1,2}")
_VENTILATOR_WORD = (
    r"(?i:c?pap|bi-?pap|bi\s+pap|n?ippv|ipap|epap|psv?|peep|simv|imv|prvc|fio2|flow-?by"
    r"|settings)"
)
_VENTILATOR_BEFORE = regex.compile(rf"\b{_VENTILATOR_WORD}\b")
_VENTILATOR_AFTER = regex.compile(rf"[ \t]*[)/]?,?[ \t]*(?:{_VENTILATOR_WORD}\b|\d{{2,3}}[ \t]*%)")
_VENTILATOR_WINDOW = 45
"""Characters before a slash pair searched (on its line) for a ventilator mode or setting."""


def is_ventilator_setting(text: str, start: int, end: int) -> bool:
    """Whether the bare pair ``text[start:end]`` (``10/5``) is a ventilator setting, no date.

    Respiratory notes write pressure pairs (pressure support over PEEP, IPAP over EPAP) as
    ``m/d`` look-alikes: "CPAP/PS 10/5", "on bipap, 12/6", "SIMV 600x12, 40%, 5/8". The pair
    is read as a setting when a mode word (``CPAP``, ``PEEP``, ``SIMV``, ``settings`` ...)
    stands before it on the same line, within :data:`_VENTILATOR_WINDOW` characters, or
    right after it (``10/5 BIPAP``, ``10/5 40%``).
    """
    line_start = text.rfind("\n", 0, start) + 1
    before = max(line_start, start - _VENTILATOR_WINDOW)
    if _VENTILATOR_BEFORE.search(text, before, start) is not None:
        return True
    return _VENTILATOR_AFTER.match(text, end) is not None


class DateRecognizer(PatternRecognizer):
    """Recognize dates and timestamps in the forms clinical data uses.

    ISO 8601 (``1950-03-03``, ``2022-07-20T07:13:55Z``), US numeric (``3/3/1950``, ``03-03-50``
    style ``m/d/yy``), day-first numeric, month names (``March 3, 1950``, ``3 Mar 1950``,
    ``March 1950``, ``Mar 3``), and the short ``m/d`` form after a cue (``on 7/29``,
    ``until 9/12``) or next to a context word such as ``seen`` or ``admitted``. A year alone
    is not a Safe Harbor date element and is not matched.
    """

    ENTITY = DATE_TIME
    PATTERNS = [
        Pattern(
            "ISO date or timestamp (strong)",
            rf"\b{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]){_TIME}?(?![\d:])",
            0.85,
        ),
        Pattern("yyyy/mm/dd (medium)", rf"\b{_YEAR}/{_MON}/{_DAY}\b", 0.7),
        Pattern("m/d/yyyy (strong)", rf"\b{_MON}([/\-.]){_DAY}\1{_YEAR}\b{_US_TIME}?", 0.8),
        Pattern("d/m/yyyy (medium)", rf"\b{_DAY}([/\-.]){_MON}\1{_YEAR}\b{_US_TIME}?", 0.7),
        Pattern("m/d/yy (medium)", rf"\b{_MON}([/\-]){_DAY}\1\d\d\b(?![/\-.]\d|\s*%)", 0.6),
        Pattern("m.d.yy (medium)", rf"(?<![\d.]){_MON}\.{_DAY}\.\d\d\b(?![.\d]|\s*%)", 0.55),
        Pattern(
            "Month d, yyyy (strong)",
            rf"\b{_MONTH}\.?\s+{_DAY}{_ORDINAL}?,?\s+{_YEAR}\b",
            0.85,
        ),
        Pattern(
            "d Month yyyy (strong)",
            rf"\b{_DAY}{_ORDINAL}?(?:\s+of)?[\s\-]+{_MONTH}\.?,?[\s\-]+(?:{_YEAR}|\d\d)\b",
            0.85,
        ),
        Pattern("Month yyyy (medium)", rf"\b{_MONTH}\.?,?\s+{_YEAR}\b", 0.6),
        Pattern("Month d (medium)", rf"\b{_MONTH}\.?\s+{_DAY}{_ORDINAL}?\b(?!\s*[:.]\d)", 0.6),
        Pattern("d Month (medium)", rf"\b{_DAY}{_ORDINAL}?\s+(?:of\s+)?{_MONTH}\b", 0.6),
        Pattern("d-Mon (medium)", rf"\b{_DAY}-{_MONTH}\b(?!-\d)", 0.6),
        Pattern("m/yyyy (medium)", rf"\b{_MON}/{_YEAR}\b", 0.5),
        Pattern(
            "m/d after a cue (medium)",
            rf"\b(?=\d\d?/)(?<=(?:\b{_MD_CUE}\s+|\b\d{{1,2}}/\d{{1,2}}\s?-\s?))"
            rf"{_MON}/{_DAY}\b(?![/.]?\d)(?!-\d+(?![\d/])){_NOT_DATE_AFTER}",
            0.6,
        ),
        Pattern(
            "m-d after a cue (medium)",
            rf"\b(?=\d\d?-)(?<=\b{_MD_CUE}\s+){_MON}-{_DAY}\b(?![\-/.:]?\d){_NOT_DATE_AFTER}",
            0.6,
        ),
        Pattern(
            "m/d in notes (medium)",
            rf"\b(?=\d)(?<![\d/\-]|\d[.:]|{_NOT_DATE_BEFORE}){_NOT_FRACTION}{_MON}/{_DAY}\b(?![/.]?\d|-\d+(?![\d/])|%)"
            rf"{_NOT_DATE_AFTER}",
            0.5,
        ),
        Pattern(
            "lower-case month + day or year (medium)",
            rf"\b(?i:{_LOWER_MONTH})\.?\s*(?:{_DAY}{_ORDINAL}?\b|{_YEAR}\b|'?\d\d\b)",
            0.6,
        ),
        Pattern("Month alone (medium)", rf"\b(?:{_MONTH_ALONE})\b", 0.5),
        Pattern("weekday (medium)", rf"\b(?i:{_WEEKDAY})\b", 0.5),
        Pattern("holiday (medium)", rf"\b(?i:{_HOLIDAY})\b", 0.55),
        Pattern(
            "on the Nth (medium)",
            rf"(?=\d)(?<=\b(?i:on|since|until|it'?s|is)\s+the\s+)(?:{_DAY}){_ORDINAL}\b",
            0.5,
        ),
        Pattern("yyyymmdd (weak)", rf"\b{_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\b", 0.1),
    ]
    CONTEXT = [
        "date",
        "dated",
        "dob",
        "born",
        "birth",
        "birthday",
        "admit",
        "admission",
        "discharge",
        "seen",
        "visit",
        "appointment",
        "appt",
        "surgery",
        "died",
        "death",
        "deceased",
        "follow",
        "return",
        "since",
        "until",
        "schedule",
        "see",
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
            # Case matters: month names are capitalised ("may 3" is not a date).
            global_regex_flags=regex.DOTALL | regex.MULTILINE,
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Dates found by the patterns, less bare pairs that are ventilator settings."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [
            r
            for r in results
            if not (
                _SLASH_PAIR.fullmatch(text, r.start, r.end)
                and is_ventilator_setting(text, r.start, r.end)
            )
        ]

    def invalidate_result(self, pattern_text: str) -> bool:
        """Reject texts that no reading makes a date (``13/13``, ``0/5``).

        Month 1-12 and day 1-31; a day past the month's end (``2/30/2020``) is taken as a
        typing slip in a real date and kept. Numeric texts are tried month-first and
        day-first; a text is kept when either reading is a date.
        """
        return not _could_be_date(pattern_text)


_NUMBER = regex.compile(r"\d+")
_MONTH_WORD = regex.compile(r"[A-Za-z]{3,}")


def _could_be_date(text: str) -> bool:
    if not any(c.isdigit() for c in text):
        return True  # a month, weekday or holiday named in words
    body = regex.split(r"[T ]\d\d?:\d\d|,?\s+\d\d?:\d\d", text, maxsplit=1)[0]
    month_word = next(
        (
            _MONTH_NUMBER[w[:3].lower()]
            for w in _MONTH_WORD.findall(body)
            if w[:3].lower() in _MONTH_NUMBER
        ),
        None,
    )
    numbers = [n for n in _NUMBER.findall(body)]
    candidates: list[tuple[int, int, int]] = []  # (year, month, day)
    if month_word is not None:
        days = [int(n) for n in numbers if len(n) <= 2 and 1 <= int(n) <= 31]
        years = [int(n) for n in numbers if len(n) == 4]
        if not days:
            return True  # "March 1950"
        candidates += [(years[0] if years else 2000, month_word, d) for d in days]
    elif len(numbers) == 1 and len(numbers[0]) <= 2:
        return 1 <= int(numbers[0]) <= 31  # "the 11th"
    elif len(numbers) == 1 and len(numbers[0]) == 8:
        n = numbers[0]
        candidates.append((int(n[:4]), int(n[4:6]), int(n[6:])))
    elif numbers and len(numbers[0]) == 4:
        year, *rest = (int(n) for n in numbers)
        if len(rest) == 1:
            return 1 <= rest[0] <= 12
        candidates.append((year, rest[0], rest[1]))
    elif len(numbers) >= 2:
        a, b = int(numbers[0]), int(numbers[1])
        if len(numbers) == 2 and len(numbers[1]) == 4:
            return 1 <= a <= 12  # m/yyyy
        year = int(numbers[2]) if len(numbers) > 2 else 2000
        year = year + 2000 if year < 100 else year
        candidates += [(year, a, b), (year, b, a)]
    for _year, month, day in candidates:
        if 1 <= month <= 12 and 1 <= day <= 31:
            # A day the month lacks ("2/30", "4/31") is a mistyped date, not a fraction: the
            # date meant is still identifying, so it is kept.
            return True
    return False
