"""From the inputs to the plan: scan the source, then decide everything the release will do.

:func:`scan` detects PHI per column on a sample; :func:`plan` turns spec + policy + detection
into the one :class:`~privacy.plan.ReleasePlan` of the release, whatever its method: the Safe
Harbor plan (``privacy.planner``), refined by the optimal generalisation for k-anonymity
(``privacy.kanon.plan``, from the class counts of the whole source), or the DP queries
(``privacy.dp.plan``, see :mod:`flows.dp_source`). The maths is in ``privacy/``; this module
only hands it the inputs.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from flows.dp_source import plan_release
from flows.guard import leak_boundary
from flows.inputs import ReleaseInputs
from privacy.column_scan import scan_table
from privacy.errors import InternalError
from privacy.kanon.plan import check_columns, plan_k_anonymity
from privacy.plan import ReleasePlan
from privacy.planner import make_plan
from privacy.report import DetectionReport
from transforms.apply import output_schema
from transforms.pseudonymize import load_pseudonym_key


def scan(inputs: ReleaseInputs) -> DetectionReport | None:
    """The release's scan: :func:`scan_columns`, except for DP (it publishes no row: None)."""
    if inputs.spec.method == "dp_aggregates":
        return None
    return scan_columns(inputs)


def scan_columns(inputs: ReleaseInputs, sample_rows: int | None = None) -> DetectionReport:
    """Detect PHI in a sample of the source: per column entity, confidence and counts.

    The sample is stratified over the partitions of a partitioned source.
    """
    config = inputs.settings.detection
    with leak_boundary("scan", inputs.settings.debug):
        sample = inputs.source.sample(sample_rows or config.sample_rows)
        return scan_table(sample, inputs.source.name, config)


def class_columns(inputs: ReleaseInputs) -> list[str] | None:
    """The columns whose classes a k-anonymity release counts first (checked); else None."""
    kanon = inputs.spec.k_anonymity
    if kanon is None:
        return None
    check_columns(kanon, inputs.source.schema.names, list(inputs.spec.columns), inputs.where)
    sensitive = [kanon.sensitive.column] if kanon.sensitive is not None else []
    return [*kanon.quasi_identifiers, *sensitive]


def safe_harbor_plan(inputs: ReleaseInputs, report: DetectionReport) -> ReleasePlan:
    """One action per column from the spec, the policy and detection (``shareable scan``)."""
    settings = inputs.settings
    return make_plan(
        inputs.spec,
        report,
        settings.policy,
        pseudonym_key_available=settings.pseudonym_key_available,
        spec_path=inputs.spec_path,
    )


def plan(
    inputs: ReleaseInputs, report: DetectionReport | None, counts: pa.Table | None = None
) -> ReleasePlan:
    """The release plan of ``inputs``, for its method.

    Args:
        inputs: The release's inputs.
        report: Detection's findings (None for DP, which releases no row).
        counts: k-anonymity: the equivalence-class counts of the whole source.

    Raises:
        SpecError: The spec does not fit the source (names the file, the field and the fix).
        SecretMissing: The plan pseudonymises and no usable key is set (checked now, before
            anything is staged).

    """
    spec = inputs.spec
    if spec.method == "dp_aggregates":
        return ReleasePlan(
            dataset=spec.dataset,
            method="dp_aggregates",
            subject_id=spec.subject_id,
            reference_date=spec.reference_date or dt.date.today(),
            columns=(),
            dp=plan_release(inputs),
        )
    if report is None:
        raise InternalError(f"plan() of a {spec.method} release was given no detection report")
    release_plan = safe_harbor_plan(inputs, report)
    if spec.k_anonymity is not None:
        if counts is None:
            raise InternalError("plan() of a k-anonymity release was given no class counts")
        release_plan = plan_k_anonymity(
            release_plan, spec.k_anonymity, counts, inputs.source.schema
        )
    if release_plan.needs_pseudonym_key:
        load_pseudonym_key()  # fail now, before staging, if the key is missing or too short
    return release_plan


def release_schema(inputs: ReleaseInputs, release_plan: ReleasePlan) -> pa.Schema:
    """The schema of the released rows (none for DP: each query's file has its own)."""
    if release_plan.dp is not None:
        return pa.schema([])
    return output_schema(release_plan, inputs.source.schema)


def file_metadata(inputs: ReleaseInputs, release_plan: ReleasePlan) -> dict[str, str]:
    """The key facts every Parquet file of the release carries in its metadata."""
    facts = {
        "dataset": inputs.spec.dataset,
        "method": release_plan.method,
        "spec_hash": inputs.spec.fingerprint(),
    }
    if release_plan.k_anonymity is not None:
        facts["k"] = str(release_plan.k_anonymity.k)
    return facts
