import pytest

from privacy.recognizers.account_number_recognizer import AccountNumberRecognizer

CASES = [
    ("Acct# 12345678", [("12345678", 0.85, 1.0)]),
    ("account number AB-20931", [("AB-20931", 0.85, 1.0)]),
    ("ACCT-99887766", [("ACCT-99887766", 0.85, 1.0)]),
    ("billing account: 55512399", [("55512399", 0.85, 1.0)]),
    ("guarantor acct 7789001", [("7789001", 0.85, 1.0)]),
    # Negatives
    ("account 0000000", []),  # placeholder
    ("accounts were reviewed", []),
    ("acct balance is zero", []),
    ("12345678", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_account_numbers(recognize, text, expected):
    found = recognize(AccountNumberRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "ACCOUNT_NUMBER"
        assert low <= score <= high
