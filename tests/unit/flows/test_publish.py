from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows import publish
from flows.publish import (
    STAGING_DIR,
    Staging,
    check_output_root,
    remove_stale_staging,
    versions,
)
from flows.read import read_release
from privacy.errors import OutputError

SCHEMA = pa.schema([("a", pa.int64()), ("b", pa.string())])


def batch(n: int, start: int = 0) -> pa.RecordBatch:
    return pa.record_batch(
        [pa.array(range(start, start + n)), pa.array([f"r{i}" for i in range(n)])], schema=SCHEMA
    )


def staged(root: Path, *batches: pa.RecordBatch) -> Staging:
    staging = Staging.create(root, "ds", SCHEMA, {"dataset": "ds", "spec_hash": "abc"})
    for item in batches:
        staging.write(item)
    staging.finish()
    return staging


def test_promote_numbers_versions_and_updates_latest(tmp_path: Path) -> None:
    first = staged(tmp_path, batch(5)).promote({"x": 1}, {"README.md": "v{version}"})
    second = staged(tmp_path, batch(3)).promote({"x": 2}, {})
    assert (first.name, second.name) == ("v1", "v2")
    assert versions(tmp_path / "ds") == [1, 2]
    assert (tmp_path / "ds" / "LATEST").read_text() == "v2\n"
    assert json.loads((first / "manifest.json").read_text())["version"] == 1
    assert (first / "README.md").read_text() == "v1"
    table = pq.read_table(first / "part-00000.parquet")
    assert table.num_rows == 5
    assert table.schema.metadata[b"shareable.dataset"] == b"ds"
    assert not [p for p in (tmp_path / "ds").iterdir() if p.name.startswith(".staging")]


def test_parts_roll_over_and_are_checksummed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(publish, "PART_ROWS", 4)
    staging = staged(tmp_path, batch(3), batch(3, 3), batch(3, 6))
    assert [p.rows for p in staging.parts] == [6, 3]
    assert all(len(p.sha256) == 64 for p in staging.parts)
    target = staging.promote({}, {})
    assert read_release(target)["a"].tolist() == list(range(9))
    assert pq.read_table(target / "part-00001.parquet").column("a").to_pylist() == [6, 7, 8]


def test_concurrent_release_takes_the_next_version(tmp_path: Path) -> None:
    a, b = staged(tmp_path, batch(1)), staged(tmp_path, batch(2))
    (tmp_path / "ds" / "v1").mkdir(parents=True)  # another process promoted v1 meanwhile
    (tmp_path / "ds" / "v1" / "manifest.json").write_text("{}")
    assert a.promote({}, {}).name == "v2"
    assert b.promote({}, {}).name == "v3"


def test_discard_leaves_nothing(tmp_path: Path) -> None:
    staging = Staging.create(tmp_path, "ds", SCHEMA, {})
    staging.write(batch(2))
    staging.discard()
    assert not (tmp_path / "ds").exists()
    assert not list((tmp_path / STAGING_DIR).iterdir())


def test_empty_release_still_has_a_readable_part(tmp_path: Path) -> None:
    target = staged(tmp_path).promote({}, {})
    assert list(read_release(target).columns) == ["a", "b"]


def test_staging_is_private_and_outside_the_dataset_folder(tmp_path: Path) -> None:
    staging = Staging.create(tmp_path, "ds", SCHEMA, {})
    staging.write(batch(2))
    staging.finish()
    assert staging.path.parent == tmp_path / STAGING_DIR
    assert stat.S_IMODE((tmp_path / STAGING_DIR).stat().st_mode) == 0o700
    assert stat.S_IMODE(staging.path.stat().st_mode) == 0o700
    files = list(staging.path.iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    target = staging.promote({}, {})
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o777 & ~mask
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o666 & ~mask for f in target.iterdir())


def test_stale_staging_is_removed_but_a_live_one_is_kept(tmp_path: Path) -> None:
    live = Staging.create(tmp_path, "ds", SCHEMA, {})
    other = Staging.create(tmp_path, "other", SCHEMA, {})
    dead = tmp_path / STAGING_DIR / "ds.0123"  # a killed run: no process holds its lock
    dead.mkdir()
    (dead / "part-00000.parquet").write_bytes(b"raw")
    (tmp_path / STAGING_DIR / "ds.0123.lock").write_bytes(b"")
    legacy = tmp_path / "ds" / ".staging-old"  # an earlier Shareable's staging folder
    legacy.mkdir(parents=True)
    assert remove_stale_staging(tmp_path, "ds") == 2
    assert not dead.exists() and not legacy.exists()
    assert not (tmp_path / STAGING_DIR / "ds.0123.lock").exists()
    assert live.path.exists() and other.path.exists()
    live.discard()
    other.discard()


def test_unwritable_output_root(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(OutputError, match=r"not writable.*--output DIR"):
        check_output_root(blocker / "releases")
