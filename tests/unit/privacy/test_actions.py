"""The one table of action-by-type: the planner (type names) and apply (Arrow types) agree."""

from __future__ import annotations

import pyarrow as pa
import pytest

from privacy import actions

TYPES = [
    pa.string(), pa.large_string(), pa.int8(), pa.int64(), pa.uint32(), pa.float16(),
    pa.float32(), pa.float64(), pa.decimal128(10, 2), pa.bool_(), pa.date32(),
    pa.timestamp("us"), pa.timestamp("ns", tz="UTC"), pa.binary(), pa.large_binary(),
    pa.dictionary(pa.int32(), pa.string()), pa.list_(pa.int64()),
]  # fmt: skip


@pytest.mark.parametrize("arrow_type", TYPES, ids=str)
def test_type_names_and_arrow_types_have_the_same_kind(arrow_type: pa.DataType) -> None:
    assert actions.kind_of_dtype(str(arrow_type)) == actions.kind_of(arrow_type)


@pytest.mark.parametrize(
    ("action", "params", "arrow_type", "ok"),
    [
        ("redact", {}, pa.string(), True),
        ("redact", {}, pa.float64(), False),
        ("year", {}, pa.timestamp("us"), True),
        ("year", {}, pa.int64(), True),  # YYYYMMDD integer dates (issue 15)
        ("year", {}, pa.float64(), False),
        ("zip3", {}, pa.int64(), True),
        ("zip3", {}, pa.float64(), False),
        ("top_code", {}, pa.decimal128(10, 2), True),
        ("top_code", {}, pa.string(), False),
        ("generalize", {"bins": (0, 1)}, pa.int64(), True),
        ("generalize", {"bins": (0, 1)}, pa.string(), False),
        ("generalize", {"mapping": {"a": "b"}}, pa.string(), True),
        ("generalize", {"mapping": {"a": "b"}}, pa.float64(), False),
        ("generalize", {"level": 1}, pa.date32(), True),
        ("pseudonymize", {}, pa.list_(pa.int64()), False),
        ("keep", {}, pa.list_(pa.int64()), True),
        ("drop", {}, pa.list_(pa.int64()), True),
    ],
)
def test_which_action_suits_which_type(action, params, arrow_type, ok) -> None:
    key = actions.action_key(action, **params)
    assert actions.accepts(key, actions.kind_of(arrow_type)) == ok
    if key not in ("keep", "drop"):
        assert actions.DESCRIPTION[key]
