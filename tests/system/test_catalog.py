"""Catalog, audit log, retention and access requests, through real releases and the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from examples.sample_data import generate_patients
from flows import audit, catalog, requests
from flows.cli import app

pytestmark = pytest.mark.usefixtures("prefect_harness")
runner = CliRunner()


@pytest.fixture(autouse=True)
def own_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    monkeypatch.setenv("SHAREABLE_DB_URL", url)
    monkeypatch.setenv("COLUMNS", "200")  # wide tables: no wrapping inside cells
    return url


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    data = tmp_path / "visits.csv"
    generate_patients(60, seed=3).to_csv(data, index=False)
    path = tmp_path / "visits.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "dataset": "visits",
                "description": "Synthetic visits",
                "steward": "dana@example.org",
                "source": {"path": "visits.csv"},
                "output": "releases",
                "retain": 2,
            }
        )
    )
    return path


def run(*args) -> object:
    result = runner.invoke(app, [str(a) for a in args])
    return result


def test_catalog_show_audit_and_retention(spec: Path, tmp_path: Path) -> None:
    first = run("release", spec, "--actor", "dana")
    assert first.exit_code == 0, first.output
    again = run("release", spec, "--actor", "cron")
    assert again.exit_code == 0
    assert again.stdout.strip().splitlines()[-1] == first.stdout.strip().splitlines()[-1]
    releases = tmp_path / "releases" / "visits"
    assert sorted(p.name for p in releases.glob("v*")) == ["v1"]

    for _ in range(2):
        assert run("release", spec, "--force").exit_code == 0
    # retain: 2 keeps v2 and v3; v1 is removed and retired in the catalog.
    assert sorted(p.name for p in releases.glob("v*")) == ["v2", "v3"]

    listing = run("catalog")
    assert listing.exit_code == 0
    assert "visits" in listing.stdout and "v3" in listing.stdout
    assert "HIPAA Safe Harbor" in listing.stdout and "dana@example.org" in listing.stdout
    entry = catalog.find_release("visits")
    assert (entry.version, entry.rows, entry.releases) == (3, 60, 2)

    from flows.read import read_dataset, read_release, release_path

    latest = read_dataset("visits")
    assert len(latest) == 60 and "ssn" not in latest.columns
    assert read_dataset("visits", 2).equals(
        read_release(release_path("visits", 2, releases.parent))
    )
    assert release_path("visits", root=releases.parent).name == "v3"

    shown = run("show", "visits@v2")
    assert shown.exit_code == 0, shown.output
    assert "visits v2: HIPAA Safe Harbor" in " ".join(shown.stdout.split())
    assert "zip" in shown.stdout and "first 3 ZIP digits" in " ".join(shown.stdout.split())
    missing = run("show", "visits@v1")
    assert missing.exit_code != 0 and "no version 1" in " ".join(missing.stderr.split())

    actions = [(e["actor"], e["action"]) for e in audit.audit_entries("visits")][::-1]
    assert actions[:4] == [
        ("dana", "release_started"),
        ("dana", "published"),
        ("cron", "release_started"),
        ("cron", "up_to_date"),
    ]
    assert ("unknown", "retired") not in actions
    assert any(action == "retired" for _, action in actions)
    log = run("audit", "visits")
    assert log.exit_code == 0 and "up_to_date" in log.stdout


def test_audit_records_refusals_and_is_append_only(
    spec: Path, tmp_path: Path, own_database: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "dataset": "visits",
                "source": {"path": "visits.csv"},
                "columns": {"nope": "drop"},
                "output": "releases",
            }
        )
    )
    assert run("release", bad, "--actor", "erin").exit_code == 2
    failing = tmp_path / "failing.yaml"
    failing.write_text(
        yaml.safe_dump(
            {
                "dataset": "visits",
                "source": {"path": "visits.csv"},
                "output": "releases",
                "columns": {"ssn": {"action": "keep", "reason": "test"}},
            }
        )
    )
    assert run("release", failing, "--actor", "erin").exit_code == 6
    outcomes = [(e["action"], e["outcome"]) for e in audit.audit_entries("visits")]
    assert ("refused", "SpecError") in outcomes
    assert ("validation_failed", "nothing published") in outcomes
    engine = sa.create_engine(own_database)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as c:
        c.execute(sa.text("DELETE FROM audit_log"))
    assert not (tmp_path / "releases" / "visits").exists()


def test_access_requests_with_a_clock(own_database: str) -> None:
    opened = run(
        "request", "visits", "--purpose", "exact ages for a dementia cohort", "--actor", "ana"
    )
    assert opened.exit_code == 0 and "Request 1 opened" in opened.stdout
    assert run("request", "visits", "--purpose", "zip5 for a flu map").exit_code == 0
    # Make request 2 three weeks old.
    engine = sa.create_engine(own_database)
    with engine.begin() as connection:
        connection.execute(
            requests.access_requests.update()
            .where(requests.access_requests.c.id == 2)
            .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=21))
        )
    listing = run("requests")
    assert listing.exit_code == 0
    assert "OVERDUE" in listing.stdout and "1 open request(s) older than 14 days" in listing.stdout
    assert run("requests", "--sla-days", "30").stdout.count("OVERDUE") == 0
    assert (
        run("approve", "1", "--reason", "IRB protocol 42 approved", "--actor", "dana").exit_code
        == 0
    )
    again = run("deny", "1", "--reason", "changed my mind")
    assert again.exit_code == 2 and "already approved" in again.stderr
    assert run("deny", "2", "--reason", "").exit_code == 2
    assert run("deny", "2", "--reason", "ZIP5 is never released").exit_code == 0
    assert run("requests").stdout.count("visits") == 0
    decided = run("requests", "--all")
    assert "approved" in decided.stdout and "denied" in decided.stdout
    actions = {e["action"] for e in audit.audit_entries("visits")}
    assert {"request_opened", "request_approved", "request_denied"} <= actions
    assert run("deny", "99", "--reason", "x").exit_code == 3


def test_identifiers_past_the_detection_sample_are_caught_by_the_fresh_scan(
    tmp_path: Path,
) -> None:
    """Detection reads a CSV's first 1,000 rows; names that start later still stop the release.

    No pattern of the validation suite matches a name: only the fresh scan can see them.
    """
    people = generate_patients(2000, seed=4)
    table = people[["patient_id", "diagnosis_code"]].copy()
    names = (people["first_name"] + " " + people["last_name"]).tolist()
    table["referral"] = ["none"] * 1000 + names[1000:]  # filled in only from row 1,001
    table.to_csv(tmp_path / "late.csv", index=False)
    result = run("release", tmp_path / "late.csv", "--output", tmp_path / "releases")
    assert result.exit_code == 6, result.output
    assert "column 'referral'" in result.output and "PERSON by a fresh scan" in result.output
    assert not any(value in result.output for value in names[1000:])
    assert not (tmp_path / "releases" / "late").exists() or not any(
        p.name.startswith("v") for p in (tmp_path / "releases" / "late").iterdir()
    )
