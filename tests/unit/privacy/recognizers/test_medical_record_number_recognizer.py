import pytest

from privacy.recognizers.medical_record_number_recognizer import MedicalRecordNumberRecognizer

# (text, [(matched text, lowest score, highest score)])
CASES = [
    ("MRN-123456", [("MRN-123456", 0.85, 1.0)]),
    ("MRN: 1234567", [("1234567", 0.85, 1.0)]),
    ("mrn 7654321 on file", [("7654321", 0.85, 1.0)]),
    ("MR# 123456", [("123456", 0.85, 1.0)]),
    ("Medical record number 4455667", [("4455667", 0.85, 1.0)]),
    ("chart # 445566", [("445566", 0.85, 1.0)]),
    ("patient MRN is 8765432 today", [("8765432", 0.85, 1.0)]),
    ("record 8765432", [("8765432", 0.4, 0.45)]),  # bare digits need a context word
    # Negatives
    ("8765432", []),
    ("He weighs 1234567 units", []),
    ("SNOMED code 410620009", []),
    ("MRN: 0000000", []),  # a filler, not an MRN
    ("record 1111111", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_medical_record_numbers(recognize, text, expected):
    found = recognize(MedicalRecordNumberRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "MEDICAL_RECORD_NUMBER"
        assert low <= score <= high
