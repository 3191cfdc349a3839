import pytest

from privacy.recognizers.clinical_note_recognizer import ClinicalNoteRecognizer

PEOPLE = [
    # Titles and roles before a name, whatever the case.
    ("DR. QUILLFEATHER AWARE OF BP", ["QUILLFEATHER"]),
    ("pt seen by dr yoxall today", ["yoxall"]),
    ("social- son guy called this am", ["guy"]),
    ("SPOKE WITH DAUGHTER ZENOBIA BY PHONE AT NOON", ["ZENOBIA"]),
    ("SOCIAL:DAUGHTER-ORSOLYA---555 318-2047", ["ORSOLYA"]),
    ("Drs Quillane and Haddad in to see pt", ["Quillane", "Haddad"]),
    ("Drs' Abernal and Buttler saw pt", ["Abernal", "Buttler"]),  # titled, though a slip
    ("Drs Abernal and team aware", ["Abernal"]),
    # Names before aware / notified / credentials, and initials.
    ("T. BRANNIGAN AWARE. LACTATE SENT", ["T. BRANNIGAN"]),
    ("ZOFRAN GIVEN-P. DELACROIX AWARE", ["P. DELACROIX"]),
    ("gwendolyn kowalczyk rn", ["gwendolyn kowalczyk"]),
    ("LINE...ZABROWSKI (RESIDENT) TRYING AGAIN", ["ZABROWSKI"]),
    ("OSWIN T. VARGAFTIG, RRT", ["OSWIN T. VARGAFTIG"]),
    ("EPI ORDERED BY J SMITH STAT", ["J SMITH"]),  # bare initial + listed surname
    ("CHEST TUBE PULLED AND K. KETTLER PLACING STITCH", ["K. KETTLER"]),  # no word, one slip
    ("LABS SENT. B. CULTURES PENDING", []),  # a dictionary word after an initial
    ("TO MEET M. PELLEGRINI NURSING AGENCY AT 10AM", ["M. PELLEGRINI"]),  # a person, not a facility
    # A capitalised rare word as the subject of a person's verb.
    ("Ozymandra wishes to speak with the team first.", ["Ozymandra"]),
    ("Updated Amarilis (daughter) on plan.", ["Amarilis"]),  # a relation in brackets
    # Negatives: clinical shorthand after cues, devices, drugs, wards.
    ("DR AWARE OF HYPOTENSION", []),
    ("per protocol, titrate levo", []),
    ("foley patent, amber urine in bag", []),
    ("R. FEMORAL LINE INTACT", []),
    ("wife aware of plan", []),
    ("MS CLEARS WITH SUCTION", []),
    ("Patient states pain is 3/10. Family agreed to plan.", []),
    ("O2 DOWN TO 2L NP, LUNGS CLEAR", []),  # NP: nasal prongs
    ("PT WILL NEED PEG. HUSBAND WILL CALL FOR UPDATES", []),  # stop words after roles
    ("I NEED TO CALL MY HUSBAND....I DON'T WANT TO GO", []),  # not across an ellipsis
    ("77 YO MAN WITH EF OF 15,2+MR, OFF DOPAMINE NOW", []),  # MR: mitral regurgitation
    ("per protocal, titrate levo", []),  # a typing slip is no name
    ("wife reveals worsening memory at home", []),
]

PLACES = [
    ("TRANSFERRED FROM WENDOVER HOSPITAL FOR ALTERED MENTAL STATUS", ["WENDOVER"]),
    ("SISTER SAYS THAT AT NORTH MEMORIAL, HIS SKIN WAS INTACT", ["NORTH MEMORIAL"]),
    ("Pt recieved from university of vermont hosp by ambulance", ["university of vermont"]),
    ("first seen at U Nebraska ER with chest pain", ["U Nebraska"]),  # a state university
    ("lives in Kearney, Nebraska with wife", ["Kearney"]),  # the state itself is no identifier
    ("transfer to thistlewood 4 this pm", ["thistlewood"]),
    ("social--pt widowed, lives in brackenridge", ["brackenridge"]),
    ("PT SENT TO KVH FOR CATH TODAY", ["KVH"]),
    ("taken to kvh er for eval", ["kvh"]),
    ("MAY HAVE TO LEAVE KVH, THEN HAVE SURGERY", ["KVH"]),
    ("SON IN GLENHAVEN CALLED", ["GLENHAVEN"]),
    ("He was taken by ambulance to St. Vincent Hospital", ["St. Vincent"]),
    # Hospital initials after a preposition, place-name words, hyphenated facility names.
    ("LAB CALLED WITH BLASTS ON SMEAR AT KVH.", ["KVH"]),
    ("transferred from the DRMC early today", ["DRMC"]),
    ("HAD BEEN CAMPING IN THE UPPER VALLEY", ["UPPER VALLEY"]),
    ("arrived from harmon square hosp via medflight", ["harmon square"]),
    ("transferred from Wexcombe-Adventist Hosp for cath", ["Wexcombe-Adventist"]),
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
    ("CHANGED BACK TO 1:1 OVER NOC", []),
    ("tylenol works for pain, and sleep", []),
    ("accepted at Bayview Rehab and OT to follow", ["Bayview"]),
    # Real cities (GeoNames) in any case after a movement verb, even of common words.
    ("son drove back to grand rapids last night", ["grand rapids"]),
    ("Husband flew home to Salt Lake City yesterday", ["Salt Lake City"]),
    ("daughter returned to winston-salem, will call", ["winston-salem"]),
    ("pt went to reading glasses clinic", []),  # one common word: no trip to Reading, PA
    # Employers: an organisation word ends the name; a capitalised name after "business".
    ("husband works for orrington health, home at 6", ["orrington health"]),
    ("worried about her company Veltrona and the move", ["Veltrona"]),
    ("abdomen firm. Lactulose given", []),
    # Facility words: a named house, initials before a hospital, a name glued to a building.
    ("Lives at Pemberley House, an assisted living home", ["Pemberley"]),
    ("house staff aware of low BP", []),
    ("Ordered Regular House Diet", []),
    ("She came over from NW Hospital by ambulance", ["NW"]),
    ("knows she is in the WestbrookPavilion today", ["WestbrookPavilion"]),
    ("history of hypertension, seen often at nh.", []),  # nursing home: no initials
    ("was followed at kh. for years", ["kh"]),  # lower-case hospital initials
    # Negatives
    ("plan transfer to floor once bed opens", []),
    ("transferred to MICU for intubation", []),
    ("titrate dopamine to 5 mcg", []),
    ("the hospital policy", []),
    ("went to OR at 0800", []),
    ("started on NPH at bedtime", []),
    ("BP low at OSH, now stable", []),
    ("at this point pt stable", []),
    ("Pain med prn. Ongoing med adjustments.", []),  # "med" is a drug here
    ("PMICU NURSING PROGRESS NOTE ADDENDUM", []),  # "nursing" names no facility here
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
