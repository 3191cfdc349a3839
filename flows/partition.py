"""One partition of a release, start to finish: its batches through apply and validate.

:func:`release_partition` is the batch loop of every row-level release (Safe Harbor and
k-anonymity alike; the plan says what to do): each batch is de-identified by
``transforms.apply_plan``, appended to the staging folder, and validated in windows of
:data:`VALIDATION_ROWS` rows (a GX validation has a fixed cost, so one per small batch would
dominate); for a k-anonymity plan the released equivalence classes are counted too. Memory stays
at one window whatever the partition's size, and only counts are returned.
:func:`count_partition` is the first pass of a k-anonymity release: the class counts of one
partition's source rows. Both may run in any process that sees the staging folder (a Dask
worker): the pseudonym key is read from that process's environment, never passed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from distributed import get_worker

from flows.guard import leak_boundary
from flows.inputs import ReleaseSettings
from flows.load import Source
from flows.publish import PartInfo, Staging
from privacy.detection_config import DetectionConfig
from privacy.kanon.counts import ClassCounter
from privacy.plan import ReleasePlan
from privacy.text_detection import detect_spans
from privacy.validation import validate_release
from privacy.validation_report import ValidationReport, combine
from transforms.apply import TransformStats, apply_plan
from transforms.pseudonymize import load_pseudonym_key

VALIDATION_ROWS = 100_000
"""Rows of de-identified output validated together by one GX run."""

FindSpans = Callable[[list[str | None]], list[list[Any]]]


@dataclass(frozen=True)
class PartitionResult:
    """What releasing one partition returns: counts and part files, never rows."""

    rows_in: int
    stats: TransformStats | None
    validation: ValidationReport | None
    parts: list[PartInfo]
    classes: pa.Table | None = None
    """k-anonymity: the released rows' class counts (QIs + sensitive column)."""


def span_finder(config: DetectionConfig) -> FindSpans:
    """The free-text span detector of the release (the same as ``shareable detect``).

    Inside a Dask worker (a daemonic process, which may not start processes of its own) the
    detector runs in the worker's process; the cluster gives the parallelism.
    """
    if in_dask_worker():
        config = config.model_copy(update={"workers": 1})
    return lambda texts: detect_spans(texts, config)


def in_dask_worker() -> bool:
    """Whether this code runs inside a Dask worker."""
    try:
        get_worker()
    except ValueError:
        return False
    return True


def pseudonym_key(release_plan: ReleasePlan) -> bytes | None:
    """The pseudonymisation key from this process's environment, if the plan needs one."""
    return load_pseudonym_key() if release_plan.needs_pseudonym_key else None


def release_partition(
    source: Source,
    release_plan: ReleasePlan,
    schema: pa.Schema,
    staging: Staging,
    settings: ReleaseSettings,
    unit: int | None = None,
) -> PartitionResult:
    """De-identify, validate and stage every batch of one partition of a source.

    A partition of a partitioned source has ``unit`` = its index (its rows go to
    ``part-<unit>-*.parquet``); a whole single-file source has ``unit=None``. A failed check
    fails the release; the staging folder is then never published.
    """
    writer = staging.part_writer(unit)
    key = pseudonym_key(release_plan)
    find_spans = span_finder(settings.detection)
    kanon = release_plan.k_anonymity
    released = ClassCounter(kanon.columns) if kanon is not None else None
    rows_in, stats, reports = 0, None, []
    window: list[pa.RecordBatch] = []  # written, awaiting validation
    try:
        for batch in source.batches():
            rows_in += batch.num_rows
            with leak_boundary("apply", settings.debug):
                out, batch_stats = apply_plan(
                    batch, release_plan, pseudonym_key=key, find_spans=find_spans
                )
            writer.write(out)
            if released is not None:
                released.add(out)
            window.append(out)
            if sum(b.num_rows for b in window) >= VALIDATION_ROWS:
                reports.append(_validate(window, release_plan, schema, settings))
                window = []
            stats = batch_stats if stats is None else stats.merge(batch_stats)
        if window:
            reports.append(_validate(window, release_plan, schema, settings))
    except BaseException:
        writer.abort()
        raise
    return PartitionResult(
        rows_in=rows_in,
        stats=stats,
        validation=combine(reports) if reports else None,
        parts=writer.close(),
        classes=released.table() if released is not None else None,
    )


def _validate(
    rows: list[pa.RecordBatch], release_plan: ReleasePlan, schema: pa.Schema, settings
) -> ValidationReport:
    """Validate a window of de-identified rows (a k-anonymity plan's QIs as generalised)."""
    with leak_boundary("validate", settings.debug):
        frame = pa.Table.from_batches(rows, schema=schema).to_pandas()
        return validate_release(frame, release_plan, schema, None, release_plan.quasi_identifiers)


def count_partition(source: Source, columns: Sequence[str], debug: bool = False) -> pa.Table:
    """The equivalence-class counts of ``columns`` over one partition's source rows."""
    counter = ClassCounter(columns)
    with leak_boundary("count classes", debug):
        for batch in source.batches():
            counter.add(batch)
    return counter.table()
