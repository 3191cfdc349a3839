import pytest

from privacy.recognizers.name_joining import join_name_words
from privacy.spans import TextSpan
from privacy.text_detection import detect_spans

LOCALES = ("en_US", "en", "en_GB", "en_IE")


def _person(text: str, word: str) -> TextSpan:
    start = text.index(word)
    return TextSpan(start, start + len(word), "PERSON", 0.7)


@pytest.mark.parametrize(
    ("text", "found", "joined"),
    [
        # A known first name before a surname already found.
        ("Plan reviewed with Virginia Sallowe today.", "Sallowe", "Virginia Sallowe"),
        ("Discussed with Dr Will Prendle (attending).", "Prendle", "Will Prendle"),
        ("DAUGHTER MARGARET QUENZLER CALLED", "QUENZLER", "MARGARET QUENZLER"),
        # A surname after a first name already found.
        ("Spoke with Mary Quenzler about discharge.", "Mary", "Mary Quenzler"),
        ("will consult with patty quenzler re skin care", "patty", "patty quenzler"),
        ("Son Robert Morales visited.", "Robert", "Robert Morales"),
        # Nicknames (the nicknames package) are first names too.
        ("Her lawyer (Wil Haberlandt) will call", "Haberlandt", "Wil Haberlandt"),
        ("PLAN OK WITH BENJY FARROWBY, NEPHEW", "FARROWBY", "BENJY FARROWBY"),
        ("Sister Becca Anstruther in to visit", "Anstruther", "Becca Anstruther"),
        ("Pt's Duty Anstruther form signed", "Anstruther", "Anstruther"),  # a word, no nickname
        # Not joined.
        ("Will Prendle call back?", "Prendle", "Prendle"),  # a common word opening a sentence
        ("PT WILL JONES", "JONES", "JONES"),  # all caps: "will" is a stop word
        ("Family: Mary Monday to visit", "Mary", "Mary"),  # a weekday
        ("Visited by Mary Pleasant as ever", "Mary", "Mary"),  # an English word
        ("patty ambulating in hall", "patty", "patty"),  # a word, and a clinical ending
        ("spoke with mary NPO after midnight", "mary", "mary"),  # shorthand
        ("Seen by Mary Ann Lopez Quenzler", "Mary Ann Lopez", "Mary Ann Lopez"),  # full
    ],
)
def test_adjacent_name_words_join_the_span(text, found, joined):
    spans = join_name_words(text, [_person(text, found)], LOCALES)
    assert [text[s.start : s.end] for s in spans] == [joined]
    assert spans[0].entity == "PERSON"


def test_other_entities_and_covered_words_are_left_alone():
    text = "Virginia 3/12 Virginia Prendle"
    date = TextSpan(9, 13, "DATE_TIME", 0.5)
    state = TextSpan(14, 22, "LOCATION", 0.6)
    spans = join_name_words(text, [date, state, _person(text, "Prendle")], LOCALES)
    assert sorted((text[s.start : s.end], s.entity) for s in spans) == [
        ("3/12", "DATE_TIME"),
        ("Prendle", "PERSON"),  # the word before is already another entity's
        ("Virginia", "LOCATION"),
    ]


def test_detect_spans_joins_names():
    text = "Plan discussed with Dr Will Prendle (attending) and the family."
    assert [text[s.start : s.end] for s in detect_spans([text])[0]] == ["Will Prendle"]
