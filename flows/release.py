"""The ``release`` flow of every method: load, scan, plan, stage, apply, validate, publish.

load -> scan -> plan -> stage -> per-partition apply (or compute, for DP) -> validate ->
publish -> record.

Thin by design: each task wraps one function of ``flows/`` (which hands the work to
``privacy/`` and ``transforms/``), and what differs between methods is data of the plan. Each
partition of the source (a single file is one) is one ``partition`` task run: its batches
stream through apply and validate into its own ``part-*.parquet`` files of a staging folder, on
the flow's task runner (local threads, or Dask workers: see ``flows/runners.py``). A
k-anonymity release counts its classes per partition first (``count-classes``) for the plan;
a DP release is charged to the budget ledger, then computed. Everything from staging to
publication runs inside a Prefect transaction; if anything fails, the rollback removes the
staging folder (and marks a DP charge failed), so no partial or unvalidated release is ever
visible.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.context import get_run_context
from prefect.futures import wait
from prefect.transactions import get_transaction, transaction

from flows import dp_source, inputs, output, partition, planning, refresh, runners
from flows.budget import charge_release, ledger_engine
from flows.catalog import last_recorded_version
from flows.checks import validate_release
from flows.dictionary import readme_markdown, report_markdown
from flows.evidence import build_manifest
from flows.inputs import ReleaseInputs, ReleaseSettings
from flows.load import Source
from flows.manifest import Manifest, now
from flows.output import ReleaseOutput
from flows.publish import Staging
from privacy import ledger
from privacy.dp.compute import QueryResult
from privacy.dp.validation import DpValidationReport
from privacy.kanon.counts import ClassCounter
from privacy.plan import ReleasePlan
from privacy.report import DetectionReport
from privacy.validation_report import ValidationReport


@task(
    name="load",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=lambda task, run, state: _is_transient_io_error(state),
)
def load_task(target: str, output_dir: str | None, actor: str | None, debug: bool) -> ReleaseInputs:
    """Resolve the spec (or implicit spec), open the source, read the settings once."""
    return inputs.load(Path(target), Path(output_dir) if output_dir else None, actor, debug)


@task(name="scan", cache_policy=NONE)
def scan_task(release_inputs: ReleaseInputs) -> DetectionReport | None:
    """Detect PHI per column on a sample of the source."""
    return planning.scan(release_inputs)


@task(name="count-classes", cache_policy=NONE, task_run_name="count-classes-{unit}")
def count_task(part: Source, columns: list[str], debug: bool, unit: int | None) -> pa.Table:
    """Count one partition's equivalence classes (k-anonymity's first pass)."""
    return partition.count_partition(part, columns, debug)


@task(name="plan", cache_policy=NONE)
def plan_task(
    release_inputs: ReleaseInputs, report: DetectionReport | None, counts: pa.Table | None
) -> ReleasePlan:
    """Decide everything the release does: one action per column, and the method's part."""
    return planning.plan(release_inputs, report, counts)


@task(name="stage", cache_policy=NONE)
def stage_task(release_inputs: ReleaseInputs, release_plan: ReleasePlan, schema: pa.Schema):
    """Create the hidden staging folder; the transaction removes it if the release fails."""
    staging = Staging.create(
        release_inputs.output_root,
        release_inputs.spec.dataset,
        schema,
        planning.file_metadata(release_inputs, release_plan),
    )
    get_transaction().set("staging", staging)
    return staging


@stage_task.on_rollback
def _discard_staging(txn) -> None:
    txn.get("staging").discard()


@task(name="partition", cache_policy=NONE, task_run_name="partition-{unit}")
def partition_task(
    part: Source,
    release_plan: ReleasePlan,
    schema: pa.Schema,
    staging: Staging,
    settings: ReleaseSettings,
    unit: int | None,
) -> partition.PartitionResult:
    """De-identify, validate and stage every batch of one partition; returns counts only.

    Batches never cross a task boundary, because Prefect keeps what passes through task
    calls (arguments, and results inside a transaction) alive until the run ends, which would
    make memory grow with the source. Only the partition's path and counts do.
    """
    return partition.release_partition(part, release_plan, schema, staging, settings, unit)


