"""The steps of a release as plain functions: load, scan, plan, apply, validate, publish.

Each is usable without Prefect (tests, notebooks); ``flows/release.py`` wraps each in a task
and runs them in order. The maths lives in ``privacy/`` and ``transforms/``; these functions
only connect them to files.
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa

from flows.load import Source, open_source, spread_sample
from flows.manifest import build_manifest
from flows.publish import PartInfo, Staging, check_output_root, remove_stale_staging
from flows.settings import default_release_root
from privacy.errors import InternalError, ShareableError, SpecError
from privacy.plan import ReleasePlan
from privacy.planner import PSEUDONYM_KEY_ENV, make_plan
from privacy.policy import Policy, load_policy
from privacy.report import DetectionReport
from privacy.spec import (
    DATA_SUFFIXES,
    ReleaseSpec,
    implicit_spec,
    is_partitioned_path,
    load_spec,
)

LIBRARIES = (
    "shareable",
    "pandas",
    "pyarrow",
    "presidio-analyzer",
    "spacy",
    "great-expectations",
    "prefect",
    "opendp",
    "pydantic",
)


DEBUG_ENV = "SHAREABLE_DEBUG"


def phi_safe(step: Callable) -> Callable:
    """Hide the message of unexpected errors in a step that touches data values.

    Third-party errors (Arrow casts, pandas, GX) often quote the offending value; such a
    message would reach Prefect's logs and database. Unless ``SHAREABLE_DEBUG=1``, they are
    re-raised as :class:`InternalError` naming only the step and the error's type.
    """

    @functools.wraps(step)
    def guarded(*args, **kwargs):
        try:
            return step(*args, **kwargs)
        except (ShareableError, InternalError):
            raise
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            raise InternalError(
                f"{step.__name__} failed with {type(exc).__name__}; its message is hidden "
                f"because it may quote data. Re-run with {DEBUG_ENV}=1 to see it"
            ) from None

    return guarded


@dataclass(frozen=True)
class ReleaseInputs:
    """What a release starts from: the spec (written or implicit), its file, and the source."""

    spec: ReleaseSpec
    spec_path: Path | None
    source: Source
    output_root: Path
    actor: str = "unknown"


def load(target: Path, output: Path | None = None, who: str | None = None) -> ReleaseInputs:
    """Resolve a release target (a spec, or a data file with no spec) and open its source.

    Also checks, before any work, that the output root is writable. ``who`` is the actor
    recorded in the manifest and audit log (default: :func:`actor`).
    """
    target = Path(target)
    if target.suffix.lower() in {".yaml", ".yml"}:
        spec, spec_path = load_spec(target), target
    elif target.suffix.lower() in DATA_SUFFIXES or is_partitioned_path(target):
        spec, spec_path = implicit_spec(target), None
    else:
        raise SpecError(
            f"{target}: give a release spec (.yaml), a data file (.csv, .parquet), or a "
            "directory or glob of partition files to release."
        )
    source = open_source(spec.source)
    root = Path(output or spec.output or default_release_root()).expanduser().resolve()
    check_output_root(root)
    remove_stale_staging(root / spec.dataset)
    return ReleaseInputs(
        spec=spec, spec_path=spec_path, source=source, output_root=root, actor=who or actor()
    )


@phi_safe
def scan(source: Source, sample_rows: int | None = None) -> DetectionReport:
    """Detect PHI in a sample of ``source``: per column entity, confidence and counts.

    The sample is stratified over the partitions of a partitioned source.
    """
    from privacy.column_scan import scan_table
    from privacy.detection_config import load_detection_config

    config = load_detection_config()
    sample = source.sample(sample_rows or config.sample_rows)
    return scan_table(sample, source.name, config)


def plan(
    inputs: ReleaseInputs, report: DetectionReport, policy: Policy | None = None
) -> ReleasePlan:
    """Decide one action per column from the spec, the policy and detection."""
    return make_plan(
        inputs.spec,
        report,
        policy or load_policy("safe_harbor"),
        pseudonym_key_available=bool(os.environ.get(PSEUDONYM_KEY_ENV)),
        spec_path=inputs.spec_path,
    )


def pseudonym_key(release_plan: ReleasePlan) -> bytes | None:
    """The pseudonymisation key from the environment, if the plan needs one."""
    from transforms.pseudonymize import load_pseudonym_key

    return load_pseudonym_key() if release_plan.needs_pseudonym_key else None


def span_finder() -> Callable[[list[str | None]], list[list[Any]]]:
    """The free-text span detector the release uses (the same as ``shareable detect``).

    Inside a Dask worker (a daemonic process, which may not start processes of its own) the
    detector runs in the worker's process; the cluster gives the parallelism.
    """
    from privacy.detection_config import load_detection_config
    from privacy.text_detection import detect_spans

    config = load_detection_config()
    if in_dask_worker():
        config = config.model_copy(update={"workers": 1})
    return lambda texts: detect_spans(texts, config)


def in_dask_worker() -> bool:
    """Whether this code runs inside a Dask worker."""
    try:
        from distributed import get_worker
    except ImportError:
        return False
    try:
        get_worker()
    except ValueError:
        return False
    return True


@phi_safe
def apply(
    batch: pa.RecordBatch,
    release_plan: ReleasePlan,
    find_spans: Callable[[list[str | None]], list[list[Any]]] | None = None,
):
    """De-identify one batch by the plan; returns (batch, TransformStats).

    The pseudonymisation key is read from the environment here, where the batch is processed,
    so it never travels as a task argument (Prefect, Dask) or appears in a run's inputs.
    ``find_spans`` defaults to :func:`span_finder` (pass one to reuse it across batches).
    """
    from transforms.apply import apply_plan

    return apply_plan(
        batch,
        release_plan,
        pseudonym_key=pseudonym_key(release_plan),
        find_spans=find_spans or span_finder(),
    )


VALIDATION_ROWS = 100_000
"""Rows of de-identified output validated together by one GX run."""


@phi_safe
def validate(batch: pa.RecordBatch | pa.Table, release_plan: ReleasePlan, schema: pa.Schema):
    """Run the plan's validation suite on de-identified rows (no row-count check)."""
    from privacy.validation import validate_release

    return validate_release(batch.to_pandas(), release_plan, schema, expected_rows=None)


