import importlib
import inspect
import re
from pathlib import Path

import pytest
from presidio_analyzer import EntityRecognizer, PatternRecognizer
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

import privacy.recognizers as package
from privacy.entities import IDENTIFIER_ENTITIES
from privacy.recognizers.registry import (
    ENTITY_MAP,
    PRESIDIO_RECOGNIZERS,
    PROJECT_RECOGNIZERS,
    build_registry,
)

RECOGNIZER_FILES = sorted(Path(package.__file__).parent.glob("*_recognizer.py"))


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@pytest.mark.parametrize("path", RECOGNIZER_FILES, ids=lambda p: p.stem)
def test_one_recognizer_per_file_named_after_it(path):
    module = importlib.import_module(f"privacy.recognizers.{path.stem}")
    classes = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, EntityRecognizer)
        and obj.__module__ == module.__name__
    ]
    assert len(classes) == 1
    assert _snake(classes[0].__name__) == path.stem


def test_every_recognizer_file_is_registered(detection_config):
    names = {type(r).__name__ for r in build_registry(detection_config).recognizers}
    for path in RECOGNIZER_FILES:
        module = importlib.import_module(f"privacy.recognizers.{path.stem}")
        cls_name = next(n for n in vars(module) if _snake(n) == path.stem)
        assert cls_name in names


def test_every_entity_is_in_the_shared_vocabulary(analyzer):
    assert set(ENTITY_MAP.values()) <= IDENTIFIER_ENTITIES
    for recognizer in analyzer.registry.recognizers:
        assert set(recognizer.supported_entities) <= IDENTIFIER_ENTITIES, recognizer.name


def test_presidio_recognizers_are_mapped():
    for _, presidio_entity, _ in PRESIDIO_RECOGNIZERS:
        assert presidio_entity in ENTITY_MAP


@pytest.mark.parametrize(
    "cls", [c for c in PROJECT_RECOGNIZERS if issubclass(c, PatternRecognizer)]
)
def test_pattern_recognizers_document_their_checks(cls):
    assert cls.ENTITY in IDENTIFIER_ENTITIES
    assert cls.PATTERNS and all(0 < p.score <= 1 for p in cls.PATTERNS)
    for method in ("validate_result", "invalidate_result"):
        if method in vars(cls):
            assert getattr(cls, method).__doc__, f"{cls.__name__}.{method} needs its rule"


def test_blank_engine_adds_no_ner_recognizer(analyzer):
    assert not any(isinstance(r, SpacyRecognizer) for r in analyzer.registry.recognizers)


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("SSN 123-45-6788", "US_SSN"),
        ("card 4111 1111 1111 1111", "ACCOUNT_NUMBER"),
        ("IBAN GB82 WEST 1234 5698 7654 32", "ACCOUNT_NUMBER"),
        ("server 192.168.10.24", "IP_ADDRESS"),
        ("MAC 00:1B:44:11:3A:B7", "DEVICE_ID"),
        ("call (617) 253-1000", "PHONE_NUMBER"),
    ],
)
def test_presidio_findings_come_out_in_our_names(analyzer, text, entity):
    found = {r.entity_type for r in analyzer.analyze(text, language="en", score_threshold=0.4)}
    assert entity in found
    assert found <= IDENTIFIER_ENTITIES
