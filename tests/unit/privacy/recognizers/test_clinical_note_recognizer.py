import pytest

from privacy.recognizers.clinical_note_recognizer import ClinicalNoteRecognizer

PEOPLE = [
    # Titles and roles before a name, whatever the case.
    ("DR. QUILLFEATHER AWARE OF BP", ["QUILLFEATHER"]),
    ("pt seen by dr yoxall today", ["yoxall"]),
    ("social- son bill called twice", ["bill"]),
    ("SPOKE WITH DAUGHTER PHILOMENA ON PHONE", ["PHILOMENA"]),
    ("SOCIAL:DAUGHTER-KRISSY---301 944-5032", ["KRISSY"]),
    ("Drs Quillane and Haddad in to see pt", ["Quillane", "Haddad"]),
    ("Drs' Abernal and Buttler saw pt", ["Abernal", "Buttler"]),  # titled, though a slip
    ("Drs Abernal and team aware", ["Abernal"]),
    # Names before aware / notified / credentials, and initials.
    ("E. WELSH AWARE. ABG DRAWN", ["E. WELSH"]),
    ("GIVEN CARAFATE-W. MAROTTA AWARE", ["W. MAROTTA"]),
    ("anita morris rn", ["anita morris"]),
    ("TAP...CUCCHIARA (RESIDENT) WORKING ON IT", ["CUCCHIARA"]),
    ("HERMAN W. EMPERATRICE, RRT", ["HERMAN W. EMPERATRICE"]),
    ("EPI ORDERED BY J SMITH STAT", ["J SMITH"]),  # bare initial + listed surname
    ("CHEST TUBE PULLED AND K. KETTLER PLACING STITCH", ["K. KETTLER"]),  # no word, one slip
    ("LABS SENT. B. CULTURES PENDING", []),  # a dictionary word after an initial
    ("TO MEET S. DOMINICO NURSING AGENCY AT 9AM", ["S. DOMINICO"]),  # a person, not a facility
    # A capitalised rare word as the subject of a person's verb.
    ("Ozymandra wishes to speak with the team first.", ["Ozymandra"]),
    ("Updated Amarilis (daughter) on plan.", ["Amarilis"]),  # a relation in brackets
    # Negatives: clinical shorthand after cues, devices, drugs, wards.
    ("DR AWARE OF HYPOTENSION", []),
    ("per protocol, titrate levo", []),
    ("foley draining amber urine", []),
    ("R. FEMORAL LINE INTACT", []),
    ("wife aware of plan", []),
    ("MS CLEARS WITH SUCTION", []),
    ("Patient states pain is 3/10. Family agreed to plan.", []),
    ("O2 WEANED TO 4L NP GOOD BREATH SOUNDS", []),  # NP: nasal prongs
    ("PT WILL NEED PEG. HUSBAND WILL CALL FOR UPDATES", []),  # stop words after roles
    ("I NEED TO CALL MY HUSBAND....I DON'T WANT TO GO", []),  # not across an ellipsis
    ("89 YO WOMAN WITH EF OF 10,3+MR, WEANED OFF NEO", []),  # MR: mitral regurgitation
    ("per protocal, titrate levo", []),  # a typing slip is no name
    ("wife reveals worsening memory at home", []),
]

PLACES = [
    ("TRANSFERRED FROM CALVERT HOSPITAL FOR MENTAL STATUS CHANGES", ["CALVERT"]),
    ("FAMILY REPORTS THAT AT UNION MEMORIAL, HER SKIN", ["UNION MEMORIAL"]),
    ("Pt recieved from university of maryland hospital", ["university of maryland"]),
    ("first seen at U Nebraska ER with chest pain", ["U Nebraska"]),  # a state university
    ("lives in Kearney, Nebraska with wife", ["Kearney"]),  # the state itself is no identifier
    ("transfer to quartermain 2 today", ["quartermain"]),
    ("social--pt married, lives in catonsville", ["catonsville"]),
    ("PT TRANSFERRED TO GH FOR CATH", ["GH"]),
    ("sent to gh er for eval", ["gh"]),
    ("WOULD NEED TO LEAVE GH, HAVE SURGERY", ["GH"]),
    ("SON IN PIKESVILLE CALLED", ["PIKESVILLE"]),
    ("She went via ambulance to St. Mary Hospital", ["St. Mary"]),
    # Hospital initials after a preposition, place-name words, hyphenated facility names.
    ("REPORT SHOWS BLASTS ON DIFF AT GH.", ["GH"]),
    ("transferred from the GBMC last night", ["GBMC"]),
    ("WAS ON VACATION ON THE EASTERN SHORE", ["EASTERN SHORE"]),
    ("arrived from franklin square hosp via medflight", ["franklin square"]),
    ("transferred from Kessler-Adventist Hosp for cath", ["Kessler-Adventist"]),
    ("SCREENED BY BAYVIEW REHAB AND KIMSEY THIS AM", ["BAYVIEW", "KIMSEY"]),  # a list
    ("he works for zentrix, wife aware", ["zentrix"]),  # an employer
    ("brother lives in DC and calls daily", ["DC"]),  # a city, no state
    ("Surgeon from Bayview in this evening to talk to pt", ["Bayview"]),  # their hospital
    ("her cardiologist at Kimsey to follow up", ["Kimsey"]),
    ("surgeon from CT surgery in to see pt", []),
    ("arrived with RN from the VA in Tolland this am", ["Tolland"]),  # the VA: a hospital
    ("Seen at the Loma Linda VA last year", ["Loma Linda"]),
    ("VA benefits discussed with wife", []),
    ("cath done at OH, then transferred from OH to CCU", []),  # outside hospital
    ("lines DC'd, transferred to DC per team", []),  # discontinued, not the city
    ("Wife employed by Halvorsen Logistics", ["Halvorsen Logistics"]),
    ("SWITCHED BACK TO 1:1 FOR NOC", []),
    ("tylenol works for pain, and sleep", []),
    ("accepted at Bayview Rehab and OT to follow", ["Bayview"]),
    # Negatives
    ("transfer to floor when bed available", []),
    ("transferred to MICU for intubation", []),
    ("titrate dopamine to 5 mcg", []),
    ("the hospital policy", []),
    ("went to OR at 0800", []),
    ("started on NPH at bedtime", []),
    ("BP low at OSH, now stable", []),
    ("at this point pt stable", []),
    ("Pain med prn. Ongoing med adjustments.", []),  # "med" is a drug here
    ("PMICU NURSING PROGRESS NOTE", []),  # "nursing" names no facility here
    ("P: CON'T REHAB/PT", []),
    ("son is in Europe at present", []),  # a continent is no identifier
    ("therapist is to return to discess speach excercises with pt", []),  # typing slips
]


@pytest.mark.parametrize(("text", "expected"), PEOPLE)
def test_people(recognize, text, expected):
    found = [(e, m) for e, m, _ in recognize(ClinicalNoteRecognizer, text) if e == "PERSON"]
    assert sorted(m for _, m in found) == sorted(expected)


@pytest.mark.parametrize(("text", "expected"), PLACES)
def test_places(recognize, text, expected):
    found = [(e, m) for e, m, _ in recognize(ClinicalNoteRecognizer, text) if e == "LOCATION"]
    assert sorted(m for _, m in found) == sorted(expected)
