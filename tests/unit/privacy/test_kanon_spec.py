"""The `k_anonymity:` section of release specs."""

from __future__ import annotations

from pathlib import Path

import pytest

from privacy.errors import SpecError
from privacy.spec import load_spec

HEAD = "dataset: v\nsource: {path: data/v.csv}\nmethod: k_anonymity\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "specs" / "v.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf8")
    return path


def test_section_parses_with_shorthands_and_relative_paths(tmp_path: Path) -> None:
    spec = load_spec(
        write(
            tmp_path,
            HEAD + "k_anonymity:\n  k: 5\n  max_suppression: 0.02\n  quasi_identifiers:\n"
            "    age: {hierarchy: ../h/age.csv}\n    zip: auto\n    born: {kind: date}\n"
            "    sex: {hierarchy: [[M, '*'], [F, '*']]}\n"
            "  sensitive: {column: dx, l: 2, measure: entropy}\n",
        )
    )
    kanon = spec.k_anonymity
    assert kanon.k == 5 and kanon.max_suppression == 0.02
    assert kanon.quasi_identifiers["age"].hierarchy == (tmp_path / "h" / "age.csv").resolve()
    assert kanon.quasi_identifiers["zip"].hierarchy == "auto"
    assert kanon.quasi_identifiers["born"].kind == "date"
    assert kanon.quasi_identifiers["sex"].hierarchy == (("M", "*"), ("F", "*"))
    assert kanon.sensitive.column == "dx" and kanon.sensitive.l == 2
    assert kanon.sensitive.measure == "entropy"


@pytest.mark.parametrize(
    ("section", "pattern"),
    [
        ("k_anonymity: {k: 1, quasi_identifiers: {a: auto}}", r"`k_anonymity\.k`"),
        ("k_anonymity: {k: 5, quasi_identifiers: {}}", r"`k_anonymity\.quasi_identifiers`"),
        (
            "k_anonymity: {k: 5, max_suppression: 1.5, quasi_identifiers: {a: auto}}",
            r"`k_anonymity\.max_suppression`",
        ),
        (
            "k_anonymity: {k: 5, quasi_identifiers: {a: {hierarchy: h.csv, kind: zip}}}",
            r"`kind` applies only to `hierarchy: auto`",
        ),
        (
            "k_anonymity: {k: 5, quasi_identifiers: {a: auto}, sensitive: {column: a}}",
            r"sensitive column is also listed as a quasi-identifier",
        ),
        ("k_anonymity: {k: 5, quasi_identifiers: {a: {levels: 3}}}", r"unknown key"),
        (
            "k_anonymity: {k: 5, quasi_identifiers: {a: auto}, sensitive: {column: s, "
            "measure: shannon}}",
            r"`k_anonymity\.sensitive\.measure`",
        ),
        ("", r"`method: k_anonymity` needs a `k_anonymity:` section"),
    ],
)
def test_invalid_sections_name_the_field(tmp_path: Path, section: str, pattern: str) -> None:
    with pytest.raises(SpecError, match=pattern):
        load_spec(write(tmp_path, HEAD + section + "\n"))
