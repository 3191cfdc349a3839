import pytest

from privacy.recognizers.street_address_recognizer import StreetAddressRecognizer

CASES = [
    ("427 Balistreri Way Unit 19", [("427 Balistreri Way Unit 19", 0.7, 0.7)]),  # Synthea
    ("3763 39TH AVE STE 400", [("3763 39TH AVE STE 400", 0.7, 0.7)]),
    ("60 HOSPITAL ROAD", [("60 HOSPITAL ROAD", 0.7, 0.7)]),
    ("12 N. Main St., Apt 4B", [("12 N. Main St., Apt 4B", 0.7, 0.7)]),
    ("406 Kohler Camp", [("406 Kohler Camp", 0.5, 0.5)]),  # rarer Faker suffix
    ("1059 Cyrus Points Berlin MA 01503 US", [("1059 Cyrus Points", 0.5, 0.5)]),
    ("PO Box 123", [("PO Box 123", 0.7, 0.7)]),
    ("lives at 45 Elm Street", [("45 Elm Street", 0.85, 1.0)]),
    ("99 Main street", [("99 Main street", 0.7, 0.7)]),
    ("12 Oak Dr Apt 4", [("12 Oak Dr Apt 4", 0.7, 0.7)]),
    ("123 MAIN ST", [("123 MAIN ST", 0.7, 0.7)]),
    # Negatives
    ("take 2 tablets by mouth", []),
    ("2 Puffs Inhaled Via Nebulizer", []),
    ("10 in the park", []),
    ("Give 5 Units of Insulin", []),
    ("CALCIUM GLUC 1 GM GIVEN IVP PER DR OKONKWO", []),  # DR: the doctor
    ("HR 100 SINUS ST AT REST", []),  # ST: sinus tachycardia; REST: at rest
    ("24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_street_addresses(recognize, text, expected):
    found = recognize(StreetAddressRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "STREET_ADDRESS"
        assert low <= score <= high
