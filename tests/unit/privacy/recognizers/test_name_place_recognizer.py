import pytest

from privacy.recognizers.name_place_recognizer import NamePlaceRecognizer

P, L = "PERSON", "LOCATION"

# (text, [(entity, matched text)])
CASES = [
    # Titles, roles and cues
    ("Seen by Dr. Smith today.", [(P, "Smith")]),
    ("Dr. Balistreri called.", [(P, "Balistreri")]),  # unseen name after a title
    ("Mrs. Jane Doe arrived", [(P, "Jane Doe")]),
    ("DR. BALISTRERI SAW PT", [(P, "BALISTRERI")]),  # all-caps note
    ("f/u with dr draper tomorrow", [(P, "draper")]),
    ("His daughter Mary called.", [(P, "Mary")]),
    ("wife, Jane Smith, at bedside", [(P, "Jane Smith")]),
    ("DAUGHTER MARY CALLED", [(P, "MARY")]),
    ("Spoke with Balistreri about results", [(P, "Balistreri")]),
    ("Jane Doe, RN", [(P, "Jane Doe")]),
    # Gazetteer names
    ("John Smith", [(P, "John Smith")]),
    ("Mary Ann Smith was admitted", [(P, "Mary Ann Smith")]),
    ("John Q. Public", [(P, "John Q. Public")]),
    ("Smith, John", [(P, "Smith, John")]),
    ("SMITH, JOHN", [(P, "SMITH, JOHN")]),
    ("Ubul Csonka listed his top ten", [(P, "Ubul Csonka")]),  # capitalised pair
    # Places
    ("Chicopee, MA", [(L, "Chicopee")]),
    ("Springfield, Massachusetts 01101", [(L, "Springfield")]),
    ("Hampden County", [(L, "Hampden County")]),
    ("County of Essex", [(L, "County of Essex")]),
    ("lives in Springfield", [(L, "Springfield")]),
    # Clinical shorthand is no credential, common words no names.
    ("RIJ PA line in place, PA 35/22", []),
    ("Elevated PA numbers overnight", []),
    ("O2 DOWN TO 2L NP, LUNGS CLEAR", []),
    ("PT WILL NEED PEG", []),
    ("DR. BISHOP AWARE-ORDER FOR LOPRESSOR", [(P, "BISHOP")]),
    ("CABG, MVR, MI in 1981", []),  # MI: myocardial infarction, not Michigan
    ("ALLERGIES: CODEINE,CA CHANNEL BLOCKERS", []),
    ("Lives at 12 Elm St, Chicopee, MA 01013", [(L, "Chicopee")]),
    ("Boston", [(L, "Boston")]),  # a US place in Faker's geo data
    ("Jacksonville", [(L, "Jacksonville")]),  # city-like ending
    # Negatives: common words, clinical terms, states, titles alone
    ("her son will call tomorrow", []),
    ("Hope", []),
    ("Will", []),
    ("Grace Period", []),
    ("Brown", []),
    ("in April", []),
    ("Patient reports no pain at rest", []),
    ("Well child visit (procedure)", []),
    ("Acute bronchitis (disorder)", []),
    ("Alzheimer's disease (disorder)", []),
    ("Foley catheter draining well", []),
    ("Vitals every hour - see Careview.", []),  # a charting system, not a -view town
    # A name that is also a clinical word counts only after a title.
    ("Ms. Amber Haley admitted with COPD", [(P, "Amber Haley")]),
    ("Anthony Brady seen for syncope", [(P, "Anthony Brady")]),
    ("Amber Whitaker seen for syncope", [(P, "Amber Whitaker")]),
    ("plan discussed with Amber", [(P, "Amber")]),
    ("Chase Cook seen for syncope", [(P, "Chase Cook")]),
    ("urine amber and clear; ambulates with Walker", []),
    ("Understands only a little English", []),
    ("moved to Florida", []),  # a state is allowed
    ("Massachusetts", []),
    ("New York", []),
    ("PAIN, OR SWELLING", []),
    ("Mr.", []),
    ("PhD", []),
    ("GENERAL PRACTICE", []),
    ("white", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_names_and_places(recognize, text, expected):
    found = recognize(NamePlaceRecognizer, text)
    assert [(e, m) for e, m, _ in found] == expected
    assert all(0.45 <= score <= 1.0 for _, _, score in found)


@pytest.mark.parametrize(
    ("text", "rule_score"),
    [("Dr. Smith", 0.85), ("John Smith", 0.85), ("Smith, John", 0.8), ("Ubul Csonka", 0.45)],
)
def test_scores_follow_the_strength_of_the_cue(recognize, text, rule_score):
    (_, _, score), *_ = recognize(NamePlaceRecognizer, text)
    assert score == pytest.approx(rule_score)


def test_other_locales_extend_the_gazetteer():
    text = "Visit by Guadalupe Zapata"
    us = NamePlaceRecognizer(locales=("en_US",))
    mx = NamePlaceRecognizer(locales=("en_US", "es_MX"))
    assert "zapata" not in us.last
    assert "zapata" in mx.last
    assert [text[r.start : r.end] for r in mx.analyze(text, ["PERSON"])] == ["Guadalupe Zapata"]


def test_only_requested_entities_are_returned(recognize):
    recognizer = NamePlaceRecognizer()
    text = "John Smith of Hampden County"
    assert {r.entity_type for r in recognizer.analyze(text, ["LOCATION"])} == {"LOCATION"}
    assert {r.entity_type for r in recognizer.analyze(text, ["PERSON"])} == {"PERSON"}
