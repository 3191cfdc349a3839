"""The differentially private release path (``method: dp_aggregates``) of the release flow.

plan -> charge -> compute -> validate -> publish, each a task wrapping one function:

* **plan** (:func:`privacy.dp.plan_dp`): columns, keys, budget split, accuracy preview. A
  mistake here costs no budget: nothing has touched the data yet.
* **charge** (:func:`privacy.ledger.charge`): one transaction that locks the dataset's ledger
  row, refuses with :class:`~privacy.errors.BudgetExhausted` if the release would overspend,
  and records the charge *before* any DP computation.
* **compute** (:func:`privacy.dp.compute`): OpenDP releases each query once.
* **validate** (:func:`privacy.dp.validate_outputs`): Great Expectations on every output and on
  the DP metadata of the manifest.
* **publish**: ``<query>.parquet`` files + ``manifest.json`` + ``README.md`` promoted atomically
  from a hidden staging folder (:class:`flows.publish.Staging`).

Once charged, a release that fails is marked ``failed`` in the ledger and its budget stays
spent (its noisy results may exist); see :mod:`privacy.ledger`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.context import get_run_context
from prefect.transactions import transaction
from sqlalchemy.engine import Engine

from flows import steps
from flows.load import Source
from flows.manifest import MANIFEST_FORMAT
from flows.publish import Staging
from flows.release import stage_task
from flows.store import ensure_tables, get_engine
from privacy import ledger
from privacy.budget import Budget
from privacy.dp import DpPlan, DpValidationReport, QueryResult, compute, plan_dp, validate_outputs
from privacy.errors import InternalError, SourceError

LOCK_TIMEOUT_ENV = "SHAREABLE_LEDGER_LOCK_TIMEOUT"
"""Seconds a release waits for another's lock on the budget ledger (default 30)."""

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


# --------------------------------------------------------------------------- plain functions


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
        import pyarrow as pa

        table = pa.Table.from_batches(list(source.batches()), schema=source.schema)
        return pl.from_arrow(table).lazy(), table.num_rows
    except pl.exceptions.PolarsError as exc:
        raise SourceError(
            f"{source.path}: cannot read the source for a DP release ({type(exc).__name__}); "
            "check `source.options` and `source.options.column_types`."
        ) from None


def plan_release(inputs: steps.ReleaseInputs) -> DpPlan:
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
    spec_dir = inputs.spec_path.resolve().parent if inputs.spec_path else None
    return plan_dp(spec.dp, spec.subject_id, frame, row_count=rows, spec_dir=spec_dir)


def ledger_engine() -> Engine:
    """The catalog database with the ledger's tables in place."""
    return ensure_tables(ledger.LEDGER_METADATA, get_engine())


def lock_timeout() -> float:
    """Seconds to wait for the ledger lock (``SHAREABLE_LEDGER_LOCK_TIMEOUT``, default 30)."""
    try:
        return float(os.environ.get(LOCK_TIMEOUT_ENV) or ledger.DEFAULT_LOCK_TIMEOUT)
    except ValueError:
        return ledger.DEFAULT_LOCK_TIMEOUT


def charge_release(inputs: steps.ReleaseInputs, plan: DpPlan, release_id: str) -> ledger.Charge:
    """Charge the release's ``per_release`` budget to the dataset, or refuse it."""
    from flows import catalog

    charge = ledger.charge(
        ledger_engine(),
        inputs.spec.dataset,
        plan.per_release,
        plan.total,
        release_id=release_id,
        actor=inputs.actor,
        spec_hash=inputs.spec.fingerprint(),
        lock_timeout=lock_timeout(),
    )
    spent = plan.per_release.as_dict()
    catalog.audit(
        "budget_charged",
        "charged",
        actor=inputs.actor,
        dataset=inputs.spec.dataset,
        spec_hash=inputs.spec.fingerprint(),
        detail=f"charge {charge.charge_id}: epsilon {spent['epsilon']}, delta {spent['delta']}",
    )
    return charge


def dp_manifest(
    inputs: steps.ReleaseInputs,
    plan: DpPlan,
    staging: Staging,
    results: list[QueryResult],
    charge: ledger.Charge,
    rows_in: int | None,
    started_at: str,
    flow_run_id: str | None = None,
) -> dict[str, Any]:
    """The manifest of a DP release: budgets, mechanism, bounds, keys, accuracy, charge."""
    metadata = plan.metadata()
    metadata["ledger_charge_id"] = charge.charge_id
    files = []
    for result, part in zip(results, staging.parts, strict=True):
        files.append(
            {
                "query": result.plan.query.name,
                "file": part.file,
                "rows": part.rows,
                "sha256": part.sha256,
                "columns": [{"name": f.name, "type": str(f.type)} for f in result.table.schema],
            }
        )
    columns = {c["name"]: c for f in files for c in f["columns"]}
    return {
        "manifest_format": MANIFEST_FORMAT,
        "dataset": inputs.spec.dataset,
        "version": None,
        "release_id": staging.release_id,
        "method": "dp_aggregates",
        "guarantees": {
            "differential_privacy": True,
            "epsilon": plan.per_release.as_dict()["epsilon"],
            "delta": plan.per_release.as_dict()["delta"],
            "privacy_unit": inputs.spec.subject_id or "row",
            "max_contributions": plan.spec.max_contributions,
        },
        "spec_hash": inputs.spec.fingerprint(),
        "spec": inputs.spec.model_dump(mode="json", exclude={"source": {"path"}, "output": True}),
        "source": {
            "name": inputs.source.name,
            "format": inputs.source.format,
            "sha256": inputs.source.fingerprint(),
        },
        "rows_in": rows_in,
        "rows_out": sum(f["rows"] for f in files),
        "columns": list(columns.values()),
        "parts": files,
        "dp": metadata,
        "validation": None,
        "actor": inputs.actor,
        "started_at": started_at,
        "finished_at": steps.now(),
        "libraries": steps.library_versions(),
        "prefect_flow_run_id": flow_run_id,
    }


