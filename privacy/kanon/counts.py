"""Equivalence-class counts: how many records share each combination of QI (+ sensitive) values.

The search needs only these counts, never the records, so a table of any size can be
anonymised from one streaming pass: :class:`ClassCounter` adds up per-batch counts (which may
also come from partitions counted elsewhere, see :meth:`ClassCounter.add_counts`) and
compacts them as it goes, so memory grows with the number of distinct combinations, not rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from privacy.hierarchies import value_text

COUNT = "__count__"
"""Name of the count column of a counts table."""

_COMPACT_ROWS = 1_000_000


class ClassCounter:
    """Counts distinct value combinations of ``columns`` over batches (text form, nulls kept)."""

    def __init__(self, columns: Sequence[str]) -> None:
        """Count combinations of ``columns`` (quasi-identifiers, then the sensitive column)."""
        self.columns = list(columns)
        self._parts: list[pa.Table] = []
        self._pending = 0

    def add(self, batch: pa.RecordBatch | pa.Table) -> None:
        """Count the combinations in one batch."""
        arrays = [value_text(batch.column(name)) for name in self.columns]
        table = pa.table(arrays, names=self.columns)
        counted = table.group_by(self.columns, use_threads=False).aggregate([([], "count_all")])
        self.add_counts(_named(counted, "count_all"))

    def add_counts(self, counts: pa.Table) -> None:
        """Add a counts table (``columns`` as text + ``__count__``), e.g. from another partition."""
        self._parts.append(counts.select([*self.columns, COUNT]))
        self._pending += counts.num_rows
        if self._pending > _COMPACT_ROWS:
            self._compact()

    def table(self) -> pa.Table:
        """The counts: one row per distinct combination, with its number of records."""
        self._compact()
        if not self._parts:
            fields = [pa.field(name, pa.string()) for name in self.columns]
            return pa.schema([*fields, pa.field(COUNT, pa.int64())]).empty_table()
        return self._parts[0]

    def _compact(self) -> None:
        if len(self._parts) <= 1:
            return
        merged = pa.concat_tables(self._parts)
        summed = merged.group_by(self.columns, use_threads=False).aggregate([(COUNT, "sum")])
        self._parts = [_named(summed, f"{COUNT}_sum").select([*self.columns, COUNT])]
        self._pending = self._parts[0].num_rows


def _named(grouped: pa.Table, aggregate: str) -> pa.Table:
    """Rename a group-by's aggregate column to ``__count__`` (whatever order Arrow gives)."""
    names = [COUNT if name == aggregate else name for name in grouped.column_names]
    return grouped.rename_columns(names)


def total(counts: pa.Table) -> int:
    """Number of records a counts table describes."""
    return int(pc.sum(counts.column(COUNT)).as_py() or 0)


def class_sizes(
    counts: pa.Table, quasi_identifiers: Sequence[str], sensitive: str | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Size of each equivalence class of ``counts`` (and its distinct sensitive values).

    Args:
        counts: A counts table (see :class:`ClassCounter`).
        quasi_identifiers: The columns defining the classes.
        sensitive: The sensitive column, to count its distinct values per class (nulls count
            as one value).

    Returns:
        Class sizes, and distinct sensitive values per class (None without ``sensitive``).

    """
    aggregates: list = [(COUNT, "sum")]
    if sensitive is not None:
        aggregates.append((sensitive, "count_distinct", pc.CountOptions(mode="all")))
    grouped = counts.group_by(list(quasi_identifiers), use_threads=False).aggregate(aggregates)
    sizes = grouped.column(f"{COUNT}_sum").to_numpy().astype(np.int64)
    if sensitive is None:
        return sizes, None
    return sizes, grouped.column(f"{sensitive}_count_distinct").to_numpy().astype(np.int64)


def effective_l(counts: pa.Table, quasi_identifiers: Sequence[str], sensitive: str) -> np.ndarray:
    """``exp(entropy)`` of each class's sensitive values (entropy l-diversity holds if >= l)."""
    keys = [*quasi_identifiers, sensitive]
    pairs = counts.group_by(keys, use_threads=False).aggregate([(COUNT, "sum")]).to_pandas()
    weight = pairs[f"{COUNT}_sum"].astype("float64")
    group = pairs[list(quasi_identifiers)].astype(object).fillna("\x00")
    share = weight / weight.groupby([group[c] for c in quasi_identifiers]).transform("sum")
    entropy = (-share * np.log(share)).groupby([group[c] for c in quasi_identifiers]).sum()
    return np.exp(entropy.to_numpy())
