"""Headerless-CSV detection and header limits: names shaped like values are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.source_checks import MAX_COLUMNS, check_header, check_header_line, looks_like_value
from privacy.errors import SourceError


@pytest.mark.parametrize(
    ("name", "value_like"),
    [
        ("2019-03-04", True),
        ("03/04/2019", True),
        ("2019-03-04T10:22:01Z", True),
        ("jane.doe@example.org", True),
        ("123-45-6789", True),
        ("617-555-0199", True),
        ("42.5", True),
        ("-7", True),
        ("MRN-1234567", True),
        ("P0000001", True),
        ("10:22", True),
        ("2019-03-04;x;y", True),  # a header read with the wrong delimiter
        ("\ufeff2019-03-04", True),
        # negatives: real column names
        ("patient_id", False),
        ("birth_date", False),
        ("icd10_code", False),
        ("address2", False),
        ("age", False),
        ("2020", False),  # a bare year may be a column; only a majority of them is refused
        ("q1_2024", False),
        ("e-mail", False),
        ("Total Charges ($)", False),
    ],
)
def test_value_shaped_names(name: str, value_like: bool) -> None:
    assert looks_like_value(name) is value_like


def test_a_data_row_as_header_is_refused_without_its_values(tmp_path: Path) -> None:
    names = ["PLANTED-NAME", "1984-02-03", "PLANTED-CITY"]
    with pytest.raises(SourceError, match=r"does not look like a header: column\(s\) #2") as err:
        check_header(tmp_path / "x.csv", names)
    assert "PLANTED" not in str(err.value) and "1984" not in str(err.value)


def test_mostly_integer_names_are_refused_but_one_year_column_is_not(tmp_path: Path) -> None:
    check_header(tmp_path / "x.csv", ["region", "2019", "2020", "notes"])
    with pytest.raises(SourceError, match="does not look like a header"):
        check_header(tmp_path / "x.csv", ["17", "4410", "name"])


def test_too_many_columns(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=f"more than the {MAX_COLUMNS}"):
        check_header(tmp_path / "x.csv", [f"c{i}" for i in range(MAX_COLUMNS + 1)])


def test_header_line_limit(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"a" * (2 << 20) + b"\n1\n")
    with pytest.raises(SourceError, match="header line is longer"):
        check_header_line(path)
    path.write_bytes(b"a,b\n1,2\n")
    check_header_line(path)
