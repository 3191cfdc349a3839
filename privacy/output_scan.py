"""A fresh scan of the output: columns released unchanged are classified again before publish.

Detection plans a release from a sample of the source: the first rows of a CSV, or rows spread
over Parquet row groups and partitions. A column that looked clean there can still hold
identifiers further down (a column empty for its first thousand rows, a free-text field that
only later fills up). Before publishing, the columns the policy kept because "no identifier
detected" are classified again, by their values alone, from rows spread over every part of the
staged output. Their names are hidden from the scan: the header was already judged at plan time,
and a fresh look should rest on what the release actually holds.

A column the fresh scan flags fails validation as residual PHI, so nothing is published; the
failure names the column, the entity and the counts, never a value. Columns a steward kept on
purpose (``source == "spec"``: a ``keep`` with its reason, k-anonymity's quasi-identifiers and
sensitive attribute) are not judged again, and transformed columns are checked by the
Great Expectations suite instead.
"""

from __future__ import annotations

import pyarrow as pa

from privacy.column_scan import scan_table
from privacy.detection_config import DetectionConfig, load_detection_config
from privacy.plan import ReleasePlan
from privacy.validation_report import ExpectationOutcome

EXPECTATION = "expect_column_to_hold_no_identifier_on_a_fresh_scan"


def columns_to_rescan(plan: ReleasePlan) -> list[str]:
    """The output columns kept unchanged by policy (no identifier detected at plan time)."""
    return [c.column for c in plan.columns if c.action == "keep" and c.source == "policy"]


def check_fresh_scan(
    sample: pa.Table,
    plan: ReleasePlan,
    min_confidence: float,
    config: DetectionConfig | None = None,
) -> list[ExpectationOutcome]:
    """Classify the kept columns of ``sample`` again; one outcome per column scanned.

    Args:
        sample: Rows of the staged output, spread over its parts.
        plan: The release plan the output was made by.
        min_confidence: The policy's threshold: a column classified at or above it fails.
        config: Detection settings; by default those of ``configs/detection.yaml``.

    Returns:
        One outcome per column of :func:`columns_to_rescan` (none if there is no such column
        or the sample is empty).
    """
    names = [name for name in columns_to_rescan(plan) if name in sample.column_names]
    if not names or sample.num_rows == 0:
        return []
    hidden = {f"x{i}": name for i, name in enumerate(names)}  # headers are not evidence here
    table = pa.table([sample.column(name) for name in names], names=list(hidden))
    report = scan_table(table, "fresh scan", config or load_detection_config())
    outcomes = []
    for finding in report.columns:
        column = hidden[finding.column]
        flagged = finding.entity is not None and finding.confidence >= min_confidence
        detail = None
        if flagged:
            detail = (
                f"of {finding.values_sampled} sampled are {finding.entity} by a fresh scan of "
                f"the output (confidence {finding.confidence:.2f}), although detection kept the "
                f"column; declare it in the spec (`columns.{column}: drop`, or another action) "
                "or, if the scan is wrong, keep it with a reason"
            )
        outcomes.append(
            ExpectationOutcome(
                check="fresh_scan",
                expectation=EXPECTATION,
                column=column,
                success=not flagged,
                element_count=finding.values_sampled,
                unexpected_count=finding.values_matched if flagged else 0,
                detail=detail,
            )
        )
    return outcomes
