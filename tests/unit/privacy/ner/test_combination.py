"""How the model's spans join the rules' (privacy.text_detection.combine, ner.model.plausible).

Hand-written texts; spans are placed by hand, so these tests do not depend on the weights.
"""

from __future__ import annotations

import pytest

from privacy import entities as ent
from privacy.ner.model import MODEL_SCORE, plausible
from privacy.spans import TextSpan
from privacy.text_detection import combine, merge_spans


def _span(text: str, phrase: str, entity: str, score: float = MODEL_SCORE) -> TextSpan:
    start = text.index(phrase)
    return TextSpan(start, start + len(phrase), entity, score)


PLAUSIBLE = [
    # (text, phrase the model marked, entity, kept?)
    ("ABDOMEN SOFT, BOWEL SOUNDS PRESENT.", "SOFT", ent.PERSON, False),
    ("Transferred from nursing home with a stage 2 ulcer.", "nursing home", ent.LOCATION, False),
    ("Allergies: calcium channel blockers, latex.", "channel blockers", ent.PERSON, False),
    ("Plan reviewed with Dr. Kettle this morning.", "Kettle", ent.PERSON, True),
    ("Vent settings unchanged. M. BADGER, RRT", "M. BADGER", ent.PERSON, True),
    ("SUCTIONED X2 BY T. OTTER RRT", "OTTER", ent.PERSON, True),
    ("pt lives in willow gulch with his wife.", "willow gulch", ent.LOCATION, True),
    ("Her sister drove down from Willow Gulch today.", "Willow Gulch", ent.LOCATION, True),
    ("Spoke with Orsolya Brandtner by phone.", "Orsolya Brandtner", ent.PERSON, True),
    ("CI 2.9, SVR ratio 40/19 on the monitor.", "40/19", ent.DATE_TIME, False),
    ("Repeat echo planned for 3/14 per cardiology.", "3/14", ent.DATE_TIME, True),
    ("Seen in clinic 4.17.09 for a dressing change.", "4.17.09", ent.DATE_TIME, True),
    ("Call back at 555-0142 after rounds.", "555-0142", ent.PHONE_NUMBER, True),
    ("Cath on 12-mar showed a tight lesion.", "12-mar", ent.DATE_TIME, True),
    ("Follow up 2107-03-05 in the clinic.", "2107-03-05", ent.DATE_TIME, True),
    ("Expect to stay in the unit 1-2 days.", "1-2", ent.DATE_TIME, False),
    ("Insulin gtt titrated from 2-4 units per hour.", "2-4", ent.DATE_TIME, False),
    ("Extubated at 2215 without difficulty.", "2215", ent.DATE_TIME, False),
    ("A cousin in Vermont was called.", "Vermont", ent.LOCATION, False),
    ("Dressing change done. Plastics will follow.", "Plastics", ent.PERSON, False),
    ("Pacemaker placed in 2104, checked yearly.", "2104", ent.DATE_TIME, True),
    ("Extubated 2120, tolerating well.", "2120", ent.DATE_TIME, False),
]


@pytest.mark.parametrize(("text", "phrase", "entity", "kept"), PLAUSIBLE)
def test_plausible(text, phrase, entity, kept) -> None:
    assert plausible(text, _span(text, phrase, entity)) is kept


def test_a_structured_rule_span_keeps_its_label_over_the_model() -> None:
    text = "SSN 123-45-6788 on file."
    rules = [_span(text, "123-45-6788", ent.US_SSN, 0.5)]
    model = [_span(text, "123-45-6788", ent.PHONE_NUMBER)]
    combined = combine(text, rules, model)
    assert {s.entity for s in combined} == {ent.US_SSN}


def test_model_spans_beside_rules_are_kept_and_implausible_ones_dropped() -> None:
    text = "Discussed with Dr. Kettle; abdomen soft."
    rules = [_span(text, "Dr. Kettle", ent.PERSON, 0.6)]
    model = [_span(text, "Kettle", ent.PERSON), _span(text, "soft", ent.PERSON)]
    combined = combine(text, rules, model)
    assert [text[s.start : s.end] for s in combined] == ["Dr. Kettle", "Kettle"]


def test_where_rules_and_model_overlap_the_rules_name_the_entity() -> None:
    text = "Covering resident on Pager 48213 overnight."
    rules = [_span(text, "48213", ent.PHONE_NUMBER, 0.6)]
    model = [_span(text, "48213", ent.DATE_TIME)]
    assert {s.entity for s in combine(text, rules, model)} == {ent.PHONE_NUMBER}


def test_between_a_name_and_a_place_the_model_names_the_entity() -> None:
    text = "Pt lives in Willow Gulch with his wife."
    rules = [_span(text, "Willow Gulch", ent.PERSON, 0.6)]
    model = [_span(text, "Willow Gulch", ent.LOCATION)]
    merged = merge_spans(combine(text, rules, model))
    assert [s.entity for s in merged] == [ent.LOCATION]


def test_a_model_span_overlapping_a_rule_span_is_kept_even_without_a_cue() -> None:
    text = "Family meeting held; plan is comfort care."
    rules = [_span(text, "comfort", ent.PERSON, 0.5)]
    model = [_span(text, "comfort care", ent.PERSON)]
    found = [(text[s.start : s.end], s.entity) for s in combine(text, rules, model)]
    assert ("comfort care", ent.PERSON) in found
