"""Redaction of identifier spans found in free text.

Detection (``privacy/``) finds the spans; this module only cuts them out. Each span is replaced
by its entity in angle brackets (``"Seen by Dr Ann Lee"`` -> ``"Seen by Dr <PERSON>"``) so that
the text stays readable and the kind of identifier removed stays visible.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from privacy.errors import InternalError
from privacy.spans import TextSpan

_WORD = re.compile(r"[^\W\d_]+")
"""A run of letters: the unit in which names are compared (``O'Brien`` -> ``O``, ``Brien``)."""
MIN_NAME_PART = 2
"""Name parts shorter than this (initials) are not searched for: "J" would cut every "J"."""
MIN_VALUE_LENGTH = 4
"""Whole values shorter than this (``"12"``) are not searched for: they match too much."""


@dataclass(frozen=True)
class RowValues:
    """The values of one identifier column, to be cut out of the same row's text.

    ``by_word`` compares letter runs: each part of a name (``"Amber Brady"`` -> ``amber``,
    ``brady``) is cut wherever it stands as a word. Otherwise the whole value (an MRN, a phone
    number, an address) is cut wherever it stands between non-alphanumeric characters. Both
    comparisons ignore case.
    """

    entity: str
    values: Sequence[str | None]
    by_word: bool


def row_value_spans(
    texts: Sequence[str | None], linked: Sequence[RowValues]
) -> list[list[TextSpan]]:
    """Spans where a text holds a value of its own row's identifier columns.

    A detector can miss a name that is also an ordinary word ("Amber", "Chase") or a code of
    an unfamiliar shape; the row's own columns say what to look for. Every occurrence is cut,
    with score 1.0 and the column's entity.

    Args:
        texts: One text per row (``None`` gives no span).
        linked: The identifier columns, each aligned with ``texts``.

    Returns:
        One list of spans per text.

    Raises:
        InternalError: A column is not aligned with ``texts``.

    """
    for item in linked:
        if len(item.values) != len(texts):
            raise InternalError(
                f"row_value_spans got {len(item.values)} {item.entity} values for "
                f"{len(texts)} texts; they must be aligned one to one"
            )
    words = [item for item in linked if item.by_word]
    wholes = [item for item in linked if not item.by_word]
    out: list[list[TextSpan]] = []
    for row, text in enumerate(texts):
        spans: list[TextSpan] = []
        if text:
            if words:
                spans.extend(_word_spans(text, words, row))
            if wholes:
                lowered = text.lower()
                for item in wholes:
                    value = item.values[row]
                    if value is not None:
                        spans.extend(_value_spans(text, lowered, str(value), item.entity))
        out.append(spans)
    return out


def _word_spans(text: str, items: Sequence[RowValues], row: int) -> list[TextSpan]:
    parts: dict[str, str] = {}
    for item in items:
        value = item.values[row]
        if value is None:
            continue
        for part in _WORD.findall(str(value)):
            if len(part) >= MIN_NAME_PART:
                parts.setdefault(part.casefold(), item.entity)
    if not parts:
        return []
    spans: list[TextSpan] = []
    for match in _WORD.finditer(text):
        entity = parts.get(match.group().casefold())
        if entity is None:
            continue
        start, end = match.span()
        last = spans[-1] if spans else None
        if last is not None and last.entity == entity and text[last.end : start].isspace():
            start = last.start  # "Amber Brady" is one name, not two
            spans.pop()
        spans.append(TextSpan(start, end, entity, 1.0))
    return spans


def _value_spans(text: str, lowered: str, value: str, entity: str) -> list[TextSpan]:
    value = value.strip()
    if len(value) < MIN_VALUE_LENGTH:
        return []
    if len(lowered) != len(text) or len(value.lower()) != len(value):
        # Lower-casing changed a length ("İ" -> "i̇"): offsets must come from the text itself.
        pattern = rf"(?<![^\W_]){re.escape(value)}(?![^\W_])"
        return [
            TextSpan(m.start(), m.end(), entity, 1.0)
            for m in re.finditer(pattern, text, re.IGNORECASE)
        ]
    needle = value.lower()
    spans = []
    start = lowered.find(needle)
    while start >= 0:
        end = start + len(needle)
        if not (
            (start > 0 and lowered[start - 1].isalnum())
            or (end < len(lowered) and lowered[end].isalnum())
        ):
            spans.append(TextSpan(start, end, entity, 1.0))
        start = lowered.find(needle, start + 1)
    return spans


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
