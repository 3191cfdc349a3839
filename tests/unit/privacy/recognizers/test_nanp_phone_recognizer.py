import pytest

from privacy.recognizers.nanp_phone_recognizer import NanpPhoneRecognizer

CASES = [
    ("(617) 234-5678", [("(617) 234-5678", 0.45, 0.45)]),
    ("930.167.3943", [("930.167.3943", 0.45, 0.45)]),  # unassigned exchange: still a phone
    ("+1 617 234 5678", [("+1 617 234 5678", 0.45, 0.45)]),
    ("Phone: 467 3395", [("467 3395", 0.75, 1.0)]),  # labelled local number
    ("cell 0393 1144137", [("0393 1144137", 0.75, 1.0)]),
    ("Call: 617-234-5678", [("617-234-5678", 0.75, 1.0)]),
    # Negatives
    ("6172345678", []),  # bare 10 digits: an NPI or a code as often as a phone
    ("123-45-6789", []),  # SSN shape
    ("ABG 7.31/59/110/31", []),
    ("phone 12345", []),  # too short to dial
    ("Phone: 000 0000", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_phone_numbers(recognize, text, expected):
    found = recognize(NanpPhoneRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "PHONE_NUMBER"
        assert low <= score <= high
