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
    ("admitted 22-Jul with CP", [("22-Jul", 0.6, 1.0)]),
    ("12/2019", [("12/2019", 0.5, 0.5)]),
    ("DOB 19500303", [("19500303", 0.45, 0.45)]),
    ("resume heparin on 5/27.", [("5/27", 0.6, 0.6)]),
    ("cultures from 10/15-10/16", [("10/15", 0.6, 0.6), ("10/16", 0.6, 0.6)]),
    ("Date: 3/14", [("3/14", 0.45, 0.85)]),  # short m/d, raised by a context word
    # Telegraphic notes: bare m/d, m-d after a cue, words for days, months and holidays.
    ("9/14 FOUND BY SON IN BATHROOM", [("9/14", 0.5, 0.5)]),
    ("CXR 10/16 WITH RLL INFILTRATE", [("10/16", 0.5, 0.5)]),
    ("returned to OR on 4-9 for washout", [("4-9", 0.6, 1.0)]),
    ("2/15 at 1400", [("2/15", 0.5, 0.5)]),
    # After a cue even a score-like pair is a date: arrival, "post", the operating room.
    ("son to arrive 9/9 from abroad", [("9/9", 0.6, 0.6)]),
    ("HCT up post 4/4 transfusion", [("4/4", 0.6, 0.6)]),
    ("back to the OR 6/10 for CABG", [("6/10", 0.6, 0.6)]),
    ("rates pain 5 or 6/10 at rest", []),  # "or" in lower case is no operating room
    # A score-like pair opening a line or a sentence is a date; inside one it is a score.
    ("Lives alone. 10/10 onset of chest pain at home", [("10/10", 0.5, 0.5)]),
    ("3/3 abx stopped", [("3/3", 0.5, 0.5)]),
    ("Comfortable, says it is 10/10 better today", []),
    ("MAE, grips 4/4 bilaterally", []),
    ("PT NOW S/P CABG X4 11/3.", [("11/3", 0.5, 0.5)]),  # "X3" is no "1 1/2"
    ("07-22-2004", [("07-22-2004", 0.8, 0.8)]),
    ("PLAN FOR CATH ON TUESDAY", [("TUESDAY", 0.5, 0.5)]),
    ("family visiting for Xmas", [("Xmas", 0.55, 1.0)]),
    ("home by Thanksgiving", [("Thanksgiving", 0.55, 0.55)]),
    ("drainage for weeks in nov. 2016", [("nov. 2016", 0.6, 0.6)]),
    ("admitted in July", [("July", 0.5, 1.0)]),
    ("last seen on the 11th", [("11th", 0.5, 0.5)]),
    ("8/88", []),  # m/yy is the year recognizer's
    ("2/30/2020", [("2/30/2020", 0.8, 0.8)]),  # no such day: a mistyped date is still a date
    # Negatives
    ("WEAN NEO TO OFF BY 10-10:30 PM", []),  # a time range
    ("overbreathing by 5-10 BPM", []),  # a range of a quantity
    ("13/13/2020", []),
    ("pH 7.35.40 on the gas", []),  # no month 7 has a day 35
    ("seen in clinic 4.17.09 for a check", [("4.17.09", 0.55, 1.0)]),
    ("take 1/2 tablet", []),
    ("on 1/2 NS", []),
    ("BP 120/80", []),
    ("PSV 10/5/40%", []),  # ventilator settings
    ("you may 3 times", []),  # lower-case 'may' is not a month
    ("born in 1950", []),  # a year alone is allowed by Safe Harbor
    ("2019", []),
    ("LOINC 8302-2", []),
    ("00/00/0000", []),
    ("MAE, STRENGTH 5/5", []),  # strength score
    ("CPAP 10/5 FIO2 40%", []),  # ventilator settings
    ("PS 12/5 PEEP", []),
    # Pressure pairs near a ventilator mode or setting, on the same line, are no dates.
    ("Resp: on bipap, 12/6 with good sats", []),
    ("vent settings SIMV 600x12, 40%, & 8/5. ABG pending", []),
    ("weaned from 8/6 PSV/CPAP to trach mask", []),
    ("remained on 10/4, 40% overnight", []),
    ("CPAP 10/5 overnight.\n3/12 extubated", [("3/12", 0.5, 0.5)]),  # next line: a date
    ("RESP: extubated on 3/12 and doing well", [("3/12", 0.6, 0.6)]),
    ("crackles 1/3 up on the right", []),
    ("pain 4/10 with movement", []),  # pain score
    ("gave 1 1/2 amp D50", []),  # mixed fraction
    ("d5 1/2 at 75/hr", []),
    ("dec 2 L", []),  # "dec" is decreased, not December
    ("2ND UNIT PRBC", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_dates(recognize, text, expected):
    found = recognize(DateRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _, _ in expected]
    for (entity, _, score), (_, low, high) in zip(found, expected, strict=True):
        assert entity == "DATE_TIME"
        assert low <= score <= high
