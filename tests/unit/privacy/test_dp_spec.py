"""The `dp:` section of a release spec: valid forms, and messages that say what to add."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from privacy.dp_spec import DpSpec
from privacy.errors import SpecError
from privacy.spec import ReleaseSpec, dump_spec, load_spec

ISSUE_EXAMPLE = """\
dataset: encounters_stats
source: {path: encounters.csv}
subject_id: member_id
method: dp_aggregates
dp:
  max_contributions: 1
  budget: {epsilon: 2.0}
  per_release: {epsilon: 1.0}
  queries:
    - name: visits_by_state_sex
      statistic: count
      by: [state, sex]
      keys: {state: [MA, TX, CA, NY, WA, GA, OH, NM, MN, VT], sex: [F, M]}
    - name: mean_charges
      statistic: mean
      column: total_charges
      bounds: [0, 100000]
    - name: age_histogram
      statistic: histogram
      column: age
      bins: [0, 18, 45, 65, 90, 120]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def dp_section(**changes) -> dict:
    base = yaml.safe_load(ISSUE_EXAMPLE)["dp"]
    base.update(changes)
    return base


def test_issue_example_parses(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, ISSUE_EXAMPLE))
    assert spec.method == "dp_aggregates" and spec.dp is not None
    count, mean, histogram = spec.dp.queries
    assert count.group_keys is not None and count.group_keys["sex"] == ("F", "M")
    assert mean.bounds == (0, 100000) and histogram.bins == (0, 18, 45, 65, 90, 120)
    assert spec.dp.keep == "first" and spec.dp.query_weights() == [1.0, 1.0, 1.0]
    # `keys` round-trips under its YAML name.
    assert "keys:" in dump_spec(spec) and "group_keys" not in dump_spec(spec)


def query(**fields) -> dict:
    return {"name": "q", **fields}


@pytest.mark.parametrize(
    ("queries", "changes", "pattern"),
    [
        (
            [query(statistic="mean", column="total_charges")],
            {},
            r"query `q` needs `bounds: \[low, high\]` for column total_charges",
        ),
        ([query(statistic="sum", column="x", bounds=[5, 1])], {}, r"low < high"),
        ([query(statistic="histogram", column="age")], {}, r"needs `bins: \[edge, edge"),
        ([query(statistic="histogram", column="age", bins=[5, 1])], {}, r"strictly ascending"),
        ([query(statistic="mean")], {}, r"mean needs `column: <column name>`"),
        ([query(statistic="count", column="x")], {}, r"count takes no `column`"),
        ([query(statistic="count", bounds=[0, 1])], {}, r"`bounds` does not apply to count"),
        ([query(statistic="quantiles", column="x", bounds=[0, 1])], {}, r"needs `quantiles:"),
        (
            [query(statistic="quantiles", column="x", bounds=[0, 1], quantiles=[1.5])],
            {},
            r"strictly in \(0, 1\)",
        ),
        (
            [query(statistic="count", by=["state"])],
            {},
            r"query `q` groups `by` columns without public `keys`: add `keys: .*delta",
        ),
        (
            [query(statistic="count", by=["state", "sex"], keys={"state": ["MA"]})],
            {},
            r"`keys` lacks the `by` column\(s\) sex",
        ),
        ([query(statistic="count", keys={"state": ["MA"]})], {}, r"`keys` needs `by:"),
        (
            [query(statistic="sum", column="x", bounds=[0, 1], by=["state"])],
            {"per_release": {"epsilon": 1, "delta": 1e-7}, "budget": {"epsilon": 2, "delta": 1e-6}},
            r"a grouped sum needs public keys: add `keys: \{state: \[value",
        ),
        (
            [query(statistic="count", by=["a"], keys={"a": ["x"]}, keys_file="k.csv")],
            {},
            r"not both",
        ),
        ([query(statistic="count"), query(statistic="count")], {}, r"used twice: q"),
        ([{"name": "Bad Name", "statistic": "count"}], {}, r"lowercase letters"),
        ([query(statistic="variance", column="x")], {}, r"expected one of"),
        (
            [query(statistic="count", colour="red")],
            {},
            r"unknown key.*allowed keys: bins, bounds, by, candidates, column, keys,",
        ),
        ([], {}, r"at least 1 item"),
        ([query(statistic="count")], {"per_release": {"epsilon": 0}}, r"greater than 0"),
        ([query(statistic="count")], {"per_release": {"epsilon": -1}}, r"greater than 0"),
        ([query(statistic="count")], {"budget": {"epsilon": 0.5}}, r"exceeds the lifetime"),
        (
            [query(statistic="count")],
            {"per_release": {"epsilon": 1, "delta": 1e-6}},
            r"add `delta` to `budget`",
        ),
        ([query(statistic="count")], {"max_contributions": 0}, r"greater than or equal to 1"),
    ],
)
def test_bad_dp_sections(tmp_path: Path, queries: list, changes: dict, pattern: str) -> None:
    raw = yaml.safe_load(ISSUE_EXAMPLE)
    raw["dp"] = dp_section(queries=queries, **changes)
    with pytest.raises(SpecError, match=pattern):
        load_spec(write(tmp_path, yaml.safe_dump(raw)))


@pytest.mark.parametrize(
    ("method", "with_dp", "pattern"),
    [
        ("dp_aggregates", False, r"`method: dp_aggregates` needs a `dp:` section"),
        ("safe_harbor", True, r"applies only to `method: dp_aggregates`"),
    ],
)
def test_dp_section_and_method_go_together(
    tmp_path: Path, method: str, with_dp: bool, pattern: str
) -> None:
    raw = yaml.safe_load(ISSUE_EXAMPLE)
    raw["method"] = method
    if not with_dp:
        del raw["dp"]
    with pytest.raises(SpecError, match=pattern):
        load_spec(write(tmp_path, yaml.safe_dump(raw)))


@pytest.mark.parametrize(
    "extra",
    [
        {"split": "weights"},
        {"keep": "sample"},
        {"per_release": {"epsilon": 1.0, "delta": 1e-7}, "budget": {"epsilon": 2, "delta": 1e-6}},
    ],
)
def test_valid_variants(extra: dict) -> None:
    queries = [
        {"name": "a", "statistic": "count", "weight": 3},
        {"name": "b", "statistic": "median", "column": "x", "bounds": [0, 10]},
        {
            "name": "c",
            "statistic": "quantiles",
            "column": "x",
            "bounds": [0, 10],
            "quantiles": [0.25, 0.75],
            "candidates": [0, 5, 10],
        },
        {
            "name": "d",
            "statistic": "sum",
            "column": "x",
            "bounds": [0, 10],
            "by": ["g"],
            "keys_file": "keys.csv",
        },
    ]
    spec = DpSpec.model_validate(dp_section(queries=queries, **extra))
    weights = spec.query_weights()
    assert weights == ([3.0, 1.0, 1.0, 1.0] if spec.split == "weights" else [1.0] * 4)
    assert spec.queries[3].columns == ("g", "x") and spec.queries[3].public_keys


def test_fingerprint_changes_with_the_dp_section(tmp_path: Path) -> None:
    first = load_spec(write(tmp_path, ISSUE_EXAMPLE))
    raw = yaml.safe_load(ISSUE_EXAMPLE)
    raw["dp"]["per_release"]["epsilon"] = 0.5
    second = ReleaseSpec.model_validate(raw)
    assert first.fingerprint() != second.model_copy(update={"source": first.source}).fingerprint()
