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
from collections.abc import Sequence
from pathlib import Path

import spacy
from spacy.language import Language

from privacy import entities as ent
from privacy.errors import SpecError
from privacy.spans import TextSpan

__all__ = ["MODEL_SCORE", "describe_model", "load_model", "model_spans"]

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
            out.append(
                [
                    TextSpan(e.start_char, e.end_char, _LABELS[e.label_], MODEL_SCORE)
                    for e in doc.ents
                    if e.label_ in _LABELS
                ]
            )
    return out


def describe_model(nlp: Language) -> str:
    """``name-version (pipes)`` of a loaded model, for reports (no data)."""
    meta = nlp.meta
    return f"{meta.get('lang', '?')}_{meta.get('name', '?')}-{meta.get('version', '?')} " + (
        f"({', '.join(nlp.pipe_names)})"
    )
