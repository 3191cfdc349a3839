"""Tests for transforms.numbers: top-coding and generalisation."""

from __future__ import annotations

import decimal
import math

import pyarrow as pa
import pytest

from transforms.dates import unparsed_count
from transforms.numbers import OTHER, bin_labels, generalize, top_code

NAN = float("nan")

TOP_CASES = [
    # (id, values, max_value, expected)
    ("int64", pa.array([1, 89, 90, 120, None]), 89, [1, 89, 89, 89, None]),
    ("int8", pa.array([-5, 100], type=pa.int8()), 89, [-5, 89]),
    ("uint16", pa.array([5, 9000], type=pa.uint16()), 89, [5, 89]),
    ("int, fractional cap floors", pa.array([89, 90]), 89.5, [89, 89]),
    ("int, negative cap", pa.array([-10, 0, 5]), -0.5, [-10, -1, -1]),
    ("int, cap above the type", pa.array([100], type=pa.int8()), 1000, [100]),
    ("int, infinite cap", pa.array([10**18]), math.inf, [10**18]),
    ("float64", pa.array([1.5, 89.5, 90.0, None]), 89.5, [1.5, 89.5, 89.5, None]),
    ("float32", pa.array([1.5, 200.0], type=pa.float32()), 100, [1.5, 100.0]),
    ("float -inf stays", pa.array([-math.inf, math.inf]), 10, [-math.inf, 10.0]),
    ("decimal", pa.array([decimal.Decimal("1.25"), decimal.Decimal("150.00"), None]), 99.999,
     [decimal.Decimal("1.25"), decimal.Decimal("99.99"), None]),
    ("decimal, cap above the type", pa.array([decimal.Decimal("1.5")], type=pa.decimal128(3, 1)),
     1e6, [decimal.Decimal("1.5")]),
    ("empty", pa.array([], type=pa.int32()), 5, []),
    ("null type", pa.nulls(2), 5, [None, None]),
    ("dictionary", pa.array([1, 200, 1]).dictionary_encode(), 100, [1, 100, 1]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("values", "cap", "expected"), [c[1:] for c in TOP_CASES], ids=[c[0] for c in TOP_CASES]
)
def test_top_code(values: pa.Array, cap: float, expected: list) -> None:
    result = top_code(values, cap)
    value_type = values.type.value_type if pa.types.is_dictionary(values.type) else values.type
    assert result.type == value_type
    assert result.to_pylist() == expected


def test_top_code_keeps_nan() -> None:
    result = top_code(pa.array([NAN, 500.0, None]), 100).to_pylist()
    assert math.isnan(result[0]) and result[1:] == [100.0, None]


@pytest.mark.parametrize(
    "values", [pa.array(["5", "100"]), pa.array([True]), pa.array([b"1"])], ids=str
)
def test_top_code_refuses_non_numbers(values: pa.Array) -> None:
    with pytest.raises(TypeError, match="top_code needs a numeric array, got"):
        top_code(values, 10)


def test_top_code_refuses_bad_caps() -> None:
    with pytest.raises(ValueError, match="max_value must be a number, got NaN"):
        top_code(pa.array([1]), NAN)
    with pytest.raises(ValueError, match="below the smallest uint8"):
        top_code(pa.array([1], type=pa.uint8()), -1)


BIN_CASES = [
    # (value, label)
    (-0.1, None),
    (0, "[0, 18)"),
    (17.999, "[0, 18)"),
    (18, "[18, 65)"),
    (64, "[18, 65)"),
    (65, "[65, 120]"),
    (120, "[65, 120]"),  # last bin closed
    (120.5, None),
    (None, None),
    (NAN, None),
]


@pytest.mark.parametrize(("value", "label"), BIN_CASES, ids=[str(c[0]) for c in BIN_CASES])
def test_generalize_bins(value: float | None, label: str | None) -> None:
    values = pa.array([value], type=pa.float64())
    result = generalize(values, bins=(0, 18, 65, 120))
    assert result.type == pa.string()
    assert result.to_pylist() == [label]
    present = value is not None
    assert unparsed_count(values, result) == (1 if present and label is None else 0)


@pytest.mark.parametrize(
    "values",
    [
        pa.array([5, 18, 70, None], type=pa.int16()),
        pa.array([5, 18, 70, None], type=pa.uint64()),
        pa.array([decimal.Decimal("5.0"), decimal.Decimal("18.0"), decimal.Decimal("70"), None]),
        pa.array([5, 18, 70, None]).dictionary_encode(),
    ],
    ids=["int16", "uint64", "decimal", "dictionary"],
)
def test_generalize_bins_numeric_types(values: pa.Array) -> None:
    result = generalize(values, bins=[0, 18, 65, 120])
    assert result.to_pylist() == ["[0, 18)", "[18, 65)", "[65, 120]", None]


@pytest.mark.parametrize(
    ("bins", "labels"),
    [
        ([0, 18], ["[0, 18]"]),
        ([0, 0.5, 1.5], ["[0, 0.5)", "[0.5, 1.5]"]),
        ([-math.inf, 0, math.inf], ["[-inf, 0)", "[0, inf]"]),
        ((18.0, 65.0), ["[18, 65]"]),
    ],
)
def test_bin_labels(bins: list[float], labels: list[str]) -> None:
    assert bin_labels(bins) == labels


def test_infinite_edges_keep_everything() -> None:
    values = pa.array([-1e300, 0.0, 1e300])
    result = generalize(values, bins=[-math.inf, 0, math.inf]).to_pylist()
    assert result == ["[-inf, 0)", "[0, inf]", "[0, inf]"]


@pytest.mark.parametrize(
    ("bins", "match"),
    [
        ([0], "at least two bin edges, got 1"),
        ([], "at least two bin edges, got 0"),
        ([0, 18, 18], "strictly ascending"),
        ([65, 18], "strictly ascending"),
        ([0, NAN], "strictly ascending"),
    ],
)
def test_bad_bins(bins: list[float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        generalize(pa.array([1.0]), bins=bins)


MAPPING = {"Hispanic": "Hispanic", "Puerto Rican": "Hispanic", "Cuban": "Hispanic"}


def test_generalize_mapping() -> None:
    values = pa.array(["Cuban", None, "Puerto Rican", "Aleut", "cuban", ""])
    result = generalize(values, mapping=MAPPING)
    assert result.type == pa.string()
    assert result.to_pylist() == ["Hispanic", None, "Hispanic", OTHER, OTHER, OTHER]


def test_generalize_mapping_other_label_and_integers() -> None:
    values = pa.array([1, 2, 3, None])
    result = generalize(values, mapping={"1": "low", "2": "low"}, other="high")
    assert result.to_pylist() == ["low", "low", "high", None]


@pytest.mark.parametrize(
    "values",
    [pa.array([], type=pa.string()), pa.nulls(2), pa.array([None], type=pa.string())],
    ids=["empty", "null type", "all null"],
)
def test_generalize_mapping_empty_and_null(values: pa.Array) -> None:
    assert generalize(values, mapping=MAPPING).to_pylist() == [None] * len(values)


def test_generalize_needs_exactly_one_method() -> None:
    with pytest.raises(ValueError, match="exactly one of bins, mapping"):
        generalize(pa.array([1]))
    with pytest.raises(ValueError, match="exactly one of bins, mapping"):
        generalize(pa.array([1]), bins=[0, 1], mapping={"1": "a"})


def test_generalize_refuses_unfit_types() -> None:
    with pytest.raises(TypeError, match="bins needs a numeric array, got string"):
        generalize(pa.array(["5"]), bins=[0, 10])
    with pytest.raises(TypeError, match="mapping needs strings or integers, got double"):
        generalize(pa.array([5.0]), mapping={"5": "a"})
