"""Generalising quasi-identifiers and removing suppressed classes, batch by batch."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from privacy.errors import SourceError
from privacy.recoding import Recoding, class_keys
from transforms.generalise import generalise

AGE = Recoding(
    column="age",
    level=1,
    domain=pa.array(["21", "25", "41"]),
    labels=pa.array(["20-29", "20-29", "40-49"]),
)


def batch() -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {
            "age": pa.array([21, 25, 41, None], pa.int64()),
            "born": pa.array([dt.date(2000, 1, 2)] * 4),
            "dx": ["a", "b", "a", "c"],
        }
    )


def test_levels_replace_values_and_level_zero_keeps_type() -> None:
    born = Recoding("born", 0, pa.array(["2000-01-02"]), pa.array(["2000-01-02"]))
    out, removed = generalise(batch(), [AGE, born], pa.array([], pa.string()))
    assert removed == 0
    assert out.column("age").to_pylist() == ["20-29", "20-29", "40-49", None]
    assert out.column("born").type == pa.date32()
    assert out.column("dx").to_pylist() == ["a", "b", "a", "c"]


def test_suppressed_classes_are_removed_and_counted() -> None:
    keys = class_keys([pa.array(["40-49", None])])
    out, removed = generalise(batch(), [AGE], keys)
    assert removed == 2  # the 40-49 record and the one with a missing age
    assert out.num_rows == 2 and out.column("dx").to_pylist() == ["a", "b"]


def test_schema_is_applied() -> None:
    schema = pa.schema([("age", pa.string()), ("born", pa.date32()), ("dx", pa.large_string())])
    out, _ = generalise(batch(), [AGE], pa.array([], pa.string()), schema)
    assert out.schema == schema


def test_class_keys_tell_null_from_text() -> None:
    keys = class_keys([pa.array(["a", None, "a"]), pa.array([None, "a", "b"])]).to_pylist()
    assert len(set(keys)) == 3


def test_value_outside_the_counted_domain_is_an_error_without_the_value() -> None:
    odd = pa.RecordBatch.from_pydict({"age": pa.array([77]), "born": pa.array([None]), "dx": ["a"]})
    with pytest.raises(SourceError, match=r"'age': 1 value\(s\) were not present") as caught:
        generalise(odd, [AGE], pa.array([], pa.string()))
    assert "77" not in str(caught.value)
