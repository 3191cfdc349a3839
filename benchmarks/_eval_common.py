"""Shared helpers of the detection benchmarks: corpus readers and token-level scoring.

The PhysioNet deid corpus (``../shared/data/physionet_deid_nursing_notes``) is read into
:class:`Note` objects (body text, gold spans with their category); the shipped output of the
deid.pl tool is read as predicted spans of the same notes. Scores are *token level*: a token is
a run of letters or digits; a gold token (one overlapping a gold span) counts as found when any
predicted span overlaps it, and a predicted token (one overlapping a predicted span) is correct
when it is a gold token.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
DEID = SHARED_DATA / "physionet_deid_nursing_notes"
PRESIDIO_PII = SHARED_DATA / "presidio_synthetic_pii"

CATEGORY = {
    "HCPName": "names",
    "PTName": "names",
    "PTNameInitial": "names",
    "RelativeProxyName": "names",
    "Date": "dates",
    "DateYear": "dates",
    "Location": "locations",
    "Phone": "phones",
    "Age": "ages",
    "Other": "other",
}
"""Gold PHI type of the deid corpus -> the category it is scored in."""

CATEGORIES = ("names", "dates", "locations", "phones", "ages", "other")

ENTITY_CATEGORY = {
    "PERSON": "names",
    "DATE_TIME": "dates",
    "BIRTH_DATE": "dates",
    "LOCATION": "locations",
    "STREET_ADDRESS": "locations",
    "ZIP_CODE": "locations",
    "PHONE_NUMBER": "phones",
    "FAX_NUMBER": "phones",
    "AGE": "ages",
}
"""Shareable entity -> the category its predicted tokens count in (others: ``other``)."""

_RECORD = re.compile(
    r"START_OF_RECORD=(\d+)\|\|\|\|(\d+)\|\|\|\|\n(.*?)\|\|\|\|END_OF_RECORD", re.S
)
_TOKEN = re.compile(r"[A-Za-z0-9]+")
UNANNOTATED_DATE_WORDS = re.compile(
    r"(?i)monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs|christmas|xmas"
    r"|thanksgiving|easter|halloween|hanukkah|chanukah|kwanzaa"
)
"""Day and holiday names: date shapes the issue asks the detector to find ("Tuesday",
"Xmas") but that the deid gold standard never marks (0 of its 50 weekday names), so every
one found counts against precision. :meth:`TokenScore.precision` can set them aside, for a
figure printed *beside* the strict one, never instead of it."""


@dataclass
class Note:
    """One nursing note with its gold PHI spans ``(start, end, category)``."""

    patient: int
    note: int
    text: str
    gold: list[tuple[int, int, str]] = field(default_factory=list)


def third_of(patient: int) -> int:
    """Which third of the patients (0, 1 or 2, by a hash of the id) ``patient`` falls in."""
    return hashlib.sha256(f"patient-{patient}".encode()).digest()[0] % 3


def split_of(patient: int) -> str:
    """``"holdout"`` for the patients of third 0, else ``"dev"``."""
    return "holdout" if third_of(patient) == 0 else "dev"


def read_deid_notes(split: str = "all") -> list[Note]:
    """The notes of the deid corpus with gold spans; ``split`` is dev, holdout or all."""
    text = (DEID / "gold" / "id.text").read_text(encoding="ascii", errors="replace")
    notes: dict[tuple[int, int], Note] = {}
    for match in _RECORD.finditer(text):
        patient, number = int(match.group(1)), int(match.group(2))
        notes[(patient, number)] = Note(patient, number, match.group(3))
    for line in (DEID / "gold" / "id-phi.phrase").read_text().splitlines():
        parts = line.split(" ", 5)
        if len(parts) < 5:
            continue
        key = (int(parts[0]), int(parts[1]))
        notes[key].gold.append((int(parts[2]), int(parts[3]), CATEGORY[parts[4]]))
    out = list(notes.values())
    return out if split == "all" else [n for n in out if split_of(n.patient) == split]


def read_deid_tool_spans() -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Spans predicted by deid.pl (``deid_tool_output/id.phi``) per (patient, note)."""
    spans: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    key: tuple[int, int] | None = None
    for line in (DEID / "deid_tool_output" / "id.phi").read_text().splitlines():
        header = re.match(r"Patient\s+(\d+)\s+Note\s+(\d+)", line)
        if header:
            key = (int(header.group(1)), int(header.group(2)))
            continue
        parts = line.split()
        if len(parts) == 3 and key is not None:
            spans[key].append((int(parts[1]), int(parts[2])))
    return spans


@dataclass
class TokenScore:
    """Token-level counts, overall and per category (recall only per category)."""

    gold: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    predicted: int = 0
    correct: int = 0
    predicted_in: Counter[str] = field(default_factory=Counter)  # per predicted category
    correct_in: Counter[str] = field(default_factory=Counter)
    unannotated: int = 0  # predicted, not gold, and a day or holiday name
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # (category, token, note)

    def add(
        self,
        text: str,
        gold: Sequence[tuple[int, int, str]],
        predicted: Iterable[tuple[int, int] | tuple[int, int, str]],
        where: str = "",
    ) -> None:
        """Score the predicted spans of one text against its gold spans.

        A predicted span may carry a Shareable entity as a third item; its tokens then also
        count in the precision of that entity's category (:data:`ENTITY_CATEGORY`).
        """
        predicted = list(predicted)
        for m in _TOKEN.finditer(text):
            s, e = m.start(), m.end()
            cats = [c for gs, ge, c in gold if gs < e and s < ge]
            hits = [p for p in predicted if p[0] < e and s < p[1]]
            hit = bool(hits)
            if hits and len(hits[0]) > 2:
                category = ENTITY_CATEGORY.get(hits[0][2], "other")  # type: ignore[misc]
                self.predicted_in[category] += 1
                self.correct_in[category] += bool(cats)
            if cats:
                self.gold[cats[0]] += 1
                self.gold["overall"] += 1
                if hit:
                    self.found[cats[0]] += 1
                    self.found["overall"] += 1
                else:
                    self.missed.append((cats[0], m.group(), where))
            if hit:
                self.predicted += 1
                self.correct += bool(cats)
                if not cats and UNANNOTATED_DATE_WORDS.fullmatch(m.group()):
                    self.unannotated += 1

    def recall(self, category: str = "overall") -> float:
        """Share of gold tokens of ``category`` found."""
        return self.found[category] / self.gold[category] if self.gold[category] else float("nan")

    def precision(self, category: str = "overall", *, set_aside_date_words: bool = False) -> float:
        """Share of predicted tokens (of a predicted ``category``) that are gold tokens.

        With ``set_aside_date_words``, predicted day and holiday names that the gold standard
        does not mark (:data:`UNANNOTATED_DATE_WORDS`) are left out of the count.
        """
        if category != "overall":
            n = self.predicted_in[category]
            return self.correct_in[category] / n if n else float("nan")
        predicted = self.predicted - (self.unannotated if set_aside_date_words else 0)
        return self.correct / predicted if predicted else float("nan")

    def f2(self) -> float:
        """F-beta with beta 2 (recall weighs four times as much as precision)."""
        p, r = self.precision(), self.recall()
        return 5 * p * r / (4 * p + r) if p + r else 0.0


def read_presidio_pii() -> list[dict]:
    """The records of ``synth_dataset_v2.json`` (``full_text`` and ``spans``)."""
    return json.loads((PRESIDIO_PII / "synth_dataset_v2.json").read_text(encoding="utf-8"))
