"""``shareable detect``: PHI spans in a JSON-lines export, with the release flow's detector.

Each input line is a JSON object with an ``id`` and a text field; each output line is
``{"id": ..., "spans": [{"start", "end", "entity", "score"}, ...]}`` in input order. Lines are
read and analysed in batches (:func:`privacy.text_detection.detect_spans`, the batched path the
release flow uses), so memory stays bounded however long the file is. Offsets are Python
string indices (code points) into the text, end exclusive.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from privacy.detection_config import load_detection_config
from privacy.errors import SourceError
from privacy.text_detection import detect_spans

BATCH_LINES = 512
"""Records analysed together (the detector spreads each batch over its worker processes)."""


def run_detect(path: Path, field: str, out: TextIO) -> int:
    """Write the PHI spans of every record of the JSON-lines file ``path`` to ``out``.

    Args:
        path: A JSON-lines file: one object per line with an ``id`` and ``field``; blank
            lines are skipped.
        field: Key of the text in each object (its value is a string or null).
        out: Where the output lines go (``sys.stdout`` for the CLI).

    Returns:
        The number of records written.

    Raises:
        SourceError: The file cannot be read, a line is not a JSON object, or a record lacks
            ``id`` or ``field`` or its text is not a string; the message names the file, the
            line number and the key, never the text.
    """
    path = Path(path)
    config = load_detection_config()
    written = 0
    records = _records(path, field)
    while batch := list(islice(records, BATCH_LINES)):
        spans = detect_spans([text for _, text in batch], config)
        for (record_id, _), found in zip(batch, spans, strict=True):
            line = {
                "id": record_id,
                "spans": [
                    {"start": s.start, "end": s.end, "entity": s.entity, "score": s.score}
                    for s in found
                ],
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            written += 1
    return written


def _records(path: Path, field: str) -> Iterator[tuple[Any, str | None]]:
    """``(id, text)`` of each record of ``path``, read line by line."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read the file ({exc.strerror}).") from None
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                yield _record(path, number, line, field)
        except UnicodeDecodeError:
            raise SourceError(f"{path}: the file is not UTF-8 text.") from None


def _record(path: Path, number: int, line: str, field: str) -> tuple[Any, str | None]:
    where = f"{path}, line {number}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        raise SourceError(f"{where}: not valid JSON; expected one object per line.") from None
    if not isinstance(record, dict):
        raise SourceError(f"{where}: expected a JSON object with 'id' and '{field}'.")
    if "id" not in record:
        raise SourceError(f"{where}: missing key 'id'.")
    if field not in record:
        raise SourceError(f"{where}: missing key '{field}' (choose the text key with --field).")
    text = record[field]
    if text is not None and not isinstance(text, str):
        raise SourceError(
            f"{where}: key '{field}' holds {type(text).__name__}, expected a string or null."
        )
    return record["id"], text
