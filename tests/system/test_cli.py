"""The ``shareable`` command end to end: good runs, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from examples.sample_data import generate_patients
from flows.cli import app

pytestmark = pytest.mark.usefixtures("prefect_harness")
runner = CliRunner()


@pytest.fixture(scope="module")
def patients_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "patients.csv"
    generate_patients(120, seed=5).to_csv(path, index=False)
    return path


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def assert_nothing_published(root: Path) -> None:
    published = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    assert not published, f"files left behind: {published}"


def test_release_prints_the_release_path_last(patients_csv: Path, tmp_path: Path) -> None:
    result = run("release", patients_csv, "--output", tmp_path / "out")
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert Path(last) == tmp_path / "out" / "patients" / "v1"
    assert (Path(last) / "manifest.json").is_file()


def test_scan_shows_counts_and_writes_an_editable_spec(patients_csv: Path, tmp_path: Path) -> None:
    spec_path = tmp_path / "specs" / "patients.yaml"
    spec_path.parent.mkdir()
    result = run("scan", patients_csv, "--write-spec", spec_path)
    assert result.exit_code == 0, result.output
    source = generate_patients(120, seed=5)
    for value in source["ssn"].tolist() + source["last_name"].tolist():
        assert value not in result.stdout
    assert "US_SSN" in result.stdout and "field_7" in result.stdout
    spec = yaml.safe_load(spec_path.read_text())
    assert spec["columns"]["field_7"] == "drop"
    assert spec["columns"]["zip"] == "zip3"
    assert spec["columns"]["systolic_bp"] == "keep"
    # The written spec releases as it is.
    result = run("release", spec_path, "--output", tmp_path / "out")
    assert result.exit_code == 0, result.output


def write_spec(tmp_path: Path, source: Path, **fields) -> Path:
    spec = {"dataset": "patients", "source": {"path": str(source)}, **fields}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


BAD_INPUTS = {
    "missing file": (lambda tmp, csv: tmp / "absent.csv", 3, "no such file"),
    "malformed csv": (
        lambda tmp, csv: _write(tmp / "bad.csv", "a,b\n1,2\n3,4,5\n"),
        3,
        "malformed CSV",
    ),
    "empty table": (lambda tmp, csv: _write(tmp / "empty.csv", "a,b\n"), 3, "no rows"),
    "unknown column": (
        lambda tmp, csv: write_spec(tmp, csv, columns={"surname": "drop"}),
        2,
        r"`columns.surname` is not a column",
    ),
    "unknown action": (
        lambda tmp, csv: write_spec(tmp, csv, columns={"ssn": "shred"}),
        2,
        r"`columns.ssn.action`.*expected one of",
    ),
    "unknown key": (
        lambda tmp, csv: write_spec(tmp, csv, colour="red"),
        2,
        r"`colour`: unknown key",
    ),
    "subject_id not in table": (
        lambda tmp, csv: write_spec(tmp, csv, subject_id="person_id"),
        2,
        r"`subject_id` names a column that is not in the source",
    ),
    "pseudonymise without key": (
        lambda tmp, csv: write_spec(tmp, csv, columns={"mrn": "pseudonymize"}),
        4,
        r"SHAREABLE_PSEUDONYM_KEY is not set",
    ),
}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_clearly_and_publishes_nothing(
    case: str, patients_csv: Path, tmp_path: Path
) -> None:
    make_target, exit_code, pattern = BAD_INPUTS[case]
    target = make_target(tmp_path, patients_csv)
    out = tmp_path / "out"
    result = run("release", target, "--output", out)
    assert result.exit_code == exit_code, result.output
    assert pytest.importorskip("re").search(pattern, " ".join(result.stderr.split()))
    assert "Traceback" not in result.output
    assert_nothing_published(out)


def test_unwritable_output_fails_before_work(patients_csv: Path, tmp_path: Path) -> None:
    blocker = _write(tmp_path / "a-file", "")
    result = run("release", patients_csv, "--output", blocker / "releases")
    assert result.exit_code == 5
    assert "not writable" in result.stderr and "--output" in " ".join(result.stderr.split())


def test_failed_validation_publishes_nothing_and_names_the_check(
    patients_csv: Path, tmp_path: Path
) -> None:
    spec = write_spec(
        tmp_path,
        patients_csv,
        columns={"ssn": {"action": "keep", "reason": "test: force a residual SSN"}},
    )
    out = tmp_path / "out"
    result = run("release", spec, "--output", out)
    assert result.exit_code == 6, result.output
    message = " ".join(result.stderr.split())
    assert "ssn" in message and "SSN" in message
    source = generate_patients(120, seed=5)
    assert not [v for v in source["ssn"] if v in result.output]
    assert_nothing_published(out)
