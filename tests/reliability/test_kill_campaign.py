"""kill -9 at random moments of real releases, then a next run: the state stays consistent.

For each method (Safe Harbor, k-anonymity, DP), ``shareable release`` runs as a child process
(against the session's Prefect API, so no temporary server is orphaned) and is killed with
SIGKILL after a seeded random delay; then the same release runs again to completion. After
that next run: every visible ``v<N>`` is in the catalog, no staging file is left, and
``LATEST`` names the newest catalogued version. The source grows before each attempt, so
every run has something to publish.

``SHAREABLE_RELIABILITY_KILLS`` sets the kills per method (default 1, for CI: about two minutes
in all); e.g. 10 gives a 30-kill campaign. ``SHAREABLE_RELIABILITY_SEED`` changes the seed.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import prefect.settings
import pytest

from tests.reliability.corpus import staged_files

pytestmark = pytest.mark.usefixtures("prefect_harness")

KILLS = int(os.environ.get("SHAREABLE_RELIABILITY_KILLS", "1"))
SEED = int(os.environ.get("SHAREABLE_RELIABILITY_SEED", "21"))

SPECS = {
    "safe_harbor": "dataset: sh_kill\nsource: {path: visits.csv}\n",
    "k_anonymity": (
        "dataset: kanon_kill\nsource: {path: visits.csv}\nmethod: k_anonymity\n"
        "columns:\n  visit_id: {action: drop}\n"
        "k_anonymity:\n  k: 3\n  max_suppression: 0.2\n  quasi_identifiers:\n"
        "    sex: {hierarchy: [[F, '*'], [M, '*']]}\n"
        "    state: {hierarchy: [[MA, NE, '*'], [VT, NE, '*'], [TX, S, '*'], [GA, S, '*']]}\n"
    ),
    "dp_aggregates": (
        "dataset: dp_kill\nsource: {path: visits.csv}\nsubject_id: visit_id\n"
        "method: dp_aggregates\ndp:\n  max_contributions: 1\n  budget: {epsilon: 1000}\n"
        "  per_release: {epsilon: 0.5}\n  queries:\n    - name: by_state\n"
        "      statistic: count\n      by: [state]\n      keys: {state: [MA, VT, TX, GA]}\n"
    ),
}


def append_rows(path: Path, rng: random.Random, n: int = 200) -> None:
    """Grow the source (a new version each run): visit id, sex, state, age."""
    new = not path.exists()
    start = 1 if new else len(path.read_text().splitlines())
    with path.open("a") as handle:
        if new:
            handle.write("visit_id,sex,state,age\n")
        for i in range(start, start + n):
            state = rng.choice(["MA", "VT", "TX", "GA"])
            handle.write(f"V{i:07d},{rng.choice('FM')},{state},{rng.randint(1, 95)}\n")


def child_env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PREFECT_API_URL=prefect.settings.PREFECT_API_URL.value(),
        SHAREABLE_HOME=str(folder / "home"),
        SHAREABLE_DB_URL=f"sqlite:///{folder / 'home' / 'shareable.db'}",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    env.pop("SHAREABLE_DEBUG", None)
    return env


def start(spec: Path, folder: Path, stderr=subprocess.PIPE) -> subprocess.Popen:
    command = [sys.executable, "-m", "flows.cli", "release", str(spec), "--output", "out"]
    return subprocess.Popen(
        command,
        cwd=folder,
        env=child_env(folder),
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,
    )


def run_to_end(spec: Path, folder: Path) -> float:
    began = time.monotonic()
    child = start(spec, folder)
    _, stderr = child.communicate(timeout=300)
    assert child.returncode == 0, stderr.decode()[-3000:]
    return time.monotonic() - began


def check_consistent(folder: Path, dataset: str) -> None:
    dataset_dir = folder / "out" / dataset
    visible = sorted(int(p.name[1:]) for p in dataset_dir.glob("v*") if p.name[1:].isdigit())
    with sqlite3.connect(folder / "home" / "shareable.db") as db:
        rows = db.execute(
            "SELECT version, path FROM catalog_releases WHERE dataset = ? AND status = 'published'",
            (dataset,),
        ).fetchall()
    catalogued = {version for version, _ in rows}
    assert set(visible) <= catalogued, f"visible but not catalogued: {set(visible) - catalogued}"
    assert all(Path(path).is_dir() for _, path in rows), "catalogued but gone"
    assert (dataset_dir / "LATEST").read_text().strip() == f"v{max(visible)}"
    leftovers = staged_files(folder / "out")
    assert not leftovers, f"staging files left after the next run: {leftovers}"
    assert not list(dataset_dir.glob(".staging-*"))


@pytest.mark.parametrize("method", sorted(SPECS))
def test_kill_9_then_next_run_is_consistent(method: str, tmp_path: Path) -> None:
    rng = random.Random(f"{SEED}-{method}")
    (tmp_path / "home").mkdir()
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPECS[method])
    dataset = SPECS[method].split("\n", 1)[0].removeprefix("dataset: ")
    duration = 20.0  # a first guess; each next run measures how long a release takes
    for _ in range(KILLS):
        append_rows(tmp_path / "visits.csv", rng)
        child = start(spec, tmp_path, stderr=subprocess.DEVNULL)
        delay = rng.uniform(0.3, 1.0) * duration
        time.sleep(delay)
        print(f"{method}: kill -9 after {delay:.1f} s of a {duration:.1f} s release")
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
        append_rows(tmp_path / "visits.csv", rng)
        duration = run_to_end(spec, tmp_path)
        check_consistent(tmp_path, dataset)
