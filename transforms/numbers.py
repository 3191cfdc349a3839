"""Coarsening of values: top-coding large numbers, and generalising to bins or categories.

Neither is required by Safe Harbor as such; they are the tools a steward uses to keep more
detail elsewhere (k-anonymity) or to hide outliers (a very large household, a very high
income) that would single a person out.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms._arrow import flat, is_numeric, is_text

OTHER = "other"
"""Default category for values that a generalisation mapping does not list."""


def top_code(values: pa.Array, max_value: float) -> pa.Array:
    """Replace values above ``max_value`` by ``max_value``, keeping the array's type.

    For an integer array the cap is ``floor(max_value)`` (an integer above 89.5 is at least 90,
    and becomes 89); for a decimal array it is ``max_value`` rounded down to the type's scale.
    Nulls stay null and NaN stays NaN (it is not above anything).

    Args:
        values: An integer, floating-point or decimal array (or a dictionary array of those).
        max_value: Largest value kept.

    Returns:
        An array of the same type and length as ``values``.

    Raises:
        TypeError: ``values`` is not numeric (a column of numbers held as text must be cast
            when it is read; top-coding text would compare it alphabetically).
        ValueError: ``max_value`` is NaN, or lies below the smallest value the type can hold.

    """
    values = flat(values)
    kind = values.type
    if math.isnan(max_value):
        raise ValueError("top_code: max_value must be a number, got NaN")
    if pa.types.is_null(kind):
        return values
    if not is_numeric(kind):
        raise TypeError(f"top_code needs a numeric array, got {kind}")
    cap = _cap_scalar(kind, max_value)
    if cap is None:  # the type cannot hold anything above max_value
        return values
    return pc.if_else(pc.greater(values, cap), cap, values)


def generalize(
    values: pa.Array,
    *,
    bins: Sequence[float] | None = None,
    mapping: Mapping[str, str] | None = None,
    other: str = OTHER,
) -> pa.StringArray:
    """Replace each value by a coarser label: its numeric bin, or its mapped category.

    With ``bins`` (edges ``e0 < e1 < ... < ek``), a number ``x`` gets the label of the bin
    holding it: ``"[e0, e1)"``, ``"[e1, e2)"`` ..., the last bin closed: ``"[e(k-1), ek]"``.
    Edges print as integers when they are whole (``"[0, 18)"``), else as Python floats
    (``"[0.5, 1.5)"``, ``"inf"``). Values outside ``[e0, ek]`` and NaN become null
    (``dates.unparsed_count`` counts them): widen the edges, or use ``-inf``/``inf``, to keep
    them.

    With ``mapping`` (category -> more general category), each value's string form is looked
    up exactly (case and spaces count). A value the mapping does not list becomes ``other``:
    letting it through would leave exactly the rare categories generalisation is meant to
    hide, and null would make it look missing.

    Args:
        values: Numbers (bins), or strings or integers (mapping); dictionary arrays too.
        bins: Bin edges, strictly ascending, at least two.
        mapping: Category -> general category.
        other: Label for values absent from ``mapping``.

    Returns:
        A ``string`` array aligned with ``values``; nulls stay null.

    Raises:
        ValueError: Not exactly one of ``bins`` and ``mapping`` is given, or ``bins`` has fewer
            than two edges, is not strictly ascending or holds NaN.
        TypeError: ``values`` does not fit the method (bins need numbers; mapping needs
            strings or integers).

    """
    if (bins is None) == (mapping is None):
        raise ValueError("generalize needs exactly one of bins, mapping")
    values = flat(values)
    if pa.types.is_null(values.type):
        return pa.nulls(len(values), type=pa.string())
    if bins is not None:
        return _to_bins(values, [float(edge) for edge in bins])
    assert mapping is not None
    return _to_categories(values, mapping, other)


def bin_labels(bins: Sequence[float]) -> list[str]:
    """Return the labels :func:`generalize` gives to the bins ``bins`` delimit.

    Args:
        bins: Bin edges, strictly ascending, at least two.

    Returns:
        One label per bin, e.g. ``["[0, 18)", "[18, 65)", "[65, 120]"]``.

    Raises:
        ValueError: Fewer than two edges, not strictly ascending, or NaN.

    """
    edges = [float(edge) for edge in bins]
    if len(edges) < 2:
        raise ValueError(f"generalize needs at least two bin edges, got {len(edges)}")
    if any(math.isnan(edge) for edge in edges) or any(
        a >= b for a, b in zip(edges, edges[1:], strict=False)
    ):
        raise ValueError("generalize: bin edges must be strictly ascending numbers")
    names = [_edge_name(edge) for edge in edges]
    labels = [f"[{a}, {b})" for a, b in zip(names[:-2], names[1:-1], strict=True)]
    labels.append(f"[{names[-2]}, {names[-1]}]")
    return labels


def _cap_scalar(kind: pa.DataType, max_value: float) -> pa.Scalar | None:
    """Return ``max_value`` as a ``kind`` scalar; None if no ``kind`` value can exceed it."""
    if pa.types.is_floating(kind):
        return pa.scalar(max_value, type=kind)
    if pa.types.is_integer(kind):
        info = np.iinfo(kind.to_pandas_dtype())
        if max_value >= info.max:
            return None
        if max_value < info.min:
            raise ValueError(f"top_code: max_value {max_value} is below the smallest {kind}")
        return pa.scalar(math.floor(max_value), type=kind)
    if math.isinf(max_value):
        if max_value > 0:
            return None
        raise ValueError(f"top_code: max_value {max_value} is below the smallest {kind}")
    with decimal.localcontext(prec=100):
        wanted = decimal.Decimal(repr(max_value))
        largest = decimal.Decimal(10**kind.precision - 1).scaleb(-kind.scale)
        if wanted >= largest:
            return None
        if wanted < -largest:
            raise ValueError(f"top_code: max_value {max_value} is below the smallest {kind}")
        step = decimal.Decimal(1).scaleb(-kind.scale)
        cap = wanted.quantize(step, rounding=decimal.ROUND_FLOOR)
        return pa.scalar(cap, type=kind)


def _edge_name(edge: float) -> str:
    if math.isfinite(edge) and edge == int(edge):
        return str(int(edge))
    return repr(edge)


def _to_bins(values: pa.Array, edges: list[float]) -> pa.StringArray:
    labels = pa.array(bin_labels(edges), type=pa.string())
    if not is_numeric(values.type):
        raise TypeError(f"generalize with bins needs a numeric array, got {values.type}")
    numbers = pc.cast(values, pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    valid = pc.is_valid(values).to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        inside = valid & (numbers >= edges[0]) & (numbers <= edges[-1])
    index = np.searchsorted(np.asarray(edges), numbers, side="right") - 1
    index = np.clip(index, 0, len(edges) - 2)  # x == ek falls in the last (closed) bin
    return pc.take(labels, pa.array(index, type=pa.int64(), mask=~inside))


def _to_categories(values: pa.Array, mapping: Mapping[str, str], other: str) -> pa.StringArray:
    kind = values.type
    if not (is_text(kind) or pa.types.is_integer(kind)):
        raise TypeError(f"generalize with a mapping needs strings or integers, got {kind}")
    text = values.cast(pa.string())
    keys = pa.array(list(mapping.keys()), type=pa.string())
    targets = pa.array(list(mapping.values()), type=pa.string())
    index = pc.index_in(text, value_set=keys)
    mapped = pc.take(targets, index)
    unlisted = pc.and_(pc.is_valid(text), pc.is_null(index))
    return pc.if_else(unlisted, pa.scalar(other, type=pa.string()), mapped)
