"""The value types of a k-anonymity solution: a :class:`Recoding` per QI and class keys.

A :class:`Recoding` says how one quasi-identifier is generalised at the level the search
chose: ``domain[i]`` (a value in its text form, :func:`privacy.hierarchies.value_text`) becomes
``labels[i]``; level 0 leaves the column unchanged. :func:`class_keys` names the equivalence
class of each row (its generalised QI values), which is how the plan lists the classes it
suppresses. The release plan carries both (:class:`privacy.plan.KAnonymityPlan`);
``transforms.generalise`` applies them to every batch.

Errors name columns, never values.
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
