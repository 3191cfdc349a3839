"""What the apply (or, for DP, the compute) step of a release produced: counts, never rows.

:func:`from_partitions` adds up the :class:`~flows.partition.PartitionResult` of every partition
(rows read, transform counts, validation reports, the released equivalence classes of a
k-anonymity release) and records their part files in the staging folder; :func:`from_queries`
holds a DP release's query tables and its ledger charge, :func:`dp_metadata` its DP facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from flows.manifest import DpFacts
from flows.partition import PartitionResult
from flows.publish import Staging
from privacy import ledger
from privacy.dp.compute import QueryResult
from privacy.errors import SourceError
from privacy.kanon.counts import ClassCounter, class_sizes, effective_l
from privacy.plan import KAnonymityPlan, ReleasePlan
from privacy.validation_report import ValidationReport
from transforms.apply import TransformStats


@dataclass(frozen=True)
class ReleasedClasses:
    """The equivalence classes of a k-anonymity release's output, measured."""

    sizes: np.ndarray
    distinct: np.ndarray | None
    entropy: np.ndarray | None


@dataclass(frozen=True)
class ReleaseOutput:
    """What a release wrote into its staging folder, in counts."""

    rows_in: int | None = None
    stats: TransformStats | None = None
    reports: list[ValidationReport] = field(default_factory=list)
    classes: pa.Table | None = None
    queries: list[QueryResult] = field(default_factory=list)
    charge: ledger.Charge | None = None

    @property
    def suppressed(self) -> int:
        """Records removed because their equivalence class is suppressed."""
        return self.stats.suppressed if self.stats is not None else 0

    def released_classes(self, part: KAnonymityPlan) -> ReleasedClasses:
        """Sizes (and distinct / effective sensitive values) of the released classes."""
        qis = list(part.quasi_identifiers)
        sizes, distinct = class_sizes(self.classes, qis, part.sensitive)
        entropy = None
        if part.sensitive is not None and part.l_measure == "entropy":
            entropy = effective_l(self.classes, qis, part.sensitive)
        return ReleasedClasses(sizes, distinct, entropy)


def from_partitions(
    results: list[PartitionResult], staging: Staging, release_plan: ReleasePlan, source: str
) -> ReleaseOutput:
    """Add up the partitions' results; record their parts in ``staging`` and finish it.

    Raises:
        SourceError: A k-anonymity release read another number of rows than it counted (the
            source changed during the release).

    """
    rows_in, stats, reports = 0, None, []
    kanon = release_plan.k_anonymity
    released = ClassCounter(kanon.columns) if kanon is not None else None
    for result in results:
        staging.add_parts(result.parts)
        rows_in += result.rows_in
        if result.stats is not None:
            stats = result.stats if stats is None else stats.merge(result.stats)
        if result.validation is not None:
            reports.append(result.validation)
        if released is not None and result.classes is not None:
            released.add_counts(result.classes)
    staging.finish()
    if kanon is not None and rows_in != kanon.search["records_in"]:
        raise SourceError(
            f"{source}: the source changed during the release ({kanon.search['records_in']} rows "
            f"counted, {rows_in} read); nothing was published. Run the release again."
        )
    return ReleaseOutput(
        rows_in=rows_in,
        stats=stats,
        reports=reports,
        classes=released.table() if released is not None else None,
    )


def from_queries(results: list[QueryResult], charge: ledger.Charge) -> ReleaseOutput:
    """A DP release's output: its query tables (already written) and the ledger charge."""
    return ReleaseOutput(queries=results, charge=charge)


def dp_metadata(release_plan: ReleasePlan, output: ReleaseOutput) -> DpFacts:
    """The DP facts of a release: budgets, bounds, queries (the plan's) and the ledger charge."""
    clamped = {result.plan.query.name: result.clamped for result in output.queries}
    return DpFacts(**release_plan.dp.metadata(clamped), ledger_charge_id=output.charge.charge_id)
