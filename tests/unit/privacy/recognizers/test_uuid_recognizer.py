import pytest

from privacy.recognizers.uuid_recognizer import UuidRecognizer

CASES = [
    ("982192b6-6843-4011-ef46-32caaf87d8a9", [("982192b6-6843-4011-ef46-32caaf87d8a9", 0.85)]),
    ("ID 1D604DA9-9A81-4BA9-80C2-DE3375D59B40", [("1D604DA9-9A81-4BA9-80C2-DE3375D59B40", 0.85)]),
    # Negatives
    ("982192b6684340114ef4632caaf87d8a9", []),  # undashed hex: a Shareable pseudonym's shape
    ("982192b6-6843-4011-ef46", []),
    ("not-a-uuid-at-all", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_uuids(recognize, text, expected):
    found = recognize(UuidRecognizer, text)
    assert [m for _, m, _ in found] == [m for m, _ in expected]
    for (entity, _, score), (_, low) in zip(found, expected, strict=True):
        assert entity == "RECORD_ID"
        assert score >= low
