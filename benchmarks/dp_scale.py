"""A DP release of grouped counts over 10 million generated rows, timed (target: < 60 s).

Generates N encounter rows (member id, state, sex, age; ~2 rows per member) as Parquet, then
plans and releases, with OpenDP, counts by state x sex (public keys) and an age histogram, with
contribution bounding (``max_contributions: 1`` per member, first rows kept). Prints the time
to generate, to plan (OpenDP's scale search and accuracy preview), to release, and the total.

    python benchmarks/dp_scale.py [--rows 10000000] [--partitions 10]

With ``--partitions N`` the rows are written as N Parquet files in one folder and scanned
together, as a partitioned source is by ``flows.dp_source``. The peak RSS of the process is
printed too (OpenDP collects its Polars plan internally: this shows what that costs).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from privacy.dp.compute import compute
from privacy.dp.plan import plan_dp
from privacy.dp_spec import DpSpec

STATES = ["MA", "TX", "CA", "NY", "WA", "GA", "OH", "NM", "MN", "VT"]


def generate(path: Path, rows: int, seed: int = 3, partitions: int = 1) -> None:
    rng = np.random.default_rng(seed)
    table = pl.DataFrame(
        {
            "member_id": rng.integers(0, rows // 2, rows),
            "state": pl.Series(np.array(STATES)[rng.integers(0, len(STATES), rows)]),
            "sex": pl.Series(np.array(["F", "M"])[rng.integers(0, 2, rows)]),
            "age": rng.integers(0, 100, rows),
        }
    )
    if path.suffix == ".parquet":
        table.write_parquet(path)
        return
    path.mkdir()
    share = -(-rows // partitions)
    for i in range(partitions):
        table.slice(i * share, share).write_parquet(path / f"part-{i:03d}.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--partitions", type=int, default=1, help="Parquet files to write")
    args = parser.parse_args()
    spec = DpSpec.model_validate(
        {
            "max_contributions": 1,
            "budget": {"epsilon": 10},
            "per_release": {"epsilon": 1.0},
            "max_rows": max(args.rows, 10_000_000),
            "queries": [
                {
                    "name": "visits_by_state_sex",
                    "statistic": "count",
                    "by": ["state", "sex"],
                    "keys": {"state": STATES, "sex": ["F", "M"]},
                },
                {
                    "name": "age_histogram",
                    "statistic": "histogram",
                    "column": "age",
                    "bins": [0, 18, 45, 65, 90, 120],
                },
            ],
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        name = "encounters.parquet" if args.partitions == 1 else "encounters"
        path = Path(folder) / name
        started = time.perf_counter()
        # In a child process, so that the peak RSS printed below is the release's alone.
        child = multiprocessing.get_context("fork").Process(
            target=generate, args=(path, args.rows, 3, args.partitions)
        )
        child.start()
        child.join()
        generated = time.perf_counter()
        files = [path] if path.is_file() else sorted(path.glob("*.parquet"))
        frame = pl.scan_parquet(files)
        rows = frame.select(pl.len()).collect().item()
        plan = plan_dp(spec, "member_id", frame, row_count=rows)
        planned = time.perf_counter()
        results = compute(plan)
        released = time.perf_counter()
    print(
        f"rows: {rows:,} in {len(files)} Parquet file(s); queries: {len(results)}; groups "
        f"released: {sum(r.table.num_rows for r in results)}"
    )
    print(f"generate {generated - started:6.1f} s")
    print(f"plan     {planned - generated:6.1f} s  (OpenDP scale search + accuracy preview)")
    print(f"release  {released - planned:6.1f} s  (truncation per member, counts, noise)")
    total = released - generated
    print(
        f"DP release total {total:6.1f} s  ({rows / total:,.0f} rows/s) -> "
        f"{'OK' if total < 60 else 'SLOWER THAN'} the 60 s target"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MiB (this process: plan and release; data generated in a child)")


if __name__ == "__main__":
    main()
