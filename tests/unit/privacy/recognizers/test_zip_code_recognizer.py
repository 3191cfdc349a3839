import pytest

from privacy.recognizers.zip_code_recognizer import ZipCodeRecognizer

CASES = [
    ("Boston, MA 02118", [("02118", 0.75, 0.75)]),
    ("Boston, MA 02118-2393", [("02118-2393", 0.75, 0.75)]),
    ("Lincoln, Nebraska 68504", [("68504", 0.75, 0.75)]),
    ("zip: 03601", [("03601", 0.85, 1.0)]),  # restricted ZIP3 036: still a ZIP
    ("postal code 01013", [("01013", 0.85, 1.0)]),
    ("02118-2393", [("02118-2393", 0.5, 0.5)]),
    ("zip 693391143", [("693391143", 0.85, 1.0)]),  # ZIP+4 without dash (Synthea providers)
    # Negatives
    ("02118", []),  # five digits alone: a count as often as a ZIP
    ("the zip is 00000", []),  # below 00501, never assigned
    ("in 12345 cases", []),  # 'in' is not Indiana
    ("total 12345 mg", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_zip_codes(recognize, text, expected):
    found = recognize(ZipCodeRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "ZIP_CODE"
        assert low <= score <= high
