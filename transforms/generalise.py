"""Generalise quasi-identifiers to chosen hierarchy levels and suppress small classes (Arrow).

:func:`generalise` is the k-anonymity step of a release, applied batch by batch after the Safe
Harbor transforms: each quasi-identifier is replaced by its label at the chosen level (a
:class:`Recoding`; level 0 leaves the column as it is, with its type), then records of
equivalence classes that the search decided to suppress are **removed** (as ARX's output
without suppressed records). Removal rather than ``*`` keeps every released class at least k
and keeps the released values meaningful; the number removed is returned so that the manifest
can state rows in, rows suppressed and rows out.

Pure functions: no I/O, no Prefect; errors name columns, never values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from privacy.errors import SourceError
from privacy.hierarchies import value_text

_SEPARATOR = "\x1f"
_NULL = "\x00"


@dataclass(frozen=True)
class Recoding:
    """One quasi-identifier's generalisation: ``domain[i]`` (text form) becomes ``labels[i]``."""

    column: str
    level: int
    domain: pa.Array
    labels: pa.Array

    def apply(self, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Return ``values`` generalised (level 0: unchanged; otherwise string labels).

        Raises:
            SourceError: A non-null value is not in the domain (the source changed between the
                counting pass and this one).

        """
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if self.level == 0:
            return values
        index = pc.index_in(value_text(values), value_set=self.domain)
        unknown = index.null_count - values.null_count
        if unknown:
            raise SourceError(
                f"column {self.column!r}: {unknown} value(s) were not present when the source "
                "was counted; the source changed during the release. Run it again."
            )
        return self.labels.take(index)


def class_keys(columns: Sequence[pa.Array]) -> pa.Array:
    """One string per row identifying its equivalence class (generalised QI values, nulls kept)."""
    texts = [value_text(column) for column in columns]
    return pc.binary_join_element_wise(
        *texts, _SEPARATOR, null_handling="replace", null_replacement=_NULL
    )


def generalise(
    batch: pa.RecordBatch,
    recodings: Sequence[Recoding],
    suppressed: pa.Array,
    schema: pa.Schema | None = None,
) -> tuple[pa.RecordBatch, int]:
    """Generalise the quasi-identifiers of ``batch`` and remove suppressed records.

    Args:
        batch: A de-identified batch still holding the quasi-identifiers as in the source.
        recodings: One per quasi-identifier, in the order :func:`class_keys` saw them when
            ``suppressed`` was computed.
        suppressed: Class keys (see :func:`class_keys`) whose records are removed.
        schema: Schema of the result (e.g. the release's); default: inferred.

    Returns:
        The batch with generalised quasi-identifiers (string columns at levels above 0) and
        without suppressed records, and the number of records removed.

    """
    arrays = {r.column: r.apply(batch.column(r.column)) for r in recodings}
    names = batch.schema.names
    columns = [arrays.get(name, batch.column(name)) for name in names]
    if schema is not None:
        columns = [
            c.cast(f.type) if c.type != f.type else c for c, f in zip(columns, schema, strict=True)
        ]
        out = pa.RecordBatch.from_arrays(columns, schema=schema)
    else:
        out = pa.RecordBatch.from_arrays(columns, names=names)
    if len(suppressed) == 0:
        return out, 0
    keys = class_keys([arrays[r.column] for r in recodings])
    keep = pc.invert(pc.is_in(keys, value_set=suppressed))
    kept = out.filter(keep)
    return kept, out.num_rows - kept.num_rows
