"""The ``release`` flow: load -> scan -> plan -> apply -> validate -> publish.

Thin by design: each task wraps one function of ``flows.steps`` (which wraps ``privacy/`` and
``transforms/``). Each partition of the source (a single file is one) is one ``partition``
task run: its batches stream through apply and validate into its own ``part-*.parquet`` files
of a staging folder, on the flow's task runner (local threads, or Dask workers: see
``flows/runners.py``). Everything runs inside a Prefect transaction; if anything fails, the
transaction's rollback removes the staging folder, so no partial or unvalidated release is
ever visible.
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

from flows import refresh, runners, steps
from flows.load import Source
from flows.manifest import data_dictionary_markdown, release_report_markdown
from flows.publish import Staging
from privacy.errors import InternalError
from privacy.plan import ReleasePlan
from privacy.report import DetectionReport


@task(
    name="load",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=lambda task, run, state: _is_transient_io_error(state),
)
def load_task(target: str, output: str | None, actor: str | None) -> steps.ReleaseInputs:
    """Resolve the spec (or implicit spec) and open the source."""
    return steps.load(Path(target), Path(output) if output else None, actor)


@task(name="scan", cache_policy=NONE)
def scan_task(source: Source) -> DetectionReport:
    """Detect PHI per column on a sample of the source."""
    return steps.scan(source)


@task(name="plan", cache_policy=NONE)
def plan_task(inputs: steps.ReleaseInputs, report: DetectionReport) -> ReleasePlan:
    """Decide one action per column."""
    return steps.plan(inputs, report)


@task(name="stage", cache_policy=NONE)
def stage_task(
    inputs: steps.ReleaseInputs, schema: pa.Schema, extra_metadata: dict[str, str] | None = None
) -> Staging:
    """Create the hidden staging folder; the transaction removes it if the release fails."""
    staging = steps.open_staging(inputs, schema, extra_metadata)
    get_transaction().set("staging", staging)
    return staging


@stage_task.on_rollback
def _discard_staging(txn) -> None:
    txn.get("staging").discard()


@task(name="partition", cache_policy=NONE, task_run_name="partition-{unit}")
def partition_task(
    partition: Source,
    release_plan: ReleasePlan,
    schema: pa.Schema,
    staging: Staging,
    unit: int | None,
) -> steps.UnitResult:
    """De-identify, validate and stage every batch of one partition; returns counts only.

    Batches never cross a task boundary, because Prefect keeps what passes through task
    calls (arguments, and results inside a transaction) alive until the run ends, which would
    make memory grow with the source. Only the partition's path and counts do.
    """
    return steps.release_unit(partition, release_plan, schema, staging, unit)


def release_partitions(
    inputs: steps.ReleaseInputs, release_plan: ReleasePlan, schema: pa.Schema, staging: Staging
) -> list[steps.UnitResult]:
    """Release every partition with :func:`partition_task`; record their parts in ``staging``."""
    results = map_partitions(partition_task, inputs.source, release_plan, schema, staging)
    for result in results:
        staging.add_parts(result.parts)
    return results


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


@task(name="publish", cache_policy=NONE)
def publish_task(staging: Staging, manifest: dict) -> str:
    """Promote the validated staging folder to the next version."""
    return steps.promote(staging, manifest, data_dictionary_markdown(manifest))


@task(name="record", cache_policy=NONE, retries=2, retry_delay_seconds=2)
def record_task(inputs: steps.ReleaseInputs, published: str) -> list[Path]:
    """Catalog the release and apply the retention policy."""
    return refresh.record(inputs, Path(published))


@flow(
    name="release",
    flow_run_name="release-{target}",
    log_prints=False,
    task_runner=runners.default_task_runner(),
)
def release(
    target: str, output: str | None = None, actor: str | None = None, force: bool = False
) -> str:
    """Release a dataset: ``target`` is a release spec (.yaml) or a data file (.csv/.parquet).

    Returns the path of the published version directory. If the source and the spec are
    unchanged since the latest version, nothing is published ("up to date") and that version's
    path is returned, unless ``force``.
    """
    logger = get_run_logger()
    run = refresh.AuditedRun(target=target, actor=actor or steps.actor())
    try:
        _check_cluster()
        inputs = load_task(target, output, run.actor)
        run.started(inputs)
        current = None if force else refresh.up_to_date(inputs)
        if current is not None:
            logger.info(
                "%s is up to date: source and spec unchanged since %s; nothing published",
                inputs.spec.dataset,
                current.name,
            )
            run.finished("up_to_date", "nothing published", current.name)
            return str(current)
        if inputs.spec.method == "safe_harbor":
            published = release_safe_harbor(inputs)
        else:
            published = _release_by_method(inputs)
        record_task(inputs, published)
        run.finished("published", "published", Path(published).name)
    except BaseException as exc:
        if run.outcome is None:
            run.failed(exc)
        raise
    logger.info("Published %s to %s", inputs.spec.dataset, published)
    return published


def release_safe_harbor(inputs: steps.ReleaseInputs) -> str:
    """The Safe Harbor path: scan, plan, then stream apply + validate into an atomic publish."""
    from privacy.validation import check_parts, check_row_count, combine

    started_at = steps.now()
    report = scan_task(inputs.source)
    release_plan = plan_task(inputs, report)
    steps.pseudonym_key(release_plan)  # fail now, before staging, if a needed key is missing
    schema = steps.output_schema(release_plan, inputs.source)
    with transaction():
        staging = stage_task(inputs, schema)
        units = release_partitions(inputs, release_plan, schema, staging)
        rows_in, stats, reports = steps.merge_units(units)
        staging.finish()
        validation = combine(
            [
                *reports,
                check_row_count(staging.rows, rows_in),
                check_parts(staging.path, [(p.file, p.rows) for p in staging.parts], schema),
                *steps.fresh_scan(staging, release_plan, schema),
            ]
        )
        manifest = steps.release_manifest(
            inputs,
            release_plan,
            report,
            staging,
            validation,
            stats,
            rows_in,
            started_at,
            flow_run_id=str(get_run_context().flow_run.id),
        )
        create_markdown_artifact(
            key=f"release-{release_plan.dataset.replace('_', '-')}",
            markdown=release_report_markdown(manifest),
            description=f"Release report for {release_plan.dataset}",
        )
        validation.raise_if_failed()
        return publish_task(staging, manifest)


def run_release(
    target: str,
    output: str | None = None,
    actor: str | None = None,
    force: bool = False,
    dask_address: str | None = None,
) -> str:
    """Run the ``release`` flow, on the Dask cluster at ``dask_address`` if one is given.

    Without ``dask_address``, ``$SHAREABLE_DASK_ADDRESS`` decides; without either, local
    threads. An unreachable cluster fails within seconds, before anything is read or written.
    """
    address = runners.dask_address(dask_address)
    if address:
        runners.check_cluster(address)
    flow_with_runner = release.with_options(task_runner=runners.task_runner(address))
    return flow_with_runner(target, output, actor=actor, force=force)


def _check_cluster() -> None:
    """Inside the flow: fail early if its Dask cluster cannot be reached (e.g. a schedule)."""
    runner = get_run_context().task_runner
    address = getattr(runner, "address", None)
    if address:
        runners.check_cluster(address)


def _release_by_method(inputs: steps.ReleaseInputs) -> str:
    """Run the release path of a method other than Safe Harbor; returns the release folder."""
    if inputs.spec.method == "dp_aggregates":
        from flows.dp_release import release_dp

        return release_dp(inputs)
    if inputs.spec.method == "k_anonymity":
        from flows.kanon_release import release_kanon

        return release_kanon(inputs)
    raise InternalError(f"no release path for method {inputs.spec.method!r}")


def _is_transient_io_error(state) -> bool:
    """Retry only I/O hiccups (e.g. a network file system), never a user's mistake."""
    try:
        state.result()
    except (TimeoutError, ConnectionError, InterruptedError):
        return True
    except Exception:  # noqa: BLE001 - anything else is final
        return False
    return False
