"""A DP release's files: its source as a Polars LazyFrame, and its query tables written.

:func:`source_frame` opens the source for OpenDP with the types settled by ``flows.load``;
:func:`plan_release` refuses early what the ledger would refuse, then plans the queries
(:func:`privacy.dp.plan.plan_dp`: columns, keys, budget split, accuracy preview; nothing is
computed and no budget spent). After the ledger's charge, :func:`compute_queries` releases
every query once (:func:`privacy.dp.compute.compute`) and writes one ``<query>.parquet`` each.
"""

from __future__ import annotations

import re

import polars as pl
import pyarrow as pa

from flows.budget import ledger_engine
from flows.guard import leak_boundary
from flows.inputs import ReleaseInputs
from flows.load import Source
from flows.publish import Staging
from privacy import ledger
from privacy.budget import Budget
from privacy.dp.compute import QueryResult, compute
from privacy.dp.plan import DpPlan, plan_dp
from privacy.errors import InternalError, SourceError

_POLARS_TYPES = {
    "string": pl.String,
    "large_string": pl.String,
    "int64": pl.Int64,
    "int32": pl.Int32,
    "double": pl.Float64,
    "float": pl.Float32,
    "bool": pl.Boolean,
    "date32[day]": pl.Date,
}


def source_frame(source: Source, columns: list[str] | None = None) -> tuple[pl.LazyFrame, int]:
    """Open the source as a Polars LazyFrame with the types settled by ``flows.load``.

    Returns the frame and the source's row count. Parquet (every partition of a partitioned
    source, Hive keys as text) and CSV in UTF-8 are scanned lazily (CSV columns not in
    ``columns`` stay text), so Polars streams them; CSV in other encodings, and CSV partitions
    under Hive folders, are read through the Arrow batches of :meth:`Source.batches`.
    """
    files = [str(path) for path in source.files]
    hive_keys = list(source.partitions()[0].constants)
    try:
        if source.format == "parquet":
            frame = pl.scan_parquet(
                files,
                hive_partitioning=bool(hive_keys),
                hive_schema={key: pl.String for key in hive_keys} or None,
            )
            rows = frame.select(pl.len()).collect().item()
            return frame, int(rows)
        plain_text = source.options.encoding.lower().replace("-", "") in ("utf8", "utf8lossy")
        if plain_text and not hive_keys:
            wanted = set(columns or source.schema.names)
            schema = {
                f.name: _POLARS_TYPES.get(str(f.type), pl.String) if f.name in wanted else pl.String
                for f in source.schema
            }
            frame = pl.scan_csv(
                files,
                schema=schema,
                separator=source.options.sep,
                quote_char=source.options.quote_char,
                null_values=list(source.options.null_values),
                skip_rows=source.options.skip_rows,
                has_header=True,
            )
            rows = frame.select(pl.len()).collect().item()
            return frame, int(rows)
        table = pa.Table.from_batches(list(source.batches()), schema=source.schema)
        return pl.from_arrow(table).lazy(), table.num_rows
    except pl.exceptions.PolarsError as exc:
        raise SourceError(
            f"{source.path}: cannot read the source for a DP release ({type(exc).__name__}); "
            "check `source.options` and `source.options.column_types`."
        ) from None


def plan_release(inputs: ReleaseInputs) -> DpPlan:
    """Plan the DP release of ``inputs`` (no data computed, no budget spent).

    A release the ledger would refuse (budget exhausted, a changed total) is refused here
    already, before the planning work; :func:`charge_release` still decides under its lock.
    """
    spec = inputs.spec
    if spec.dp is None:
        raise InternalError("plan_release() called for a spec without a `dp` section")
    ledger.check(
        ledger_engine(),
        spec.dataset,
        Budget.of(spec.dp.per_release.epsilon, spec.dp.per_release.delta),
        Budget.of(spec.dp.budget.epsilon, spec.dp.budget.delta),
    )
    columns = [c for q in spec.dp.queries for c in q.columns]
    frame, rows = source_frame(
        inputs.source, [*columns, *([spec.subject_id] if spec.subject_id else [])]
    )
    wanted = sorted({*columns, *([spec.subject_id] if spec.subject_id else [])})
    check_parses(inputs.source, frame, wanted, inputs.settings.debug)
    spec_dir = inputs.spec_path.resolve().parent if inputs.spec_path else None
    with leak_boundary("plan DP queries", inputs.settings.debug):
        return plan_dp(spec.dp, spec.subject_id, frame, row_count=rows, spec_dir=spec_dir)


_POLARS_COLUMN = re.compile(r"at column '([^']*)'")


def check_parses(source: Source, frame: pl.LazyFrame, columns: list[str], debug: bool) -> None:
    """Read every value of ``columns`` once, before the budget is charged; refuse bad ones.

    Types are inferred from the first block of a CSV, so a value late in the file may not
    parse (text in a numeric column at row 480,000). OpenDP would only meet it while computing,
    after the charge; this pass finds it first. Nothing is released: it counts nulls. The
    message names the column (a header name, never a value); Polars' own quotes the value.
    """
    names = [c for c in columns if c in frame.collect_schema().names()]
    try:
        frame.select(pl.col(name).null_count() for name in names).collect()
    except pl.exceptions.PolarsError as exc:
        if debug:
            raise
        found = _POLARS_COLUMN.search(str(exc))
        column = found.group(1) if found and found.group(1) in names else None
        where = f"column `{column}`" if column else "a column"
        raise SourceError(
            f"{source.path}: {where} holds a value that cannot be read as the type inferred "
            "from the first rows, so nothing was computed and no budget was charged. Set "
            f"`source.options.column_types` for {where} (e.g. `float64`, or `string`) or fix "
            "the file."
        ) from None


def compute_queries(plan: DpPlan, staging: Staging, debug: bool = False) -> list[QueryResult]:
    """Release every query (this spends the budget charged) and stage one file per query.

    OpenDP's and Polars' errors may quote a data value; the leak boundary hides them.
    """
    with leak_boundary("dp-compute", debug):
        results = compute(plan)
    for result in results:
        staging.write_file(f"{result.plan.query.name}.parquet", result.table)
    staging.finish()
    return results
