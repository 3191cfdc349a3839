"""Tests for transforms.pseudonymize: keyed HMAC pseudonyms and the key's loading."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import random
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from faker import Faker

from privacy.errors import SecretMissing
from transforms.pseudonymize import KEY_ENV_VAR, load_pseudonym_key, pseudonymize

KEY = b"unit-test-key-0123456789"
REPO = Path(__file__).resolve().parents[3]


def expected(canonical: str | bytes, key: bytes = KEY) -> str:
    data = canonical.encode() if isinstance(canonical, str) else canonical
    return hmac.new(key, data, hashlib.sha256).hexdigest()[:32]


CANONICAL = [
    # (id, values, canonical form of the first value)
    ("string", pa.array(["MRN-001"]), "MRN-001"),
    ("string kept exactly", pa.array([" mrn-001 "]), " mrn-001 "),
    ("unicode", pa.array(["Núñez"]), "Núñez"),
    ("empty string", pa.array([""]), ""),
    ("int64", pa.array([42]), "42"),
    ("negative int", pa.array([-7], type=pa.int8()), "-7"),
    ("uint64", pa.array([2**64 - 1], type=pa.uint64()), str(2**64 - 1)),
    ("integral float", pa.array([42.0]), "42"),
    ("float", pa.array([1.5]), "1.5"),
    ("decimal", pa.array([decimal.Decimal("12.50")]), "12.50"),
    ("bool", pa.array([True]), "true"),
    ("date", pa.array([dt.date(1950, 3, 7)]), "1950-03-07"),
    ("timestamp", pa.array([dt.datetime(2020, 1, 2, 3, 4, 5)], type=pa.timestamp("s")),
     "2020-01-02 03:04:05"),
    ("binary", pa.array([b"\x00\xff"]), b"\x00\xff"),
    ("large_string", pa.array(["x"], type=pa.large_string()), "x"),
    ("dictionary", pa.array(["x", "y"]).dictionary_encode(), "x"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("values", "canonical"), [c[1:] for c in CANONICAL], ids=[c[0] for c in CANONICAL]
)
def test_pseudonym_is_hmac_of_canonical_form(values: pa.Array, canonical: str | bytes) -> None:
    result = pseudonymize(values, KEY)
    assert result.type == pa.string()
    assert result[0].as_py() == expected(canonical)


def test_pseudonyms_are_32_lowercase_hex() -> None:
    result = pseudonymize(pa.array(["a", "b", "c"]), KEY).to_pylist()
    assert all(len(p) == 32 and set(p) <= set("0123456789abcdef") for p in result)


def test_int_float_and_string_forms_link() -> None:
    ints = pseudonymize(pa.array([12345, None]), KEY)
    floats = pseudonymize(pa.array([12345.0, None]), KEY)
    strings = pseudonymize(pa.array(["12345", None]), KEY)
    assert ints.to_pylist() == floats.to_pylist() == strings.to_pylist()


def test_nulls_stay_null() -> None:
    result = pseudonymize(pa.array(["a", None, "a", None]), KEY).to_pylist()
    assert result[1] is None and result[3] is None
    assert result[0] == result[2] == expected("a")


@pytest.mark.parametrize(
    "values",
    [pa.array([], type=pa.string()), pa.nulls(3), pa.array([None, None], type=pa.int64())],
    ids=["empty", "null type", "all null"],
)
def test_empty_and_all_null(values: pa.Array) -> None:
    result = pseudonymize(values, KEY)
    assert result.type == pa.string()
    assert result.to_pylist() == [None] * len(values)


def test_property_stable_and_distinct_across_batches() -> None:
    fake = Faker("en_US")
    fake.seed_instance(20240601)
    rng = random.Random(7)
    pool = list({fake.unique.bothify("MRN-########") for _ in range(3000)})
    rows = [rng.choice(pool) for _ in range(10_000)]
    whole = pseudonymize(pa.array(rows), KEY).to_pylist()
    # The same rows cut into batches of other sizes and orders give the same pseudonyms.
    batched: list[str] = []
    for start in range(0, len(rows), 777):
        batched.extend(pseudonymize(pa.array(rows[start : start + 777]), KEY).to_pylist())
    assert batched == whole
    by_value = dict(zip(rows, whole, strict=True))
    assert len(by_value) == len(set(rows))  # one pseudonym per value ...
    assert len(set(by_value.values())) == len(by_value)  # ... and no two values share one
    chunked = pseudonymize(pa.chunked_array([rows[:5000], rows[5000:]]), KEY).to_pylist()
    assert chunked == whole


def test_other_key_other_pseudonyms() -> None:
    values = pa.array([f"id-{i}" for i in range(500)])
    mine = pseudonymize(values, KEY).to_pylist()
    theirs = pseudonymize(values, b"another-key-abcdefghij").to_pylist()
    assert not set(mine) & set(theirs)


def test_stable_across_processes() -> None:
    code = (
        "import pyarrow as pa; from transforms.pseudonymize import pseudonymize; "
        f"print(pseudonymize(pa.array(['MRN-001', '42']), {KEY!r}).to_pylist())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str([expected("MRN-001"), expected("42")])


def test_nested_values_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot hash nested values"):
        pseudonymize(pa.array([[1, 2]]), KEY)


@pytest.mark.parametrize("key", [None, b"", b"short-key", "a-str-key-not-bytes!"])
def test_pseudonymize_refuses_missing_or_short_key(key: object) -> None:
    with pytest.raises(SecretMissing, match=f"at least 16 bytes.*{KEY_ENV_VAR}") as info:
        pseudonymize(pa.array(["a"]), key)  # type: ignore[arg-type]
    if key:
        shown = key.decode() if isinstance(key, bytes) else key
        assert shown not in str(info.value)


@pytest.mark.parametrize(
    ("env", "match"),
    [
        ({}, "is not set"),
        ({KEY_ENV_VAR: ""}, "is not set"),
        ({KEY_ENV_VAR: "   \n"}, "is not set"),
        ({KEY_ENV_VAR: "tiny-secret"}, r"is too short \(11 characters, at least 16 needed\)"),
        ({KEY_ENV_VAR: "  fifteen-chars!!  "}, r"is too short \(15 characters"),
    ],
    ids=["unset", "empty", "blank", "short", "short once stripped"],
)
def test_load_key_refuses_missing_or_short(env: dict[str, str], match: str) -> None:
    with pytest.raises(SecretMissing, match=match) as info:
        load_pseudonym_key(env)
    message = str(info.value)
    assert f"export {KEY_ENV_VAR}=" in message  # says how to set it
    if env.get(KEY_ENV_VAR, "").strip():
        assert env[KEY_ENV_VAR].strip() not in message  # never echoes the key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("0123456789abcdef", b"0123456789abcdef"),
        ("  0123456789abcdef\n", b"0123456789abcdef"),
        ("clé-secrète-très-longue", "clé-secrète-très-longue".encode()),
    ],
    ids=["exact", "stripped", "utf-8"],
)
def test_load_key(raw: str, key: bytes) -> None:
    assert load_pseudonym_key({KEY_ENV_VAR: raw}) == key


def test_load_key_reads_the_environment_by_default(pseudonym_key: str) -> None:
    assert load_pseudonym_key() == pseudonym_key.encode()


@pytest.mark.parametrize("length", [16, 63, 64, 65, 200], ids=lambda n: f"{n}-byte key")
def test_matches_the_standard_hmac_for_any_key_length(length: int) -> None:
    key = bytes(range(length))
    values = ["", "a", "MRN-001", "x" * 1000]
    result = pseudonymize(pa.array(values), key).to_pylist()
    assert result == [expected(v, key) for v in values]
