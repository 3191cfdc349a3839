import pytest

from privacy.recognizers.year_recognizer import YearRecognizer

CASES = [
    ("S/P MI 1997; RCA STENT", ["1997"]),
    ("pmh: htn--s/p mi '96", ["96"]),
    ("CVA 79'. APPENDECTOMY", ["79"]),
    ("breast CA'91, COPD", ["91"]),
    ("PMH: CABG 83, Redo CABG 89, AVR", ["83", "89"]),
    ("echo 6/89 with EF 30-35%", ["6/89"]),
    ("CVA in 94 and", ["94"]),
    # A two-digit year opening a history item, or after one whatever its decade.
    ("PMH: HTN. 02 CABG, 07 PTCA to RCA", ["02", "07"]),
    ("PMH: IMI 14. DM2.", ["14"]),
    ("diagnosed in 2004", ["2004"]),
    ("pacemaker since 2104, checked yearly", ["2104"]),  # shifted dates run past 2100
    ("CABG in 2157 at an outside hospital", ["2157"]),
    ("During 2008, the company grew", ["2008"]),
    ("Orientation: knows it is 2020, not the month", ["2020"]),  # orientation questions
    ('says "its 2019" when asked', ["2019"]),
    # Negatives: clock times, quantities, scores.
    ("ARRIVED AT 2130", []),
    ("at 1930 pt became hypotensive", []),
    ("@ 2000 lasix given", []),
    ("at 2130 pt restless", []),  # a clock time past 2100
    ("2000 cc positive", []),
    ("BUN 54, CR 2.8", []),
    ("sats in the 90's", []),
    ("1992 mg", []),
    ("7/22", []),
    ("NPO since 12. CT at 2", []),  # midnight
    ("Cath today, 12 stents total", []),
    ("HR 88. 20 PVCs per minute", []),
    ("support lowered to PS 10/peep 5/40% today", []),  # ventilator settings
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_years(recognize, text, expected):
    found = recognize(YearRecognizer, text)
    assert [m for _, m, _ in found] == expected
    assert all(entity == "DATE_TIME" and 0.45 <= score <= 1 for entity, _, score in found)


def test_years_can_be_turned_off(detection_config):
    from privacy.recognizers.registry import build_recognizers

    off = detection_config.model_copy(update={"years_in_text": False})
    assert not any(isinstance(r, YearRecognizer) for r in build_recognizers(off))
    assert any(isinstance(r, YearRecognizer) for r in build_recognizers(detection_config))
