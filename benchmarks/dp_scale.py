"""A DP release of grouped counts over 10 million generated rows, timed (target: < 60 s).

Generates N encounter rows (member id, state, sex, age; ~2 rows per member) as Parquet, then
plans and releases, with OpenDP, counts by state x sex (public keys) and an age histogram, with
contribution bounding (``max_contributions: 1`` per member, first rows kept). Prints the time
to generate, to plan (OpenDP's scale search and accuracy preview), to release, and the total.

    python benchmarks/dp_scale.py [--rows 10000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from privacy.dp import compute, plan_dp
from privacy.dp_spec import DpSpec

STATES = ["MA", "TX", "CA", "NY", "WA", "GA", "OH", "NM", "MN", "VT"]


def generate(path: Path, rows: int, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    pl.DataFrame(
        {
            "member_id": rng.integers(0, rows // 2, rows),
            "state": pl.Series(np.array(STATES)[rng.integers(0, len(STATES), rows)]),
            "sex": pl.Series(np.array(["F", "M"])[rng.integers(0, 2, rows)]),
            "age": rng.integers(0, 100, rows),
        }
    ).write_parquet(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
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
        path = Path(folder) / "encounters.parquet"
        started = time.perf_counter()
        generate(path, args.rows)
        generated = time.perf_counter()
        frame = pl.scan_parquet(path)
        rows = frame.select(pl.len()).collect().item()
        plan = plan_dp(spec, "member_id", frame, row_count=rows)
        planned = time.perf_counter()
        results = compute(plan)
        released = time.perf_counter()
    print(
        f"rows: {rows:,}; queries: {len(results)}; groups released: "
        f"{sum(r.table.num_rows for r in results)}"
    )
    print(f"generate {generated - started:6.1f} s")
    print(f"plan     {planned - generated:6.1f} s  (OpenDP scale search + accuracy preview)")
    print(f"release  {released - planned:6.1f} s  (truncation per member, counts, noise)")
    total = released - generated
    print(
        f"DP release total {total:6.1f} s  ({rows / total:,.0f} rows/s) -> "
        f"{'OK' if total < 60 else 'SLOWER THAN'} the 60 s target"
    )


if __name__ == "__main__":
    main()
