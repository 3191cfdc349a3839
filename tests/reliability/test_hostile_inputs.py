"""The hostile-input corpus through real releases: no planted value reaches any output.

Each case of :mod:`tests.reliability.corpus` is released with the real CLI (in this process,
against the session's Prefect API). Then stdout and stderr, every file under the output root
and ``SHAREABLE_HOME`` (manifests, READMEs, staging), the Shareable database (catalog, audit,
ledger) and Prefect's database (task run states, logs, artifacts) are searched for the case's
marker. Each case must also end with its documented exit code, in under 30 seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

import prefect.settings
import pytest
from prefect.logging.handlers import APILogWorker
from typer.testing import CliRunner

from flows.cli import app
from tests.reliability.corpus import CASES, Case, staged_files

pytestmark = pytest.mark.usefixtures("prefect_harness")

SECONDS = 30


def prefect_database() -> Path:
    """The SQLite file of the session's Prefect API (the test harness's)."""
    url = prefect.settings.PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
    return Path(url.split(":///", 1)[1])


def files_holding(marker: str, *folders: Path) -> list[str]:
    """Files under ``folders`` whose bytes contain ``marker`` (SQLite WAL files included)."""
    needle = marker.encode()
    found = []
    for folder in folders:
        for path in folder.rglob("*") if folder.is_dir() else [folder]:
            if path.is_file() and needle in path.read_bytes():
                found.append(str(path))
    return found


def test_the_corpus_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_no_planted_value_leaves(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture
) -> None:
    source_dir, home, out = tmp_path / "in", tmp_path / "home", tmp_path / "out"
    source_dir.mkdir()
    home.mkdir()
    monkeypatch.setenv("SHAREABLE_HOME", str(home))
    monkeypatch.setenv("SHAREABLE_DB_URL", f"sqlite:///{home / 'shareable.db'}")
    monkeypatch.delenv("SHAREABLE_DEBUG", raising=False)
    marker = case.marker()
    target = case.write(source_dir, marker)

    started = time.monotonic()
    result = CliRunner().invoke(app, ["release", str(target), "--output", str(out)])
    elapsed = time.monotonic() - started
    APILogWorker.drain_all(timeout=10)
    captured = capfd.readouterr()

    assert result.exit_code in case.codes, (result.exit_code, result.output[-2000:])
    assert elapsed < SECONDS, f"{case.name} took {elapsed:.0f} s"
    assert marker not in result.output
    assert marker not in captured.out + captured.err
    assert not files_holding(marker, out, home), "planted value in an output or database"
    assert not files_holding(marker, prefect_database().parent), "planted value in Prefect's DB"
    assert not staged_files(out), "staging left behind"
    if result.exit_code != 0:
        assert not list(out.glob("*/v*")), "a failed release published a version"
