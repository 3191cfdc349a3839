"""The PHI model shipped inside the package, and the spans it finds.

:func:`load_model` loads a spaCy pipeline (tok2vec + NER, trained by :mod:`privacy.ner.train`)
from the package data folder ``privacy/ner/model`` through :mod:`importlib.resources`, or from
a folder a site names; it is loaded once per process and never downloads anything.
:func:`model_spans` runs it over many texts at once (``nlp.pipe``) and returns its entities as
:class:`~privacy.spans.TextSpan` values with Shareable's entity names.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Sequence
from pathlib import Path

import spacy
from spacy.language import Language

from privacy import entities as ent
from privacy.errors import SpecError
from privacy.recognizers import _gazetteer as gaz
from privacy.spans import TextSpan

__all__ = [
    "MODEL_SCORE",
    "describe_model",
    "load_filter_words",
    "load_model",
    "model_spans",
    "plausible",
]

MODEL_SCORE = 0.85
"""Score given to the model's spans (spaCy's NER gives none): above the rules' weak matches,
below their validated ones (a checksum-valid number keeps its own label)."""

_LABELS = {
    ent.PERSON: ent.PERSON,
    ent.LOCATION: ent.LOCATION,
    ent.DATE_TIME: ent.DATE_TIME,
    ent.PHONE_NUMBER: ent.PHONE_NUMBER,
    ent.AGE: ent.AGE,
    # Labels of other English pipelines a site may name.
    "PER": ent.PERSON,
    "GPE": ent.LOCATION,
    "LOC": ent.LOCATION,
}
_MAX_LENGTH = 10_000_000


@functools.cache
def load_model(folder: str | None = None) -> Language:
    """Load the shipped model (``folder=None``) or the spaCy pipeline in ``folder``.

    Raises:
        SpecError: The shipped model is missing from the installation, or ``folder`` holds no
            spaCy pipeline.
    """
    if folder is None:
        resource = importlib.resources.files("privacy.ner").joinpath("model")
        if not resource.joinpath("meta.json").is_file():
            raise SpecError(
                "configs/detection.yaml: key 'nlp_engine': the shipped PHI model "
                "(privacy/ner/model) is missing from this installation; reinstall Shareable, "
                "run 'python -m privacy.ner.train', or set 'nlp_engine: blank'."
            )
        with importlib.resources.as_file(resource) as path:
            nlp = spacy.load(path, exclude=["parser", "tagger", "lemmatizer"])
    else:
        path = Path(folder).expanduser()
        if not (path / "meta.json").is_file():
            raise SpecError(
                f"configs/detection.yaml: key 'nlp_engine': {folder!r} holds no spaCy pipeline "
                "(no meta.json); name a trained pipeline folder or 'shareable_ner'."
            )
        nlp = spacy.load(path)
    nlp.max_length = _MAX_LENGTH
    return nlp


def model_spans(nlp: Language, texts: Sequence[str], batch_size: int = 64) -> list[list[TextSpan]]:
    """The entities ``nlp`` finds in each text, as spans with Shareable's entity names."""
    out: list[list[TextSpan]] = []
    names = [n for n in nlp.pipe_names if n in ("tok2vec", "ner")] or nlp.pipe_names
    with nlp.select_pipes(enable=names):
        for doc in nlp.pipe(texts, batch_size=batch_size):
            spans = []
            for e in doc.ents:
                if e.label_ not in _LABELS:
                    continue
                entity = _LABELS[e.label_]
                end = e.end
                if entity in (ent.PERSON, ent.LOCATION):
                    while end - 1 > e.start and doc[end - 1].is_digit:
                        end -= 1  # "Ward 4": the unit number is no part of the place
                spans.append(TextSpan(e.start_char, doc[end - 1].idx + len(doc[end - 1]), entity,
                                      MODEL_SCORE))  # fmt: skip
            out.append(spans)
    return out


def describe_model(nlp: Language) -> str:
    """``name-version (pipes)`` of a loaded model, for reports (no data)."""
    meta = nlp.meta
    return f"{meta.get('lang', '?')}_{meta.get('name', '?')}-{meta.get('version', '?')} " + (
        f"({', '.join(nlp.pipe_names)})"
    )


_WORD = re.compile(r"[A-Za-z]+")
_INITIAL = re.compile(r"(?<![A-Za-z])[A-Za-z]\.")
_TITLE_BEFORE = re.compile(r"(?i)(?<![a-z])(dr|drs|mr|mrs|ms|miss|md|rn|np)\b'?\.?,?\s*$")
_HOME_BEFORE = re.compile(
    r"(?i)\b(lives?|living|lived|resides?|residing|home|moved)\s+(in|at|near|to)\s*$"
)
_CREDENTIAL_AFTER = re.compile(r"(?i)^\s*,?\s*(rn|rrt|md|np|pa|lpn|cna|msw|lcsw|pa-c|do)\b")
_LOOK = 24


