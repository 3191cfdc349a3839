"""Generalise quasi-identifiers to chosen hierarchy levels and suppress small classes (Arrow).

:func:`generalise` is the k-anonymity step of a release: each quasi-identifier is replaced by
its label at the chosen level (a :class:`~privacy.recoding.Recoding`; level 0 leaves the
column as it is, with its type), then records of equivalence classes that the search decided to
suppress are **removed** (as ARX's output without suppressed records). Removal rather than
``*`` keeps every released class at least k and keeps the released values meaningful; the
number removed is returned so that the manifest can state rows in, rows suppressed and rows
out. :func:`transforms.apply.apply_plan` calls :func:`suppress` with the plan's recodings.

Pure functions: no I/O, no Prefect; errors name columns, never values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from privacy.recoding import Recoding, class_keys


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
    return suppress(out, arrays, [r.column for r in recodings], suppressed)


def suppress(
    batch: pa.RecordBatch,
    generalised: Mapping[str, pa.Array],
    quasi_identifiers: Sequence[str],
    suppressed: pa.Array,
) -> tuple[pa.RecordBatch, int]:
    """Remove the rows of ``batch`` whose class (its generalised QI values) is suppressed.

    Args:
        batch: The batch to filter (already generalised).
        generalised: Each quasi-identifier's generalised values, before any cast.
        quasi_identifiers: The QIs in the order :func:`class_keys` saw them.
        suppressed: Class keys whose records are removed.

    Returns:
        The kept rows and the number removed.

    """
    if len(suppressed) == 0:
        return batch, 0
    keys = class_keys([generalised[name] for name in quasi_identifiers])
    kept = batch.filter(pc.invert(pc.is_in(keys, value_set=suppressed)))
    return kept, batch.num_rows - kept.num_rows
