"""DP releases through the real `release` flow: OpenDP, the budget ledger, GX and Parquet."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from faker import Faker

from flows.budget import (
    LOCK_TIMEOUT_ENV,
    budget_report,
    charge_release,
    ledger_engine,
    render_budget,
)
from flows.dp_source import plan_release
from flows.inputs import load
from privacy.errors import BudgetExhausted, SourceError, SpecError, StoreError

pytestmark = pytest.mark.usefixtures("prefect_harness")

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
STATES = ["MA", "TX", "CA", "NY", "WA", "GA", "OH", "NM", "MN", "VT"]


def encounters(rows: int = 1500, seed: int = 7) -> pd.DataFrame:
    fake = Faker()
    fake.seed_instance(seed)
    members = [fake.bothify("M#######") for _ in range(rows // 2)]
    return pd.DataFrame(
        {
            "member_id": [fake.random_element(members) for _ in range(rows)],
            "state": [fake.random_element(STATES) for _ in range(rows)],
            "sex": [fake.random_element(["F", "M"]) for _ in range(rows)],
            "total_charges": [
                round(fake.pyfloat(min_value=50, max_value=60000), 2) for _ in range(rows)
            ],
            "age": [fake.random_int(0, 99) for _ in range(rows)],
            "diagnosis": [fake.random_element(["J20.9", "I10", "E11.9"]) for _ in range(rows)],
        }
    )


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A spec folder with the source, and a ledger database of its own."""
    encounters().to_csv(tmp_path / "encounters.csv", index=False)
    monkeypatch.setenv("SHAREABLE_DB_URL", f"sqlite:///{tmp_path / 'shareable.db'}")
    return tmp_path


def write_spec(folder: Path, text: str = ISSUE_EXAMPLE) -> Path:
    path = folder / "spec.yaml"
    path.write_text(text)
    return path


def run(spec: Path, out: Path, force: bool = False) -> Path:
    from flows.release import release

    return Path(release(str(spec), str(out), force=force))