@phi_safe
def fresh_scan(staging: Staging, release_plan: ReleasePlan, schema: pa.Schema) -> list[Any]:
    """Classify the kept columns again from rows spread evenly over the staged parts.

    See :mod:`privacy.output_scan`. The sample is as large as detection's (``sample_rows``).
    """
    from privacy.detection_config import load_detection_config
    from privacy.output_scan import check_fresh_scan, columns_to_rescan

    columns = [c for c in columns_to_rescan(release_plan) if c in schema.names]
    if not columns or not staging.parts:
        return []
    config = load_detection_config()
    files = [staging.path / part.file for part in staging.parts]
    sample = spread_sample(files, columns, config.sample_rows)
    min_confidence = load_policy("safe_harbor").min_confidence
    return check_fresh_scan(sample, release_plan, min_confidence, config)


def promote(staging: Staging, manifest: dict[str, Any], readme: str) -> str:
    """Publish the validated staging folder as the next version, never reusing a number.

    The version is above the ``v<N>`` folders and above the last one the catalog records
    there, so a version deleted by hand is not published again under its old number.
    """
    from flows.catalog import last_recorded_version

    after = last_recorded_version(staging.dataset_dir)
    return str(staging.promote(manifest, {"README.md": readme}, after=after))


@dataclass(frozen=True)
class UnitResult:
    """What releasing one unit (a partition, or the whole file) returns: counts, never rows."""

    rows_in: int
    stats: Any
    validation: Any
    parts: list[PartInfo]


