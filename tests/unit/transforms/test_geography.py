"""Tests for transforms.geography: ZIP codes to ZIP3, small areas to 000."""

from __future__ import annotations

import pyarrow as pa
import pytest
from faker import Faker

from privacy.plan import RESTRICTED_ZIP3
from transforms.dates import unparsed_count
from transforms.geography import zip3

TEXT_CASES = [
    # (text, ZIP3 or None)
    ("02138", "021"),
    ("02138-1234", "021"),
    ("021381234", "021"),
    ("  02138 ", "021"),
    (" 2138", "021"),  # leading zero lost through a number
    ("2138-1234", "021"),
    ("90210", "902"),
    ("021", "021"),  # already a ZIP3
    ("03601", "000"),  # restricted prefix 036
    ("036", "000"),
    ("82301-0001", "000"),
    ("00501", "005"),
    # negatives: invalid
    ("12", None),
    ("2138x", None),
    ("02138-12", None),
    ("21381234", None),  # 8 digits: which digit was lost is unknown
    ("0213812345", None),
    ("MA 02138", None),
    ("-2138", None),
    ("02 138", None),
    ("٠٢١٣٨", None),  # non-ASCII digits
]


@pytest.mark.parametrize(("text", "expected"), TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_zip3_from_text(text: str, expected: str | None) -> None:
    values = pa.array([text])
    result = zip3(values, RESTRICTED_ZIP3)
    assert result.type == pa.string()
    assert result.to_pylist() == [expected]
    assert unparsed_count(values, result) == (1 if expected is None else 0)


INT_CASES = [
    (2138, "021"),
    (90210, "902"),
    (501, "005"),
    (0, "000"),
    (99999, "999"),
    (3601, "000"),
    (21381234, "021"),  # ZIP+4 as a number
    (902101234, "902"),
    (-2138, None),
    (1_000_000_000, None),
]


@pytest.mark.parametrize(("number", "expected"), INT_CASES, ids=[str(c[0]) for c in INT_CASES])
@pytest.mark.parametrize("kind", [pa.int32(), pa.int64()], ids=str)
def test_zip3_from_integers(number: int, expected: str | None, kind: pa.DataType) -> None:
    values = pa.array([number], type=kind)
    assert zip3(values, RESTRICTED_ZIP3).to_pylist() == [expected]


def test_unsigned_integers() -> None:
    values = pa.array([2138, 2**64 - 1], type=pa.uint64())
    assert zip3(values, RESTRICTED_ZIP3).to_pylist() == ["021", None]
    assert zip3(pa.array([21], type=pa.uint8()), []).to_pylist() == ["000"]


def test_nulls_blanks_and_counts() -> None:
    values = pa.array(["02138", None, "", "  ", "bad", "03601"])
    result = zip3(values, RESTRICTED_ZIP3)
    assert result.to_pylist() == ["021", None, None, None, None, "000"]
    assert unparsed_count(values, result) == 1


def test_restricted_list_is_a_parameter() -> None:
    values = pa.array(["02138", "03601"])
    assert zip3(values, []).to_pylist() == ["021", "036"]
    assert zip3(values, ("021",)).to_pylist() == ["000", "036"]
    assert zip3(values, iter(["036"])).to_pylist() == ["021", "000"]


@pytest.mark.parametrize(
    "values",
    [pa.array([], type=pa.string()), pa.array([], type=pa.int64()), pa.nulls(2)],
    ids=["empty string", "empty int", "null type"],
)
def test_empty_and_all_null(values: pa.Array) -> None:
    result = zip3(values, RESTRICTED_ZIP3)
    assert result.type == pa.string()
    assert result.to_pylist() == [None] * len(values)


@pytest.mark.parametrize(
    "values",
    [
        pa.array(["02138"], type=pa.large_string()),
        pa.array(["02138"]).dictionary_encode(),
        pa.chunked_array([["02138"]]),
    ],
    ids=["large_string", "dictionary", "chunked"],
)
def test_string_flavours(values: pa.Array) -> None:
    assert zip3(values, RESTRICTED_ZIP3).to_pylist() == ["021"]


def test_property_zip5_zip9_and_int_agree_and_zip3_is_idempotent() -> None:
    fake = Faker("en_US")
    fake.seed_instance(3)
    codes = [fake.zipcode() for _ in range(2000)] + [fake.zipcode_plus4() for _ in range(500)]
    codes += ["00501", "03601", "05901", "10201"]
    text = zip3(pa.array(codes), RESTRICTED_ZIP3)
    numbers = zip3(pa.array([int(c.replace("-", "")) for c in codes]), RESTRICTED_ZIP3)
    assert text.to_pylist() == numbers.to_pylist()
    assert zip3(text, RESTRICTED_ZIP3).to_pylist() == text.to_pylist()
    for code, prefix in zip(codes, text.to_pylist(), strict=True):
        assert prefix == ("000" if code[:3] in RESTRICTED_ZIP3 else code[:3])


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="zip3 needs string or integer ZIP codes, got double"):
        zip3(pa.array([2138.0]), RESTRICTED_ZIP3)


@pytest.mark.parametrize("bad", ["36", "0360", "abc", 36], ids=str)
def test_bad_restricted_prefixes(bad: object) -> None:
    with pytest.raises(ValueError, match="restricted ZIP3 prefixes must be 3 digits"):
        zip3(pa.array(["02138"]), ["021", bad])  # type: ignore[list-item]
