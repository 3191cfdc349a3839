"""Utility of DP marginal counts on the NIST CRC national2019 table (27,253 people).

One DP release per epsilon, holding every one-way and two-way marginal count of a set of
categorical columns as queries (the release's epsilon split evenly across them). Group keys
are the public value domains of ``national2019_schema.json``, so every cell is released,
empty ones included. Each row is one person (no subject id: ``max_contributions: 1``).
Prints, per epsilon and marginal order: mean absolute error, mean relative error (cells whose
true count is > 0), OpenDP's mean 95% half-width, and the time per release (planning with
OpenDP's accuracy preview + release).

    python benchmarks/dp_utility.py [--columns SEX MSP ...] [--epsilons 0.1 1 10]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from privacy.dp.compute import compute
from privacy.dp.plan import plan_dp
from privacy.dp_spec import DpSpec

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO.parent / "shared" / "data" / "nist_crc_diverse_communities" / "target"
COLUMNS = ["SEX", "MSP", "HISP", "RAC1P", "OWN_RENT", "EDU", "DPHY"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", nargs="+", default=COLUMNS)
    parser.add_argument("--epsilons", nargs="+", type=float, default=[0.1, 1.0, 10.0])
    args = parser.parse_args()
    data_path = TARGET / "national2019.csv"
    if not data_path.is_file():
        sys.exit(f"needs {data_path} (public evaluation data, not in the repo)")
    schema = json.loads((TARGET / "national2019_schema.json").read_text())["schema"]
    domains = {c: [str(v) for v in schema[c]["values"]] for c in args.columns}
    data = pl.read_csv(data_path, infer_schema=False).select(args.columns)
    marginals = [(c,) for c in args.columns] + list(itertools.combinations(args.columns, 2))
    queries = [
        {
            "name": "m_" + "_".join(m).lower(),
            "statistic": "count",
            "by": list(m),
            "keys": {c: domains[c] for c in m},
        }
        for m in marginals
    ]
    truth = {m: _true_counts(data, m, domains) for m in marginals}
    print(
        f"national2019: {data.height} rows; {len(args.columns)} columns -> "
        f"{len(marginals)} marginals ({len(args.columns)} one-way) in one release"
    )
    print(
        f"{'epsilon':>8} {'order':>6} {'cells':>6} {'MAE':>10} {'MRE':>8} {'95% hw':>9} "
        f"{'s/release':>10}"
    )
    for epsilon in args.epsilons:
        spec = DpSpec.model_validate(
            {
                "max_contributions": 1,
                "budget": {"epsilon": epsilon},
                "per_release": {"epsilon": epsilon},
                "queries": queries,
            }
        )
        started = time.perf_counter()
        plan = plan_dp(spec, None, data.lazy(), row_count=data.height)
        results = compute(plan)
        seconds = time.perf_counter() - started
        errors: dict[int, list[np.ndarray]] = {1: [], 2: []}
        truths: dict[int, list[np.ndarray]] = {1: [], 2: []}
        half_widths: dict[int, list[float]] = {1: [], 2: []}
        for marginal, result in zip(marginals, results, strict=True):
            released = result.table.to_pandas().set_index(list(marginal))["estimate"]
            expected = truth[marginal]
            released = released.reindex(expected.index)
            errors[len(marginal)].append((released - expected).abs().to_numpy())
            truths[len(marginal)].append(expected.to_numpy())
            half_widths[len(marginal)].append(result.plan.accuracy[0]["accuracy_95"])
        for order in (1, 2):
            err, true = np.concatenate(errors[order]), np.concatenate(truths[order])
            positive = true > 0
            mre = float(np.mean(err[positive] / true[positive]))
            print(
                f"{epsilon:>8g} {order:>6} {len(err):>6} {err.mean():>10.2f} {mre:>8.3f} "
                f"{np.mean(half_widths[order]):>9.1f} {seconds:>10.1f}"
            )


def _true_counts(data: pl.DataFrame, marginal: tuple[str, ...], domains: dict[str, list[str]]):
    import pandas as pd

    counts = data.group_by(list(marginal)).len().to_pandas().set_index(list(marginal))["len"]
    index = pd.MultiIndex.from_product([domains[c] for c in marginal], names=list(marginal))
    if len(marginal) == 1:
        index = index.get_level_values(0)
    return counts.reindex(index, fill_value=0).astype(float)


if __name__ == "__main__":
    main()
