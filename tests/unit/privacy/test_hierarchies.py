"""Hierarchies: ARX CSV files, inline rows, automatic ones, and the checks on each."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from privacy.errors import SpecError
from privacy.hierarchies import (
    auto_hierarchy,
    infer_kind,
    load_hierarchy,
    read_arx_csv,
    value_text,
)
from privacy.kanon_spec import QuasiIdentifier


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hierarchy.csv"
    path.write_text(text, encoding="utf8")
    return path


def test_arx_csv_is_read_level_by_level(tmp_path: Path) -> None:
    path = write(tmp_path, "47677;4767*;476**;*\n47602;4760*;476**;*\n\n47905;4790*;479**;*\n")
    hierarchy = read_arx_csv(path, "zip")
    assert hierarchy.height == 4
    assert hierarchy.values == ["47677", "47602", "47905"]
    assert hierarchy.labels(2) == ["476**", "476**", "479**"]
    assert hierarchy.leaves(2) == [2, 2, 1]
    assert hierarchy.leaves(3) == [3, 3, 3]
    assert hierarchy.label == "ARX CSV hierarchy.csv"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            "a;x;*\nb;x\nc;y;*\n",
            r"hierarchy\.csv: ragged levels: row 2 has 2 level\(s\) but row 1 has 3",
        ),
        ("a;x;*\nb;y;*\na;y;*\n", r"rows 1 and 3 give the same value"),
        ("a;x;*\nb;x;other\n", r"not a hierarchy: rows 1 and 2 share a label at level 1"),
        ("a\nb\n", r"row 1 has only one level"),
        ("\n\n", r"has no rows"),
    ],
)
def test_bad_hierarchy_files_name_file_row_and_fix(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(SpecError, match=pattern):
        read_arx_csv(write(tmp_path, text), "c")


def test_missing_file_says_paths_are_relative_to_the_spec(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"no such hierarchy file.*relative to the spec"):
        read_arx_csv(tmp_path / "absent.csv", "c")


def test_hierarchy_must_cover_every_value_present(tmp_path: Path) -> None:
    qi = QuasiIdentifier(hierarchy=write(tmp_path, "Male;*\nFemale;*\n"))
    present = pa.array(["Male", "Female", None])
    assert load_hierarchy("sex", qi, present, pa.string()).height == 2  # nulls need no row
    with pytest.raises(SpecError, match=r"does not cover 2 distinct value\(s\)") as caught:
        load_hierarchy("sex", qi, pa.array(["Male", "Other", "Unknown"]), pa.string())
    assert "Other" not in str(caught.value) and "Unknown" not in str(caught.value)


def test_inline_rows_work_like_a_file() -> None:
    qi = QuasiIdentifier(hierarchy=[["Male", "*"], ["Female", "*"]])
    hierarchy = load_hierarchy("sex", qi, pa.array(["Male"]), pa.string())
    assert hierarchy.labels(1) == ["*", "*"]
    qi = QuasiIdentifier(hierarchy={"a": ["x", "*"], "b": ["x", "*"]})
    assert load_hierarchy("c", qi, pa.array(["a"]), pa.string()).height == 3


@pytest.mark.parametrize(
    ("kind", "values", "expected_row"),
    [
        ("number", [str(a) for a in range(17, 91)], ("17", "15-19", "10-19", "0-19", "*")),
        (
            "number",
            ["0.12", "0.5", "0.77"],
            ("0.12", "[0.12, 0.13)", "[0.1, 0.15)", "[0.1, 0.2)", "[0, 0.2)", "*"),
        ),
        ("date", ["1989-05-25", "2001-01-02"], ("1989-05-25", "1989-05", "1989", "1980-1989", "*")),
        ("zip", ["02143", "01013"], ("01013", "0101*", "010**", "01***", "0****", "*")),
        (
            "zip",
            ["02143-1234", "01013"],
            ("01013", "01013", "0101*", "010**", "01***", "0****", "*"),
        ),
    ],
)
def test_automatic_hierarchies(kind: str, values: list[str], expected_row: tuple) -> None:
    hierarchy = auto_hierarchy("c", pa.array(values), kind)
    assert hierarchy.rows[0] == expected_row
    assert hierarchy.label.startswith(f"auto ({kind}")


def test_automatic_number_intervals_nest() -> None:
    values = [str(v) for v in range(-7, 1234, 3)]
    hierarchy = auto_hierarchy("c", pa.array(values), "number")
    # from_rows would refuse a non-nested hierarchy; every level has fewer labels than the last
    counts = [len(set(hierarchy.labels(level))) for level in range(hierarchy.height)]
    assert counts == sorted(counts, reverse=True) and counts[-1] == 1


@pytest.mark.parametrize(
    ("kind", "values", "pattern"),
    [
        ("number", ["1", "x"], "not finite numbers"),
        ("date", ["2001-01-01", "May 2001"], "not ISO dates"),
        ("zip", ["02143", "2143"], "not 5-digit ZIP codes"),
    ],
)
def test_automatic_hierarchy_refuses_values_of_another_kind(
    kind: str, values: list[str], pattern: str
) -> None:
    with pytest.raises(SpecError, match=pattern) as caught:
        auto_hierarchy("c", pa.array(values), kind)
    assert all(v not in str(caught.value) for v in values if len(v) > 1)


@pytest.mark.parametrize(
    ("values", "arrow_type", "kind"),
    [
        (["1"], pa.int64(), "number"),
        (["1.5"], pa.float64(), "number"),
        (["2001-01-01"], pa.date32(), "date"),
        (["2001-01-01", "1999-12-31"], pa.string(), "date"),
        (["02143", "01013", None], pa.string(), "zip"),
    ],
)
def test_kind_is_inferred_from_type_and_values(values, arrow_type, kind) -> None:
    assert infer_kind("c", pa.array(values, pa.string()), arrow_type) == kind


def test_auto_refuses_free_text() -> None:
    with pytest.raises(SpecError, match=r"`hierarchy: auto` works for numbers, dates and ZIP"):
        infer_kind("job", pa.array(["nurse", "clerk"]), pa.string())


def test_value_text_matches_hierarchy_rows() -> None:
    assert value_text(pa.array([39, None])).to_pylist() == ["39", None]
    dates = pa.array([__import__("datetime").date(1989, 5, 25)])
    assert value_text(dates).to_pylist() == ["1989-05-25"]
    assert value_text(pa.array(["a"]).dictionary_encode()).to_pylist() == ["a"]
