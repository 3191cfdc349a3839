"""Budget: exact arithmetic (no float drift) and the Requested / Remaining / Difference refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from privacy.budget import Budget, refusal


def test_no_float_drift() -> None:
    assert 0.1 + 0.2 != 0.3  # the problem
    total = sum((Budget.of(0.1) for _ in range(10)), Budget.zero())
    assert total == Budget.of(1.0)
    assert Budget.of(0.1) + Budget.of(0.2) == Budget.of(0.3)
    assert Budget.of(1.0) - Budget.of(0.7) == Budget.of("0.3")


@pytest.mark.parametrize(
    ("a", "b", "fits"),
    [
        (Budget.of(0.5), Budget.of(1), True),
        (Budget.of(1), Budget.of(1), True),
        (Budget.of(1.0000001), Budget.of(1), False),
        (Budget.of(0.5, 1e-7), Budget.of(1), False),  # delta exceeds
        (Budget.of(0.5, 1e-7), Budget.of(1, 1e-6), True),
    ],
)
def test_comparisons(a: Budget, b: Budget, fits: bool) -> None:
    assert a.fits_in(b) is fits and (a <= b) is fits and (b >= a) is fits


def test_partial_order_and_subtraction_refuses_negative() -> None:
    assert Budget.of(0.5) < Budget.of(1) and not Budget.of(1) < Budget.of(1)
    assert Budget.of(2) > Budget.of(1)
    with pytest.raises(ValueError, match="larger budget"):
        Budget.of(1) - Budget.of(2)


@pytest.mark.parametrize("value", [-1, float("nan"), float("inf"), "abc", True, None])
def test_bad_values(value) -> None:
    with pytest.raises(ValueError, match="privacy budget value"):
        Budget.of(value)


def test_text_forms() -> None:
    budget = Budget.of(0.1, 1e-6)
    assert budget.epsilon == Decimal("0.1") and budget.as_dict() == {
        "epsilon": "0.1",
        "delta": "0.000001",
    }
    assert str(budget) == "epsilon=0.1, delta=0.000001"
    assert budget.as_floats() == (0.1, 1e-6) and not budget.is_pure()
    assert Budget.of(3).scaled(Decimal("0.5")) == Budget.of(1.5)


def test_refusal_message() -> None:
    text = refusal(Budget.of(1.0), Budget.of(0.3))
    assert "Requested: epsilon=1, delta=0" in text
    assert "Remaining: epsilon=0.3, delta=0" in text
    assert "Difference: epsilon=-0.7, delta=0" in text
