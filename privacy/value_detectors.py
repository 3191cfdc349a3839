"""Shapes and distributions of a column's values that reveal what its header hides.

Each detector takes the sampled non-null values of one column (Python objects, in row order)
and returns a :class:`Guess` or None. A guess names an entity, says whether the evidence is
strong enough to classify the column (``confident``) or only to suspect it (the planner then
fails safe), and describes the evidence in words and counts, never with a value.

The detectors prefer shapes and distributions to word lists: ages are whole numbers spread
from childhood or adulthood to old age with no dominant value; county FIPS codes are five
digits whose state part is a real state and whose county part is odd; coordinates are
fractional degrees with many decimals in a narrow band; secrets are unique, space-free mixes
of letters and digits.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from privacy import entities as ent

__all__ = ["Guess", "numeric_guess", "string_guess", "yyyymmdd_share"]

STATE_FIPS: frozenset[int] = frozenset(
    [*range(1, 3), 4, 5, 6, *range(8, 14), *range(15, 43), *range(44, 52), 53, 54, 55, 56, 72]
)
"""Two-digit FIPS codes of the states, DC and Puerto Rico (01 Alabama ... 56 Wyoming, 72 PR)."""

_MIN_VALUES = 20
"""Fewer sampled values than this are too few to judge a distribution."""


@dataclass(frozen=True)
class Guess:
    """What the values suggest: an entity, how sure, and why (counts only)."""

    entity: str
    share: float
    confident: bool
    why: str


# -- numbers -----------------------------------------------------------------------------


def _as_numbers(values: Sequence[object]) -> list[float]:
    numbers = []
    for value in values:
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float) and math.isfinite(value):
            numbers.append(float(value))
        elif isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
            numbers.append(float(value))
    return numbers


def _is_yyyymmdd(number: float) -> bool:
    if number != int(number) or not 18_500_101 <= number <= 21_001_231:
        return False
    n = int(number)
    try:
        dt.date(n // 10_000, n // 100 % 100, n % 100)
    except ValueError:
        return False
    return True


def yyyymmdd_share(values: Sequence[object]) -> float:
    """Share of ``values`` that are valid YYYYMMDD dates (integers or digit strings)."""
    numbers = _as_numbers(values)
    return sum(map(_is_yyyymmdd, numbers)) / len(values) if values else 0.0


def _ages(numbers: list[float]) -> Guess | None:
    """Whole numbers from youth to old age, many distinct, none dominant: ages."""
    if len(numbers) < 50 or any(v != int(v) for v in numbers):
        return None
    low, high = min(numbers), max(numbers)
    counts = Counter(numbers)
    top_share = counts.most_common(1)[0][1] / len(numbers)
    if 0 <= low <= 30 and 75 <= high <= 125 and len(counts) >= 25 and top_share <= 0.15:
        over = sum(1 for v in numbers if v > 89)
        return Guess(
            ent.AGE,
            1.0,
            True,
            f"values look like ages: whole numbers {len(counts)} distinct, spread up to old "
            f"age (most frequent value {top_share:.0%}); {over}/{len(numbers)} over 89",
        )
    return None


def _decimals(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _coordinates(numbers: list[float]) -> Guess | None:
    """Fractional degrees with 4+ decimals, in a narrow band away from 0: lat or lon."""
    if len(numbers) < _MIN_VALUES:
        return None
    precise = sum(1 for v in numbers if _decimals(v) >= 4) / len(numbers)
    low, high = min(numbers), max(numbers)
    mean = sum(numbers) / len(numbers)
    distinct = len(set(numbers)) / len(numbers)
    if (
        precise >= 0.8
        and -180 <= low
        and high <= 180
        and high - low <= 30
        and abs(mean) >= 1
        and (distinct >= 0.5 or len(set(numbers)) >= 50)
    ):
        return Guess(
            ent.GEO_COORDINATE,
            precise,
            True,
            f"values look like coordinates: {precise:.0%} have 4+ decimals, within a band of "
            f"{high - low:.1f} degrees",
        )
    return None


def _row_numbers(numbers: list[float]) -> Guess | None:
    """Unique whole numbers increasing with the row, or unique long numbers: record ids."""
    if len(numbers) < 50 or any(v != int(v) for v in numbers):
        return None
    unique = len(set(numbers)) == len(numbers)
    increasing = all(a < b for a, b in zip(numbers, numbers[1:], strict=False))
    if unique and increasing and 0 <= numbers[0] <= 10 * len(numbers):
        return Guess(ent.RECORD_ID, 1.0, True, "values are unique and count up row by row")
    long = sum(1 for v in numbers if abs(v) >= 1e11) / len(numbers)
    if long >= 0.95 and len(set(numbers)) >= 0.8 * len(numbers):
        return Guess(ent.RECORD_ID, long, True, "values are nearly unique numbers of 12+ digits")
    return None


def _uniform_codes(numbers: list[float]) -> Guess | None:
    """Many distinct whole numbers spread evenly over their range: codes, not measurements.

    Counts, amounts and weights pile up at the low end; ages have their own check. A flat
    spread of 100+ distinct values (card security codes, random keys) is a code.
    """
    if len(numbers) < 100 or len(set(numbers)) < 100:
        return None
    low, high = min(numbers), max(numbers)
    bins = [0] * 10
    for v in numbers:
        bins[min(int((v - low) / (high - low) * 10), 9)] += 1
    shares = [b / len(numbers) for b in bins]
    if min(shares) >= 0.05 and max(shares) <= 0.15:
        return Guess(
            ent.RECORD_ID,
            1.0,
            False,
            f"{len(set(numbers))} distinct whole numbers spread evenly over their range, as "
            "codes are (measurements and counts pile up at one end)",
        )
    return None


def numeric_guess(values: Sequence[object]) -> Guess | None:
    """What a numeric column's values are, whatever its header says (None: no identifier)."""
    numbers = _as_numbers(values)
    if not numbers:
        return None
    share = sum(map(_is_yyyymmdd, numbers)) / len(numbers)
    if share >= 0.9:
        return Guess(ent.DATE_TIME, share, True, f"{share:.0%} of values are YYYYMMDD dates")
    for check in (_ages, _coordinates, _row_numbers):
        guess = check(numbers)
        if guess is not None:
            return guess
    whole = [int(v) for v in numbers if v == int(v)]
    if len(whole) == len(numbers):
        return _code_guess([str(v) for v in whole], from_integers=True) or _uniform_codes(numbers)
    return None


