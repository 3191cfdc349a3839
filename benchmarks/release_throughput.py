"""Safe Harbor release throughput and peak memory on generated patient tables.

Generates N rows (``flows.sample_data``) as CSV, then runs ``shareable release`` on it in a
fresh process and prints wall time, rows/s and the release process's peak RSS. Memory must not
grow with N (sources are streamed in Arrow batches).

    python benchmarks/release_throughput.py --rows 100000 1000000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.dataset as pads

from flows.sample_data import generate_patient_batches


def write_csv(path: Path, n_rows: int, seed: int = 7, notes: bool = True) -> float:
    """Write ``n_rows`` generated patients to ``path``; returns seconds taken."""
    started = time.perf_counter()
    writer = None
    for batch in generate_patient_batches(n_rows, seed=seed, batch_size=50_000):
        if not notes:
            batch = batch.drop_columns(["notes"])
        if writer is None:
            writer = pacsv.CSVWriter(path, batch.schema)
        writer.write_batch(batch)
    if writer is not None:
        writer.close()
    return time.perf_counter() - started


def run_release(csv_path: Path, output: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``shareable release`` in a child process; returns (seconds, peak RSS MiB, path)."""
    log = output.parent / "release.log"
    started = time.perf_counter()
    with log.open("w") as stderr, tempfile.TemporaryFile("w+") as stdout:
        child = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "release", str(csv_path), "--output", str(output)],
            env=env,
            stdout=stdout,
            stderr=stderr,
            text=True,
        )
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        stdout.seek(0)
        printed = stdout.read().strip().splitlines()
    if child.returncode != 0:
        sys.stderr.write(log.read_text()[-3000:])
        raise SystemExit(f"release failed with exit code {child.returncode}")
    return seconds, usage.ru_maxrss / 1024, printed[-1]


def main() -> None:
    """Print release time, rows/s and peak RSS for each requested size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument(
        "--no-notes", action="store_true", help="structured columns only (no free-text notes)"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="shareable-bench-"))
    env = dict(os.environ, SHAREABLE_HOME=str(workdir / "home"))
    env.setdefault("SHAREABLE_PSEUDONYM_KEY", "benchmark-key-0123456789")
    print(
        f"{'rows':>10} {'csv MiB':>8} {'gen s':>7} {'release s':>10} {'rows/s':>9} "
        f"{'peak RSS MiB':>13}"
    )
    for n_rows in sorted(args.rows):
        csv_path = workdir / f"patients_{n_rows}.csv"
        gen_seconds = write_csv(csv_path, n_rows, notes=not args.no_notes)
        seconds, peak_mib, published = run_release(csv_path, workdir / "releases", env)
        rows_out = pads.dataset(
            sorted(Path(published).glob("part-*.parquet")), format="parquet"
        ).count_rows()
        assert rows_out == n_rows, (rows_out, n_rows)
        print(
            f"{n_rows:>10,} {csv_path.stat().st_size / 2**20:>8.1f} {gen_seconds:>7.1f} "
            f"{seconds:>10.1f} {n_rows / seconds:>9,.0f} {peak_mib:>13.0f}"
        )
        if not args.keep:
            csv_path.unlink()
    print("release s: whole command incl. Python start-up, Prefect, detection and validation")


if __name__ == "__main__":
    main()
