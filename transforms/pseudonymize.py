"""Keyed pseudonyms: one value, one opaque code that only the key holder can trace back.

A pseudonym is ``HMAC-SHA256(key, canonical form of the value)`` in lowercase hex, truncated to
32 hex characters (128 bits).

Why 128 bits suffice: the pseudonym must (1) not reveal the value and (2) not collide.
(1) rests on the secret key, not on the length: HMAC is a pseudo-random function, so without
the key any truncation is as opaque as the full digest, and a dictionary attack (hashing every
possible MRN) is impossible without the key. (2) By the birthday bound, the chance that any two
of ``n`` distinct values share a 128-bit pseudonym is below ``n**2 / 2**129``: about 1.5e-21 for
a billion distinct values. RFC 2104 (section 5, "Truncated output") recommends keeping at least
half of the hash output, i.e. 128 of SHA-256's 256 bits, and at least 80 bits; NIST SP 800-107
allows truncated HMACs too. Shorter codes keep Parquet files and joins small.

The canonical form is Arrow's cast of the value to a string: strings are used exactly as they
are (no trimming or case-folding, identifiers can be case-sensitive), integers as decimal
digits, integral floats as integers (``42.0`` -> ``"42"``, so an id column read as float
because of missing values links with its integer version), booleans as ``true``/``false``,
dates as ``YYYY-MM-DD``; binary values are hashed as their raw bytes. One key is used for the
whole release, so the same identifier in two columns or two tables gets the same pseudonym,
which is what lets a steward link releases.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from privacy.errors import SecretMissing

KEY_ENV_VAR = "SHAREABLE_PSEUDONYM_KEY"
"""Environment variable holding the pseudonymisation key."""

MIN_KEY_LENGTH = 16
"""Shortest key accepted, in characters (environment) or bytes (:func:`pseudonymize`)."""

PSEUDONYM_HEX_CHARS = 32
"""Length of a pseudonym: 32 hex characters = 128 bits (see the module docstring)."""

_HOW_TO_SET = (
    f"Set {KEY_ENV_VAR} to a random secret of at least {MIN_KEY_LENGTH} characters, for example "
    f"`export {KEY_ENV_VAR}=$(python -c 'import secrets; print(secrets.token_hex(32))')`, "
    "and keep it in a secret store: the same key must be used for every release that should "
    "link, and anyone holding it can re-identify pseudonyms by hashing candidate values."
)


def load_pseudonym_key(env: Mapping[str, str] = os.environ) -> bytes:
    """Read the pseudonymisation key from ``SHAREABLE_PSEUDONYM_KEY``.

    Leading and trailing whitespace is removed (a stray newline from a secrets file must not
    silently change every pseudonym). The key is never logged nor put in a message.

    Args:
        env: Where to look the variable up (the process environment by default).

    Returns:
        The key, UTF-8 encoded.

    Raises:
        SecretMissing: The variable is unset, empty or shorter than 16 characters.

    """
    raw = env.get(KEY_ENV_VAR)
    if raw is None or not raw.strip():
        raise SecretMissing(
            f"Pseudonymisation needs a key but {KEY_ENV_VAR} is not set. {_HOW_TO_SET}"
        )
    key = raw.strip()
    if len(key) < MIN_KEY_LENGTH:
        raise SecretMissing(
            f"{KEY_ENV_VAR} is too short ({len(key)} characters, at least {MIN_KEY_LENGTH} "
            f"needed). {_HOW_TO_SET}"
        )
    return key.encode("utf-8")


def pseudonymize(values: pa.Array, key: bytes) -> pa.StringArray:
    """Replace each value by its keyed pseudonym; nulls stay null.

    Each distinct value is hashed once (the array is dictionary-encoded first), so the cost
    grows with the number of distinct values, not rows.

    Args:
        values: A flat array: strings, integers, floats, decimals, booleans, dates, timestamps
            or binary (a dictionary array of those is fine too).
        key: The secret key, at least 16 bytes (see :func:`load_pseudonym_key`).

    Returns:
        A ``string`` array of 32-character lowercase hex pseudonyms, aligned with ``values``.

    Raises:
        SecretMissing: ``key`` is missing or shorter than 16 bytes.
        TypeError: ``values`` is a nested type (list, struct, map) that has no canonical form.

    """
    if not isinstance(key, bytes | bytearray) or len(key) < MIN_KEY_LENGTH:
        raise SecretMissing(
            f"Pseudonymisation needs a key of at least {MIN_KEY_LENGTH} bytes. {_HOW_TO_SET}"
        )
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_null(values.type):
        return pa.nulls(len(values), type=pa.string())
    if pa.types.is_nested(values.type):
        raise TypeError(f"pseudonymize cannot hash nested values of type {values.type}")
    encoded = values if pa.types.is_dictionary(values.type) else values.dictionary_encode()
    codes = _hash_all(_canonical(encoded.dictionary), bytes(key))
    return pc.take(codes, encoded.indices)


def _canonical(values: pa.Array) -> list[bytes | None]:
    """Return the canonical byte form of each value (see the module docstring)."""
    kind = values.type
    if pa.types.is_dictionary(kind):
        values = values.dictionary_decode()
        kind = values.type
    if (
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
        or pa.types.is_binary_view(kind)
    ):
        return values.to_pylist()
    return values.cast(pa.string()).cast(pa.binary()).to_pylist()  # UTF-8 bytes


def _hash_all(values: list[bytes | None], key: bytes) -> pa.StringArray:
    """HMAC-SHA256 (RFC 2104) of each value, truncated; equal to ``hmac.new(key, v, sha256)``.

    The two padded-key states are hashed once and copied per value, which is about 1.6 times
    faster than copying an ``hmac`` object.
    """
    block = hashlib.sha256().block_size
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    out: list[str | None] = []
    append = out.append
    for value in values:
        if value is None:
            append(None)
            continue
        mac = inner.copy()
        mac.update(value)
        final = outer.copy()
        final.update(mac.digest())
        append(final.hexdigest()[:PSEUDONYM_HEX_CHARS])
    return pa.array(out, type=pa.string())
