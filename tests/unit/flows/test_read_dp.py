"""Reading and cataloguing DP releases: one table per query, described as such."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from flows.catalog import CatalogEntry, describe_contents, describe_guarantees
from flows.read import open_release, query_tables, read_release
from privacy.errors import SourceError


def dp_folder(tmp_path: Path, with_manifest: bool = True) -> Path:
    folder = tmp_path / "v1"
    folder.mkdir()
    pd.DataFrame({"state": ["MA", "TX"], "estimate": [3, 0], "accuracy": [9.4, 9.4]}).to_parquet(
        folder / "by_state.parquet"
    )
    pd.DataFrame({"estimate": [41.5], "accuracy": [7.0]}).to_parquet(folder / "mean_x.parquet")
    if with_manifest:
        parts = [
            {"file": "mean_x.parquet", "query": "mean_x"},
            {"file": "by_state.parquet", "query": "by_state"},
        ]
        (folder / "manifest.json").write_text(json.dumps({"parts": parts}))
    return folder


@pytest.mark.parametrize("with_manifest", [True, False])
def test_a_dp_release_reads_as_one_table_per_query(tmp_path: Path, with_manifest: bool) -> None:
    folder = dp_folder(tmp_path, with_manifest)
    assert sorted(query_tables(folder)) == ["by_state", "mean_x"]
    tables = read_release(folder)
    assert sorted(tables) == ["by_state", "mean_x"]
    assert list(tables["by_state"]["state"]) == ["MA", "TX"]
    one = read_release(folder, query="mean_x")
    assert list(one.columns) == ["estimate", "accuracy"]
    assert open_release(folder, "by_state").count_rows() == 2


def test_dp_release_errors_name_the_tables(tmp_path: Path) -> None:
    folder = dp_folder(tmp_path)
    with pytest.raises(SourceError, match=r"holds one table per query \(mean_x, by_state\)"):
        open_release(folder)
    with pytest.raises(SourceError, match=r"has no query `nope`.*query='mean_x'"):
        read_release(folder, query="nope")
    rows = tmp_path / "rows"
    rows.mkdir()
    pd.DataFrame({"a": [1]}).to_parquet(rows / "part-00000.parquet")
    assert query_tables(rows) == []
    with pytest.raises(SourceError, match=r"a row-level release has no query tables"):
        read_release(rows, query="a")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match=r"not a release folder"):
        read_release(empty)


def entry(method: str, rows: int, columns: list[str]) -> CatalogEntry:
    return CatalogEntry(
        dataset="d",
        steward=None,
        description=None,
        version=1,
        method=method,
        guarantees={},
        rows=rows,
        columns=columns,
        created_at=dt.datetime(2026, 1, 1),
        path="/x",
        releases=1,
    )


def test_catalog_describes_dp_tables_not_rows_and_columns() -> None:
    dp = entry("dp_aggregates", 26, ["visits", "mean_charges", "ages"])
    assert describe_contents(dp) == (
        "DP tables: 3 files",
        "queries visits, mean_charges, ages",
    )
    assert describe_contents(entry("safe_harbor", 1200, ["a", "b"])) == ("1,200", "2")


def test_catalog_names_delta_only_when_it_is_spent() -> None:
    pure = describe_guarantees("dp_aggregates", {"epsilon": "1", "delta": "0"})
    assert pure == "differential privacy epsilon=1"
    approximate = describe_guarantees("dp_aggregates", {"epsilon": "1", "delta": "0.000001"})
    assert approximate == "differential privacy epsilon=1, delta=0.000001"
