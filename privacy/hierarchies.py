"""Generalisation hierarchies: for each value of a quasi-identifier, its labels level by level.

A :class:`Hierarchy` is a table with one row per value and one column per level: level 0 is the
value itself (in its text form, see :func:`value_text`), the last level is the most general
(usually ``*``). Hierarchies come from

* a CSV file in ARX's format (:func:`read_arx_csv`): ``value;level1;...;*``, one row per value;
* inline rows in the spec (the same rows as YAML lists);
* :func:`auto_hierarchy`, built from the values present in the data:

  - numbers: intervals of growing width (e.g. 5, 10, 20, 50 years), then ``*``;
  - dates: day -> month (``1989-05``) -> year (``1989``) -> decade (``1980-1989``) -> ``*``;
  - ZIP codes: trailing digits masked one by one (``02143`` -> ``0214*`` ... -> ``*``).

:meth:`Hierarchy.check_covers` refuses a hierarchy that misses values present in the data.
Errors name the file, the row number and the fix, never a value (a hierarchy lists the values
of a column of restricted data). Missing values (null) are never generalised: they form their
own class at every level.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from privacy.errors import SpecError
from privacy.kanon_spec import AutoKind, QuasiIdentifier

TOP = "*"
"""The label of the most general level of automatic hierarchies."""

_ZIP = re.compile(r"^[0-9]{5}(?:-?[0-9]{4})?$")


@dataclass(frozen=True)
class Hierarchy:
    """One column's hierarchy: ``rows[i] = (value, level1 label, ..., top label)``."""

    column: str
    rows: tuple[tuple[str, ...], ...]
    origin: str
    """Where it came from, for messages: a file path, ``inline ...`` or ``auto (number ...)``."""

    @property
    def label(self) -> str:
        """Where it came from, for reports: the file's name (not its folder), inline or auto."""
        if self.origin.startswith(("auto", "inline")):
            return self.origin
        return f"ARX CSV {Path(self.origin).name}"

    @property
    def height(self) -> int:
        """Number of levels, level 0 (the values themselves) included."""
        return len(self.rows[0])

    @property
    def values(self) -> list[str]:
        """The level-0 values, in row order."""
        return [row[0] for row in self.rows]

    def labels(self, level: int) -> list[str]:
        """The label of every value at ``level``, in row order."""
        return [row[level] for row in self.rows]

    def leaves(self, level: int) -> list[int]:
        """For every value, how many values share its label at ``level`` (1 at level 0)."""
        labels = self.labels(level)
        sizes: dict[str, int] = {}
        for label in labels:
            sizes[label] = sizes.get(label, 0) + 1
        return [sizes[label] for label in labels]

    def check_covers(self, present: pa.Array) -> None:
        """Raise :class:`SpecError` unless every non-null value of ``present`` has a row.

        Args:
            present: Distinct values of the column in the data, in text form.

        """
        found = pc.is_in(present.drop_null(), value_set=pa.array(self.values, pa.string()))
        missing = len(found) - int(pc.sum(pc.cast(found, pa.int64())).as_py() or 0)
        if missing:
            raise SpecError(
                f"{self.origin}: the hierarchy of column `{self.column}` does not cover "
                f"{missing} distinct value(s) present in the data. Add one row per value "
                "(`value;level1;...;*`), or use `hierarchy: auto` for numbers, dates and ZIP codes."
            )


