import pytest

from privacy.recognizers.clinical_note_recognizer import ClinicalNoteRecognizer

PEOPLE = [
    # Titles and roles before a name, whatever the case.
    ("DR. QUILLFEATHER AWARE OF BP", ["QUILLFEATHER"]),
    ("pt seen by dr yoxall today", ["yoxall"]),
    ("social- son bill called twice", ["bill"]),
    ("SPOKE WITH DAUGHTER PHILOMENA ON PHONE", ["PHILOMENA"]),
    ("SOCIAL:DAUGHTER-KRISSY---301 944-5032", ["KRISSY"]),
    ("Drs Ferullo and Saeed in to see pt", ["Ferullo", "Saeed"]),
    # Names before aware / notified / credentials, and initials.
    ("E. WELSH AWARE. ABG DRAWN", ["E. WELSH"]),
    ("GIVEN CARAFATE-W. MAROTTA AWARE", ["W. MAROTTA"]),
    ("anita morris rn", ["anita morris"]),
    ("TAP...CUCCHIARA (RESIDENT) WORKING ON IT", ["CUCCHIARA"]),
    ("HERMAN W. EMPERATRICE, RRT", ["HERMAN W. EMPERATRICE"]),
    # Negatives: clinical shorthand after cues, devices, drugs, wards.
    ("DR AWARE OF HYPOTENSION", []),
    ("per protocol, titrate levo", []),
    ("foley draining amber urine", []),
    ("R. FEMORAL LINE INTACT", []),
    ("wife aware of plan", []),
    ("MS CLEARS WITH SUCTION", []),
]

PLACES = [
    ("TRANSFERRED FROM CALVERT HOSPITAL FOR MENTAL STATUS CHANGES", ["CALVERT"]),
    ("FAMILY REPORTS THAT AT UNION MEMORIAL, HER SKIN", ["UNION MEMORIAL"]),
    ("Pt recieved from university of maryland hospital", ["university of maryland"]),
    ("transfer to quartermain 2 today", ["quartermain"]),
    ("social--pt married, lives in catonsville", ["catonsville"]),
    ("PT TRANSFERRED TO GH FOR CATH", ["GH"]),
    ("sent to gh er for eval", ["gh"]),
    ("WOULD NEED TO LEAVE GH, HAVE SURGERY", ["GH"]),
    ("SON IN PIKESVILLE CALLED", ["PIKESVILLE"]),
    ("She went via ambulance to St. Mary Hospital", ["St. Mary"]),
    # Negatives
    ("transfer to floor when bed available", []),
    ("transferred to MICU for intubation", []),
    ("titrate dopamine to 5 mcg", []),
    ("the hospital policy", []),
    ("went to OR at 0800", []),
]


@pytest.mark.parametrize(("text", "expected"), PEOPLE)
def test_people(recognize, text, expected):
    found = [(e, m) for e, m, _ in recognize(ClinicalNoteRecognizer, text) if e == "PERSON"]
    assert sorted(m for _, m in found) == sorted(expected)


@pytest.mark.parametrize(("text", "expected"), PLACES)
def test_places(recognize, text, expected):
    found = [(e, m) for e, m, _ in recognize(ClinicalNoteRecognizer, text) if e == "LOCATION"]
    assert sorted(m for _, m in found) == sorted(expected)
