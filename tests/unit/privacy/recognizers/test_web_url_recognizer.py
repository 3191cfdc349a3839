import pytest

from privacy.recognizers.web_url_recognizer import WebUrlRecognizer

CASES = [
    ("http://cooper.com/", [("http://cooper.com/", 0.6)]),
    ("see https://www.jones.org/path?q=1.", [("https://www.jones.org/path?q=1", 0.6)]),
    ("www.example.net", [("www.example.net", 0.6)]),
    ("portal at mychart.partners.org", [("mychart.partners.org", 0.5)]),
    # Negatives: telegraphic notes run sentences together
    ("after the chest tube.medicated for pain", []),
    ("Walked in hall with PT today.Pt tired after", []),
    ("metoprolol was held.Cardiac enzymes", []),
    ("wbc=11.2.still off abx", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_urls(recognize, text, expected):
    found = recognize(WebUrlRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _ in expected]
    for (entity, _, score), (_, low) in zip(found, expected, strict=True):
        assert entity == "URL"
        assert score >= low
