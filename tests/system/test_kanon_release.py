"""k-anonymity releases through the real `release` flow, checked with an independent library.

k and l of the output are measured with pycanon (a dev dependency); the Adult data and ARX's
hierarchies come from ../shared/data (tests marked ``shared_data``), the bad-input cases from a
generated table.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
import pytest

from flows.read import read_release
from privacy.errors import SpecError
from privacy.kanon.search import NoSolution

pytestmark = pytest.mark.usefixtures("prefect_harness")

ADULT_QIS = [
    "age", "sex", "race", "marital-status", "education", "native-country", "workclass",
    "occupation",
]  # fmt: skip
HIERARCHIES = "../shared/data/adult_uci_arx/arx/hierarchies"


def pycanon_k_l(frame: pd.DataFrame, qis: list[str], sensitive: str | None):
    """k and l measured by pycanon (installed with `uv pip install --no-deps pycanon`)."""
    anonymity = pytest.importorskip(
        "pycanon.anonymity", reason="pycanon (dev dependency) is needed to measure k and l"
    )

    frame = frame.astype("string").fillna("<missing>").astype(object)
    k = anonymity.k_anonymity(frame, qis)
    return k, (anonymity.l_diversity(frame, qis, [sensitive]) if sensitive else None)


def release(spec: Path, root: Path) -> Path:
    from flows.release import release as run

    return Path(run(str(spec), str(root)))


def adult_spec(tmp_path: Path, shared_data: Path, k: int, extra: str) -> Path:
    """The issue's example, written beside a `shared` link so its paths work as written."""
    (tmp_path / "shared").symlink_to(shared_data.parent, target_is_directory=True)
    spec = tmp_path / "specs" / f"adult_k{k}.yaml"
    spec.parent.mkdir()
    qis = "\n".join(
        f"    {q}: {{hierarchy: {HIERARCHIES}/adult_hierarchy_{q}.csv}}" for q in ADULT_QIS
    )
    spec.write_text(
        f"dataset: adult_k{k}\n"
        "source: {path: ../shared/data/adult_uci_arx/arx/adult.csv, format: csv, "
        'options: {sep: ";"}}\n'
        "method: k_anonymity\n"
        f"k_anonymity:\n  k: {k}\n  max_suppression: 0.02\n  quasi_identifiers:\n{qis}\n{extra}",
        encoding="utf8",
    )
    return spec