# -- strings -----------------------------------------------------------------------------

_PUMA = re.compile(r"(\d{2})-?(\d{5})")
_LICENCE = re.compile(r"[A-Z]{1,2}\d{6,9}[A-Z]?")
_OID = re.compile(r"\d+(\.\d+){4,}")
"""A dotted object identifier (DICOM study, series and instance UIDs)."""
_HEX_ID = re.compile(r"[0-9A-Fa-f]{8,}")
_DOMAIN = re.compile(r"(?i)(?:[a-z0-9-]+\.)+[a-z]{2,}")
_DATE_SHAPES = tuple(
    re.compile(p)
    for p in (
        r"\d{4}-\d{1,2}-\d{1,2}([T ]\d{1,2}:\d{2}.*)?",
        r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}",
        r"\d{4}/\d{1,2}/\d{1,2}",
        r"(?i)[a-z]{3,9}\.?[ -]\d{1,2}(st|nd|rd|th)?,? \d{4}",
        r"(?i)\d{1,2}[ -][a-z]{3,9}\.?[ -]\d{2,4}",
        r"(?i)(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[ -/]\d{2,4}",
    )
)
_CODE = re.compile(r"[A-Za-z]\w*|(?!-?\d+\.\d+$)(?=.*\d)[\w][\w ./+-]{2,23}")
"""A single word (a user name) or a short code holding a digit (postal code, id number)."""
_NAME_WORD = re.compile(r"[A-ZÀ-Þ][\w'’.&-]*|&|and|of|the|de|la|van|von")


