import pytest

from privacy.recognizers.reference_number_recognizer import ReferenceNumberRecognizer

# (text, [(matched text, lowest score, highest score)])
CASES = [
    ("results expected by noon (ref # 5190734).", [("5190734", 0.7, 1.0)]),
    ("claim no. A7731-22 filed", [("A7731-22", 0.7, 1.0)]),
    ("order number 4455667 sent", [("4455667", 0.7, 1.0)]),
    ("Accession #: S12-34567", [("S12-34567", 0.7, 1.0)]),
    ("visit # 20391 today", [("20391", 0.7, 1.0)]),
    # Negatives: counts and short numbers after the same words, fillers, bare numbers.
    ("placed order # 12 for 2 units", []),
    ("case 2 of 3 today", []),
    ("REF#00000 test", []),
    ("expected by noon 5190734", []),
    ("encounter for CHF exacerbation", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_reference_numbers(recognize, text, expected):
    found = recognize(ReferenceNumberRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "RECORD_ID"
        assert low <= score <= high
