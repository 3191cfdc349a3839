"""Tests for transforms.text: redaction of identifier spans."""

from __future__ import annotations

import itertools

import pyarrow as pa
import pytest

from privacy.errors import InternalError
from transforms.text import RowValues, TextSpan, redact_spans, row_value_spans


def span(start: int, end: int, entity: str = "PERSON", score: float = 0.9) -> TextSpan:
    return TextSpan(start, end, entity, score)


CASES = [
    # (id, text, spans, expected)
    ("no spans", "nothing here", [], "nothing here"),
    ("one span", "Seen by Ann Lee today", [span(8, 15)], "Seen by <PERSON> today"),
    ("whole text", "Ann Lee", [span(0, 7)], "<PERSON>"),
    ("at start and end", "Ann met Bob", [span(0, 3), span(8, 11)], "<PERSON> met <PERSON>"),
    (
        "unsorted",
        "Ann called 555-123-4567",
        [span(11, 23, "PHONE_NUMBER"), span(0, 3)],
        "<PERSON> called <PHONE_NUMBER>",
    ),
    ("overlap, same entity", "Dr Ann Lee", [span(0, 6), span(3, 10)], "<PERSON>"),
    ("nested", "Dr Ann Lee", [span(0, 10), span(3, 6)], "<PERSON>"),
    ("duplicate", "Ann", [span(0, 3), span(0, 3)], "<PERSON>"),
    (
        "overlap, higher score labels the union",
        "Boston General",
        [span(0, 6, "LOCATION", 0.4), span(0, 14, "PERSON", 0.3), span(7, 14, "LOCATION", 0.8)],
        "<LOCATION>",
    ),
    (
        "overlap, equal scores: longer wins",
        "Lee Street",
        [span(0, 3, "PERSON", 0.5), span(0, 10, "STREET_ADDRESS", 0.5)],
        "<STREET_ADDRESS>",
    ),
    (
        "overlap, equal score and length: alphabetical",
        "abcdef",
        [span(0, 4, "URL", 0.5), span(2, 6, "EMAIL_ADDRESS", 0.5)],
        "<EMAIL_ADDRESS>",
    ),
    ("adjacent, same entity", "AnnLee", [span(0, 3), span(3, 6)], "<PERSON>"),
    (
        "adjacent, different entities",
        "Ann555-1234",
        [span(0, 3), span(3, 11, "PHONE_NUMBER")],
        "<PERSON><PHONE_NUMBER>",
    ),
    ("empty span ignored", "Ann", [span(1, 1)], "Ann"),
    ("empty text", "", [span(0, 0)], ""),
    ("code points, not bytes", "José 😀 Núñez x", [span(7, 12)], "José 😀 <PERSON> x"),
]


