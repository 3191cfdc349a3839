"""Re-identification risk from class sizes."""

from __future__ import annotations

import numpy as np
import pytest

from privacy.risk import class_size_distribution, risk_metrics


@pytest.mark.parametrize(
    ("sizes", "k", "max_risk", "average", "classes"),
    [
        ([5, 5, 10], 5, 0.2, 3 / 20, 3),
        ([1, 2, 3], 1, 1.0, 3 / 6, 3),
        ([100], 100, 0.01, 0.01, 1),
    ],
)
def test_prosecutor_journalist_marketer(sizes, k, max_risk, average, classes) -> None:
    risk = risk_metrics(np.array(sizes))
    assert risk["k_achieved"] == k
    assert risk["classes"] == classes and risk["records"] == sum(sizes)
    assert risk["prosecutor"]["max"] == pytest.approx(max_risk)
    assert risk["prosecutor"]["average"] == pytest.approx(average, abs=1e-6)
    assert risk["journalist"]["max"] == risk["prosecutor"]["max"]  # no population: upper bound
    assert risk["marketer"] == pytest.approx(average, abs=1e-6)
    assert risk["l_achieved"] is None


def test_records_above_thresholds_and_l() -> None:
    risk = risk_metrics(np.array([2, 8]), distinct_sensitive=np.array([2, 3]))
    above = risk["prosecutor"]["records_above"]
    assert above["0.5"] == 0.0  # risk exactly 0.5 is not above it
    assert above["0.2"] == pytest.approx(0.2)  # the class of 2 (risk 0.5): 2 of 10 records
    assert above["0.1"] == pytest.approx(1.0)  # 1/8 = 0.125 > 0.1 as well
    assert risk["l_achieved"] == 2


def test_empty_release_has_no_risk() -> None:
    risk = risk_metrics(np.array([], dtype=np.int64))
    assert risk["k_achieved"] is None and risk["prosecutor"]["max"] == 0.0


def test_class_size_distribution_buckets() -> None:
    rows = class_size_distribution(np.array([1, 2, 3, 4, 5, 12, 1500]))
    assert rows == [
        {"size": "1", "classes": 1, "records": 1},
        {"size": "2", "classes": 1, "records": 2},
        {"size": "3-4", "classes": 2, "records": 7},
        {"size": "5-9", "classes": 1, "records": 5},
        {"size": "10-19", "classes": 1, "records": 12},
        {"size": "1000+", "classes": 1, "records": 1500},
    ]
