"""GX checks of k and l on a k-anonymity release, and the exemption of generalised QIs."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

from privacy.plan import ColumnPlan, ReleasePlan
from privacy.validation import check_k_anonymity, validate_release
from privacy.validation_report import combine


@pytest.mark.parametrize(
    ("sizes", "distinct", "l", "failed"),
    [
        ([5, 7, 12], None, None, set()),
        ([5, 4, 12], None, None, {"k_anonymity"}),
        ([5, 7], [2, 2], 2, set()),
        ([5, 7], [2, 1], 2, {"l_diversity"}),
        ([3, 7], [1, 2], 2, {"k_anonymity", "l_diversity"}),
    ],
)
def test_k_and_l_checks(sizes, distinct, l, failed) -> None:  # noqa: E741
    outcomes = check_k_anonymity(sizes, 5, distinct, l)
    assert {o.check for o in outcomes} == {"k_anonymity"} | ({"l_diversity"} if l else set())
    assert {o.check for o in outcomes if not o.success} == failed
    for outcome in outcomes:
        if not outcome.success:
            assert outcome.unexpected_count == 1
            assert "equivalence classes" in outcome.describe()
    report = combine(outcomes)
    assert report.success == (not failed)


def test_generalised_quasi_identifiers_are_exempt_from_residual_phi_checks() -> None:
    plan = ReleasePlan(
        dataset="d",
        reference_date=dt.date(2024, 1, 1),
        columns=(
            ColumnPlan(column="zip", action="keep", reason="qi", entity="ZIP_CODE"),
            ColumnPlan(column="age", action="keep", reason="qi", entity="AGE"),
        ),
    )
    schema = pa.schema([("zip", pa.string()), ("age", pa.int64())])
    frame = pd.DataFrame({"zip": ["02143", "02139"], "age": [95, 40]})
    assert not validate_release(frame, plan, schema).success  # Safe Harbor: ZIP + age > 90
    report = validate_release(frame, plan, schema, generalised=frozenset({"zip", "age"}))
    assert report.success


@pytest.mark.parametrize(("effective", "ok"), [([2.0, 2.5], True), ([2.0, 1.4], False)])
def test_entropy_l_check(effective, ok) -> None:
    outcomes = check_k_anonymity([5, 6], 5, [2, 2], 2, effective)
    assert len(outcomes) == 3
    assert combine(outcomes).success == ok


def test_effective_l_of_classes() -> None:
    from privacy.kanon.counts import ClassCounter, effective_l

    counter = ClassCounter(["q", "s"])
    counter.add(pa.table({"q": ["x"] * 4 + ["y"] * 4, "s": ["a", "b", "a", "b"] + ["a"] * 4}))
    assert sorted(effective_l(counter.table(), ["q"], "s").round(6).tolist()) == [1.0, 2.0]