def published(out: Path) -> list[str]:
    folder = out / "encounters_stats"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_issue_example_release_then_budget_exhausted(workdir: Path) -> None:
    spec, out = write_spec(workdir), workdir / "out"
    first = run(spec, out)
    assert first.name == "v1"
    assert sorted(p.name for p in first.iterdir()) == [
        "README.md",
        "age_histogram.parquet",
        "manifest.json",
        "mean_charges.parquet",
        "visits_by_state_sex.parquet",
    ]
    counts = pd.read_parquet(first / "visits_by_state_sex.parquet")
    assert list(counts.columns) == ["state", "sex", "estimate", "accuracy", "clamped"]
    assert len(counts) == 20 and counts["accuracy"].gt(0).all() and counts["estimate"].ge(0).all()
    histogram = pd.read_parquet(first / "age_histogram.parquet")
    assert list(histogram["age_bin"]) == [
        "[0, 18)",
        "[18, 45)",
        "[45, 65)",
        "[65, 90)",
        "[90, 120]",
    ]
    assert list(histogram.columns) == ["age_bin", "estimate", "accuracy", "clamped"]
    mean = pd.read_parquet(first / "mean_charges.parquet")
    assert list(mean.columns) == ["estimate", "accuracy", "clamped"] and len(mean) == 1
    assert mean["estimate"].between(0, 100000).all() and mean["accuracy"].gt(0).all()
    manifest = json.loads((first / "manifest.json").read_text())
    dp = manifest["dp"]
    assert manifest["method"] == "dp_aggregates" and manifest["rows_in"] is None
    assert dp["per_release"] == {"epsilon": "1", "delta": "0"}
    assert [q["keys"] for q in dp["queries"]] == [
        "public keys listed in the spec",
        "no grouping",
        "histogram bins from the spec",
    ]
    assert dp["queries"][1]["clamping_bounds"] == [0, 100000]
    # Epsilon 1 over three queries is 1/3 each, not 0.3333333333333333333333333333.
    assert [q["epsilon"] for q in dp["queries"]] == ["1/3", "1/3", "1/3"]
    assert dp["queries"][1]["accuracy_derivation"].startswith("noisy sum / noisy count")
    assert [q["feasible_range"] for q in dp["queries"]][1] == [0, 100000]
    for query in dp["queries"]:
        table = pd.read_parquet(first / f"{query['name']}.parquet")
        assert query["estimates_clamped"] == int(table["clamped"].sum())
        assert "post-processing, no privacy cost" in query["clamping"]
    # Each file is listed with its own columns, in the manifest and in the README.
    by_file = {part["file"]: [c["name"] for c in part["columns"]] for part in manifest["parts"]}
    assert by_file == {
        "age_histogram.parquet": ["age_bin", "estimate", "accuracy", "clamped"],
        "mean_charges.parquet": ["estimate", "accuracy", "clamped"],
        "visits_by_state_sex.parquet": ["state", "sex", "estimate", "accuracy", "clamped"],
    }
    assert "dropped deterministically" in dp["privacy_unit"]["contribution_bounding"]
    assert manifest["validation"]["success"]
    text = (first / "README.md").read_text()
    assert "95% half-width" in text and "{version}" not in text
    assert "1/3 (≈ 0.3333)" in text and "0.33333333" not in text
    readme_columns = {
        line.split("`")[1]: line.rsplit("columns ", 1)[1].split(", ")
        for line in text.splitlines()
        if line.startswith("- `") and ".parquet`" in line
    }
    assert readme_columns == by_file
    assert "clamped to the feasible range (post-processing, no privacy cost)" in text
    for file in first.glob("*.parquet"):  # no source column other than the group keys
        assert not {"member_id", "total_charges", "age", "diagnosis"} & set(
            pd.read_parquet(file).columns
        )

    from flows.read import read_dataset

    tables = read_dataset("encounters_stats")
    assert sorted(tables) == ["age_histogram", "mean_charges", "visits_by_state_sex"]
    assert list(tables["age_histogram"]["age_bin"]) == list(histogram["age_bin"])
    one = read_dataset("encounters_stats", query="visits_by_state_sex")
    pd.testing.assert_frame_equal(one, counts, check_dtype=False)
    with pytest.raises(SourceError, match=r"has no query `visits`; it holds one table per query"):
        read_dataset("encounters_stats", query="visits")

    second = run(spec, out, force=True)  # a refresh of the same data: charged again
    assert second.name == "v2"
    with pytest.raises(BudgetExhausted, match=r"Remaining: epsilon=0, delta=0"):
        run(spec, out, force=True)
    assert published(out) == ["LATEST", "v1", "v2"]  # nothing published, no staging left
    account = budget_report("encounters_stats")
    assert [(c.status, c.version) for c in account.charges] == [("published", 1), ("published", 2)]
    assert account.charges[0].charge_id == dp["ledger_charge_id"]
    text = render_budget(account)
    assert "remaining  epsilon 0" in text and "published  v2" in text

    from typer.testing import CliRunner

    from flows.cli import app

    cli = CliRunner()
    shown = cli.invoke(app, ["budget", "encounters_stats"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "remaining  epsilon 0" in shown.stdout
    listed = cli.invoke(app, ["catalog"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0 and "DP tables: 3 files" in listed.stdout, listed.output
    assert "queries age_histogram, mean_charges, visits_by_state_sex" in listed.stdout
    assert "rows 26" not in listed.stdout
    refused = cli.invoke(app, ["budget", "encounters_stats", "--set-total", "3"])
    assert refused.exit_code != 0 and "--reason" in refused.stderr
    raised = cli.invoke(
        app,
        [
            "budget",
            "encounters_stats",
            "--set-total",
            "3",
            "--reason",
            "approved by the board",
            "--actor",
            "steward",
        ],
        env={"COLUMNS": "200"},
    )
    assert raised.exit_code == 0, raised.output
    assert "total      epsilon 3" in raised.stdout
    with pytest.raises(SpecError, match=r"differs from the lifetime total.*--set-total"):
        run(spec, out, force=True)
    assert published(out) == ["LATEST", "v1", "v2"]


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (
            ("column: total_charges", "column: charges"),
            r"query `mean_charges` uses column `charges`, which is not in the source",
        ),
        (
            ("      bounds: [0, 100000]\n", ""),
            r"query `mean_charges` needs `bounds: \[low, high\]` for column total_charges",
        ),
        (
            ("      keys: {state: [MA, TX, CA, NY, WA, GA, OH, NM, MN, VT], sex: [F, M]}\n", ""),
            r"query `visits_by_state_sex` groups `by` columns without public `keys`: add",
        ),
        (
            ("per_release: {epsilon: 1.0}", "per_release: {epsilon: 0}"),
            r"`dp\.per_release\.epsilon`: Input should be greater than 0",
        ),
        (("per_release: {epsilon: 1.0}", "per_release: {epsilon: -0.5}"), r"greater than 0"),
    ],
)
def test_bad_input_is_refused_before_any_charge(
    workdir: Path, change: tuple[str, str], pattern: str
) -> None:
    spec, out = write_spec(workdir, ISSUE_EXAMPLE.replace(*change)), workdir / "out"
    with pytest.raises(SpecError, match=pattern):
        run(spec, out)
    assert published(out) == []
    with pytest.raises(SpecError, match="no privacy budget is recorded"):
        budget_report("encounters_stats")


def test_corrupt_ledger_refuses_the_release(workdir: Path) -> None:
    (workdir / "shareable.db").write_bytes(b"garbage, not SQLite " * 500)
    with pytest.raises(StoreError, match=r"corrupt"):
        run(write_spec(workdir), workdir / "out")
    assert published(workdir / "out") == []


def test_locked_ledger_refuses_the_charge(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The charge step of the flow, with another process holding the ledger's write lock."""
    one_query = ISSUE_EXAMPLE.split("    - name: mean_charges")[0]
    inputs = load(write_spec(workdir, one_query), workdir / "out")
    plan = plan_release(inputs)
    budget_holder = sqlite3.connect(workdir / "shareable.db", isolation_level=None)

    ledger_engine()  # tables exist
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "0.3")
    budget_holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match=r"ledger is locked by another process.*nothing"):
            charge_release(inputs, plan, "release-1")
    finally:
        budget_holder.rollback()
        budget_holder.close()
    with pytest.raises(SpecError, match="no privacy budget is recorded"):
        budget_report("encounters_stats")
    assert published(workdir / "out") == []
