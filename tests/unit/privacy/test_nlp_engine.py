import socket

import pytest
import spacy

from privacy.analyzer import get_analyzer
from privacy.detection_config import DetectionConfig
from privacy.errors import SpecError
from privacy.nlp_engine import BlankSpacyNlpEngine, build_nlp_engine, describe_nlp_engine
from privacy.text_detection import detect_spans


def test_blank_engine_needs_no_download(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a model download was attempted")

    monkeypatch.setattr(spacy.cli, "download", refuse)
    engine = build_nlp_engine(DetectionConfig())
    assert isinstance(engine, BlankSpacyNlpEngine)
    nlp = engine.get_nlp("en")
    assert nlp.pipe_names == ["sentencizer", "lemmatizer"]
    assert engine.get_supported_entities() == []


@pytest.mark.parametrize(
    ("word", "lemma"), [("daughters", "daughter"), ("licenses", "license"), ("born", "bear")]
)
def test_lemmas_come_from_the_lookup_tables(analyzer, word, lemma):
    artifacts = analyzer.nlp_engine.process_text(f"the {word}", "en")
    assert artifacts.lemmas[-1] == lemma


def test_context_words_work_through_lemmas(analyzer):
    # "records" is lemmatised to "record", a context word of the MRN recognizer.
    found = analyzer.analyze("records show 8765432", language="en", score_threshold=0.4)
    assert [r.entity_type for r in found] == ["MEDICAL_RECORD_NUMBER"]


def test_a_model_that_is_not_installed_is_refused(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a model download was attempted")

    monkeypatch.setattr(spacy.cli, "download", refuse)
    with pytest.raises(
        SpecError, match=r"'nlp_engine': spaCy model 'en_core_web_lg' is not installed"
    ):
        build_nlp_engine(DetectionConfig(nlp_engine="en_core_web_lg"))


def test_a_model_folder_adds_its_named_entities(tmp_path):
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "PERSON", "pattern": "Zyx Qwv"},
            {"label": "GPE", "pattern": "Qwertyville"},
            {"label": "ORG", "pattern": "Acme"},
        ]
    )
    nlp.to_disk(tmp_path / "model")
    config = DetectionConfig(nlp_engine=str(tmp_path / "model"))
    assert "entity_ruler" in describe_nlp_engine(get_analyzer(config).nlp_engine)
    (spans,) = detect_spans(["met Zyx Qwv at Acme in Qwertyville"], config)
    text = "met Zyx Qwv at Acme in Qwertyville"
    assert [(s.entity, text[s.start : s.end]) for s in spans] == [
        ("PERSON", "Zyx Qwv"),
        ("LOCATION", "Qwertyville"),
    ]


def test_building_an_analyzer_never_touches_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(spacy.cli, "download", refuse)
    config = DetectionConfig(score_threshold=0.41)  # a new config: a new analyzer is built
    (spans,) = detect_spans(["mail jane@hospital.org or see www.hospital.org"], config)
    assert [s.entity for s in spans] == ["EMAIL_ADDRESS", "URL"]