@task(name="dp-charge", cache_policy=NONE)
def charge_task(
    release_inputs: ReleaseInputs, release_plan: ReleasePlan, release_id: str
) -> ledger.Charge:
    """Charge the budget ledger (before any DP computation) or refuse the release."""
    charge = charge_release(release_inputs, release_plan.dp, release_id)
    get_transaction().set("charge", charge)
    return charge


@charge_task.on_rollback
def _charge_failed(txn) -> None:
    """Once charged, a failed release stays charged (its noisy results may exist)."""
    ledger.mark_failed(ledger_engine(), txn.get("charge").charge_id, "release failed")


@task(name="dp-compute", cache_policy=NONE)
def compute_task(release_plan: ReleasePlan, staging: Staging, debug: bool) -> list[QueryResult]:
    """Release every query with OpenDP and stage its table (errors pass the leak boundary)."""
    return dp_source.compute_queries(release_plan.dp, staging, debug)


@task(name="validate", cache_policy=NONE)
def validate_task(
    release_inputs: ReleaseInputs,
    release_plan: ReleasePlan,
    staging: Staging,
    schema: pa.Schema,
    produced: ReleaseOutput,
) -> ValidationReport | DpValidationReport:
    """Validate the staged release as a whole (rows, parts, fresh scan, k and l, DP)."""
    return validate_release(release_inputs, release_plan, staging, schema, produced)


@task(name="publish", cache_policy=NONE)
def publish_task(staging: Staging, manifest: Manifest) -> str:
    """Promote the validated staging folder to the next version (never reusing a number)."""
    after = last_recorded_version(staging.dataset_dir)
    files = {"README.md": readme_markdown(manifest)}
    return str(staging.promote(lambda v: manifest.published_as(v).to_json(), files, after=after))


@task(name="record", cache_policy=NONE, retries=2, retry_delay_seconds=2)
def record_task(
    release_inputs: ReleaseInputs, manifest: Manifest, published: str, produced: ReleaseOutput
) -> list[Path]:
    """Catalog the release, settle its ledger charge, apply the retention policy."""
    return refresh.record(release_inputs, manifest, Path(published), produced.charge)


@flow(
    name="release",
    flow_run_name="release-{target}",
    log_prints=False,
    task_runner=runners.default_task_runner(),
)
def release(
    target: str,
    output: str | None = None,
    actor: str | None = None,
    force: bool = False,
    debug: bool = False,
) -> str:
    """Release a dataset: ``target`` is a release spec (.yaml) or a data file (.csv/.parquet).

    Returns the path of the published version directory. If the source and the spec are
    unchanged since the latest version, nothing is published ("up to date") and that version's
    path is returned, unless ``force``. ``debug`` keeps third-party error messages.
    """
    logger = get_run_logger()
    run = refresh.AuditedRun(target=target, actor=actor or inputs.actor())
    try:
        _check_cluster()
        release_inputs = load_task(target, output, run.actor, debug)
        run.started(release_inputs)
        for repair in refresh.reconcile(release_inputs):
            logger.warning(
                "%s: %s (left by an interrupted run)", release_inputs.spec.dataset, repair
            )
        current = None if force else refresh.up_to_date(release_inputs)
        if current is not None:
            logger.info(
                "%s is up to date: source and spec unchanged since %s; nothing published",
                release_inputs.spec.dataset,
                current.name,
            )
            run.finished("up_to_date", "nothing published", current.name)
            return str(current)
        published = make_release(release_inputs)
        run.finished("published", "published", Path(published).name)
    except BaseException as exc:
        if run.outcome is None:
            run.failed(exc)
        raise
    logger.info("Published %s to %s", release_inputs.spec.dataset, published)
    return published


