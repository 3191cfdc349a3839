"""ZIP codes reduced to their first three digits (ZIP3).

Safe Harbor (45 CFR 164.514(b)(2)(i)(B)) allows "the initial three digits of a ZIP code if ...
the geographic unit formed by combining all ZIP codes with the same three initial digits
contains more than 20,000 people"; the prefixes of smaller units must be changed to ``000``.
The list of those prefixes is a parameter (the plan's ``restricted_zip3``), not a constant
here, so that it can follow newer Census figures.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from transforms._arrow import flat

RESTRICTED_REPLACEMENT = "000"
"""What a restricted ZIP3 prefix becomes."""

_ZIP5 = r"^\d{5}(?:-?\d{4})?$"  # 02138, 02138-1234, 021381234
_ZIP4 = r"^\d{4}(?:-\d{4})?$"  # 2138, 2138-1234: a ZIP that lost its leading zero
_ZIP3 = r"^\d{3}$"  # already a ZIP3 (so that zip3 is idempotent)


def zip3(values: pa.Array, restricted: Iterable[str]) -> pa.StringArray:
    """Keep the first three digits of each ZIP code; restricted prefixes become ``"000"``.

    Accepted strings (surrounding whitespace ignored): ``"02138"``, ``"02138-1234"``,
    ``"021381234"``, ``"2138"`` and ``"2138-1234"`` (a ZIP whose leading zero was lost when it
    went through a number; read as ``02138``), and a 3-digit ``"021"`` (taken as a ZIP3
    already, so applying ``zip3`` twice changes nothing). Accepted integers: 0 to 99999, read as
    a 5-digit ZIP zero-padded on the left (``2138`` -> ``02138`` -> ``"021"``), and 100000 to
    999999999, read as a 9-digit ZIP+4 zero-padded on the left.

    Args:
        values: A string or integer array (or a dictionary array of those).
        restricted: ZIP3 prefixes whose population is 20,000 or less.

    Returns:
        A ``string`` array of 3-digit prefixes aligned with ``values``. Nulls and blank strings
        give null; so does any other value (``"2138x"``, ``"12"``, ``"21381234"``, a negative
        number ...), and ``dates.unparsed_count`` counts those.

    Raises:
        ValueError: An entry of ``restricted`` is not three ASCII digits.
        TypeError: ``values`` is neither a string nor an integer array (floats are refused:
            a ZIP code is not a quantity, and a float column of ZIPs has usually lost data).

    """
    blocked = _restricted(restricted)
    values = flat(values)
    kind = values.type
    if pa.types.is_null(kind):
        return pa.nulls(len(values), type=pa.string())
    if pa.types.is_integer(kind):
        prefixes = _from_integers(values)
    elif (
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    ):
        prefixes = _from_strings(values.cast(pa.string()))
    else:
        raise TypeError(f"zip3 needs string or integer ZIP codes, got {kind}")
    if len(blocked) == 0:
        return prefixes
    is_blocked = pc.is_in(prefixes, value_set=blocked)
    return pc.if_else(is_blocked, pa.scalar(RESTRICTED_REPLACEMENT), prefixes)


def _restricted(restricted: Iterable[str]) -> pa.StringArray:
    prefixes = list(restricted)
    for prefix in prefixes:
        if not (
            isinstance(prefix, str) and len(prefix) == 3 and prefix.isascii() and prefix.isdigit()
        ):
            raise ValueError(f"restricted ZIP3 prefixes must be 3 digits, got {prefix!r}")
    return pa.array(prefixes, type=pa.string())


def _from_strings(strings: pa.StringArray) -> pa.StringArray:
    text = pc.utf8_trim_whitespace(strings)
    five = pc.match_substring_regex(text, _ZIP5)
    four = pc.match_substring_regex(text, _ZIP4)
    three = pc.match_substring_regex(text, _ZIP3)
    from_five = pc.utf8_slice_codeunits(text, 0, 3)
    from_four = pc.binary_join_element_wise("0", pc.utf8_slice_codeunits(text, 0, 2), "")
    missing = pa.scalar(None, type=pa.string())
    return pc.if_else(
        five, from_five, pc.if_else(four, from_four, pc.if_else(three, text, missing))
    )


def _from_integers(numbers: pa.Array) -> pa.StringArray:
    # Unsigned values above 2**63 wrap to negative numbers here, which are rejected below.
    n = pc.cast(numbers, pa.int64(), safe=False)
    zip5 = pc.and_(pc.greater_equal(n, 0), pc.less_equal(n, 99_999))
    zip9 = pc.and_(pc.greater_equal(n, 100_000), pc.less_equal(n, 999_999_999))
    head = pc.if_else(
        zip5,
        pc.divide(n, 100),
        pc.if_else(zip9, pc.divide(n, 1_000_000), pa.scalar(None, type=pa.int64())),
    )
    return pc.utf8_lpad(head.cast(pa.string()), width=3, padding="0")
