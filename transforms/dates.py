"""Dates reduced to their year, and birth years that reveal an age over 89 aggregated.

Safe Harbor (45 CFR 164.514(b)(2)(i)(C)) removes "all elements of dates (except year) for dates
directly related to an individual" and requires "all ages over 89 and all elements of dates
(including year) indicative of such age" to be "aggregated into a single category of age 90
or older". :func:`to_year` does the first, :func:`cap_birth_years` the second.

Text dates are parsed by trying each known format, vectorised, on the values still unparsed
(see ``STRING_FORMATS``); integers are YYYYMMDD dates (``20080101``, as in CMS claims files) or
plain years. Only the year is kept, so day/month order does not matter:
``03/04/1950`` is 1950 whether it means March 4 or 3 April. Two-digit years (``3/4/50``) are
ambiguous across centuries and are *not* parsed. A value that no format accepts becomes null;
:func:`unparsed_count` counts such values so that the caller can report "n values could not be
parsed" without showing them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms._arrow import flat, is_text

_TIME = (
    r"(?:(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?"
)


@dataclass(frozen=True)
class StringFormat:
    """One accepted text date format.

    A value matching ``shape`` (a whole-string RE2 regex whose groups are the date parts; an
    optional time of day is allowed after it) is rewritten with ``rewrite`` and parsed with
    Arrow's ``strptime`` using ``strptime``.
    """

    name: str
    shape: str
    rewrite: str
    strptime: str


_MONTH = r"([A-Za-z]{3,9})\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(\d{4})"

STRING_FORMATS: tuple[StringFormat, ...] = (
    StringFormat(
        "ISO 8601 date, date-time", r"(\d{4})-(\d{1,2})-(\d{1,2})", r"\1-\2-\3", "%Y-%m-%d"
    ),
    StringFormat("m/d/yyyy", r"(\d{1,2})/(\d{1,2})/(\d{4})", r"\1/\2/\3", "%m/%d/%Y"),
    StringFormat("m-d-yyyy", r"(\d{1,2})-(\d{1,2})-(\d{4})", r"\1-\2-\3", "%m-%d-%Y"),
    StringFormat("yyyy/m/d", r"(\d{4})/(\d{1,2})/(\d{1,2})", r"\1/\2/\3", "%Y/%m/%d"),
    StringFormat("yyyymmdd", r"(\d{8})", r"\1", "%Y%m%d"),
    StringFormat("Month d, yyyy", rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}", r"\1 \2 \3", "%b %d %Y"),
    StringFormat("d Month yyyy", rf"{_DAY}[\s-]+{_MONTH},?[\s-]+{_YEAR}", r"\2 \1 \3", "%b %d %Y"),
    StringFormat("d/m/yyyy", r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", r"\2/\1/\3", "%m/%d/%Y"),
    StringFormat("yyyy", r"(\d{4})", r"\1", "%Y"),
)
"""Text formats tried in order; the first that parses a value wins (only its year is kept)."""


def to_year(values: pa.Array) -> pa.Int32Array:
    """Reduce dates to their year.

    Args:
        values: ``date32``, ``date64``, ``timestamp`` (any unit; a time-zone-aware timestamp
            gives the year on the wall clock of its zone) or strings in one of
            ``STRING_FORMATS`` (surrounding whitespace is ignored; a time of day after the date
            is skipped without being checked), or integers holding YYYYMMDD dates or years
            (1000-9999; other numbers, and YYYYMMDD numbers that are no calendar date, give
            null).
            A dictionary array of those is fine too.

    Returns:
        An ``int32`` array of years, aligned with ``values``. Nulls and blank strings give null;
        so do strings that no format accepts (count them with :func:`unparsed_count`).

    Raises:
        TypeError: ``values`` is neither a date, a timestamp, an integer nor a string array.

    """
    values = flat(values)
    kind = values.type
    if pa.types.is_null(kind):
        return pa.nulls(len(values), type=pa.int32())
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        return pc.year(values).cast(pa.int32())
    if is_text(kind):
        encoded = values.cast(pa.string()).dictionary_encode()
        years = _years_from_strings(encoded.dictionary)
        return pc.take(years, encoded.indices)
    if pa.types.is_integer(kind):
        return _years_from_integers(values)
    raise TypeError(f"to_year needs dates, timestamps, integers or strings, got {kind}")


def _years_from_integers(values: pa.Array) -> pa.Int32Array:
    """YYYYMMDD integers (calendar-checked) and plain 4-digit years to years; others null."""
    numbers = values.cast(pa.int64())
    as_text = pc.cast(numbers, pa.string())
    eight = pc.equal(pc.utf8_length(as_text), 8)
    stamps = pc.strptime(
        pc.if_else(eight, as_text, pa.scalar(None, pa.string())),
        format="%Y%m%d",
        unit="s",
        error_is_null=True,
    )
    real = pc.equal(pc.strftime(stamps, format="%Y%m%d"), as_text)  # 19430230 is no date
    from_dates = pc.if_else(real, pc.cast(pc.year(stamps), pa.int32()), None)
    plain = pc.and_(pc.greater_equal(numbers, 1000), pc.less_equal(numbers, 9999))
    from_years = pc.if_else(plain, pc.cast(numbers, pa.int32()), pa.scalar(None, pa.int32()))
    return pc.coalesce(from_dates, from_years)


def cap_birth_years(years: pa.Array, reference_year: int, max_age: int = 89) -> pa.Int32Array:
    """Aggregate birth years that imply an age over ``max_age`` into one year.

    Encoding: the category "age 90 or older" is written as the single year
    ``reference_year - (max_age + 1)``; every earlier birth year becomes that year. With a
    reference date in 2024, birth years 1934 and earlier all read ``1934``, which the data
    dictionary must describe as "1934 or earlier (age 90 or older)". Only the year is known,
    so someone born in 1934 may still be 89 at the reference date; they are put in the 90+
    category as well, which is the conservative reading of "dates indicative of such age".
    Later years, nulls and birth years after the reference year are left as they are.

    Args:
        years: Birth years (any integer type), e.g. the output of :func:`to_year`.
        reference_year: Year at which ages are computed (the plan's reference date).
        max_age: Largest age that may be shown (89 under Safe Harbor).

    Returns:
        An ``int32`` array aligned with ``years``.

    Raises:
        ValueError: ``max_age`` is negative.
        TypeError: ``years`` is not an integer array.

    """
    if max_age < 0:
        raise ValueError(f"max_age must be 0 or more, got {max_age}")
    years = flat(years)
    if pa.types.is_null(years.type):
        return pa.nulls(len(years), type=pa.int32())
    if not pa.types.is_integer(years.type):
        raise TypeError(f"cap_birth_years needs integer years, got {years.type}")
    years = years.cast(pa.int32())
    oldest = pa.scalar(reference_year - (max_age + 1), type=pa.int32())
    return pc.if_else(pc.less(years, oldest), oldest, years)


def unparsed_count(values: pa.Array, result: pa.Array) -> int:
    """Count values that were present in ``values`` but are null in ``result``.

    "Present" means not null and, for strings, not blank. Every transform of this package
    that turns unusable input into null (:func:`to_year`, ``geography.zip3``,
    ``numbers.generalize`` with bins) keeps nulls and blanks null, so this is the number of
    values it could not parse or place. The count is all that is reported, never the values.

    Args:
        values: The transform's input.
        result: The transform's output, aligned with ``values``.

    Returns:
        The number of values lost.

    """
    values = flat(values)
    present = pc.is_valid(values)
    if is_text(values.type):
        blank = pc.equal(pc.utf8_trim_whitespace(values.cast(pa.string())), "")
        present = pc.and_(present, pc.invert(pc.fill_null(blank, True)))
    lost = pc.and_(present, pc.is_null(flat(result)))
    return int(pc.sum(pc.cast(lost, pa.int64())).as_py() or 0)


def _years_from_strings(strings: pa.StringArray) -> pa.Int32Array:
    """Parse each (distinct) string with the first format of STRING_FORMATS that accepts it."""
    text = pc.utf8_trim_whitespace(strings)
    n = len(text)
    years = np.zeros(n, dtype=np.int32)
    found = np.zeros(n, dtype=bool)
    todo = pc.indices_nonzero(pc.fill_null(pc.not_equal(text, ""), False))
    for fmt in STRING_FORMATS:
        if len(todo) == 0:
            break
        candidates = text.take(todo)
        pattern = f"^{fmt.shape}{_TIME}$"
        shaped = pc.match_substring_regex(candidates, pattern)
        if not pc.any(shaped).as_py():
            continue
        rows = todo.filter(shaped)
        cleaned = pc.replace_substring_regex(candidates.filter(shaped), pattern, fmt.rewrite)
        stamps = pc.strptime(cleaned, format=fmt.strptime, unit="s", error_is_null=True)
        parsed = pc.is_valid(stamps)
        hit_rows = rows.filter(parsed).to_numpy()
        years[hit_rows] = pc.year(stamps.filter(parsed)).to_numpy().astype(np.int32)
        found[hit_rows] = True
        todo = todo.filter(pc.invert(pc.is_in(todo, value_set=rows.filter(parsed))))
    return pa.array(years, type=pa.int32(), mask=~found)
