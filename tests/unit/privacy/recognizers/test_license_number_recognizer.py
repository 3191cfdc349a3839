import pytest

from privacy.recognizers.license_number_recognizer import LicenseNumberRecognizer

CASES = [
    ("DL: S99984236", [("S99984236", 0.85, 1.0)]),  # Synthea DRIVERS
    ("driver's license S99984236", [("S99984236", 0.85, 1.0)]),
    ("passport X19277260X", [("X19277260X", 0.65, 1.0)]),  # Synthea PASSPORT
    ("license # A1234567", [("A1234567", 0.85, 1.0)]),
    ("certificate no. 556677", [("556677", 0.85, 1.0)]),
    ("NPI 1234567893", [("1234567893", 0.85, 1.0)]),
    ("DEA AB1234563", [("AB1234563", 1.0, 1.0)]),
    ("AB1234563", [("AB1234563", 1.0, 1.0)]),  # valid DEA check digit: certain
    # Negatives
    ("AB1234567", []),  # DEA shape, wrong check digit, no context
    ("S99984236", []),  # licence shape alone is too weak
    ("X19277260X", []),
    ("licensed practical nurse", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_license_numbers(recognize, text, expected):
    found = recognize(LicenseNumberRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "LICENSE_NUMBER"
        assert low <= score <= high


@pytest.mark.parametrize(
    ("text", "verdict"),
    [("AB1234563", True), ("BJ6125341", True), ("AB1234567", None), ("S99984236", None)],
)
def test_dea_check_digit(text, verdict):
    assert LicenseNumberRecognizer().validate_result(text) is verdict