@pytest.mark.parametrize(
    ("text", "spans", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_redact_spans_cases(text: str, spans: list[TextSpan], expected: str) -> None:
    result = redact_spans(pa.array([text]), [spans])
    assert result.type == pa.string()
    assert result.to_pylist() == [expected]


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_span_order_does_not_matter(order: tuple[int, ...]) -> None:
    text = "Ann Lee, 12 Elm St, ann@example.org"
    spans = [span(0, 7), span(4, 7, "LOCATION", 0.2), span(9, 18, "STREET_ADDRESS"),
             span(20, 35, "EMAIL_ADDRESS")]  # fmt: skip
    result = redact_spans(pa.array([text]), [[spans[i] for i in order]])
    assert result.to_pylist() == ["<PERSON>, <STREET_ADDRESS>, <EMAIL_ADDRESS>"]


def test_nulls_stay_null_and_rows_stay_aligned() -> None:
    texts = pa.array(["Ann here", None, "no one", "Bob there"])
    spans = [[span(0, 3)], [span(0, 3)], [], [span(0, 3)]]
    assert redact_spans(texts, spans).to_pylist() == [
        "<PERSON> here",
        None,
        "no one",
        "<PERSON> there",
    ]


def test_empty_array() -> None:
    result = redact_spans(pa.array([], type=pa.string()), [])
    assert result.type == pa.string()
    assert len(result) == 0


def test_all_null_array() -> None:
    assert redact_spans(pa.nulls(2), [[], []]).to_pylist() == [None, None]


@pytest.mark.parametrize(
    "texts",
    [
        pa.array(["Ann x", "y"], type=pa.large_string()),
        pa.array(["Ann x", "y"], type=pa.string_view()),
        pa.array(["Ann x", "y"]).dictionary_encode(),
        pa.chunked_array([["Ann x"], ["y"]]),
    ],
    ids=["large_string", "string_view", "dictionary", "chunked"],
)
def test_string_types_give_string(texts: pa.Array) -> None:
    result = redact_spans(texts, [[span(0, 3)], []])
    assert result.type == pa.string()
    assert result.to_pylist() == ["<PERSON> x", "y"]


def test_non_string_array_is_refused() -> None:
    with pytest.raises(TypeError, match="needs a string array, got int64"):
        redact_spans(pa.array([1, 2]), [[], []])


def test_misaligned_spans_are_a_bug() -> None:
    with pytest.raises(InternalError, match=r"got 1 span lists for 2 texts.*this is a bug"):
        redact_spans(pa.array(["Ann Lee", "Bob"]), [[span(0, 3)]])


@pytest.mark.parametrize(
    "bad", [span(-1, 3), span(2, 99), span(5, 3)], ids=["negative", "past end", "reversed"]
)
def test_span_outside_text_is_a_bug_and_hides_the_text(bad: TextSpan) -> None:
    secret = "Ann Lee"
    with pytest.raises(InternalError, match=r"lies outside text of row 1 \(length 7\)") as info:
        redact_spans(pa.array(["fine", secret]), [[], [bad]])
    assert secret not in str(info.value)
    assert "Ann" not in str(info.value)


# --------------------------------------------------------------------------- row values


def redact_own(texts: list[str | None], linked: list[RowValues]) -> list[str | None]:
    return redact_spans(pa.array(texts, pa.string()), row_value_spans(texts, linked)).to_pylist()


def test_row_names_are_cut_word_by_word_ignoring_case() -> None:
    names = RowValues("PERSON", ["Amber Brady", "Chase O'Neil"], by_word=True)
    texts = [
        "Amber Brady seen today; amber is anxious, BRADY family at bedside. Amberley ok.",
        "Chase called; the chase was long. O'Neil aware.",
    ]
    assert redact_own(texts, [names]) == [
        "<PERSON> seen today; <PERSON> is anxious, <PERSON> family at bedside. Amberley ok.",
        "<PERSON> called; the <PERSON> was long. O'<PERSON> aware.",
    ]


def test_row_values_only_touch_their_own_row() -> None:
    names = RowValues("PERSON", ["Amber Brady", "Lee Wong"], by_word=True)
    texts = ["Lee Wong visited", "Amber Brady visited"]
    assert redact_own(texts, [names]) == texts


def test_whole_values_are_cut_between_non_alphanumerics() -> None:
    mrn = RowValues("MEDICAL_RECORD_NUMBER", ["MRN-00123", "A7"], by_word=False)
    texts = ["Ref mrn-00123, see MRN-001234 and XMRN-00123.", "A7 stays: too short to search"]
    assert redact_own(texts, [mrn]) == [
        "Ref <MEDICAL_RECORD_NUMBER>, see MRN-001234 and XMRN-00123.",
        "A7 stays: too short to search",
    ]


def test_whole_values_keep_offsets_when_lower_casing_changes_length() -> None:
    city = RowValues("LOCATION", ["İzmir Köy"], by_word=False)
    text = "İstanbul, İzmir Köy and İZMİR KÖY; İzmir Köyü stays."
    assert redact_own([text], [city]) == ["İstanbul, <LOCATION> and <LOCATION>; İzmir Köyü stays."]


def test_nulls_initials_and_misaligned_values() -> None:
    names = RowValues("PERSON", [None, "J Smith"], by_word=True)
    assert redact_own([None, "J Smith and J"], [names]) == [None, "J <PERSON> and J"]
    with pytest.raises(InternalError, match="aligned"):
        row_value_spans(["a", "b"], [RowValues("PERSON", ["x"], by_word=True)])
