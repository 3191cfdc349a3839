"""Partitioned releases: one Prefect task per partition, on local threads or a Dask cluster.

A real ``distributed.LocalCluster`` with two worker processes runs the partition tasks through
prefect-dask's ``DaskTaskRunner``; its output must hold exactly the rows of the default
runner's. Bad input: a partition with another schema, an unreachable cluster, a worker killed
mid-run. None may leave a partial release.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from examples.sample_data import generate_patients
from flows.cli import app
from flows.read import read_release
from privacy.errors import ClusterUnavailable

pytestmark = pytest.mark.usefixtures("prefect_harness")

KEY = "partition-test-key-0123456789"
PARTITIONS = 4
ROWS_PER_PARTITION = 120


@pytest.fixture(scope="module", autouse=True)
def pseudonym_key():
    """The key in this process and so in the cluster's workers (they inherit the environment)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHAREABLE_PSEUDONYM_KEY", KEY)
        yield


@pytest.fixture(scope="module")
def partitioned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of Parquet partitions of generated patients (with free-text notes)."""
    folder = tmp_path_factory.mktemp("src") / "admissions"
    folder.mkdir()
    table = generate_patients(PARTITIONS * ROWS_PER_PARTITION, seed=23)
    for i in range(PARTITIONS):
        chunk = table.iloc[i * ROWS_PER_PARTITION : (i + 1) * ROWS_PER_PARTITION]
        chunk.to_parquet(folder / f"chunk-{i:02d}.parquet", index=False)
    return folder


@pytest.fixture(scope="module")
def cluster(pseudonym_key):
    """A Dask LocalCluster with two worker processes (one thread each)."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


@pytest.fixture(scope="module")
def default_release(tmp_path_factory: pytest.TempPathFactory, partitioned: Path) -> Path:
    from flows.release import run_release

    return Path(run_release(str(partitioned), str(tmp_path_factory.mktemp("threads"))))


def test_each_partition_becomes_a_validated_part(default_release: Path) -> None:
    manifest = json.loads((default_release / "manifest.json").read_text())
    assert manifest["source"]["partitions"] == PARTITIONS
    assert manifest["rows_in"] == manifest["rows_out"] == PARTITIONS * ROWS_PER_PARTITION
    parts = sorted(p.name for p in default_release.glob("part-*.parquet"))
    assert parts == [f"part-{i:05d}-000.parquet" for i in range(PARTITIONS)]
    for name in parts:
        assert pq.ParquetFile(default_release / name).metadata.num_rows == ROWS_PER_PARTITION
    checks = {o["check"]: o for o in manifest["validation"]["results"]}
    assert checks["parts"]["success"] and checks["parts"]["element_count"] == PARTITIONS
    assert checks["row_count"]["success"]
    # One plan for all partitions: the identifiers are gone from every part.
    released = read_release(default_release)
    assert "ssn" not in released.columns and "email" not in released.columns


def test_dask_cluster_gives_the_same_rows_as_the_default_runner(
    cluster, partitioned: Path, default_release: Path, tmp_path: Path
) -> None:
    from flows.release import run_release

    on_dask = Path(
        run_release(str(partitioned), str(tmp_path), dask_address=cluster.scheduler_address)
    )
    pd.testing.assert_frame_equal(read_release(on_dask), read_release(default_release))
    assert sorted(p.name for p in on_dask.glob("part-*.parquet")) == sorted(
        p.name for p in default_release.glob("part-*.parquet")
    )


