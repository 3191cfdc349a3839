"""A crash between publication and the catalog record is repaired by the next run."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from flows import audit, catalog
from flows.release import release
from tests.reliability.corpus import staged_files

pytestmark = pytest.mark.usefixtures("prefect_harness")

SPEC = "dataset: visits\nsource: {path: visits.csv}\nretain: 2\n"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("SHAREABLE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHAREABLE_DB_URL", f"sqlite:///{tmp_path / 'home' / 'shareable.db'}")
    (tmp_path / "spec.yaml").write_text(SPEC)
    grow(tmp_path)
    return tmp_path


def grow(folder: Path) -> None:
    path = folder / "visits.csv"
    old = path.read_text() if path.exists() else "visit_id,state,age\n"
    start = len(old.splitlines())
    rows = "".join(
        f"V{i:05d},{'MA' if i % 2 else 'TX'},{i % 90}\n" for i in range(start, start + 30)
    )
    path.write_text(old + rows)


def run(folder: Path) -> Path:
    return Path(release(str(folder / "spec.yaml"), str(folder / "out")))


def forget(folder: Path, version: int) -> None:
    """What a kill -9 between publish and record leaves: the folder, no catalog row."""
    with sqlite3.connect(folder / "home" / "shareable.db") as db:
        db.execute("DELETE FROM catalog_releases WHERE version = ?", (version,))


def catalogued(folder: Path) -> list[int]:
    with sqlite3.connect(folder / "home" / "shareable.db") as db:
        rows = db.execute("SELECT version FROM catalog_releases WHERE status = 'published'")
        return sorted(v for (v,) in rows)


def test_an_uncatalogued_version_is_catalogued_from_its_manifest(folder: Path) -> None:
    first = run(folder)
    forget(folder, 1)
    (first.parent / "LATEST").unlink()
    again = run(folder)  # up to date: the same source and spec
    assert again == first
    assert catalogued(folder) == [1]
    assert (first.parent / "LATEST").read_text().strip() == "v1"
    actions = [row["action"] for row in audit.audit_entries("visits", 20)]
    assert "reconciled" in actions


def test_an_incomplete_visible_version_is_withdrawn(folder: Path) -> None:
    first = run(folder)
    bogus = first.parent / "v7"
    bogus.mkdir()
    (bogus / "manifest.json").write_text(json.dumps({"dataset": "visits", "version": 7}))
    grow(folder)
    published = run(folder)
    assert not bogus.exists()
    assert published.name == "v2"
    assert catalogued(folder) == [1, 2]
    assert (first.parent / "LATEST").read_text().strip() == "v2"


def test_recording_twice_is_harmless_and_retention_removes_whole_versions(folder: Path) -> None:
    versions = []
    for _ in range(3):
        versions.append(run(folder))
        grow(folder)
    record = catalog.ReleaseRecord.read(versions[-1])
    assert record is not None
    assert catalog.record_release(record, versions[-1]) is False  # already recorded
    assert [p.name for p in sorted(versions[-1].parent.glob("v*"))] == ["v2", "v3"]
    assert catalogued(folder) == [2, 3]
    assert not staged_files(folder / "out")
