from __future__ import annotations

from pathlib import Path

import pytest

from privacy.errors import SpecError
from privacy.spec import dataset_name_from_path, implicit_spec, load_spec


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def test_minimal_spec_resolves_paths_against_its_folder(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, "dataset: visits\nsource: {path: data/visits.csv}\n"))
    assert spec.source.path == (tmp_path / "data" / "visits.csv").resolve()
    assert spec.source.format == "csv"
    assert spec.method == "safe_harbor"
    assert spec.columns == {}


def test_column_shorthand_and_full_form(tmp_path: Path) -> None:
    spec = load_spec(
        write(
            tmp_path,
            "dataset: visits\nsource: {path: v.parquet}\nsubject_id: member_id\n"
            "columns:\n  notes: redact\n  age: {action: top_code, max_value: 89}\n"
            "  income: {action: generalize, bins: [0, 10000, 50000]}\noutput: out\n",
        )
    )
    assert spec.columns["notes"].action == "redact"
    assert spec.columns["age"].max_value == 89
    assert spec.columns["income"].bins == (0, 10000, 50000)
    assert spec.source.format == "parquet"
    assert spec.output == (tmp_path / "out").resolve()


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("dataset: v\nsource: {path: v.csv}\ncolums: {}\n", r"`colums`: unknown key.*allowed keys"),
        (
            "dataset: v\nsource: {path: v.csv}\ncolumns: {a: shred}\n",
            r"`columns\.a\.action`: got a str value that is not allowed; expected one of",
        ),
        (
            "dataset: v\nsource: {path: v.csv}\ncolumns: {a: {action: drop, colour: red}}\n",
            r"`columns\.a\.colour`: unknown key.*allowed keys: action",
        ),
        ("dataset: v\nsource: {path: v.csv, sep: ';'}\n", r"`source\.sep`: unknown key"),
        ("dataset: v\n", r"`source`: required but missing"),
        ("dataset: Bad Name\nsource: {path: v.csv}\n", r"`dataset`: must be lowercase"),
        ("dataset: v\nsource: {path: v.txt}\n", r"cannot tell the format.*format: csv"),
        (
            "dataset: v\nsource: {path: v.csv}\nmethod: k_anonymity\n",
            r"`method: k_anonymity` needs a `k_anonymity:` section",
        ),
        (
            "dataset: v\nsource: {path: v.csv}\nk_anonymity: {k: 5, quasi_identifiers: {a: x}}\n",
            r"only used with `method: k_anonymity`",
        ),
        ("dataset: v\nsource: {path: v.csv}\ncolumns: {a: top_code}\n", r"needs `max_value`"),
        (
            "dataset: v\nsource: {path: v.csv}\ncolumns: {a: {action: drop, max_value: 3}}\n",
            r"max_value does not apply to action 'drop'",
        ),
        (
            "dataset: v\nsource: {path: v.csv}\ncolumns: {a: {action: generalize, bins: [5, 1]}}\n",
            r"strictly ascending",
        ),
        ("- just\n- a list\n", r"YAML mapping"),
        ("dataset: [unclosed\n", r"not valid YAML at line"),
    ],
)
def test_invalid_specs_name_file_field_and_fix(tmp_path: Path, text: str, pattern: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SpecError, match=pattern) as caught:
        load_spec(path)
    assert str(path) in str(caught.value)


def test_value_of_a_bad_field_is_not_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, "dataset: v\nsource: {path: v.csv}\ncolumns: {a: 123-45-6789}\n")
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert "123-45-6789" not in str(caught.value)


def test_missing_spec_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such spec file"):
        load_spec(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Patients 2024.csv", "patients_2024"),
        ("2024-visits.parquet", "d_2024_visits"),
        ("___.csv", "dataset"),
    ],
)
def test_dataset_name_from_file_name(name: str, expected: str) -> None:
    assert dataset_name_from_path(Path(name)) == expected


def test_implicit_spec_is_safe_harbor_with_no_overrides(tmp_path: Path) -> None:
    spec = implicit_spec(tmp_path / "My Table.csv")
    assert (spec.dataset, spec.method, spec.columns, spec.source.format) == (
        "my_table",
        "safe_harbor",
        {},
        "csv",
    )
    with pytest.raises(SpecError, match="cannot release a .txt file"):
        implicit_spec(tmp_path / "notes.txt")


def test_fingerprint_changes_with_content(tmp_path: Path) -> None:
    a = load_spec(write(tmp_path, "dataset: v\nsource: {path: v.csv}\n"))
    b = load_spec(write(tmp_path, "dataset: v\nsource: {path: v.csv}\ncolumns: {x: drop}\n"))
    assert a.fingerprint() != b.fingerprint()
    assert (
        a.fingerprint()
        == load_spec(write(tmp_path, "dataset: v\nsource: {path: v.csv}\n")).fingerprint()
    )
