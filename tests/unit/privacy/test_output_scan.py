"""The fresh scan of the output: kept columns classified again, by their values only."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from faker import Faker

from privacy.errors import ResidualPHI
from privacy.output_scan import check_fresh_scan, columns_to_rescan
from privacy.plan import ColumnPlan, ReleasePlan
from privacy.validation_report import combine

N = 120


def plan() -> ReleasePlan:
    return ReleasePlan(
        dataset="clinic",
        reference_date=dt.date(2024, 6, 30),
        columns=(
            ColumnPlan(column="name", action="drop", reason="(A) names", entity="PERSON"),
            ColumnPlan(column="diagnosis", action="keep", reason="no identifier detected"),
            ColumnPlan(column="comment", action="keep", reason="no identifier detected"),
            ColumnPlan(
                column="clinic_phone",
                action="keep",
                reason="steward override: the clinic's public switchboard",
                source="spec",
            ),
            ColumnPlan(column="notes", action="redact", reason="free text"),
        ),
    )


def output(comment_ssns: int) -> pa.Table:
    """Released rows: ``comment`` holds an SSN in its last ``comment_ssns`` rows."""
    fake = Faker("en_US")
    fake.seed_instance(3)
    comments = ["none"] * (N - comment_ssns) + [fake.ssn() for _ in range(comment_ssns)]
    return pa.table(
        {
            "diagnosis": [fake.random_element(["J45", "E11.9", "I10"]) for _ in range(N)],
            "comment": comments,
            "clinic_phone": [fake.numerify("617-555-####") for _ in range(N)],
            "notes": ["seen by <PERSON> on <DATE_TIME>"] * N,
        }
    )


def test_only_columns_kept_by_policy_are_scanned_again() -> None:
    assert columns_to_rescan(plan()) == ["diagnosis", "comment"]


def test_clean_kept_columns_pass() -> None:
    outcomes = check_fresh_scan(output(0), plan(), min_confidence=0.4)
    assert [(o.column, o.success) for o in outcomes] == [("diagnosis", True), ("comment", True)]
    assert all(o.element_count == N for o in outcomes)


def test_identifiers_that_appear_later_in_a_kept_column_fail_as_residual_phi() -> None:
    sample = output(comment_ssns=N // 2)  # detection's first rows saw only "none"
    outcomes = check_fresh_scan(sample, plan(), min_confidence=0.4)
    failed = [o for o in outcomes if not o.success]
    assert [o.column for o in failed] == ["comment"]
    assert failed[0].unexpected_count == N // 2
    assert "US_SSN by a fresh scan" in failed[0].detail
    report = combine(outcomes)
    with pytest.raises(ResidualPHI, match=r"column 'comment': 60 value\(s\) of 120 sampled"):
        report.raise_if_failed()
    values = set(sample.column("comment").to_pylist()) - {"none"}
    message = str(report.failures[0].describe())
    assert not any(value in message for value in values)


def test_headers_are_not_evidence_on_a_fresh_scan() -> None:
    """A kept column called ``ssn`` holding clinical codes is judged by its values."""
    renamed = plan().model_copy(
        update={
            "columns": (ColumnPlan(column="ssn", action="keep", reason="no identifier detected"),)
        }
    )
    sample = pa.table({"ssn": ["J45", "E11.9", "I10"] * 40})
    (outcome,) = check_fresh_scan(sample, renamed, min_confidence=0.4)
    assert outcome.success