def test_partition_with_another_schema_is_refused_before_writing(
    partitioned: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    for source in sorted(partitioned.glob("*.parquet"))[:2]:
        (folder / source.name).write_bytes(source.read_bytes())
    odd = pq.read_table(folder / "chunk-01.parquet")
    odd = odd.set_column(
        odd.schema.get_field_index("age"), "age", odd.column("age").cast(pa.string())
    )
    pq.write_table(odd, folder / "chunk-01.parquet")
    result = CliRunner().invoke(app, ["release", str(folder), "--output", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    assert "chunk-01.parquet: column `age` is string here but int64" in result.output
    assert not (tmp_path / "out" / "mixed").exists()


def test_k_anonymity_counts_classes_per_partition(partitioned: Path, tmp_path: Path) -> None:
    from flows.release import run_release

    spec = tmp_path / "kanon.yaml"
    spec.write_text(
        f"dataset: admissions_k5\nsource: {{path: {partitioned}}}\nmethod: k_anonymity\n"
        "k_anonymity:\n  k: 5\n  max_suppression: 0.05\n  quasi_identifiers:\n"
        "    age: auto\n    sex: {hierarchy: [[F, '*'], [M, '*']]}\n    zip: auto\n"
    )
    folder = Path(run_release(str(spec), str(tmp_path / "out")))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["k_anonymity"]["records_in"] == PARTITIONS * ROWS_PER_PARTITION
    assert len(manifest["parts"]) == PARTITIONS
    released = read_release(folder)
    sizes = released.groupby(["age", "sex", "zip"], dropna=False).size()
    assert sizes.min() >= 5
    assert manifest["validation"]["success"]


def test_dp_release_scans_every_partition(partitioned: Path, tmp_path: Path) -> None:
    from flows.release import run_release

    spec = tmp_path / "dp.yaml"
    spec.write_text(
        f"dataset: admissions_dp\nsource: {{path: {partitioned}}}\nmethod: dp_aggregates\n"
        "dp:\n  max_contributions: 1\n  budget: {epsilon: 1.0}\n"
        "  per_release: {epsilon: 1.0}\n  queries:\n"
        "    - {name: by_sex, statistic: count, by: [sex], keys: {sex: [F, M]}}\n"
    )
    folder = Path(run_release(str(spec), str(tmp_path / "out")))
    counts = pd.read_parquet(folder / "by_sex.parquet")
    total = PARTITIONS * ROWS_PER_PARTITION
    # Noisy counts at epsilon 1 are within a few dozen of the truth; one partition alone
    # (120 rows) could not add up to this.
    assert list(counts.columns[:2]) == ["sex", "estimate"]
    assert abs(int(counts["estimate"].sum()) - total) < total / 4


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the socket is closed


def test_unreachable_cluster_fails_fast_and_publishes_nothing(
    partitioned: Path, tmp_path: Path
) -> None:
    address = f"tcp://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    result = CliRunner().invoke(
        app, ["release", str(partitioned), "--output", str(tmp_path), "--dask-address", address]
    )
    elapsed = time.monotonic() - started
    assert result.exit_code == 9, result.output
    assert address in result.output and "no Dask scheduler answers" in result.output
    assert "Nothing was published" in result.output
    assert elapsed < 30, f"took {elapsed:.0f} s to report an unreachable cluster"
    assert list(tmp_path.iterdir()) == []


def test_environment_address_is_used_and_checked(
    partitioned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.release import run_release

    monkeypatch.setenv("SHAREABLE_DASK_ADDRESS", "localhost")  # no port
    with pytest.raises(ClusterUnavailable, match="tcp://HOST:PORT"):
        run_release(str(partitioned), str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_worker_killed_mid_run_never_leaves_a_partial_release(
    cluster, partitioned: Path, default_release: Path, tmp_path: Path
) -> None:
    """Kill the worker processing a partition; the release retries or fails cleanly."""
    from distributed import Client

    from flows.release import run_release

    outcome: dict[str, object] = {}

    def release() -> None:
        try:
            outcome["path"] = run_release(
                str(partitioned), str(tmp_path), dask_address=cluster.scheduler_address
            )
        except BaseException as exc:  # noqa: BLE001 - the outcome is inspected below
            outcome["error"] = exc

    runner = threading.Thread(target=release)
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        pids = client.run(os.getpid)
        runner.start()
        victim = None
        deadline = time.monotonic() + 300
        while victim is None and runner.is_alive() and time.monotonic() < deadline:
            busy = [worker for worker, keys in client.processing().items() if keys]
            victim = busy[0] if busy else None
            time.sleep(0.05)
        assert victim is not None, "no partition task was seen running"
        os.kill(pids[victim], signal.SIGKILL)
        runner.join(timeout=600)
    assert not runner.is_alive()
    dataset = tmp_path / "admissions"
    leftovers = [p.name for p in dataset.iterdir()] if dataset.exists() else []
    assert not [name for name in leftovers if name.startswith(".staging")]
    if "error" in outcome:
        assert not [name for name in leftovers if name.startswith("v")], leftovers
    else:
        released = Path(str(outcome["path"]))
        pd.testing.assert_frame_equal(read_release(released), read_release(default_release))
