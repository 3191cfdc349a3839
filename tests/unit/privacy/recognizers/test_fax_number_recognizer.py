import pytest

from privacy.recognizers.fax_number_recognizer import FaxNumberRecognizer

CASES = [
    ("Fax: (617) 555-0199", [("(617) 555-0199", 0.9)]),
    ("fax 617-555-0199", [("617-555-0199", 0.9)]),
    ("fax no. 617.555.0199", [("617.555.0199", 0.9)]),
    ("FAX # +1 617 555 0199", [("+1 617 555 0199", 0.9)]),
    # Negatives
    ("phone 617-555-0199", []),
    ("fax machine broken", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_fax_numbers(recognize, text, expected):
    found = recognize(FaxNumberRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _ in expected]
    for (entity, _, score), (_, low) in zip(found, expected, strict=True):
        assert entity == "FAX_NUMBER"
        assert score >= low
