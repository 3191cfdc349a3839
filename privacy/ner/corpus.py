"""The PhysioNet deid nursing notes as training data, and their patient-level split.

The corpus (``gold/id.text`` + ``gold/id-phi.phrase``, format in the folder's README.md) is read
into :class:`GoldNote` objects: body text and gold spans ``(start, end, gold_type)`` with the
corpus's own PHI types. :func:`split_of` puts every *patient* (never a note) in ``train``,
``tune`` or ``test`` by a stable hash of the patient id, 60/20/20, fixed before anything was
looked at: training reads ``train`` only, misses are read on ``tune``, ``test`` is scored
rarely and never changes anything. :data:`LABEL_OF` maps the corpus's PHI types to the labels
the model learns (the entity names of :mod:`privacy.entities`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from privacy import entities as ent
from privacy.errors import SourceError

__all__ = ["LABEL_OF", "LABELS", "SPLITS", "GoldNote", "read_gold_notes", "split_of"]

SPLITS = ("train", "tune", "test")
_TRAIN_SHARE, _TUNE_SHARE = 60, 20  # per cent; the rest is test

LABEL_OF: dict[str, str] = {
    "HCPName": ent.PERSON,
    "PTName": ent.PERSON,
    "PTNameInitial": ent.PERSON,
    "RelativeProxyName": ent.PERSON,
    "Location": ent.LOCATION,
    "Date": ent.DATE_TIME,
    "DateYear": ent.DATE_TIME,
    "Phone": ent.PHONE_NUMBER,
    "Age": ent.AGE,
}
"""Gold PHI type -> model label. ``Other`` (3 spans in the corpus) is not learned."""

LABELS: tuple[str, ...] = tuple(dict.fromkeys(LABEL_OF.values()))
"""The labels of the shipped model."""

_RECORD = re.compile(
    r"START_OF_RECORD=(\d+)\|\|\|\|(\d+)\|\|\|\|\n(.*?)\|\|\|\|END_OF_RECORD", re.S
)


@dataclass
class GoldNote:
    """One note: patient and note number, body text, gold spans ``(start, end, gold_type)``."""

    patient: int
    note: int
    text: str
    gold: list[tuple[int, int, str]] = field(default_factory=list)


def split_of(patient: int) -> str:
    """``train``, ``tune`` or ``test`` for ``patient`` (a stable hash of the id, 60/20/20)."""
    digest = hashlib.sha256(f"shareable-ner-split:{patient}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % 100
    if bucket < _TRAIN_SHARE:
        return "train"
    return "tune" if bucket < _TRAIN_SHARE + _TUNE_SHARE else "test"


def read_gold_notes(folder: Path, split: str | None = None) -> list[GoldNote]:
    """The notes of the corpus in ``folder`` (of patients in ``split``; all when ``None``).

    Args:
        folder: The corpus folder (holding ``gold/id.text`` and ``gold/id-phi.phrase``).
        split: ``train``, ``tune``, ``test`` or ``None``.

    Returns:
        The notes in corpus order, each with its gold spans sorted by start.

    Raises:
        SourceError: A file is missing or a span does not fit its note.
    """
    if split is not None and split not in SPLITS:
        raise SourceError(f"split {split!r} is not one of {', '.join(SPLITS)}")
    text_path, phrase_path = folder / "gold" / "id.text", folder / "gold" / "id-phi.phrase"
    for path in (text_path, phrase_path):
        if not path.is_file():
            raise SourceError(
                f"{path}: missing; point the training command at the PhysioNet deid corpus "
                "folder (the one holding gold/id.text)."
            )
    raw = text_path.read_text(encoding="ascii", errors="replace")
    notes: dict[tuple[int, int], GoldNote] = {}
    for match in _RECORD.finditer(raw):
        patient, number = int(match.group(1)), int(match.group(2))
        notes[(patient, number)] = GoldNote(patient, number, match.group(3))
    for line_no, line in enumerate(phrase_path.read_text().splitlines(), 1):
        parts = line.split(" ", 5)
        if len(parts) < 5:
            continue
        key = (int(parts[0]), int(parts[1]))
        start, end = int(parts[2]), int(parts[3])
        note = notes.get(key)
        if note is None or not 0 <= start < end <= len(note.text):
            raise SourceError(
                f"{phrase_path.name}: line {line_no}: the span does not fit a note of "
                f"{text_path.name} (check that both files come from the same corpus copy)"
            )
        note.gold.append((start, end, parts[4]))
    out = [n for n in notes.values() if split is None or split_of(n.patient) == split]
    for note in out:
        note.gold.sort()
    return out
