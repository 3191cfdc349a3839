import pytest

from privacy.recognizers.nanp_phone_recognizer import NanpPhoneRecognizer

CASES = [
    ("(617) 234-5678", [("(617) 234-5678", 0.45, 0.45)]),
    ("930.167.3943", [("930.167.3943", 0.45, 0.45)]),  # unassigned exchange: still a phone
    ("+1 617 234 5678", [("+1 617 234 5678", 0.45, 0.6)]),
    ("+41 (0)38 549 02 90", [("+41 (0)38 549 02 90", 0.6, 0.6)]),  # international
    ("call me on 0494 92 82 32", [("0494 92 82 32", 0.6, 0.6)]),  # trunk prefix, label
    ("Pager #12345", [("12345", 0.6, 1.0)]),  # pager numbers are short
    ("PG 23456", [("23456", 0.6, 1.0)]),
    ("PG 7-3391 after 6pm", [("7-3391", 0.6, 1.0)]),  # a pager's own grouping
    ("beeper 12-48211", [("12-48211", 0.6, 1.0)]),
    ("contact: 135-442-9738.", [("135-442-9738", 0.5, 1.0)]),  # unassigned area code
    ("(301 273 45166)", [("301 273 45166", 0.5, 0.5)]),  # odd grouping in parentheses
    ("call 410 392 0780 x45", [("410 392 0780", 0.45, 1.0), ("x45", 0.5, 0.5)]),
    ("Phone: 467 3395", [("467 3395", 0.75, 1.0)]),  # labelled local number
    ("cell 0393 1144137", [("0393 1144137", 0.75, 1.0)]),
    ("Call: 617-234-5678", [("617-234-5678", 0.75, 1.0)]),
    # Negatives
    ("6172345678", []),  # bare 10 digits: an NPI or a code as often as a phone
    ("123-45-6789", []),  # SSN shape
    ("ABG 7.31/59/110/31", []),
    ("phone 12345", []),  # too short to dial
    ("Phone: 000 0000", []),
    ("SSN 012-34-5678", []),  # SSN shape even with a leading zero
    ("vent AC 600x12 peep 5", []),  # ventilator settings, not an extension
    ("rates 0.5 10 20", []),
    ("page 3-4 of the consent", []),  # a page range is no pager: too few digits
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_phone_numbers(recognize, text, expected):
    found = recognize(NanpPhoneRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "PHONE_NUMBER"
        assert low <= score <= high
