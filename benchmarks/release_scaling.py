"""Safe Harbor release time and peak memory as the input grows: is it linear, is it bounded?

Generates the structured columns of ``examples.sample_data`` (the free-text ``notes`` column is
dropped unless ``--notes``) at each ``--rows`` size, and optionally a CSV of about ``--csv-gb``
GiB, then runs
``python -m flows.cli release SOURCE --output DIR`` on each in a child process. Prints rows,
input size, seconds, rows/s, the peak RSS of the release process (``VmHWM``; ``wait4``'s
``ru_maxrss`` too) and of its whole process tree (polled from /proc: detection workers,
Prefect's temporary server ...), then a linearity check (seconds per million rows, and a
least-squares fit ``seconds = start-up + rows x per-row cost``) and whether the tree's peak
memory stayed under 1.5 GiB at every size.

    python benchmarks/release_scaling.py                              # 100k, 1M, 10M + 2 GiB CSV
    python benchmarks/release_scaling.py --rows 10000 100000 --csv-gb 0          # quick look
    python benchmarks/release_scaling.py --rows 100000 1000000 --format parquet-dir

``--format parquet-dir`` writes each size as a directory of Parquet partitions (one file per
``--rows-per-file`` rows) and releases the directory; if this version of ``shareable release``
does not take directories, that mode is skipped with a message. Generated files live in a
temporary folder under /tmp and are deleted after each size unless ``--keep``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.dataset as pads

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
from _release_common import (  # noqa: E402
    MIB,
    ChildRun,
    bench_env,
    input_bytes,
    run_child,
    write_table,
)

LIMIT_MIB = 1536
"""Peak memory the release must stay under at every size (1.5 GiB)."""


@dataclass(frozen=True)
class Point:
    """One measured release."""

    label: str
    rows: int
    input_bytes: int
    generate_seconds: float
    run: ChildRun


def rows_for_csv_bytes(target_bytes: float, workdir: Path, notes: bool) -> int:
    """Rows of the generated table whose CSV is about ``target_bytes`` (from a 50k sample)."""
    probe = workdir / "probe.csv"
    write_table(probe, 50_000, "csv", notes=notes)
    per_row = probe.stat().st_size / 50_000
    probe.unlink()
    return int(target_bytes / per_row)


def release_once(
    label: str, n_rows: int, fmt: str, workdir: Path, args: argparse.Namespace
) -> Point | None:
    """Generate ``n_rows`` as ``fmt``, release it, check the row count; ``None`` if skipped."""
    stem = f"patients_{n_rows}" + ("_gib" if label.endswith("csv") else "")
    source = workdir / (f"{stem}.csv" if fmt == "csv" else stem)
    generate_seconds = write_table(
        source, n_rows, fmt, notes=args.notes, rows_per_file=args.rows_per_file
    )
    size = input_bytes(source)
    output = workdir / "releases"
    run = run_child(
        [sys.executable, "-m", "flows.cli", "release", str(source), "--output", str(output)],
        bench_env(workdir),
        workdir / f"release-{stem}.log",
    )
    try:
        if run.returncode != 0:
            last = run.stderr_tail.strip().splitlines()[-1:] or ["(no message)"]
            if fmt == "parquet-dir":
                print(
                    f"SKIPPED parquet-dir at {n_rows:,} rows: `shareable release DIR` failed "
                    f"(exit {run.returncode}): {last[0][:300]}"
                )
                return None
            sys.stderr.write(run.stderr_tail)
            raise SystemExit(f"release of {source.name} failed with exit code {run.returncode}")
        published = Path(run.stdout.strip().splitlines()[-1])
        parts = sorted(published.glob("part-*.parquet"))
        rows_out = pads.dataset(parts, format="parquet").count_rows()
        if rows_out != n_rows:
            raise SystemExit(f"{label}: released {rows_out:,} rows of {n_rows:,}")
    finally:
        if not args.keep:
            shutil.rmtree(source) if source.is_dir() else source.unlink()
            shutil.rmtree(output, ignore_errors=True)
    return Point(label, n_rows, size, generate_seconds, run)


def print_point(point: Point) -> None:
    """One row of the results table."""
    run = point.run
    print(
        f"{point.label:>10} {point.rows:>11,} {point.input_bytes / MIB:>9.1f} "
        f"{point.generate_seconds:>6.1f} {run.seconds:>9.1f} {point.rows / run.seconds:>9,.0f} "
        f"{run.main_peak_mib:>9.0f} {run.wait4_peak_mib:>9.0f} {run.tree_rss_mib:>9.0f} "
        f"{run.tree_pss_mib:>9.0f} "
        f"{run.processes:>5}",
        flush=True,
    )


def print_linearity(points: list[Point]) -> None:
    """Seconds per million rows, the fitted start-up cost, and the memory verdict."""
    print("\nLinearity: seconds per million rows (whole command / net of fitted start-up)")
    rows = np.array([p.rows for p in points], dtype=float)
    seconds = np.array([p.run.seconds for p in points])
    fit = len(points) >= 2 and len(set(rows)) >= 2
    if fit:
        per_row, startup = np.polyfit(rows, seconds, 1)
    for point in points:
        per_m = point.run.seconds / point.rows * 1e6
        net = f"{(point.run.seconds - startup) / point.rows * 1e6:>8.1f}" if fit else f"{'n/a':>8}"
        print(f"  {point.label:>10} {point.rows:>11,} rows: {per_m:>8.1f} s/M  {net} s/M net")
    if fit:
        predicted = startup + per_row * rows
        worst = np.max(np.abs(seconds - predicted) / seconds) * 100
        print(
            f"  fit: seconds = {startup:.1f} s start-up + {per_row * 1e6:.1f} s per million "
            f"rows ({1 / per_row:,.0f} rows/s marginal); largest deviation from the line "
            f"{worst:.0f}% of the measured time"
        )
    print("\nPeak memory (limit 1.5 GiB = 1536 MiB):")
    for label, value in (
        ("whole tree, summed RSS", max(p.run.tree_rss_mib for p in points)),
        ("whole tree, summed PSS", max(p.run.tree_pss_mib for p in points)),
        ("release process alone (VmHWM)", max(p.run.main_peak_mib for p in points)),
        ("release process (wait4 maxrss)", max(p.run.wait4_peak_mib for p in points)),
    ):
        verdict = "under" if value < LIMIT_MIB else "OVER"
        print(f"  {label:<31} max {value:>6.0f} MiB over all sizes: {verdict} the limit")


def main() -> None:
    """Generate, release and measure each size; print the table and the checks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, nargs="*", default=[100_000, 1_000_000, 10_000_000],
        help="table sizes to release (default: 100000 1000000 10000000)",
    )  # fmt: skip
    parser.add_argument(
        "--csv-gb", type=float, default=2.0,
        help="also release a CSV of about this many GiB (0: skip; default 2)",
    )  # fmt: skip
    parser.add_argument("--format", choices=("csv", "parquet-dir"), default="csv")
    parser.add_argument("--rows-per-file", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new /tmp folder")
    parser.add_argument(
        "--notes", action="store_true",
        help="keep the free-text notes column (span detection on every row: much slower)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep generated inputs and releases")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="shareable-scaling-", dir=args.workdir))
    columns = "all columns incl. free-text notes" if args.notes else "structured columns (no notes)"
    print(f"work folder {workdir}; format {args.format}; {columns}")
    sizes = [(f"{n:,}", n, args.format) for n in sorted(args.rows)]
    if args.csv_gb > 0:
        n_csv = rows_for_csv_bytes(args.csv_gb * 2**30, workdir, args.notes)
        sizes.append((f"{args.csv_gb:g}GiB-csv", n_csv, "csv"))
    print(
        f"{'input':>10} {'rows':>11} {'input MiB':>9} {'gen s':>6} {'release s':>9} "
        f"{'rows/s':>9} {'main MiB':>9} {'wait4 MiB':>9} {'tree RSS':>9} {'tree PSS':>9} "
        f"{'procs':>5}",
        flush=True,
    )
    points = []
    for label, n_rows, fmt in sizes:
        point = release_once(label, n_rows, fmt, workdir, args)
        if point is not None:
            print_point(point)
            points.append(point)
    if points:
        print_linearity(points)
    print(
        "release s: the whole command (Python start-up, Prefect's temporary server, detection on "
        "a sample, transforms, validation, publish); main MiB: peak RSS (VmHWM) of the release "
        "process; wait4: its ru_maxrss (floored at this script's RSS when it forked); tree "
        "RSS/PSS: summed over the release's process tree, polled every 0.2 s (PSS every 1 s)"
    )
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
