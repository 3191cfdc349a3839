"""Small Arrow helpers shared by the transforms (private to the package)."""

from __future__ import annotations

import pyarrow as pa


def flat(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous, dictionary-decoded array (what the compute kernels below expect)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    return values


def is_text(kind: pa.DataType) -> bool:
    """Whether ``kind`` is one of Arrow's string types."""
    return (
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    )


def is_numeric(kind: pa.DataType) -> bool:
    """Whether ``kind`` is an integer, floating-point or decimal type."""
    return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