def _share(values: Sequence[str], test: Callable[[str], bool]) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def _geo_code(values: Sequence[str], *, from_integers: bool = False) -> Guess | None:
    """PUMA, census tract / block group or county FIPS codes (geography below the state)."""

    def state_ok(code: str) -> bool:
        return int(code[:2]) in STATE_FIPS

    puma = _share(values, lambda v: bool(_PUMA.fullmatch(v)) and "-" in v and state_ok(v))
    if puma >= 0.9:
        return Guess(ent.LOCATION, puma, True, f"{puma:.0%} of values are state-PUMA codes")
    tracts = () if from_integers else ((11, "census tract"), (12, "census block group"))
    for digits, what in tracts:
        share = _share(values, lambda v, d=digits: len(v) == d and v.isdigit() and state_ok(v))
        if share >= 0.9:
            return Guess(ent.LOCATION, share, True, f"{share:.0%} of values are {what} codes")
    five = [v for v in values if len(v) == 5 and v.isdigit()]
    if len(five) >= 0.9 * len(values) and len(values) >= _MIN_VALUES:
        odd = _share(five, lambda v: int(v[-1]) % 2 == 1 and state_ok(v))
        if odd >= 0.95:
            return Guess(
                ent.LOCATION,
                odd,
                True,
                f"{odd:.0%} of values are county FIPS codes (a state code and an odd county "
                "number)",
            )
    return None


def _zip_codes(values: Sequence[str], *, from_integers: bool) -> Guess | None:
    if len(values) < _MIN_VALUES:
        return None
    shaped = _share(values, lambda v: bool(re.fullmatch(r"\d{5}(-\d{4})?", v)))
    if from_integers:
        shaped = _share(values, lambda v: v.isdigit() and 10_000 <= int(v) <= 99_999)
        nine = _share(values, lambda v: v.isdigit() and len(v) == 9)
        snomed = _share(values, lambda v: v[-3:-1] == "00")  # SNOMED CT concept partition
        if nine >= 0.9 and len(set(values)) >= 0.5 * len(values) and snomed < 0.5:
            shaped = nine  # ZIP+4 stored without its hyphen: one per address, rarely repeated
    if shaped < 0.9:
        return None
    leading = _share(values, lambda v: v.startswith("0") or "-" in v)
    repeats = len(set(values)) / len(values) <= 0.7
    regional = Counter(v[0] for v in values).most_common(1)[0][1] / len(values) >= 0.8
    if leading > 0 or repeats or regional:
        confident = not from_integers and (leading > 0 or repeats)
        return Guess(
            ent.ZIP_CODE,
            shaped,
            confident,
            f"{shaped:.0%} of values have the shape of 5-digit ZIP codes"
            + (
                " (with leading zeros)"
                if leading
                else " (repeating, as places do)"
                if repeats
                else " (sharing their first digit, as the ZIP codes of one region do)"
            ),
        )
    return None


def _code_guess(values: Sequence[str], *, from_integers: bool = False) -> Guess | None:
    return _geo_code(values, from_integers=from_integers) or _zip_codes(
        values, from_integers=from_integers
    )


def _identifier_shapes(values: Sequence[str]) -> Guess | None:
    """Licence / passport numbers, hex record keys, web domains."""
    licence = _share(values, lambda v: bool(_LICENCE.fullmatch(v)))
    if licence >= 0.5 and len(values) >= _MIN_VALUES:
        return Guess(
            ent.LICENSE_NUMBER,
            licence,
            licence >= 0.8,
            f"{licence:.0%} of values have the shape of licence or passport numbers "
            "(1-2 letters, 6-9 digits)",
        )
    distinct = len(set(values)) / len(values)
    oids = _share(values, lambda v: bool(_OID.fullmatch(v)))
    if oids >= 0.9 and distinct >= 0.9 and len(values) >= _MIN_VALUES:
        return Guess(ent.RECORD_ID, oids, True, f"{oids:.0%} of values are unique dotted UIDs")
    hexes = _share(values, lambda v: bool(_HEX_ID.fullmatch(v)) and any(c.isdigit() for c in v))
    lettered = _share(values, lambda v: any(c in "abcdefABCDEF" for c in v))
    if hexes >= 0.9 and lettered >= 0.5 and len(values) >= _MIN_VALUES:
        return Guess(ent.RECORD_ID, hexes, True, f"{hexes:.0%} of values are hexadecimal keys")
    domains = _share(values, lambda v: bool(_DOMAIN.fullmatch(v)))
    if domains >= 0.9 and distinct >= 0.5 and len(values) >= _MIN_VALUES:
        return Guess(ent.URL, domains, True, f"{domains:.0%} of values are web domain names")
    return None