_LARGER_PLACES = frozenset(
    {p.lower() for p in gaz.US_STATE_NAMES}
    | gaz.COUNTRIES
    | {a.lower() for a in gaz.US_STATE_ABBRS}
)


def load_filter_words() -> None:
    """Build the word lists :func:`plausible` reads (once; before worker processes fork)."""
    _ordinary_words()


@functools.cache
def _ordinary_words() -> tuple[gaz.Lexicon, frozenset[str]]:
    locales = ("en_US",)
    return gaz.lexicon(locales), gaz.first_names(locales) | gaz.last_names(locales)


def plausible(text: str, span: TextSpan) -> bool:
    """Whether a model name or place is worth reporting where no rule found anything.

    The model's false alarms are mostly ordinary words ("soft", "Channel Blockers", "nursing
    home"). A PERSON or LOCATION span made only of English dictionary words (none of them a
    listed name) is kept only with a cue: a title before ("Dr.", "Mrs") or a credential after
    (", RN"), an initial inside ("M. Kettle"), capitals in a text mostly in lower case
    ("Willow Gulch"), or, for a place, "lives in" before it. Other entities, and spans
    holding any word outside the dictionary, are kept; a date must be a possible one.
    """
    if span.entity == ent.DATE_TIME:
        return _possible_date(text, span)
    if span.entity not in (ent.PERSON, ent.LOCATION):
        return True
    lexicon, names = _ordinary_words()
    piece = text[span.start : span.end]
    if piece.strip(" .,").lower() in _LARGER_PLACES:  # states and countries are no PHI
        return False
    words = [w.lower() for w in _WORD.findall(piece) if len(w) > 1]
    if not words or any(w not in lexicon or w in names for w in words):
        return True
    if _INITIAL.search(piece) or _capitalised_in_mixed_case(text, span.start, piece):
        return True
    before = text[max(0, span.start - _LOOK) : span.start]
    if span.entity == ent.LOCATION and _HOME_BEFORE.search(before):
        return True
    return bool(_TITLE_BEFORE.search(before) or _CREDENTIAL_AFTER.match(text[span.end :]))


_MONTH_WORD = re.compile(
    r"(?i)(?<![a-z])(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?![a-z])"
)
_NUMERIC_DATE = re.compile(r"(\d{1,4})[/.\-](\d{1,2})(?:[/.\-]'?(\d{2,4}))?")
_YEAR_BEFORE = re.compile(r"(?i)\b(in|since|until|from|of|by|year|yr|circa|early|late)\s+$")
_AMOUNT_AFTER = re.compile(
    r"(?i)^\s*(days?|d|hrs?|hours?|h|min|minutes?|weeks?|wks?|months?|units?|u|mg|mcg|g|ml|cc|"
    r"l|mmhg|cm|mm|x|times|%|pm|am|bpm|liters?|lpm|beats?)\b"
)


def _possible_date(text: str, span: TextSpan) -> bool:
    """Whether a model date that no rule found has a date's shape.

    It must hold a month name or be a numeric date whose month and day exist
    (``3/14``, ``4.17.09``, ``2107-03-05``) or a year where a year is spoken of
    (``since 2104``, ``'94``), and not be followed by a unit (``1-2 days``, ``2-4 units``):
    a bare number is more often a time (``2215``) or a value.
    """
    piece = text[span.start : span.end].strip()
    if _AMOUNT_AFTER.match(text[span.end :]):
        return False
    if _MONTH_WORD.search(piece):
        return True
    if piece.isdigit():  # a year, only where a year is spoken of ("since 2104", "in '94")
        before = text[max(0, span.start - 8) : span.start]
        year = len(piece) == 4 and 1900 <= int(piece) <= 2199
        return (year and bool(_YEAR_BEFORE.search(before))) or before.endswith("'")
    match = _NUMERIC_DATE.fullmatch(piece.lstrip("'"))
    if match is None:
        return False
    first, second = int(match.group(1)), int(match.group(2))
    if len(match.group(1)) == 4:  # year first: the rest is month, day
        return 1 <= second <= 12
    return (1 <= first <= 12 and 1 <= second <= 31) or (1 <= second <= 12 and 1 <= first <= 31)


def _capitalised_in_mixed_case(text: str, start: int, piece: str) -> bool:
    """Every word of ``piece`` capitalised, mid-sentence, in a text mostly in lower case."""
    words = _WORD.findall(piece)
    if not words or not all(w[0].isupper() and not w.isupper() for w in words if len(w) > 1):
        return False
    before = text[max(0, start - 3) : start]
    if not before.strip() or re.search(r"[.:;!?\-)(\n]\s*$", before):
        return False  # a sentence or a list item starts with a capital anyway
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) < 0.5 * len(letters)
