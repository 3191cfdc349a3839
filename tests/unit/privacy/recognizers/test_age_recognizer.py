import pytest

from privacy.recognizers.age_recognizer import AgeRecognizer

CASES = [
    ("93-year-old man", [("93", 0.85, 0.85)]),
    ("a 93 year old", [("93", 0.85, 0.85)]),
    ("93 yo female", [("93", 0.85, 0.85)]),
    ("91yof", [("91", 0.85, 0.85)]),
    ("age 93", [("93", 0.85, 1.0)]),
    ("aged 91", [("91", 0.85, 1.0)]),
    ("Age: 102", [("102", 0.85, 1.0)]),
    ("92 years of age", [("92", 0.85, 0.85)]),
    ("over 90 years old", [("90", 0.85, 0.85)]),
    # Negatives: ages up to 89 stay under Safe Harbor, and numbers that are not ages
    ("87 yo", []),
    ("a 45 y/o male", []),
    ("age 150", []),
    ("14 years ago", []),
    ("93 kg", []),
    ("page 93", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_ages(recognize, text, expected):
    found = recognize(AgeRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "AGE"
        assert low <= score <= high


@pytest.mark.parametrize(
    ("min_age", "text", "invalid"),
    [(90, "89", True), (90, "90", False), (0, "45", False), (0, "126", True)],
)
def test_min_age(min_age, text, invalid):
    assert AgeRecognizer(min_age=min_age).invalidate_result(text) is invalid
