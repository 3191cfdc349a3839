"""The one place a release's :class:`~flows.manifest.Manifest` is built, for every method.

:func:`build_manifest` gathers the facts of a staged, validated release: from the inputs (spec,
source fingerprint, actor), the plan, detection's report, the staging folder (parts, schema)
and what the apply or compute step produced (:class:`~flows.output.ReleaseOutput`), with the
part of its method: :func:`kanon_facts` (search, suppression, risk measured on the released
classes) or the DP metadata. Counts, names and decisions only.
"""

from __future__ import annotations

from flows.inputs import ReleaseInputs
from flows.manifest import (
    ColumnFacts,
    KAnonymityFacts,
    Manifest,
    PartFacts,
    SourceFacts,
    guarantees,
    library_versions,
    now,
)
from flows.output import ReleaseOutput, dp_metadata
from flows.publish import PartInfo, Staging
from privacy.dp.validation import DpValidationReport
from privacy.plan import KAnonymityPlan, ReleasePlan
from privacy.report import DetectionReport
from privacy.risk import risk_metrics
from privacy.validation_report import ValidationReport


def build_manifest(
    inputs: ReleaseInputs,
    plan: ReleasePlan,
    report: DetectionReport | None,
    staging: Staging,
    produced: ReleaseOutput,
    validation: ValidationReport | DpValidationReport,
    started_at: str,
    flow_run_id: str | None = None,
) -> Manifest:
    """Assemble the manifest of a staged release (its version is set at promotion)."""
    spec = inputs.spec
    return Manifest(
        dataset=spec.dataset,
        release_id=staging.release_id,
        method=plan.method,
        guarantees=guarantees(inputs, plan),
        spec_hash=spec.fingerprint(),
        spec=spec.model_dump(mode="json", exclude={"source": {"path"}, "output": True}),
        source=SourceFacts(
            name=inputs.source.name,
            format=inputs.source.format,
            sha256=inputs.source.fingerprint(),
            partitions=len(inputs.source.files),
        ),
        rows_in=produced.rows_in,
        rows_out=sum(part.rows for part in staging.parts),
        columns=_columns(staging, produced),
        parts=tuple(_part(part, produced) for part in staging.parts),
        plan=plan if plan.dp is None else None,
        detection=report,
        validation=validation,
        transform_stats=produced.stats.as_dict() if produced.stats is not None else None,
        rows_suppressed=produced.suppressed if plan.k_anonymity is not None else None,
        k_anonymity=kanon_facts(plan.k_anonymity, produced) if plan.k_anonymity else None,
        dp=dp_metadata(plan, produced) if plan.dp is not None else None,
        actor=inputs.actor,
        started_at=started_at,
        finished_at=now(),
        libraries=library_versions(),
        prefect_flow_run_id=flow_run_id,
    )


def kanon_facts(part: KAnonymityPlan, produced: ReleaseOutput) -> KAnonymityFacts:
    """The k-anonymity evidence of a release: the search, the suppression, the risk."""
    classes = produced.released_classes(part)
    return KAnonymityFacts(
        **{**part.search, "records_suppressed": produced.suppressed},
        hierarchies=part.hierarchies,
        sensitive=part.sensitive,
        risk=risk_metrics(classes.sizes, classes.distinct),
        risk_before=part.risk_before,
    )


def _query_columns(produced: ReleaseOutput) -> dict[str, tuple[ColumnFacts, ...]]:
    return {
        result.plan.query.name: tuple(
            ColumnFacts(name=f.name, type=str(f.type)) for f in result.table.schema
        )
        for result in produced.queries
    }


def _columns(staging: Staging, produced: ReleaseOutput) -> tuple[ColumnFacts, ...]:
    """The released columns: the rows' schema, or every column of the DP query tables."""
    if produced.queries:
        by_name = {c.name: c for facts in _query_columns(produced).values() for c in facts}
        return tuple(by_name.values())
    return tuple(
        ColumnFacts(name=f.name, type=str(f.type)) for f in staging.schema.remove_metadata()
    )


def _part(part: PartInfo, produced: ReleaseOutput) -> PartFacts:
    if not produced.queries:
        return PartFacts(file=part.file, rows=part.rows, sha256=part.sha256)
    query = part.file.removesuffix(".parquet")
    return PartFacts(
        file=part.file,
        rows=part.rows,
        sha256=part.sha256,
        query=query,
        columns=_query_columns(produced)[query],
    )