def _secret_or_code(values: Sequence[str]) -> Guess | None:
    """Unique, space-free strings mixing letters and digits: passwords, tokens, user ids."""
    if len(values) < _MIN_VALUES or len(set(values)) < 0.9 * len(values):
        return None

    def mixed(v: str) -> bool:
        return (
            6 <= len(v) <= 128
            and " " not in v
            and any(c.isdigit() for c in v)
            and any(c.isalpha() for c in v)
        )

    share = _share(values, mixed)
    if share < 0.5:
        words = _share(values, lambda v: bool(_CODE.fullmatch(v)) and v.count(" ") <= 4)
        if words >= 0.9 and len(set(values)) >= 50:
            return Guess(
                ent.RECORD_ID,
                words,
                False,
                f"{words:.0%} of values are unique single words or codes (user names, "
                "postal codes, id numbers)",
            )
        return None
    cases = _share(values, lambda v: any(c.islower() for c in v) and any(c.isupper() for c in v))
    entropy = sum(_entropy(v) for v in values) / len(values)
    if cases >= 0.5 and entropy >= 2.5:
        return Guess(
            ent.SECRET,
            share,
            False,
            f"{share:.0%} of values are unique mixes of letters and digits with mixed case "
            f"({entropy:.1f} bits per character): passwords, tokens or user names",
        )
    return Guess(
        ent.RECORD_ID,
        share,
        False,
        f"{share:.0%} of values are unique codes of letters and digits",
    )


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def _initials(values: Sequence[str]) -> Guess | None:
    """Single letters, a dozen or more of them: initials of names."""
    letters = _share(values, lambda v: len(v.rstrip(".")) == 1 and v[0].isalpha())
    if letters >= 0.95 and len(set(values)) >= 12 and len(values) >= _MIN_VALUES:
        return Guess(
            ent.PERSON,
            letters,
            False,
            f"{letters:.0%} of values are single letters, {len(set(values))} different: initials",
        )
    return None


def _names(values: Sequence[str]) -> Guess | None:
    """Many different short capitalised phrases: names of people, employers or places."""
    distinct = set(values)
    if len(distinct) < 50 or len(distinct) < 0.15 * len(values):
        return None

    def capitalised(v: str) -> bool:
        words = v.split()
        return (
            0 < len(words) <= 5
            and not any(c.isdigit() for c in v)
            and all(_NAME_WORD.fullmatch(w) for w in words)
        )

    share = _share(values, capitalised)
    if share >= 0.8:
        return Guess(
            ent.PERSON,
            share,
            False,
            f"{share:.0%} of {len(values)} values are capitalised words ({len(distinct)} "
            "distinct): names of people, employers or places",
        )
    return None


def string_dates(values: Sequence[str]) -> float:
    """Share of ``values`` written in a common date format."""
    return _share(values, lambda v: any(p.fullmatch(v) for p in _DATE_SHAPES))


def string_guess(values: Sequence[str], *, after_presidio: bool) -> Guess | None:
    """What a string column's values are by shape (None: nothing identifying).

    With ``after_presidio`` False only the precise shapes (geography codes, ZIP codes,
    licence numbers, hex keys, domains) are tried; with True the looser ones too (dates, secrets,
    unique codes, capitalised names), which run once Presidio has found nothing.
    """
    values = [v.strip() for v in values if v.strip()]
    if not values:
        return None
    if not after_presidio:
        return _code_guess(values) or _identifier_shapes(values)
    dates = string_dates(values)
    if dates >= 0.8:
        return Guess(ent.DATE_TIME, dates, True, f"{dates:.0%} of values are written dates")
    return _secret_or_code(values) or _initials(values) or _names(values)
