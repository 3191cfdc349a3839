import pytest

from privacy.recognizers.date_recognizer import DateRecognizer

CASES = [
    ("1950-03-03", [("1950-03-03", 0.85, 0.85)]),
    ("2022-07-20T07:13:55Z", [("2022-07-20T07:13:55Z", 0.85, 0.85)]),
    ("2022-07-20 07:13", [("2022-07-20 07:13", 0.85, 0.85)]),
    ("3/3/1950", [("3/3/1950", 0.8, 0.8)]),
    ("03/03/1950 10:30 AM", [("03/03/1950 10:30 AM", 0.8, 0.8)]),
    ("3-3-1950", [("3-3-1950", 0.8, 0.8)]),
    ("31/12/1999", [("31/12/1999", 0.7, 0.7)]),
    ("3/3/50", [("3/3/50", 0.6, 0.6)]),
    ("March 3, 1950", [("March 3, 1950", 0.85, 0.85)]),
    ("Mar. 3rd, 1950", [("Mar. 3rd, 1950", 0.85, 0.85)]),
    ("3 Mar 1950", [("3 Mar 1950", 0.85, 0.85)]),
    ("03-MAR-50", [("03-MAR-50", 0.85, 0.85)]),
    ("March 1950", [("March 1950", 0.6, 0.6)]),
    ("seen on March 3", [("March 3", 0.6, 0.6)]),
    ("12/2019", [("12/2019", 0.5, 0.5)]),
    ("DOB 19500303", [("19500303", 0.45, 0.45)]),
    ("restart Coumadin on 6/18.", [("6/18", 0.6, 0.6)]),
    ("cultures from 10/15-10/16", [("10/15", 0.6, 0.6), ("10/16", 0.6, 0.6)]),
    ("Date: 3/14", [("3/14", 0.45, 0.45)]),  # short m/d next to a context word
    # Negatives
    ("2/30/2020", []),  # no such day
    ("13/13/2020", []),
    ("take 1/2 tablet", []),
    ("on 1/2 NS", []),
    ("BP 120/80", []),
    ("PSV 10/5/40%", []),  # ventilator settings
    ("you may 3 times", []),  # lower-case 'may' is not a month
    ("born in 1950", []),  # a year alone is allowed by Safe Harbor
    ("2019", []),
    ("LOINC 8302-2", []),
    ("00/00/0000", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_dates(recognize, text, expected):
    found = recognize(DateRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "DATE_TIME"
        assert low <= score <= high