def value_text(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The text form of values used to match them with hierarchy rows (nulls stay null).

    Integers as digits (``39``), dates as ISO (``1989-05-25``), timestamps as
    ``1989-05-25 13:45:00``, floats as Arrow prints them. Dictionary columns are decoded.
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_string(values.type):
        return values
    return pc.cast(values, pa.string())


# --------------------------------------------------------------------------- building


def load_hierarchy(
    column: str, qi: QuasiIdentifier, present: pa.Array, column_type: pa.DataType
) -> Hierarchy:
    """Build and check the hierarchy of one quasi-identifier.

    Args:
        column: Column name.
        qi: Its entry in the spec (``hierarchy`` already resolved to an absolute path).
        present: Distinct values of the column in the data (text form, see :func:`value_text`).
        column_type: The column's Arrow type in the source (decides the automatic kind).

    Returns:
        The hierarchy, covering every value present.

    Raises:
        SpecError: The file cannot be read, has ragged or duplicate rows, is not a tree, does
            not cover the data, or ``auto`` does not fit the column.

    """
    if qi.hierarchy == "auto":
        hierarchy = auto_hierarchy(
            column, present, qi.kind or infer_kind(column, present, column_type)
        )
    elif isinstance(qi.hierarchy, Path):
        hierarchy = read_arx_csv(qi.hierarchy, column)
    else:
        hierarchy = from_rows(column, qi.hierarchy, "inline hierarchy of " + f"`{column}`")
    hierarchy.check_covers(present)
    return hierarchy


def read_arx_csv(path: Path, column: str) -> Hierarchy:
    """Read a hierarchy in ARX's CSV format: ``value;level1;...;top``, one row per value."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [tuple(row) for row in csv.reader(handle, delimiter=";")]
    except FileNotFoundError:
        raise SpecError(
            f"{path}: no such hierarchy file (for column `{column}`). Check the path; "
            "relative paths are relative to the spec file."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read the hierarchy ({type(exc).__name__}).") from None
    return from_rows(column, rows, str(path))


def from_rows(column: str, rows: tuple[tuple[str, ...], ...] | list, origin: str) -> Hierarchy:
    """Check rows of a hierarchy (file or inline) and return it.

    Blank rows are skipped. Every row needs the same number of levels (at least 2: the value
    and one generalisation), values appear once, and the rows form a tree: a label at one level
    always generalises to the same label at the next.
    """
    numbered = [(n, tuple(c.strip() for c in row)) for n, row in enumerate(rows, start=1)]
    numbered = [(n, row) for n, row in numbered if any(row)]
    if not numbered:
        raise SpecError(f"{origin}: the hierarchy of column `{column}` has no rows.")
    width = len(numbered[0][1])
    if width < 2:
        raise SpecError(
            f"{origin}: row {numbered[0][0]} has only one level; each row is "
            "`value;level1;...;*` with at least one generalisation (e.g. `*`)."
        )
    seen: dict[str, int] = {}
    parent: dict[tuple[int, str], tuple[str, int]] = {}
    for n, row in numbered:
        if len(row) != width:
            raise SpecError(
                f"{origin}: ragged levels: row {n} has {len(row)} level(s) but row "
                f"{numbered[0][0]} has {width}. Give every row one column per level "
                "(value;level1;...;*), repeating the top label where a branch is shorter."
            )
        if row[0] in seen:
            raise SpecError(
                f"{origin}: rows {seen[row[0]]} and {n} give the same value; keep one row per "
                "value."
            )
        seen[row[0]] = n
        for level in range(1, width - 1):
            key = (level, row[level])
            before = parent.setdefault(key, (row[level + 1], n))
            if before[0] != row[level + 1]:
                raise SpecError(
                    f"{origin}: not a hierarchy: rows {before[1]} and {n} share a label at "
                    f"level {level} but generalise it differently at level {level + 1}. A "
                    "label must always generalise to the same label."
                )
    return Hierarchy(column=column, rows=tuple(row for _, row in numbered), origin=origin)


def infer_kind(column: str, present: pa.Array, column_type: pa.DataType) -> AutoKind:
    """Choose the automatic hierarchy of a column: number, date or ZIP code."""
    kind = column_type.value_type if pa.types.is_dictionary(column_type) else column_type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "number"
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        return "date"
    values = present.drop_null().to_pylist()
    if values and all(_ZIP.match(v) for v in values):
        return "zip"
    if values and all(_parse_date(v) is not None for v in values):
        return "date"
    raise SpecError(
        f"quasi-identifier `{column}`: `hierarchy: auto` works for numbers, dates and ZIP codes, "
        f"but column `{column}` holds other text. Give a hierarchy file in ARX's format "
        "(`hierarchy: path/to/hierarchy.csv`) or inline rows."
    )


def auto_hierarchy(column: str, present: pa.Array, kind: AutoKind) -> Hierarchy:
    """Build an automatic hierarchy over the distinct values present (text form)."""
    values = sorted(set(present.drop_null().to_pylist()))
    if not values:
        raise SpecError(f"quasi-identifier `{column}` has no values; nothing to generalise.")
    build = {"number": _number_rows, "date": _date_rows, "zip": _zip_rows}[kind]
    rows, detail = build(column, values)
    return from_rows(column, rows, f"auto ({detail})")


def _number_rows(column: str, values: list[str]) -> tuple[list[tuple[str, ...]], str]:
    """Intervals of nested widths (each a multiple of the one before): 1, 5, 10, 20, 100 ..."""
    numbers = []
    for text in values:
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            raise SpecError(
                f"quasi-identifier `{column}`: `kind: number` but some values are not finite "
                "numbers; give a hierarchy file or another kind."
            )
        numbers.append(number)
    integral = all(x == x.to_integral_value() for x in numbers)
    low, high = min(numbers), max(numbers)
    widths: list[Decimal] = []
    if high > low:
        unit = Decimal(1).scaleb(math.floor(math.log10((high - low) / 20)))
        if integral:
            unit = max(unit, Decimal(1))
        for width in _nested_widths(unit):
            if integral and width < 2:
                continue
            if _floor(low, width) == _floor(high, width):
                break  # one interval holds everything: that is the top level, `*`
            widths.append(width)
            if width >= high - low:
                break  # two intervals (around 0 or a multiple of the width); next is `*`
    rows = []
    for text, x in zip(values, numbers, strict=True):
        labels = [text]
        for width in widths:
            start = _floor(x, width)
            if integral:
                labels.append(f"{start:f}-{start + width - 1:f}")
            else:
                labels.append(f"[{start.normalize():f}, {(start + width).normalize():f})")
        rows.append((*labels, TOP))
    detail = "number: intervals of width " + ", ".join(f"{w.normalize():f}" for w in widths)
    return rows, (detail if widths else "number: one level")


def _nested_widths(unit: Decimal) -> Iterator[Decimal]:
    """unit, 5, 10, 20, 100, 200, 1000 ... units: each width divides the next."""
    yield unit
    yield unit * 5
    for exponent in itertools.count(1):
        yield unit.scaleb(exponent)
        yield unit.scaleb(exponent) * 2


def _floor(x: Decimal, width: Decimal) -> Decimal:
    return (x / width).to_integral_value(rounding=ROUND_FLOOR) * width


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _date_rows(column: str, values: list[str]) -> tuple[list[tuple[str, ...]], str]:
    rows = []
    with_time = any(len(v) > 10 for v in values)
    for text in values:
        day = _parse_date(text)
        if day is None:
            raise SpecError(
                f"quasi-identifier `{column}`: `kind: date` but some values are not ISO dates "
                "(YYYY-MM-DD); read the column as a date or give a hierarchy file."
            )
        decade = day.year // 10 * 10
        labels = [text] + ([day.isoformat()] if with_time else [])
        labels += [
            f"{day.year:04d}-{day.month:02d}",
            f"{day.year:04d}",
            f"{decade:04d}-{decade + 9:04d}",
            TOP,
        ]
        rows.append(tuple(labels))
    return rows, "date: " + ("day, " if with_time else "") + "month, year, decade"


def _zip_rows(column: str, values: list[str]) -> tuple[list[tuple[str, ...]], str]:
    rows = []
    for text in values:
        if not _ZIP.match(text):
            raise SpecError(
                f"quasi-identifier `{column}`: `kind: zip` but some values are not 5-digit ZIP "
                "codes (or ZIP+4); read the column as text or give a hierarchy file."
            )
        five = text[:5]
        masked = [five[: 5 - i] + "*" * i for i in range(1, 5)]
        rows.append((text, *([five] if len(text) > 5 else []), *masked, TOP))
    width = max(len(r) for r in rows)
    # ZIP+4 values get one more level (the 5-digit ZIP); pad plain ZIPs so levels line up.
    rows = [r if len(r) == width else (r[0], r[0], *r[1:]) for r in rows]
    return rows, "zip: trailing digits masked"
