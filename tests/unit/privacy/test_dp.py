"""DP aggregates with OpenDP: calibrated noise, contribution bounds, shapes, errors, validation."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from privacy.dp.compute import QueryResult, compute
from privacy.dp.plan import plan_dp
from privacy.dp.validation import validate_outputs
from privacy.dp_spec import DpSpec
from privacy.errors import SpecError, ValidationFailed


def dp_spec(queries: list[dict], epsilon: float = 1.0, delta: float = 0.0, **extra) -> DpSpec:
    return DpSpec.model_validate(
        {
            "max_contributions": extra.pop("max_contributions", 1),
            "budget": {"epsilon": 1000, "delta": delta},
            "per_release": {"epsilon": epsilon, "delta": delta},
            "queries": queries,
            **extra,
        }
    )


def discrete_laplace_variance(scale: float) -> float:
    t = math.exp(-1 / scale)
    return 2 * t / (1 - t) ** 2


GROUPS = [f"g{i:03d}" for i in range(400)]
PER_GROUP = 50


def grouped_table(rows_per_subject: int) -> pl.LazyFrame:
    subjects = np.arange(len(GROUPS) * PER_GROUP)
    member = np.repeat(subjects, rows_per_subject)
    return pl.DataFrame({"member_id": member, "g": np.array(GROUPS)[member // PER_GROUP]}).lazy()


@pytest.mark.parametrize(("max_contributions", "epsilon"), [(1, 1.0), (5, 0.5)])
def test_count_noise_matches_the_declared_epsilon(max_contributions: int, epsilon: float) -> None:
    """Counts of 400 public groups, in one release: 400 draws of the noise.

    A subject contributes at most k = ``max_contributions`` rows in all, so adding or removing
    one changes the grouped counts by at most k in L1 norm, and the integer Laplace noise must
    have scale k / epsilon (not k * k / epsilon, which stating the bound twice would give).
    The empirical variance must lie in a band around that scale's variance which excludes half
    or double the epsilon, and the noise is not zero.
    """
    spec = dp_spec(
        [{"name": "n", "statistic": "count", "by": ["g"], "keys": {"g": GROUPS}}],
        epsilon=epsilon,
        max_contributions=max_contributions,
    )
    frame = grouped_table(max_contributions)
    expected_scale = max_contributions / epsilon
    noise, inside = [], 0
    for _ in range(1):
        plan = plan_dp(spec, "member_id", frame, row_count=len(GROUPS) * PER_GROUP * 2)
        (accuracy,) = plan.queries[0].accuracy
        assert accuracy["scale"] == pytest.approx(expected_scale, rel=1e-6)
        table = compute(plan)[0].table
        assert table.column_names == ["g", "estimate", "accuracy", "clamped"]
        assert table.num_rows == len(GROUPS)
        draws = np.array(table["estimate"].to_pylist()) - PER_GROUP * max_contributions
        noise.extend(draws)
        inside += int((np.abs(draws) <= accuracy["accuracy_95"]).sum())
    noise = np.array(noise)
    expected = discrete_laplace_variance(expected_scale)
    assert 0.6 * expected < noise.var() < 1.5 * expected
    # Half or double the epsilon would give a variance far outside that band.
    assert discrete_laplace_variance(expected_scale / 2) < 0.6 * expected
    assert discrete_laplace_variance(expected_scale * 2) > 1.5 * expected
    assert (noise != 0).mean() > 0.3 and abs(noise.mean()) < 5 * math.sqrt(expected / len(noise))
    assert inside / len(noise) >= 0.9  # the reported 95% half-width covers the noise


def test_contribution_bound_keeps_the_first_rows_per_subject() -> None:
    members = np.repeat(np.arange(300), 5)  # 300 subjects, 5 rows each
    values = np.tile([10.0, 0.0, 0.0, 0.0, 0.0], 300)  # only the first row of each is 10
    frame = pl.DataFrame({"member_id": members, "x": values}).lazy()
    spec = dp_spec(
        [
            {"name": "n", "statistic": "count"},
            {"name": "total", "statistic": "sum", "column": "x", "bounds": [0, 10]},
        ],
        epsilon=200.0,
    )
    plan = plan_dp(spec, "member_id", frame, row_count=1500)
    count, total = (r.table.to_pylist()[0]["estimate"] for r in compute(plan))
    assert abs(count - 300) <= 2  # not 1500: extra rows dropped
    assert total == pytest.approx(3000, abs=15)  # the first row of each subject is kept
    bounding = plan.metadata()["privacy_unit"]["contribution_bounding"]
    assert "dropped deterministically" in bounding and "first rows" in bounding


@pytest.fixture
def encounters() -> pl.LazyFrame:
    rng = np.random.default_rng(5)
    n = 2000
    return pl.DataFrame(
        {
            "member_id": rng.integers(0, 1500, n),
            "state": rng.choice(["MA", "TX", "CA"], n),
            "sex": rng.choice(["F", "M"], n),
            "total_charges": pl.Series(rng.gamma(2, 5000, n)).scatter(
                np.flatnonzero(rng.random(n) < 0.05), None
            ),
            "age": rng.integers(0, 100, n),
        }
    ).lazy()


def test_query_shapes_and_metadata(encounters: pl.LazyFrame) -> None:
    spec = dp_spec(
        [
            {
                "name": "ages",
                "statistic": "histogram",
                "column": "age",
                "bins": [0, 18, 65, 120],
                "by": ["sex"],
                "keys": {"sex": ["F", "M"]},
            },
            {
                "name": "q",
                "statistic": "quantiles",
                "column": "age",
                "bounds": [0, 100],
                "quantiles": [0.25, 0.75],
            },
            {
                "name": "charges",
                "statistic": "mean",
                "column": "total_charges",
                "bounds": [0, 100000],
                "by": ["state"],
                "keys": {"state": ["MA", "TX", "CA", "NY"]},
            },
        ],
        epsilon=3.0,
        split="weights",
    )
    plan = plan_dp(spec, "member_id", encounters, row_count=2000)
    ages, quantiles, charges = (r.table for r in compute(plan))
    assert ages.column_names == ["sex", "age_bin", "estimate", "accuracy", "clamped"]
    assert sorted(set(ages["age_bin"].to_pylist())) == ["[0, 18)", "[18, 65)", "[65, 120]"]
    assert ages.num_rows == 6 and ages.schema.field("estimate").type == pa.int64()
    assert quantiles.column_names == ["quantile", "estimate", "accuracy", "clamped"]
    assert quantiles["quantile"].to_pylist() == [0.25, 0.75]
    assert charges.column_names == ["state", "estimate", "accuracy", "clamped"]
    assert all(a is not None and a > 0 for a in charges["accuracy"].to_pylist())
    assert charges["state"].to_pylist() == ["CA", "MA", "NY", "TX"]  # NY: a public key, no rows
    meta = plan.metadata()
    assert [q["keys"] for q in meta["queries"]] == [
        "public keys listed in the spec x histogram bins from the spec",
        "no grouping",
        "public keys listed in the spec",
    ]
    assert meta["queries"][2]["clamping_bounds"] == [0, 100000]
    assert [a["aggregate"] for a in meta["queries"][2]["accuracy"]] == [
        "Sum",
        "Frame Length",
        "Mean (noisy sum / noisy count)",
    ]
    assert meta["queries"][2]["accuracy_derivation"].startswith("noisy sum / noisy count")
    assert [q["epsilon"] for q in meta["queries"]] == ["1", "1", "1"]  # 3 split evenly by weight


def test_partition_selection_with_delta(encounters: pl.LazyFrame) -> None:
    spec = dp_spec(
        [
            {
                "name": "by_state",
                "statistic": "histogram",
                "column": "age",
                "bins": [0, 50, 100],
                "by": ["state"],
            }
        ],
        epsilon=1.0,
        delta=1e-6,
    )
    plan = plan_dp(spec, "member_id", encounters, row_count=2000)
    (result,) = compute(plan)
    assert result.table.column_names == ["state", "age_bin", "estimate", "accuracy", "clamped"]
    assert set(result.table["state"].to_pylist()) <= {"MA", "TX", "CA"}
    assert plan.queries[0].threshold is not None and plan.queries[0].threshold > 0
    assert plan.queries[0].key_origin.startswith("DP partition selection")


@pytest.mark.parametrize(
    ("query", "subject_id", "rows", "pattern"),
    [
        (
            {"name": "x", "statistic": "count", "by": ["county"], "keys": {"county": ["a"]}},
            "member_id",
            10,
            r"query `x` uses column `county`, which is not in the source",
        ),
        (
            {"name": "x", "statistic": "count"},
            "patient",
            10,
            r"`subject_id: patient` is not a column",
        ),
        (
            {"name": "x", "statistic": "sum", "column": "state", "bounds": [0, 1]},
            "member_id",
            10,
            r"sum needs a numeric column, but `state` holds",
        ),
        (
            {"name": "x", "statistic": "count", "by": ["member_id"], "keys": {"member_id": [1]}},
            "member_id",
            10,
            r"uses the subject id",
        ),
        ({"name": "x", "statistic": "count"}, "member_id", 10**8, r"more rows than `dp.max_rows`"),
        (
            {"name": "x", "statistic": "count", "by": ["state"], "keys_file": "missing.csv"},
            "member_id",
            10,
            r"cannot read `keys_file`",
        ),
    ],
)
def test_plan_errors(
    encounters: pl.LazyFrame, query: dict, subject_id: str, rows: int, pattern: str
) -> None:
    with pytest.raises(SpecError, match=pattern):
        plan_dp(dp_spec([query]), subject_id, encounters, row_count=rows)


def test_keys_file(encounters: pl.LazyFrame, tmp_path: Path) -> None:
    (tmp_path / "keys.csv").write_text("state,sex\nMA,F\nMA,M\nTX,F\n")
    (tmp_path / "bad.csv").write_text("region\nMA\n")
    query = {"name": "x", "statistic": "count", "by": ["state", "sex"], "keys_file": "keys.csv"}
    plan = plan_dp(dp_spec([query]), "member_id", encounters, row_count=2000, spec_dir=tmp_path)
    assert compute(plan)[0].table.num_rows == 3
    assert plan.queries[0].key_origin == "public keys from the file keys.csv"
    with pytest.raises(SpecError, match=r"lacks the column\(s\) state, sex"):
        plan_dp(
            dp_spec([{**query, "keys_file": "bad.csv"}]),
            "member_id",
            encounters,
            row_count=2000,
            spec_dir=tmp_path,
        )


def test_validation_catches_leaks_and_missing_metadata(encounters: pl.LazyFrame) -> None:
    spec = dp_spec(
        [{"name": "x", "statistic": "count", "by": ["state"], "keys": {"state": ["MA", "TX"]}}]
    )
    plan = plan_dp(spec, "member_id", encounters, row_count=2000)
    results = compute(plan)
    assert validate_outputs(plan, results, plan.metadata()).success
    leaky = results[0].table.append_column("member_id", pa.array([1] * results[0].table.num_rows))
    private_key = pa.table(
        {"state": ["CA"], "estimate": [3], "accuracy": [1.0], "clamped": [False]}
    )
    metadata = plan.metadata()
    metadata["queries"][0]["epsilon"] = None
    for bad_results, bad_metadata, check in [
        ([QueryResult(results[0].plan, leaky)], plan.metadata(), "no row-level column"),
        ([QueryResult(results[0].plan, private_key)], plan.metadata(), "are public keys"),
        (results, metadata, "epsilon per query"),
    ]:
        report = validate_outputs(plan, bad_results, bad_metadata)
        assert not report.success
        with pytest.raises(ValidationFailed, match=check):
            report.raise_if_failed()
