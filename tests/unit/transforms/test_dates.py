"""Tests for transforms.dates: years from dates, and birth years capped at 90+."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from transforms.dates import STRING_FORMATS, cap_birth_years, to_year, unparsed_count

TEXT_CASES = [
    # (text, year or None)
    ("2022-07-20", 2022),
    ("2022-07-20T07:13:55Z", 2022),
    ("2022-07-20T07:13:55", 2022),
    ("2022-07-20 07:13:55", 2022),
    ("2022-07-20T07:13:55.123456+02:00", 2022),
    ("2022-12-31T23:30:00-05:00", 2022),  # the year written, not the UTC year
    ("2022-7-2", 2022),
    ("3/7/1950", 1950),
    ("03/07/1950", 1950),
    ("12/31/1999 11:59 PM", 1999),
    ("3-7-1950", 1950),
    ("1950/3/7", 1950),
    ("19500307", 1950),
    ("March 3, 1950", 1950),
    ("march 3 1950", 1950),
    ("Mar. 3, 1950", 1950),
    ("March 3rd, 1950", 1950),
    ("Mar 3 1950", 1950),
    ("3 Mar 1950", 1950),
    ("3 March 1950", 1950),
    ("03-MAR-1950", 1950),
    ("13/01/1950", 1950),  # day first: only the year is kept, so the order does not matter
    ("31.12.1999", 1999),
    ("1950", 1950),
    ("  1950-03-07  ", 1950),
    # negatives: unparseable
    ("3/7/50", None),  # two-digit year: ambiguous century
    ("50-03-07", None),
    ("2022-13-45", None),
    ("12/32/1999", None),
    ("19501340", None),
    ("1950037", None),
    ("195", None),
    ("Sept 3, 1950", None),
    ("Smarch 3, 1950", None),
    ("2022-07-20 garbage", None),
    ("yesterday", None),
    ("1950-03-07T25:99", 1950),  # the time of day is skipped, not checked
]


@pytest.mark.parametrize(("text", "year"), TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_to_year_from_text(text: str, year: int | None) -> None:
    values = pa.array([text])
    result = to_year(values)
    assert result.type == pa.int32()
    assert result.to_pylist() == [year]
    assert unparsed_count(values, result) == (1 if year is None else 0)


def test_every_format_is_exercised() -> None:
    names = {f.name for f in STRING_FORMATS}
    assert len(names) == len(STRING_FORMATS)
    assert len(STRING_FORMATS) >= 9


def test_mixed_column_nulls_and_blanks() -> None:
    values = pa.array(
        ["2022-07-20", None, "", "   ", "March 3, 1950", "nope", "3/7/50", "1/2/2003"]
    )
    result = to_year(values)
    assert result.to_pylist() == [2022, None, None, None, 1950, None, None, 2003]
    # Nulls and blanks are missing, not unparseable.
    assert unparsed_count(values, result) == 2


@pytest.mark.parametrize(
    "values",
    [
        pa.array(["2022-07-20", None], type=pa.large_string()),
        pa.array(["2022-07-20", None], type=pa.string_view()),
        pa.array(["2022-07-20", None]).dictionary_encode(),
        pa.chunked_array([["2022-07-20"], [None]]),
    ],
    ids=["large_string", "string_view", "dictionary", "chunked"],
)
def test_string_flavours(values: pa.Array) -> None:
    assert to_year(values).to_pylist() == [2022, None]


@pytest.mark.parametrize(
    "kind",
    [pa.date32(), pa.date64(), pa.timestamp("s"), pa.timestamp("ms"), pa.timestamp("us"),
     pa.timestamp("ns"), pa.timestamp("us", tz="UTC")],
    ids=str,
)  # fmt: skip
def test_to_year_from_temporal_types(kind: pa.DataType) -> None:
    moments = [dt.datetime(1950, 3, 7, 10, 30), None, dt.datetime(2022, 12, 31, 23, 59)]
    if pa.types.is_date(kind):
        moments = [m.date() if m else None for m in moments]
    if getattr(kind, "tz", None):
        moments = [m.replace(tzinfo=dt.UTC) if m else None for m in moments]
    result = to_year(pa.array(moments, type=kind))
    assert result.type == pa.int32()
    assert result.to_pylist() == [1950, None, 2022]


def test_time_zone_aware_timestamp_uses_its_wall_clock() -> None:
    utc = pa.array([dt.datetime(2022, 12, 31, 20, 0, tzinfo=dt.UTC)], type=pa.timestamp("s", "UTC"))
    assert to_year(utc).to_pylist() == [2022]
    assert to_year(utc.cast(pa.timestamp("s", "Asia/Tokyo"))).to_pylist() == [2023]


@pytest.mark.parametrize(
    "values",
    [
        pa.array([], type=pa.string()),
        pa.array([], type=pa.date32()),
        pa.nulls(2),
        pa.array([None], type=pa.string()),
    ],
    ids=["empty string", "empty date", "null type", "all null"],
)
def test_empty_and_all_null(values: pa.Array) -> None:
    result = to_year(values)
    assert result.type == pa.int32()
    assert result.to_pylist() == [None] * len(values)
    assert unparsed_count(values, result) == 0


@pytest.mark.parametrize("values", [pa.array([1.5]), pa.array([True])], ids=str)
def test_other_types_are_refused(values: pa.Array) -> None:
    with pytest.raises(TypeError, match="to_year needs dates, timestamps, integers or strings"):
        to_year(values)


def test_large_column_parses_each_format_once() -> None:
    texts = ["2022-07-20", "3/7/1950", "March 3, 1950", "bad"] * 5000
    values = pa.array(texts)
    result = to_year(values)
    assert result.to_pylist()[:4] == [2022, 1950, 1950, None]
    assert unparsed_count(values, result) == 5000


CAP_CASES = [
    # (birth year, reference year, capped)
    (1900, 2024, 1934),
    (1933, 2024, 1934),
    (1934, 2024, 1934),  # may be 89 or 90 at the reference date: in the 90+ category
    (1935, 2024, 1935),  # at most 89
    (2000, 2024, 2000),
    (2024, 2024, 2024),
    (2030, 2024, 2030),  # after the reference date: not an age, left alone
    (None, 2024, None),
    (1920, 2010, 1920),
    (1919, 2010, 1920),
]


@pytest.mark.parametrize(("year", "reference", "capped"), CAP_CASES)
def test_cap_birth_years(year: int | None, reference: int, capped: int | None) -> None:
    result = cap_birth_years(pa.array([year], type=pa.int32()), reference)
    assert result.type == pa.int32()
    assert result.to_pylist() == [capped]


def test_cap_birth_years_other_max_age_and_int_types() -> None:
    years = pa.array([1950, 1960, 1970, None], type=pa.int64())
    assert cap_birth_years(years, 2024, max_age=59).to_pylist() == [1964, 1964, 1970, None]
    assert cap_birth_years(pa.array([], type=pa.int16()), 2024).to_pylist() == []
    assert cap_birth_years(pa.nulls(1), 2024).to_pylist() == [None]


def test_cap_birth_years_refuses_bad_input() -> None:
    with pytest.raises(TypeError, match="needs integer years, got double"):
        cap_birth_years(pa.array([1950.0]), 2024)
    with pytest.raises(ValueError, match="max_age must be 0 or more"):
        cap_birth_years(pa.array([1950]), 2024, max_age=-1)


def test_year_then_cap_on_birth_dates() -> None:
    births = pa.array(["1920-05-01", "1/2/1990", None, "not a date"])
    assert cap_birth_years(to_year(births), 2024).to_pylist() == [1934, 1990, None, None]


def test_integer_dates_are_yyyymmdd_or_years() -> None:
    # CMS claims files store dates as YYYYMMDD integers; a 4-digit integer is a year.
    values = pa.array([20080101, 19430230, 1950, None, 123, 20101231, 99999999], pa.int64())
    years = to_year(values)
    assert years.to_pylist() == [2008, None, 1950, None, None, 2010, None]
    assert unparsed_count(values, years) == 3  # Feb 30th, 123 and 99999999 are no dates


def test_integer_birth_dates_are_capped() -> None:
    years = to_year(pa.array([19150515, 19850101], pa.int32()))
    assert cap_birth_years(years, 2008).to_pylist() == [1918, 1985]
