"""The privacy budget as a value type: (epsilon, delta) with exact decimal arithmetic.

Budgets are added up over months of releases; float sums drift (0.1 + 0.2 != 0.3) and a
ledger must never refuse or allow a release because of rounding. :class:`Budget` holds
:class:`~decimal.Decimal` values built from the *shortest* decimal text of a float (``0.1`` is
exactly one tenth), so ``+``, ``-`` and comparisons are exact. :func:`refusal` words the
refusal of a release as Requested / Remaining / Difference; :func:`share_text` writes a query's
share of a release (``1/3`` rather than ``0.3333333333333333333333333333``).
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

_CONTEXT = decimal.Context(prec=60, traps=[decimal.InvalidOperation, decimal.Overflow])


def to_decimal(value: Any) -> Decimal:
    """Convert a number (or its text) to an exact Decimal; floats use their shortest repr.

    Raises:
        ValueError: The value is not a finite, non-negative number.

    """
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool):
        raise ValueError("a privacy budget value must be a number, not a boolean")
    elif isinstance(value, int | float | str):
        try:
            number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except decimal.InvalidOperation:
            raise ValueError("a privacy budget value must be a decimal number") from None
    else:
        raise ValueError(f"a privacy budget value must be a number, not {type(value).__name__}")
    if not number.is_finite() or number < 0:
        raise ValueError("a privacy budget value must be finite and not negative")
    return number


@dataclass(frozen=True, order=False)
class Budget:
    """A privacy loss (epsilon, delta); exact arithmetic, never negative."""

    epsilon: Decimal
    delta: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "epsilon", to_decimal(self.epsilon))
        object.__setattr__(self, "delta", to_decimal(self.delta))

    @classmethod
    def of(cls, epsilon: Any, delta: Any = 0) -> Budget:
        """Build a budget from numbers or decimal text (``Budget.of(1.0, 1e-6)``)."""
        return cls(to_decimal(epsilon), to_decimal(delta))

    @classmethod
    def zero(cls) -> Budget:
        """The empty budget (nothing spent)."""
        return cls(Decimal(0), Decimal(0))

    def __add__(self, other: Budget) -> Budget:
        return Budget(
            _CONTEXT.add(self.epsilon, other.epsilon), _CONTEXT.add(self.delta, other.delta)
        )

    def __sub__(self, other: Budget) -> Budget:
        """Subtract; a component that would go below zero is an error (see :meth:`difference`).

        Raises:
            ValueError: ``other`` exceeds ``self`` in epsilon or delta.

        """
        if not other.fits_in(self):
            raise ValueError("cannot subtract a larger budget; compare with fits_in() first")
        return Budget(
            _CONTEXT.subtract(self.epsilon, other.epsilon),
            _CONTEXT.subtract(self.delta, other.delta),
        )

    def scaled(self, share: Decimal) -> Budget:
        """This budget times ``share`` (a fraction of 1), e.g. one query's part of a release."""
        return Budget(_CONTEXT.multiply(self.epsilon, share), _CONTEXT.multiply(self.delta, share))

    def fits_in(self, other: Budget) -> bool:
        """Whether this budget is at most ``other`` in both epsilon and delta."""
        return self.epsilon <= other.epsilon and self.delta <= other.delta

    def __le__(self, other: Budget) -> bool:
        return self.fits_in(other)

    def __lt__(self, other: Budget) -> bool:
        return self.fits_in(other) and self != other

    def __ge__(self, other: Budget) -> bool:
        return other.fits_in(self)

    def __gt__(self, other: Budget) -> bool:
        return other.fits_in(self) and self != other

    def difference(self, other: Budget) -> tuple[Decimal, Decimal]:
        """Signed (epsilon, delta) of ``self - other``, which may be negative."""
        return (
            _CONTEXT.subtract(self.epsilon, other.epsilon),
            _CONTEXT.subtract(self.delta, other.delta),
        )

    def is_pure(self) -> bool:
        """Whether delta is zero (pure epsilon-DP)."""
        return self.delta == 0

    def as_floats(self) -> tuple[float, float]:
        """(epsilon, delta) as floats, for OpenDP (which takes floats)."""
        return float(self.epsilon), float(self.delta)

    def as_dict(self) -> dict[str, str]:
        """Exact text form, for manifests and the ledger (``{"epsilon": "0.5", ...}``)."""
        return {"epsilon": _text(self.epsilon), "delta": _text(self.delta)}

    def __str__(self) -> str:
        return f"epsilon={_text(self.epsilon)}, delta={_text(self.delta)}"


def refusal(requested: Budget, remaining: Budget) -> str:
    """The Requested / Remaining / Difference lines of a refused release."""
    eps, delta = remaining.difference(requested)
    return (
        f"Requested: {requested}\n"
        f"Remaining: {remaining}\n"
        f"Difference: epsilon={_text(eps)}, delta={_text(delta)} "
        "(negative: that much more than is left)"
    )


def share_text(value: Fraction) -> str:
    """A budget share for people: exact when short (``0.25``, ``1/3``), else 4 digits.

    A share with a terminating decimal form of at most 12 significant digits is written in
    decimal; a fraction with numerator and denominator up to a million as ``p/q``; anything else
    rounded to 4 significant digits (``3.333e-08``). Display only: the ledger charges the
    release's exact budget, never these texts.
    """
    denominator = value.denominator
    for factor in (2, 5):
        while denominator % factor == 0:
            denominator //= factor
    if denominator == 1:
        exact = _CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
        if len(exact.normalize().as_tuple().digits) <= 12:
            return _text(exact)
    if value.numerator <= 10**6 and value.denominator <= 10**6:
        return f"{value.numerator}/{value.denominator}"
    return f"{float(value):.4g}"


def parse_share(text: str) -> float:
    """The number a :func:`share_text` text stands for (``"1/3"`` -> 0.333...).

    Raises:
        ValueError: ``text`` is neither a decimal number nor a fraction ``p/q``.

    """
    return float(Fraction(text.strip()))


def _text(value: Decimal) -> str:
    """Plain decimal text without exponent noise (``1E-6`` stays readable as ``0.000001``)."""
    text = format(value.normalize(), "f")
    return text if text not in ("-0", "") else "0"
