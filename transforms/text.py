"""Redaction of identifier spans found in free text.

Detection (``privacy/``) finds the spans; this module only cuts them out. Each span is replaced
by its entity in angle brackets (``"Seen by Dr Ann Lee"`` -> ``"Seen by Dr <PERSON>"``) so that
the text stays readable and the kind of identifier removed stays visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    rows = [i for i, row in enumerate(spans) if row and strings[i].is_valid]
    if not rows:
        return strings
    originals = strings.take(pa.array(rows, type=pa.int64())).to_pylist()
    redacted = [_redact_one(text, spans[i], i) for i, text in zip(rows, originals, strict=True)]
    mask = pa.array([False] * len(strings))
    mask = pc.replace_with_mask(
        mask, _row_mask(len(strings), rows), pa.array([True] * len(rows), type=pa.bool_())
    )
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
    flags = [False] * length
    for i in rows:
        flags[i] = True
    return pa.array(flags, type=pa.bool_())


def _redact_one(text: str, spans: Sequence[TextSpan], row: int) -> str:
    for span in spans:
        if not 0 <= span.start <= span.end <= len(text):
            raise InternalError(
                f"span [{span.start}, {span.end}) of entity {span.entity} lies outside text "
                f"of row {row} (length {len(text)})"
            )
    ordered = sorted((s for s in spans if s.start < s.end), key=lambda s: (s.start, -s.end))
    # Pass 1: merge overlapping spans; the label is the entity of the strongest member.
    groups: list[tuple[int, int, TextSpan]] = []
    for span in ordered:
        if groups and span.start < groups[-1][1]:
            start, end, best = groups[-1]
            groups[-1] = (start, max(end, span.end), max(best, span, key=_strength))
        else:
            groups.append((span.start, span.end, span))
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


def _strength(span: TextSpan) -> tuple[float, int, _Reversed]:
    return (span.score, span.end - span.start, _Reversed(span.entity))


@dataclass(frozen=True, order=True)
class _Reversed:
    """Order strings backwards, so that ``max`` picks the alphabetically first entity."""

    value: str

    def __lt__(self, other: _Reversed) -> bool:  # type: ignore[override]
        return self.value > other.value