@pytest.mark.shared_data
@pytest.mark.parametrize(("k", "l"), [(5, 2), (10, 2)])  # (5, 2) is the example
def test_adult_with_arx_hierarchies(tmp_path: Path, shared_data: Path, k: int, l) -> None:  # noqa: E741
    extra = f"  sensitive: {{column: salary-class, l: {l}}}\n" if l else ""
    folder = release(adult_spec(tmp_path, shared_data, k, extra), tmp_path / "out")
    released = read_release(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    measured_k, measured_l = pycanon_k_l(released, ADULT_QIS, "salary-class" if l else None)
    assert measured_k >= k
    if l:
        assert measured_l >= l
    facts = manifest["k_anonymity"]
    assert manifest["method"] == "k_anonymity"
    assert manifest["rows_in"] == 30162
    assert manifest["rows_out"] + manifest["rows_suppressed"] == 30162 == facts["records_in"]
    assert manifest["rows_suppressed"] <= 0.02 * 30162
    assert facts["risk"]["k_achieved"] == measured_k
    assert facts["risk"]["prosecutor"]["max"] == pytest.approx(1 / measured_k)
    assert set(facts["levels"]) == set(ADULT_QIS)
    assert 0 < facts["information_loss"] < 1
    checks = {r["check"] for r in manifest["validation"]["results"]}
    assert "k_anonymity" in checks and ("l_diversity" in checks) == bool(l)
    assert manifest["validation"]["success"]
    assert "## k-anonymity" in (folder / "README.md").read_text()


@pytest.mark.shared_data
def test_synthea_patients_birth_date_gender_race_zip(tmp_path: Path, shared_data: Path) -> None:
    source = shared_data / "synthea_1k_apr2020" / "patients.csv"
    spec = tmp_path / "patients_k5.yaml"
    spec.write_text(
        f"dataset: patients_k5\nsource: {{path: {source}}}\nmethod: k_anonymity\n"
        "k_anonymity:\n  k: 5\n  max_suppression: 0.05\n  quasi_identifiers:\n"
        "    BIRTHDATE: auto\n    GENDER: {hierarchy: [[M, '*'], [F, '*']]}\n"
        "    RACE: {hierarchy: {white: ['*'], black: ['*'], asian: ['*'], native: ['*'], "
        "other: ['*'], hawaiian: ['*']}}\n    ZIP: auto\n",
        encoding="utf8",
    )
    folder = release(spec, tmp_path / "out")
    released = read_release(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    qis = ["BIRTHDATE", "GENDER", "RACE", "ZIP"]
    assert pycanon_k_l(released, qis, None)[0] >= 5
    assert not {"SSN", "FIRST", "LAST", "ADDRESS", "PASSPORT", "Id"} & set(released.columns)
    assert manifest["rows_out"] + manifest["rows_suppressed"] == manifest["rows_in"] == 1171
    assert manifest["k_anonymity"]["hierarchies"]["BIRTHDATE"].startswith("auto (date")
    assert manifest["k_anonymity"]["hierarchies"]["ZIP"].startswith("auto (zip")
    plan = {c["column"]: c for c in manifest["plan"]["columns"]}
    assert "k-anonymity quasi-identifier" in plan["ZIP"]["reason"]
    assert plan["SSN"]["action"] == "drop"


# --------------------------------------------------------------------------- bad input


def generated_table(tmp_path: Path, rows: int = 60) -> Path:
    rng = random.Random(6)
    frame = pd.DataFrame(
        {
            "age": [rng.randint(20, 79) for _ in range(rows)],
            "sex": ["F"] * 10 + ["M"] * (rows - 10),
            "dx": [rng.choice(["flu", "asthma"]) for _ in range(rows)],
        }
    )
    path = tmp_path / "visits.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("section", "error", "pattern"),
    [
        (
            "k: 5\n  quasi_identifiers: {agee: auto}",
            SpecError,
            r"`k_anonymity\.quasi_identifiers\.agee` names `agee`, which is not a column of the "
            r"source \(did you mean `age`\?\)",
        ),
        (
            "k: 61\n  quasi_identifiers: {age: auto}",
            NoSolution,
            r"k=61 is larger than the table \(60 records\)",
        ),
        (
            "k: 5\n  quasi_identifiers: {sex: {hierarchy: sex.csv}}",
            SpecError,
            r"sex\.csv: the hierarchy of column `sex` does not cover 1 distinct value",
        ),
        (
            "k: 5\n  quasi_identifiers: {sex: {hierarchy: ragged.csv}}",
            SpecError,
            r"ragged\.csv: ragged levels: row 2 has 3 level\(s\) but row 1 has 2",
        ),
        (
            "k: 20\n  quasi_identifiers: {sex: {hierarchy: [[M, M], [F, F]]}, age: auto}\n"
            "  sensitive: {column: dx, l: 2}",
            NoSolution,
            r"no generalisation reaches k=20 and l=2 with at most 0\.00% .* least suppression "
            r"any generalisation needs is 16\.67% \(10 records\), at the coarsest levels "
            r"\(sex 1/1, age \d/\d\)\. Raise `max_suppression` to at least 0\.1667",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_published(
    tmp_path: Path, section: str, error: type, pattern: str
) -> None:
    source = generated_table(tmp_path)
    (tmp_path / "sex.csv").write_text("M;*\n", encoding="utf8")
    (tmp_path / "ragged.csv").write_text("M;*\nF;*;*\n", encoding="utf8")
    spec = tmp_path / "visits.yaml"
    spec.write_text(
        f"dataset: visits\nsource: {{path: {source.name}}}\nmethod: k_anonymity\n"
        f"k_anonymity:\n  {section}\n",
        encoding="utf8",
    )
    root = tmp_path / "out"
    with pytest.raises(error, match=pattern):
        release(spec, root)
    assert not list(root.glob("visits/v*")), "a release was published"
    assert not list(root.glob(".staging/visits.*")), "a staging folder was left behind"
