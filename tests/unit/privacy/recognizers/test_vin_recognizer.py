import pytest
from faker import Faker

from privacy.recognizers.vin_recognizer import VinRecognizer, vin_check_digit

CASES = [
    ("1HGCM82633A004352", [("1HGCM82633A004352", 1.0, 1.0)]),
    ("VIN 1HGCM82633A004352 on file", [("1HGCM82633A004352", 1.0, 1.0)]),
    ("license plate 4ABC123", [("4ABC123", 0.8, 1.0)]),
    ("plate: 7XYZ 321", [("7XYZ 321", 0.8, 1.0)]),
    # Negatives
    ("1HGCM82633A004353", []),  # wrong check digit (position 9)
    ("1HGCM82633A00435", []),  # 16 characters
    ("1HGCM82I33A004352", []),  # I is not in the VIN alphabet
    ("11111111111111111", []),  # digits only: a number, not a VIN
    ("ABCDEFGHJKLMNPRST", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_vehicle_ids(recognize, text, expected):
    found = recognize(VinRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "VEHICLE_ID"
        assert low <= score <= high


@pytest.mark.parametrize(
    ("vin", "digit"),
    [("1HGCM82633A004352", "3"), ("11111111111111111", "1"), ("1M8GDM9AXKP042788", "X")],
)
def test_check_digit(vin, digit):
    assert vin_check_digit(vin) == digit


def test_generated_vins_validate():
    fake = Faker("en_US")
    fake.seed_instance(3)
    recognizer = VinRecognizer()
    assert all(recognizer.validate_result(fake.vin()) for _ in range(50))