@phi_safe
def release_unit(
    source: Source,
    release_plan: ReleasePlan,
    schema: pa.Schema,
    staging: Staging,
    unit: int | None = None,
) -> UnitResult:
    """De-identify, validate and stage every batch of one unit of a source.

    A unit is one partition of a partitioned source (``unit`` = its index; its rows go to
    ``part-<unit>-*.parquet``), or a whole single-file source (``unit=None``). Each batch is
    applied and appended to the staging folder, and validated in windows of
    ``VALIDATION_ROWS`` rows (a GX validation has a fixed cost, so one per small batch would
    dominate), so memory stays at one window whatever the unit's size and nothing row-sized
    is returned. A failed check fails the release; the staging folder is never published.
    May run in any process that sees the staging folder (a Dask worker): the pseudonym key
    is read from that process's environment, and keyed pseudonyms are the same wherever
    they are computed.
    """
    from privacy.validation import combine

    writer = staging.part_writer(unit)
    find_spans = span_finder()  # configuration read once per unit, not per batch
    rows_in, stats, reports = 0, None, []
    window: list[pa.RecordBatch] = []  # written, awaiting validation
    try:
        for batch in source.batches():
            rows_in += batch.num_rows
            out, batch_stats = apply(batch, release_plan, find_spans)
            writer.write(out)
            window.append(out)
            if sum(b.num_rows for b in window) >= VALIDATION_ROWS:
                reports.append(validate(pa.Table.from_batches(window), release_plan, schema))
                window = []
            stats = batch_stats if stats is None else stats.merge(batch_stats)
        if window:
            reports.append(validate(pa.Table.from_batches(window), release_plan, schema))
    except BaseException:
        writer.abort()
        raise
    parts = writer.close()
    validation = combine(reports) if reports else None
    return UnitResult(rows_in=rows_in, stats=stats, validation=validation, parts=parts)


def merge_units(results: list[UnitResult]) -> tuple[int, Any, list[Any]]:
    """Add up unit results: (rows read, merged TransformStats, per-unit ValidationReports)."""
    rows_in, stats, reports = 0, None, []
    for result in results:
        rows_in += result.rows_in
        if result.stats is not None:
            stats = result.stats if stats is None else stats.merge(result.stats)
        if result.validation is not None:
            reports.append(result.validation)
    return rows_in, stats, reports


def output_schema(release_plan: ReleasePlan, source: Source) -> pa.Schema:
    """The schema of the released table."""
    from transforms.apply import output_schema as schema_of

    return schema_of(release_plan, source.schema)


def open_staging(
    inputs: ReleaseInputs, schema: pa.Schema, extra_metadata: dict[str, str] | None = None
) -> Staging:
    """Create the hidden staging folder the release's files are written to.

    Every Parquet file of the release carries the dataset, method and spec hash (plus
    ``extra_metadata``) in its key-value metadata.
    """
    return Staging.create(
        inputs.output_root,
        inputs.spec.dataset,
        schema,
        {
            "dataset": inputs.spec.dataset,
            "method": inputs.spec.method,
            "spec_hash": inputs.spec.fingerprint(),
            **(extra_metadata or {}),
        },
    )


def release_manifest(
    inputs: ReleaseInputs,
    release_plan: ReleasePlan,
    report: DetectionReport,
    staging: Staging,
    validation: Any,
    stats: Any,
    rows_in: int,
    started_at: str,
    flow_run_id: str | None = None,
) -> dict[str, Any]:
    """Assemble the manifest of a staged release (counts, decisions, versions; no values)."""
    return build_manifest(
        release_id=staging.release_id,
        spec_hash=inputs.spec.fingerprint(),
        spec=inputs.spec.model_dump(mode="json", exclude={"source": {"path"}, "output": True}),
        source={
            "name": inputs.source.name,
            "format": inputs.source.format,
            "sha256": inputs.source.fingerprint(),
            "partitions": len(inputs.source.files),
        },
        release_plan=release_plan,
        detection=report,
        validation=validation.model_dump(mode="json"),
        transform_stats=stats.as_dict() if stats is not None else {},
        schema=staging.schema,
        parts=staging.parts,
        rows_in=rows_in,
        started_at=started_at,
        finished_at=now(),
        actor=inputs.actor,
        libraries=library_versions(),
        flow_run_id=flow_run_id,
    )


def actor() -> str:
    """Who runs the release: ``SHAREABLE_ACTOR`` or the OS user."""
    try:
        fallback = getpass.getuser()
    except (KeyError, OSError):
        fallback = "unknown"
    return os.environ.get("SHAREABLE_ACTOR") or fallback


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries a release depends on (for the manifest)."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def now() -> str:
    """The current UTC time, ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