def make_release(release_inputs: ReleaseInputs) -> str:
    """Scan, plan, stage, apply (or compute), validate, publish and record one release."""
    started_at = now()
    report = scan_task(release_inputs)
    columns = planning.class_columns(release_inputs)
    counts = count_classes(release_inputs.source, columns, release_inputs.settings.debug)
    release_plan = plan_task(release_inputs, report, counts)
    schema = planning.release_schema(release_inputs, release_plan)
    with transaction():
        staging = stage_task(release_inputs, release_plan, schema)
        produced = produce(release_inputs, release_plan, schema, staging)
        validation = validate_task(release_inputs, release_plan, staging, schema, produced)
        manifest = build_manifest(
            release_inputs,
            release_plan,
            report,
            staging,
            produced,
            validation,
            started_at,
            flow_run_id=str(get_run_context().flow_run.id),
        )
        create_markdown_artifact(
            key=_artifact_key(release_plan),
            markdown=report_markdown(manifest),
            description=f"Release report for {release_plan.dataset}",
        )
        validation.raise_if_failed()
        published = publish_task(staging, manifest)
    version = int(Path(published).name.removeprefix("v"))
    record_task(release_inputs, manifest.published_as(version), published, produced)
    return published


def produce(
    release_inputs: ReleaseInputs, release_plan: ReleasePlan, schema: pa.Schema, staging: Staging
) -> ReleaseOutput:
    """Write the release into ``staging``: every partition by the plan, or the DP queries."""
    if release_plan.dp is not None:
        charge = charge_task(release_inputs, release_plan, staging.release_id)
        return output.from_queries(
            compute_task(release_plan, staging, release_inputs.settings.debug), charge
        )
    results = map_partitions(
        partition_task,
        release_inputs.source,
        release_plan,
        schema,
        staging,
        release_inputs.settings,
    )
    return output.from_partitions(results, staging, release_plan, release_inputs.source.name)


def count_classes(source: Source, columns: list[str] | None, debug: bool) -> pa.Table | None:
    """k-anonymity: the class counts of the whole source, added up from one task per partition.

    Each partition is counted by its own task (on a Dask worker if the flow runs on one), so
    no worker ever holds more than one partition's batch and the class counts. None when the
    release counts no classes (``columns`` is None).
    """
    if columns is None:
        return None
    total = ClassCounter(columns)
    for counts in map_partitions(count_task, source, columns, debug):
        total.add_counts(counts)
    return total.table()


def map_partitions(partition_task_fn, source: Source, *args) -> list:
    """Run ``partition_task_fn(partition, *args, unit)`` for every partition; wait for all.

    The tasks run on the flow's task runner (threads, or Dask workers). ``unit`` is the
    partition's index, or None when the source is a single file. Every task is waited for
    before an error is raised, so no worker is still writing into a staging folder when the
    transaction discards it. Returns the results in partition order.
    """
    partitions = source.partitions()
    single = len(partitions) == 1
    with runners.api_for_workers():
        futures = [
            partition_task_fn.submit(part, *args, None if single else i)
            for i, part in enumerate(partitions)
        ]
    wait(futures)
    return [future.result() for future in futures]  # raises the first failure


def run_release(
    target: str,
    output: str | None = None,
    actor: str | None = None,
    force: bool = False,
    dask_address: str | None = None,
    debug: bool = False,
) -> str:
    """Run the ``release`` flow, on the Dask cluster at ``dask_address`` if one is given.

    Without ``dask_address``, ``$SHAREABLE_DASK_ADDRESS`` decides; without either, local
    threads. An unreachable cluster fails within seconds, before anything is read or written.
    """
    address = runners.dask_address(dask_address)
    if address:
        runners.check_cluster(address)
    flow_with_runner = release.with_options(task_runner=runners.task_runner(address))
    return flow_with_runner(target, output, actor=actor, force=force, debug=debug)


def _artifact_key(release_plan: ReleasePlan) -> str:
    kind = "dp-release" if release_plan.dp is not None else "release"
    return f"{kind}-{release_plan.dataset.replace('_', '-')}"


def _check_cluster() -> None:
    """Inside the flow: fail early if its Dask cluster cannot be reached (e.g. a schedule)."""
    runner = get_run_context().task_runner
    address = getattr(runner, "address", None)
    if address:
        runners.check_cluster(address)


def _is_transient_io_error(state) -> bool:
    """Retry only I/O hiccups (e.g. a network file system), never a user's mistake."""
    try:
        state.result()
    except (TimeoutError, ConnectionError, InterruptedError):
        return True
    except Exception:  # noqa: BLE001 - anything else is final
        return False
    return False
