import pytest

from privacy.recognizers.device_id_recognizer import DeviceIdRecognizer

UDI = "(01)51022222233336(11)141231(17)150707(10)R2T2(21)1234"  # Synthea devices.UDI

CASES = [
    (UDI, [(UDI, 0.9, 0.9)]),
    ("S/N: AB12345", [("AB12345", 0.85, 1.0)]),
    ("serial number 5X2-8891", [("5X2-8891", 0.85, 1.0)]),
    ("device id 00A1B2C3D4", [("00A1B2C3D4", 0.85, 1.0)]),
    ("pacemaker model Q2-88417Z", [("Q2-88417Z", 0.4, 0.45)]),  # weak shape + context
    ("+H123PARTNO1/$$420020216LOT123", [("+H123PARTNO1/$$420020216LOT123", 0.5, 0.5)]),
    # Negatives
    ("Q2-88417Z", []),
    ("pacemaker model 5076", []),
    ("the device works", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_device_ids(recognize, text, expected):
    found = recognize(DeviceIdRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "DEVICE_ID"
        assert low <= score <= high
