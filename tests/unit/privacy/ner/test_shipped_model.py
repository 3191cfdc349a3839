"""The shipped PHI model: it loads offline from the package and finds what the rules missed.

Every sentence here is invented for these tests (names, towns and hospitals included); none is
a line of the evaluation corpus (tests/unit/test_examples_are_hand_written.py checks).
"""

from __future__ import annotations

import importlib.resources
import socket

import pytest

from privacy import entities as ent
from privacy.analyzer import describe_detector, get_analyzer
from privacy.detection_config import BLANK_ENGINE, SHIPPED_ENGINE, DetectionConfig
from privacy.ner.model import load_model, model_spans
from privacy.nlp_engine import ShippedNerNlpEngine
from privacy.text_detection import detect_spans


@pytest.fixture(scope="module")
def config() -> DetectionConfig:
    return DetectionConfig(nlp_engine=SHIPPED_ENGINE, workers=1)


def _covered(text: str, spans, phrase: str, entities: set[str] | None = None) -> bool:
    """Whether every letter or digit of ``phrase`` (in ``text``) lies inside a found span."""
    start = text.index(phrase)
    positions = [i for i in range(start, start + len(phrase)) if text[i].isalnum()]
    return all(
        any(s.start <= i < s.end and (entities is None or s.entity in entities) for s in spans)
        for i in positions
    )


def test_the_weights_are_package_data_and_load_without_network(monkeypatch) -> None:
    folder = importlib.resources.files("privacy.ner").joinpath("model")
    assert folder.joinpath("meta.json").is_file()
    assert folder.joinpath("ner").joinpath("model").is_file()

    def refuse(*args, **kwargs):
        raise AssertionError("the model tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    nlp = load_model.__wrapped__()  # a fresh load, not the cached one
    text = "Spoke with Dr. Ondrej Halvorsen about the plan for tomorrow."
    (found,) = model_spans(nlp, [text])
    assert _covered(text, found, "Halvorsen", {ent.PERSON})


def test_a_missing_model_folder_is_a_clear_error(tmp_path) -> None:
    from privacy.errors import SpecError

    with pytest.raises(SpecError, match=r"'nlp_engine'.*holds no spaCy pipeline"):
        load_model.__wrapped__(str(tmp_path))


NAME_OR_PLACE = {ent.PERSON, ent.LOCATION}

# One row per miss shape of issue 14: (text, phrase that must be covered, entities accepted).
POSITIVES = [
    # A surname that is also an English word, after a title or in a signature.
    ("Potassium repleted, discussed with Dr. Kettle at noon.", "Kettle", {ent.PERSON}),
    ("Heparin held per dr lantern until the morning labs.", "lantern", {ent.PERSON}),
    ("Suctioned for thick secretions. M. BADGER, RRT", "BADGER", {ent.PERSON}),
    # A name with no cue, at the start of a sentence.
    ("Orsolya Brandtner visited this afternoon and brought photos.", "Brandtner", {ent.PERSON}),
    # A small town in no city list (found; in lower case it may be labelled a name - the
    # redaction is the same).
    ("Pt lives in willow gulch with his wife and two dogs.", "willow gulch", NAME_OR_PLACE),
    ("Her sister drove down from Willow Gulch today.", "Willow Gulch", {ent.LOCATION}),
    # Composed and religious hospital names.
    # (the name and the generic words inside it; a trailing "Hospital" may stay outside)
    ("Transferred from Our Lady of Solace Hosp this am.", "Our Lady of Solace", None),
    (
        "Arrived from Brannick Point Regional Medical Center by ambulance.",
        "Brannick Point Regional",
        None,
    ),
    # Date shapes: M-D, M.D.YY, lower-case d-mon, a year past 2100.
    ("Echo done 3-14, repeat planned before discharge.", "3-14", {ent.DATE_TIME}),
    ("Last seen in clinic 4.17.09 for a dressing change.", "4.17.09", {ent.DATE_TIME}),
    ("Cath on 12-mar showed a tight LAD lesion.", "12-mar", {ent.DATE_TIME}),
    ("Has had a pacemaker since 2104, checked yearly.", "2104", {ent.DATE_TIME}),
    # Pager numbers.
    ("Covering resident can be reached on Pager 48213 overnight.", "48213", {ent.PHONE_NUMBER}),
    ("Page the fellow at PG 7-3391 with the results.", "7-3391", {ent.PHONE_NUMBER}),
]


@pytest.mark.parametrize(("text", "phrase", "entities"), POSITIVES)
def test_the_combined_detector_finds_each_miss_shape(config, text, phrase, entities) -> None:
    (found,) = detect_spans([text], config)
    assert _covered(text, found, phrase, entities), [
        (text[s.start : s.end], s.entity) for s in found
    ]


NEGATIVES = [
    # Clinical words, doses and vital signs that are no PHI.
    ("Lasix 40 mg IV given with good urine output, lungs clear.", ("Lasix", "urine", "lungs")),
    ("Afebrile, skin warm and dry, turned every two hours.", ("Afebrile", "skin", "turned")),
    ("Pt alert and oriented, follows commands, MAE.", ("alert", "oriented", "commands")),
    ("Plan: wean vent as tolerated, continue tube feeds.", ("wean", "vent", "feeds")),
]


@pytest.mark.parametrize(("text", "words"), NEGATIVES)
def test_clinical_words_are_not_flagged(config, text, words) -> None:
    (found,) = detect_spans([text], config)
    for word in words:
        start = text.index(word)
        assert not any(s.start < start + len(word) and start < s.end for s in found), word


def test_the_shipped_model_is_the_default_and_the_rules_alone_stay_configurable() -> None:
    assert isinstance(get_analyzer(DetectionConfig()).nlp_engine, ShippedNerNlpEngine)
    rules = get_analyzer(DetectionConfig(nlp_engine=BLANK_ENGINE)).nlp_engine
    assert not isinstance(rules, ShippedNerNlpEngine)
    assert "PHI model" in describe_detector(DetectionConfig())["nlp_engine"]


def test_batches_and_single_texts_agree(config) -> None:
    texts = [row[0] for row in POSITIVES]
    together = detect_spans(texts, config)
    alone = [detect_spans([t], config)[0] for t in texts]
    assert together == alone
