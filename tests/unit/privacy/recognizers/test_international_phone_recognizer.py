import pytest

from privacy.recognizers.international_phone_recognizer import InternationalPhoneRecognizer

CASES = [
    ("Call me at (617) 234-5678 today", ["(617) 234-5678"]),
    ("office 617.234.5678", ["617.234.5678"]),
    # Negatives: blood gases and slash- or decimal-joined values.
    ("ABG 7.34/50/95/28/0 on 40%", []),
    ("PAP 2.8-3.2/900-700", []),
    ("CO/CI/SVR 3.43/1.98/1600", []),
    ("short 12345", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_phone_numbers(recognize, text, expected):
    found = recognize(InternationalPhoneRecognizer, text)
    assert [m for _, m, _ in found] == expected