def accuracy_markdown(manifest: dict[str, Any]) -> str:
    """The release report: budgets per query and the accuracy OpenDP reports (no values)."""
    dp = manifest["dp"]
    lines = [
        f"# DP release `{manifest['dataset']}`",
        "",
        f"- budget spent: epsilon {dp['per_release']['epsilon']}, delta "
        f"{dp['per_release']['delta']} (ledger charge `{dp['ledger_charge_id']}`)",
        f"- lifetime total: epsilon {dp['budget_total']['epsilon']}, delta "
        f"{dp['budget_total']['delta']}",
        f"- contribution bound: {dp['privacy_unit']['contribution_bounding']}",
        "",
        "| query | statistic | epsilon | delta | keys | component | noise | scale | "
        "95% half-width |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for query in dp["queries"]:
        for row in query["accuracy"] or [{}]:
            lines.append(
                f"| {query['name']} | {query['statistic']} | {query['epsilon']} | "
                f"{query['delta']} | {query['keys']} | {row.get('aggregate', '')} | "
                f"{row.get('distribution', '')} | {_fmt(row.get('scale'))} | "
                f"{_fmt(row.get('accuracy_95'))} |"
            )
    lines += [
        "",
        "Accuracy: with 95% confidence, a released estimate differs from the value on the "
        "(contribution-bounded, clamped) data by at most the half-width. Means combine a noisy "
        "sum and a noisy count (both listed); quantiles use the exponential mechanism, for "
        "which OpenDP reports no half-width.",
    ]
    return "\n".join(lines) + "\n"


def readme_markdown(manifest: dict[str, Any]) -> str:
    """The README beside the files: what each file holds and how to read its accuracy."""
    lines = [
        f"# {manifest['dataset']} v{{version}} (differentially private aggregates)",
        "",
        "Each `<query>.parquet` holds group columns, `estimate` and `accuracy` (the 95% "
        "half-width of the noise OpenDP added; empty where OpenDP reports none).",
        "",
    ]
    for part in manifest["parts"]:
        names = ", ".join(c["name"] for c in part["columns"])
        lines.append(f"- `{part['file']}`: {part['rows']} rows; columns {names}")
    lines += ["", accuracy_markdown(manifest)]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    return "" if value is None else f"{value:.4g}"


# --------------------------------------------------------------------------- tasks


@task(name="dp-plan", cache_policy=NONE)
def plan_task(inputs: steps.ReleaseInputs) -> DpPlan:
    """Check the DP spec against the source, split the budget, preview accuracy."""
    return plan_release(inputs)


@task(name="dp-charge", cache_policy=NONE)
def charge_task(inputs: steps.ReleaseInputs, plan: DpPlan, release_id: str) -> ledger.Charge:
    """Charge the budget ledger (before any DP computation) or refuse the release."""
    return charge_release(inputs, plan, release_id)


@task(name="dp-compute", cache_policy=NONE)
def compute_task(plan: DpPlan) -> list[QueryResult]:
    """Release every query with OpenDP."""
    return compute(plan)


@task(name="dp-validate", cache_policy=NONE)
def validate_task(
    plan: DpPlan, results: list[QueryResult], manifest: dict[str, Any]
) -> DpValidationReport:
    """Validate the outputs and the manifest's DP metadata with Great Expectations."""
    return validate_outputs(plan, results, manifest["dp"])


@task(name="dp-publish", cache_policy=NONE)
def publish_task(staging: Staging, manifest: dict[str, Any]) -> str:
    """Promote the validated staging folder to the next version."""
    return steps.promote(staging, manifest, readme_markdown(manifest))


def release_dp(inputs: steps.ReleaseInputs) -> str:
    """Run a DP release inside the ``release`` flow; returns the published version folder."""
    logger = get_run_logger()
    started_at = steps.now()
    plan = plan_task(inputs)
    with transaction():
        staging = stage_task(inputs, pa.schema([]))
        charge = charge_task(inputs, plan, staging.release_id)
        engine = ledger_engine()
        try:
            results = compute_task(plan)
            for result in results:
                staging.write_file(f"{result.plan.query.name}.parquet", result.table)
            staging.finish()
            manifest = dp_manifest(
                inputs,
                plan,
                staging,
                results,
                charge,
                None,  # the exact row count is not differentially private: not published
                started_at,
                flow_run_id=str(get_run_context().flow_run.id),
            )
            report = validate_task(plan, results, manifest)
            manifest["validation"] = report.model_dump(mode="json")
            create_markdown_artifact(
                key=f"dp-release-{inputs.spec.dataset.replace('_', '-')}",
                markdown=accuracy_markdown(manifest),
                description=f"DP release report for {inputs.spec.dataset}",
            )
            report.raise_if_failed()
            published = publish_task(staging, manifest)
        except BaseException as exc:
            ledger.mark_failed(engine, charge.charge_id, type(exc).__name__)
            raise
    ledger.mark_published(engine, charge.charge_id, int(Path(published).name.lstrip("v")))
    logger.info(
        "Published %s DP queries of %s to %s (epsilon %s charged)",
        len(results),
        inputs.spec.dataset,
        published,
        plan.per_release.as_dict()["epsilon"],
    )
    return published
