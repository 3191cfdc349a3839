"""The one table of which action suits which column type, for planning and applying alike.

``privacy.planner`` refuses a steward's action that does not fit a column's type (from the
type detection saw, :func:`kind_of_dtype`); ``transforms.apply.output_schema`` checks the same
table against the source's Arrow schema (:func:`kind_of`) before any batch is transformed.
``keep`` and ``drop`` suit every column.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

KINDS: dict[str, Callable[[pa.DataType], bool]] = {
    "string": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t)
    or pa.types.is_string_view(t),
    "integer": pa.types.is_integer,
    "floating-point": pa.types.is_floating,
    "decimal": pa.types.is_decimal,
    "boolean": pa.types.is_boolean,
    "date": pa.types.is_date,
    "timestamp": pa.types.is_timestamp,
    "binary": lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t)
    or pa.types.is_fixed_size_binary(t) or pa.types.is_binary_view(t),
}  # fmt: skip
"""Kinds of column, as named in error messages, each with its test on an Arrow type."""

ACCEPTS: dict[str, tuple[str, ...]] = {
    "redact": ("string",),
    "pseudonymize": tuple(KINDS),
    "year": ("date", "timestamp", "string", "integer"),  # YYYYMMDD integers too
    "zip3": ("string", "integer"),
    "top_code": ("integer", "floating-point", "decimal"),
    "generalize (bins)": ("integer", "floating-point", "decimal"),
    "generalize (mapping)": ("string", "integer"),
    "generalize (hierarchy)": tuple(KINDS),
}
"""The kinds of column each action (with its form of parameters) can transform."""

_DTYPE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("large_string", "string"), ("string", "string"), ("large_utf8", "string"),
    ("utf8", "string"), ("uint", "integer"), ("int", "integer"), ("halffloat", "floating-point"),
    ("float", "floating-point"), ("double", "floating-point"), ("decimal", "decimal"),
    ("bool", "boolean"), ("date", "date"), ("timestamp", "timestamp"),
    ("large_binary", "binary"), ("binary", "binary"), ("fixed_size_binary", "binary"),
)  # fmt: skip


def action_key(
    action: str, bins: object = None, mapping: object = None, level: object = None
) -> str:
    """The row of :data:`ACCEPTS` of an action with its parameters (``generalize (bins)`` ...)."""
    if action != "generalize":
        return action
    if bins is not None:
        return "generalize (bins)"
    if level is not None:
        return "generalize (hierarchy)"
    return "generalize (mapping)"


def kind_of(arrow_type: pa.DataType) -> str:
    """The kind of an Arrow type (a dictionary's values decide); else the type's own name."""
    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    for name, test in KINDS.items():
        if test(arrow_type):
            return name
    return str(arrow_type)


def kind_of_dtype(dtype: str) -> str:
    """The kind of a type written as text (``str(pa.DataType)``, as detection reports it)."""
    if dtype.startswith("dictionary<values="):
        dtype = dtype.removeprefix("dictionary<values=")
    for prefix, kind in _DTYPE_PREFIXES:
        if dtype.startswith(prefix):
            return kind
    return dtype


def accepts(key: str, kind: str) -> bool:
    """Whether the action row ``key`` (see :func:`action_key`) can transform a ``kind`` column."""
    return key in ("keep", "drop") or kind in ACCEPTS.get(key, ())


DESCRIPTION: dict[str, str] = {
    "redact": "text (string) columns",
    "pseudonymize": "columns of a plain (not nested) type",
    "year": "date, timestamp, text or integer (YYYYMMDD) columns",
    "zip3": "text or integer columns",
    "top_code": "numeric columns",
    "generalize (bins)": "numeric columns",
    "generalize (mapping)": "text or integer columns",
    "generalize (hierarchy)": "columns of a plain (not nested) type",
}
"""Each row of :data:`ACCEPTS` in a steward's words, for messages."""
