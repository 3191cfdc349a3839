import pytest

from privacy.recognizers.health_plan_id_recognizer import HealthPlanIdRecognizer

CASES = [
    ("1EG4-TE5-MK73", [("1EG4-TE5-MK73", 0.7, 0.7)]),  # CMS MBI, display form
    ("1EG4TE5MK73", [("1EG4TE5MK73", 0.5, 0.5)]),
    ("Medicare beneficiary 1EG4TE5MK73", [("1EG4TE5MK73", 0.85, 1.0)]),
    ("Member ID: XYZ123456789", [("XYZ123456789", 0.85, 1.0)]),
    ("insurance XYZ123456789", [("XYZ123456789", 0.65, 1.0)]),
    ("subscriber no. AB-55512", [("AB-55512", 0.85, 1.0)]),
    # Negatives
    ("XYZ123456789", []),  # payer-style id without context: too weak alone
    ("0EG4-TE5-MK73", []),  # an MBI never starts with 0
    ("1SG4-TE5-MK73", []),  # S is not in the MBI alphabet
    ("member of the care team", []),
    ("ABC12345", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_health_plan_ids(recognize, text, expected):
    found = recognize(HealthPlanIdRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "HEALTH_PLAN_ID"
        assert low <= score <= high
