"""The release-wide checks before publication, on what the staging folder holds.

Each batch was validated as it was written (:mod:`flows.partition`); :func:`validate_release`
adds what only the whole release can show and combines it all into one report: the total row
count, every part's schema and rows (their Parquet footers), a fresh scan of the kept columns
from rows spread over all the parts, and, for k-anonymity, k and l on the released classes. A
DP release's query tables and metadata are checked by ``privacy.dp.validation``.
"""

from __future__ import annotations

import pyarrow as pa

from flows import output as output_facts
from flows.guard import leak_boundary
from flows.inputs import ReleaseInputs
from flows.load import spread_sample
from flows.output import ReleaseOutput
from flows.publish import Staging
from privacy.dp.validation import DpValidationReport, validate_outputs
from privacy.output_scan import check_fresh_scan, columns_to_rescan
from privacy.plan import ReleasePlan
from privacy.validation import check_k_anonymity
from privacy.validation_report import (
    ExpectationOutcome,
    ValidationReport,
    check_parts,
    check_row_count,
    combine,
)


def validate_release(
    inputs: ReleaseInputs,
    release_plan: ReleasePlan,
    staging: Staging,
    schema: pa.Schema,
    output: ReleaseOutput,
) -> ValidationReport | DpValidationReport:
    """Validate a staged release as a whole; the report is raised by the caller."""
    if release_plan.dp is not None:
        facts = output_facts.dp_metadata(release_plan, output).model_dump(mode="json")
        return validate_outputs(release_plan.dp, output.queries, facts)
    outcomes: list[ValidationReport | ExpectationOutcome] = [
        *output.reports,
        check_row_count(staging.rows, (output.rows_in or 0) - output.suppressed),
        check_parts(staging.path, [(p.file, p.rows) for p in staging.parts], schema),
        *fresh_scan(inputs, staging, release_plan, schema),
    ]
    part = release_plan.k_anonymity
    if part is not None:
        classes = output.released_classes(part)
        outcomes += check_k_anonymity(
            classes.sizes, part.k, classes.distinct, part.l, classes.entropy
        )
    return combine(outcomes)


def fresh_scan(
    inputs: ReleaseInputs, staging: Staging, release_plan: ReleasePlan, schema: pa.Schema
) -> list[ExpectationOutcome]:
    """Classify the kept columns again from rows spread evenly over the staged parts.

    See :mod:`privacy.output_scan`. The sample is as large as detection's (``sample_rows``).
    """
    columns = [c for c in columns_to_rescan(release_plan) if c in schema.names]
    if not columns or not staging.parts:
        return []
    settings = inputs.settings
    with leak_boundary("fresh scan", settings.debug):
        files = [staging.path / part.file for part in staging.parts]
        sample = spread_sample(files, columns, settings.detection.sample_rows)
        return check_fresh_scan(
            sample, release_plan, settings.policy.min_confidence, settings.detection
        )
