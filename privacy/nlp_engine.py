"""The spaCy pipeline behind Presidio, built from installed packages only.

:class:`BlankSpacyNlpEngine` is a blank English pipeline with a sentencizer and a lookup
lemmatizer whose tables come from ``spacy-lookups-data`` (lemmas are what make Presidio's
context words work); it has no named-entity model. :class:`ShippedNerNlpEngine`, the default
(``nlp_engine: shareable_ner``), is the same pipeline for Presidio plus the PHI model shipped in
the package (:mod:`privacy.ner.model`), which :mod:`privacy.text_detection` runs once per batch
of texts (``nlp.pipe``) beside the rules. :func:`build_nlp_engine` returns one of them, or, when
``configs/detection.yaml`` names an installed spaCy model, Presidio's own engine for that
model. Nothing here ever downloads anything.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import spacy
from presidio_analyzer.nlp_engine import (
    NerModelConfiguration,
    NlpEngine,
    NlpEngineProvider,
    SpacyNlpEngine,
)

from privacy.detection_config import BLANK_ENGINE, DEFAULT_CONFIG_PATH, SHIPPED_ENGINE
from privacy.errors import SpecError
from privacy.ner.model import describe_model, load_filter_words, load_model, model_spans
from privacy.recognizers.registry import ENTITY_MAP, NER_LABELS
from privacy.spans import TextSpan

if TYPE_CHECKING:
    from privacy.detection_config import DetectionConfig

LANGUAGE = "en"
MAX_TEXT_LENGTH = 10_000_000
"""Longest text the pipeline accepts (spaCy's default of 1,000,000 is low for notes)."""

logger = logging.getLogger(__name__)

# Labels of trained English pipelines (OntoNotes, WikiNER) that are not identifiers here.
_IGNORED_NER_LABELS = (
    "ORG", "NORP", "FAC", "DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT",
    "QUANTITY", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "MISC",
)  # fmt: skip


class BlankSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine over ``spacy.blank("en")`` + sentencizer + lookup lemmatizer.

    Needs no model download: the lemma tables are read from the ``spacy-lookups-data``
    package when the pipeline is built. Reports no named entities.
    """

    def __init__(self) -> None:
        super().__init__(
            models=[{"lang_code": LANGUAGE, "model_name": BLANK_ENGINE}],
            ner_model_configuration=NerModelConfiguration(labels_to_ignore=_IGNORED_NER_LABELS),
        )

    def load(self) -> None:
        """Build the pipeline (no download; the lemma lookup table is read from disk)."""
        nlp = spacy.blank(LANGUAGE)
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
        nlp.max_length = MAX_TEXT_LENGTH
        self.nlp = {LANGUAGE: nlp}

    def get_supported_entities(self) -> list[str]:
        """Return no entities: a blank pipeline has no named-entity model."""
        return []


class ShippedNerNlpEngine(BlankSpacyNlpEngine):
    """The blank pipeline for Presidio's context words, plus the shipped PHI model.

    Presidio sees no entities from it (``get_supported_entities`` is empty: no recognizer
    reads the model, so the rules keep their fast lazy path); :meth:`find_spans` runs the
    model over a batch of texts and :mod:`privacy.text_detection` adds what it finds.
    """

    def load(self) -> None:
        """Build the blank pipeline and load the shipped model (package data, no download)."""
        super().load()
        self.ner = load_model()
        load_filter_words()

    def find_spans(self, texts: list[str], batch_size: int) -> list[list[TextSpan]]:
        """The model's spans in each text (``nlp.pipe`` in batches of ``batch_size``)."""
        return model_spans(self.ner, texts, batch_size)


def build_nlp_engine(config: DetectionConfig) -> NlpEngine:
    """Return the loaded NLP engine that ``config.nlp_engine`` names.

    Args:
        config: The detection config; ``nlp_engine`` is ``"shareable_ner"``, ``"blank"``, the
            name of an installed spaCy model package, or the path of a model folder.

    Returns:
        A loaded Presidio NLP engine for English.

    Raises:
        SpecError: The named model is neither an installed package nor an existing folder
            (Shareable never downloads models).
    """
    name = config.nlp_engine
    if name in (BLANK_ENGINE, SHIPPED_ENGINE):
        engine: NlpEngine = BlankSpacyNlpEngine() if name == BLANK_ENGINE else ShippedNerNlpEngine()
        engine.load()
        return engine
    if not (spacy.util.is_package(name) or Path(name).expanduser().is_dir()):
        raise SpecError(
            f"{DEFAULT_CONFIG_PATH.name}: key 'nlp_engine': spaCy model {name!r} is not "
            "installed (no package and no folder of that name), and Shareable does not "
            "download models. Install it into this environment (for a trained English "
            "pipeline, its wheel from the spaCy releases page) or set 'nlp_engine: blank'."
        )
    model_name = str(Path(name).expanduser()) if Path(name).expanduser().is_dir() else name
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": LANGUAGE, "model_name": model_name}],
            "ner_model_configuration": {
                "model_to_presidio_entity_mapping": {k: ENTITY_MAP[k] for k in NER_LABELS},
                "labels_to_ignore": list(_IGNORED_NER_LABELS),
            },
        }
    )
    engine = provider.create_engine()
    for nlp in engine.nlp.values():  # type: ignore[attr-defined]
        nlp.max_length = MAX_TEXT_LENGTH
    return engine


def describe_nlp_engine(engine: NlpEngine) -> str:
    """One line naming the engine and its pipeline, for reports (no data)."""
    nlp = engine.nlp.get(LANGUAGE) if isinstance(engine.nlp, dict) else None  # type: ignore[attr-defined]
    if nlp is None:
        return type(engine).__name__
    meta = nlp.meta
    kind = (
        "blank"
        if isinstance(engine, BlankSpacyNlpEngine)
        else f"{meta.get('lang', '?')}_{meta.get('name', '?')}-{meta.get('version', '?')}"
    )
    described = (
        f"spaCy {spacy.__version__} {LANGUAGE} {kind} "
        f"({', '.join(nlp.pipe_names) or 'tokenizer only'})"
    )
    if isinstance(engine, ShippedNerNlpEngine):
        described += f" + PHI model {describe_model(engine.ner)}"
    return described
