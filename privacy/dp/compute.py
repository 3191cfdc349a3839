"""Computing a planned DP release: OpenDP releases each query once.

:func:`compute` is called after the budget ledger has charged the release
(:mod:`privacy.ledger`); it returns tables of group keys, ``estimate``, ``accuracy`` (the 95%
half-width OpenDP reports, or for a mean the one derived from its sum and count) and
``clamped`` (the estimate was moved into its feasible range: :mod:`privacy.dp.postprocess`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from privacy.dp.plan import ACCURACY, COUNT, ESTIMATE, QUANTILE, SUM, DpPlan, QueryPlan
from privacy.dp.postprocess import CLAMPED, clamp_estimates, mean_estimates
from privacy.errors import InternalError


@dataclass(frozen=True)
class QueryResult:
    """One released query: its table (group keys, estimate, accuracy) and plan."""

    plan: QueryPlan
    table: pa.Table

    @property
    def clamped(self) -> int:
        """How many estimates were clamped into their feasible range."""
        return sum(bool(flag) for flag in self.table[CLAMPED].to_pylist())


def compute(plan: DpPlan) -> list[QueryResult]:
    """Release every query of ``plan`` once (this spends the budget charged for it).

    Raises:
        InternalError: The plan was already released (OpenDP would refuse a second release).

    """
    if plan.released:
        raise InternalError("compute() called twice on one DP plan")
    plan.released = True
    context = plan.context.query
    results = []
    for query_plan in plan.queries:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            frame = context(query_plan.measurement.query).collect()
        results.append(QueryResult(query_plan, _shape(query_plan, frame)))
    return results


def _shape(query_plan: QueryPlan, frame: pl.DataFrame) -> pa.Table:
    """Rename and order OpenDP's output: group columns, [quantile], estimate, accuracy."""
    query, group = query_plan.query, query_plan.group_columns
    by_column = {row["column"]: row["accuracy_95"] for row in query_plan.accuracy}
    if query.statistic in ("median", "quantiles"):
        names = [c for c in frame.columns if c not in group]
        frame = frame.unpivot(index=group, on=names, variable_name=QUANTILE, value_name=ESTIMATE)
        frame = frame.with_columns(
            pl.col(QUANTILE).str.strip_prefix("q").cast(pl.Float64),
            pl.col(ESTIMATE).cast(pl.Float64),
            pl.lit(None, dtype=pl.Float64).alias(ACCURACY),
        )
    elif query.statistic == "mean":
        assert query.bounds is not None and query_plan.mean_half_widths is not None
        estimate, accuracy, clamped = mean_estimates(
            frame[SUM].to_numpy(),
            frame[COUNT].to_numpy(),
            query_plan.mean_half_widths,
            (float(query.bounds[0]), float(query.bounds[1])),
        )
        frame = frame.with_columns(
            pl.Series(ESTIMATE, estimate, dtype=pl.Float64),
            pl.Series(ACCURACY, accuracy, dtype=pl.Float64),
            pl.Series(CLAMPED, clamped, dtype=pl.Boolean),
        )
    else:
        accuracy = by_column.get(ESTIMATE)
        frame = frame.with_columns(
            pl.col(ESTIMATE).cast(
                pl.Int64 if query.statistic in ("count", "histogram") else pl.Float64
            ),
            pl.lit(accuracy, dtype=pl.Float64).alias(ACCURACY),
        )
    if query.statistic != "mean":
        frame = clamp_estimates(frame, ESTIMATE, query_plan.feasible)
    frame = frame.select(query_plan.output_columns)
    sort = [c for c in [*group, QUANTILE] if c in frame.columns]
    if sort:
        frame = frame.sort(sort, nulls_last=True)
    table = frame.to_arrow(compat_level=pl.CompatLevel.oldest())
    fields = [
        pa.field(f.name, pa.string() if pa.types.is_large_string(f.type) else f.type)
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))
