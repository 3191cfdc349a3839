"""DP accuracy: noise scales from the bounds and epsilon, budget shares, clamping, the mean.

The expected noise scales are computed here from first principles (sensitivity / epsilon), not
read back from the code under test; noisy values are never asserted exactly, only their range,
their flags and the structure of the tables.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import polars as pl
import pytest

from privacy.budget import parse_share, share_text
from privacy.dp.compute import compute
from privacy.dp.plan import plan_dp
from privacy.dp.postprocess import clamp_estimates, feasible_range, mean_estimates
from privacy.dp.validation import validate_outputs
from privacy.dp_spec import DpQuery, DpSpec

UPPER = 50.0


def dp_spec(queries: list[dict], epsilon: float, max_contributions: int, **extra) -> DpSpec:
    return DpSpec.model_validate(
        {
            "max_contributions": max_contributions,
            "budget": {"epsilon": 1000},
            "per_release": {"epsilon": epsilon},
            "max_rows": extra.pop("max_rows", 100_000),
            "queries": queries,
            **extra,
        }
    )


def subjects(rows_per_subject: int, n: int = 600) -> pl.LazyFrame:
    rng = np.random.default_rng(3)
    member = np.repeat(np.arange(n), rows_per_subject)
    return pl.DataFrame(
        {
            "member_id": member,
            "g": np.array(["a", "b", "c"])[member % 3],
            "x": rng.uniform(0, UPPER, member.size),
        }
    ).lazy()


QUERIES = [
    {"name": "n", "statistic": "count"},
    {"name": "n_by_g", "statistic": "count", "by": ["g"], "keys": {"g": ["a", "b", "c"]}},
    {"name": "total", "statistic": "sum", "column": "x", "bounds": [0, UPPER]},
    {"name": "average", "statistic": "mean", "column": "x", "bounds": [0, UPPER]},
]


@pytest.mark.parametrize(("m", "subject_id"), [(1, "member_id"), (5, "member_id"), (5, None)])
def test_noise_scale_is_sensitivity_over_epsilon(m: int, subject_id: str | None) -> None:
    """An individual adds at most m rows: count sensitivity m, sum sensitivity m * UPPER.

    The release's epsilon (2) is split evenly over the 4 queries; a mean spends its share half
    on the sum and half on the count, as OpenDP's own mean does (the sum's float rounding
    slack shifts the split by a hair, hence rel=1e-3). With m = 5 the count scale is
    5 / 0.5 = 10 (not 25 / 0.5 = 50, the square of the bound).
    """
    spec = dp_spec(QUERIES, epsilon=2.0, max_contributions=m)
    plan = plan_dp(spec, subject_id, subjects(m), row_count=600 * m)
    epsilon = 2.0 / len(QUERIES)
    scales = {q.query.name: [row["scale"] for row in q.accuracy] for q in plan.queries}
    assert scales["n"] == [pytest.approx(m / epsilon)]
    assert scales["n_by_g"] == [pytest.approx(m / epsilon)]
    # OpenDP widens a float sum's scale slightly for rounding (max_rows bounds it).
    assert scales["total"] == [pytest.approx(m * UPPER / epsilon, rel=1e-3)]
    assert scales["average"][:2] == [
        pytest.approx(m * UPPER / (epsilon / 2), rel=1e-3),
        pytest.approx(m / (epsilon / 2), rel=1e-3),
    ]
    assert scales["average"][2] is None  # the mean's own row: derived per group


def test_contribution_bound_is_not_counted_twice_in_the_privacy_unit() -> None:
    """With a subject id, the unit is one identifier; the truncation bounds the rows."""
    spec = dp_spec([QUERIES[0]], epsilon=1.0, max_contributions=5)
    plan = plan_dp(spec, "member_id", subjects(7), row_count=4200)
    assert plan.queries[0].accuracy[0]["scale"] == pytest.approx(5.0)
    (result,) = compute(plan)
    # 600 subjects, 5 of 7 rows kept each: the estimate is near 3000, far from 4200.
    assert abs(result.table["estimate"][0].as_py() - 3000) < 200


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(1, 3), "1/3"),
        (Fraction(1, 4), "0.25"),
        (Fraction(1), "1"),
        (Fraction(3, 10), "0.3"),
        (Fraction(1, 3) * Fraction(1, 10**7), "3.333e-08"),
        (Fraction(1, 8) * Fraction(1, 10**7), "0.0000000125"),
    ],
)
def test_share_text_is_exact_or_rounded(value: Fraction, text: str) -> None:
    assert share_text(value) == text
    assert parse_share(text) == pytest.approx(float(value), rel=1e-3)


def test_query_epsilon_is_a_fraction_in_the_metadata() -> None:
    frame = subjects(1)
    even = plan_dp(dp_spec(QUERIES[:3], 1.0, 1), "member_id", frame, row_count=600)
    assert [q["epsilon"] for q in even.metadata()["queries"]] == ["1/3", "1/3", "1/3"]
    weighted = [{**QUERIES[0], "weight": 1}, {**QUERIES[2], "weight": 2}]
    plan = plan_dp(dp_spec(weighted, 0.3, 1, split="weights"), None, frame, row_count=600)
    assert [q["epsilon"] for q in plan.metadata()["queries"]] == ["0.1", "0.2"]
    with pytest.raises(ValueError, match="Invalid literal for Fraction"):
        parse_share("one third")


def test_feasible_ranges() -> None:
    def query(**fields) -> DpQuery:
        return DpQuery.model_validate({"name": "q", **fields})

    assert feasible_range(query(statistic="count"), 1000) == (0.0, 1000.0)
    assert feasible_range(query(statistic="sum", column="x", bounds=[2, 5]), 10) == (0.0, 50.0)
    assert feasible_range(query(statistic="sum", column="x", bounds=[-3, 5]), 10) == (-30.0, 50.0)
    assert feasible_range(query(statistic="mean", column="x", bounds=[0, 500]), 10) == (0, 500)


def test_clamp_estimates_flags_what_moved() -> None:
    counts = pl.DataFrame({"estimate": [-4, 0, 7, 12, None]}, schema={"estimate": pl.Int64})
    clamped = clamp_estimates(counts, "estimate", (0.0, 10.0))
    assert clamped["estimate"].to_list() == [0, 0, 7, 10, None]
    assert clamped["clamped"].to_list() == [True, False, False, True, False]
    assert clamped.schema["estimate"] == pl.Int64
    means = pl.DataFrame({"estimate": [-49.3, 250.0, 600.0]})
    assert clamp_estimates(means, "estimate", (0.0, 500.0))["estimate"].to_list() == [0, 250, 500]


def test_mean_interval_is_the_ratio_over_the_box() -> None:
    estimate, accuracy, clamped = mean_estimates(
        np.array([1000.0, -200.0, 50.0]), np.array([10.0, 4.0, 0.0]), (100.0, 2.0), (0.0, 500.0)
    )
    # Group 1: sum 1000 +- 100, count 10 +- 2: the mean lies in [900/12, 1100/8] = [75, 137.5].
    assert estimate[0] == 100 and accuracy[0] == pytest.approx(37.5) and not clamped[0]
    # Group 2: -200 / 4 is below the bounds: clamped to 0; the interval is cut to the bounds.
    assert estimate[1] == 0 and clamped[1] and accuracy[1] == pytest.approx(0.0)
    # Group 3: no positive count: the bounds' midpoint, the whole range as the interval.
    assert estimate[2] == 250 and clamped[2] and accuracy[2] == 250


def test_mean_interval_covers_the_true_mean_in_simulation() -> None:
    """The derived 95% interval, over simulated Laplace noise at the stated scales.

    The simulation stands in for OpenDP's noise (this tests the post-processing only); the
    97.5% half-widths of a Laplace(b) are b * ln(1 / 0.025). Coverage must be at least 95%.
    """
    rng = np.random.default_rng(11)
    true_sum, true_count, scale_sum, scale_count = 4000.0, 40.0, 800.0, 8.0
    half = (scale_sum * np.log(40), scale_count * np.log(40))
    trials = 4000
    sums = true_sum + rng.laplace(0, scale_sum, trials)
    counts = np.round(true_count + rng.laplace(0, scale_count, trials))
    estimate, accuracy, _ = mean_estimates(sums, counts, half, (0.0, 500.0))
    covered = np.abs(estimate - true_sum / true_count) <= accuracy + 1e-9
    assert covered.mean() >= 0.95
    assert np.all((estimate >= 0) & (estimate <= 500))


def test_released_estimates_are_clamped_and_flagged() -> None:
    """Tiny epsilon, 40 public groups with no rows: noisy counts below 0 are clamped to 0."""
    keys = [f"k{i}" for i in range(40)]
    queries = [
        {"name": "n", "statistic": "count", "by": ["g"], "keys": {"g": keys}},
        {
            "name": "m",
            "statistic": "mean",
            "column": "x",
            "bounds": [0, 500],
            "by": ["g"],
            "keys": {"g": keys},
        },
    ]
    frame = pl.DataFrame({"member_id": [1, 2, 3], "g": ["k0"] * 3, "x": [1.0, 2.0, 3.0]}).lazy()
    plan = plan_dp(dp_spec(queries, 0.2, 1, max_rows=1000), "member_id", frame, row_count=3)
    results = compute(plan)
    counts, means = (r.table.to_pandas() for r in results)
    assert counts["estimate"].ge(0).all() and counts["clamped"].any()
    assert (counts.loc[counts["clamped"], "estimate"] == 0).all()
    assert means["estimate"].between(0, 500).all() and means["accuracy"].gt(0).all()
    assert results[0].clamped == int(counts["clamped"].sum())
    facts = plan.metadata({r.plan.query.name: r.clamped for r in results})["queries"]
    assert facts[0]["estimates_clamped"] == results[0].clamped
    assert facts[0]["feasible_range"] == [0.0, 1000.0]
    assert "post-processing, no privacy cost" in facts[0]["clamping"]
    assert validate_outputs(plan, results, plan.metadata()).success
