"""Redaction of identifier spans found in free text.

Detection (``privacy/``) finds the spans; this module only cuts them out. Each span is replaced
by its entity in angle brackets (``"Seen by Dr Ann Lee"`` -> ``"Seen by Dr <PERSON>"``) so that
the text stays readable and the kind of identifier removed stays visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from privacy.errors import InternalError


@dataclass(frozen=True)
class TextSpan:
    """One identifier found in a text: ``text[start:end]`` is an ``entity``.

    Offsets are Python ``str`` indices (code points), end exclusive.
    """

    start: int
    end: int
    entity: str
    score: float


def redact_spans(texts: pa.Array, spans: Sequence[Sequence[TextSpan]]) -> pa.StringArray:
    """Replace every span of every text by ``<ENTITY>``.

    Spans may come in any order, overlap or touch. Overlapping spans are merged into one
    replacement labelled with the entity of the highest-scoring span among them (ties: the
    longer span, then the entity name in alphabetical order, so that the result does not
    depend on the order the spans were given in). Touching spans of the same entity become a
    single tag; touching spans of different entities each keep their tag. Empty spans
    (``start == end``) are ignored.

    Args:
        texts: A string array (``string``, ``large_string``, ``string_view`` or a dictionary of
            those). Nulls stay null, whatever spans they are given.
        spans: One sequence of spans per text, aligned with ``texts``.

    Returns:
        The redacted texts, as a ``string`` array of the same length.

    Raises:
        TypeError: ``texts`` is not a string array.
        InternalError: ``spans`` is not aligned with ``texts``, or a span lies outside its
            text (a detector bug; the message gives the row and offsets, never the text).

    """
    strings = _as_string(texts)
    if len(spans) != len(strings):
        raise InternalError(
            f"redact_spans got {len(spans)} span lists for {len(strings)} texts; "
            "they must be aligned one to one"
        )
    valid = pc.is_valid(strings).to_numpy(zero_copy_only=False).tolist()
    rows = [i for i, row in enumerate(spans) if row and valid[i]]
    if not rows:
        return strings
    originals = strings.take(pa.array(rows, type=pa.int64())).to_pylist()
    redacted = [_redact_one(text, spans[i], i) for i, text in zip(rows, originals, strict=True)]
    mask = _row_mask(len(strings), rows)
    return pc.replace_with_mask(strings, mask, pa.array(redacted, type=pa.string()))


def _as_string(values: pa.Array) -> pa.StringArray:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if not (
        pa.types.is_string(values.type)
        or pa.types.is_large_string(values.type)
        or pa.types.is_string_view(values.type)
        or pa.types.is_null(values.type)
    ):
        raise TypeError(f"redact_spans needs a string array, got {values.type}")
    return values.cast(pa.string())


def _row_mask(length: int, rows: list[int]) -> pa.BooleanArray:
    flags = np.zeros(length, dtype=bool)
    flags[rows] = True
    return pa.array(flags, type=pa.bool_())


def _redact_one(text: str, spans: Sequence[TextSpan], row: int) -> str:
    length = len(text)
    live: list[TextSpan] = []
    for span in spans:
        if not 0 <= span.start <= span.end <= length:
            raise InternalError(
                f"span [{span.start}, {span.end}) of entity {span.entity} lies outside text "
                f"of row {row} (length {length})"
            )
        if span.start < span.end:
            live.append(span)
    if len(live) > 1:
        live.sort(key=_position)
    # Pass 1: merge overlapping spans; the label is the entity of the strongest member.
    groups: list[list] = []  # [start, end, strongest span]
    for span in live:
        if groups and span.start < groups[-1][1]:
            group = groups[-1]
            if span.end > group[1]:
                group[1] = span.end
            group[2] = _stronger(group[2], span)
        else:
            groups.append([span.start, span.end, span])
    # Pass 2: merge touching groups of the same entity; build the output.
    pieces: list[str] = []
    cursor = 0
    last_entity: str | None = None
    for start, end, best in groups:
        if start == cursor and last_entity == best.entity:
            cursor = end
            continue
        pieces.append(text[cursor:start])
        pieces.append(f"<{best.entity}>")
        cursor = end
        last_entity = best.entity
    pieces.append(text[cursor:])
    return "".join(pieces)


def _position(span: TextSpan) -> tuple[int, int]:
    return (span.start, -span.end)


def _stronger(a: TextSpan, b: TextSpan) -> TextSpan:
    """Pick the span that labels a merged group: higher score, then longer, then A-Z."""
    key_a = (a.score, a.end - a.start)
    key_b = (b.score, b.end - b.start)
    if key_a != key_b:
        return a if key_a > key_b else b
    return a if a.entity <= b.entity else b
