"""Join a first name or a surname standing beside a name already found into its span.

The recognizers find a name by its cue or by its words; often only one word of a full name
qualifies on its own: the surname after a title whose first name is a common word ("Dr Will
Prendle", "Virginia Sallowe" with only the surname found), or a listed first name followed by
a surname no list holds ("Mary Quenzler"). Once one word is found to be a name, the word beside it
needs less evidence: a capitalised known first name right before a person span, or a surname
right after a first-name span, is part of the same name.

This runs on the spans of all recognizers together (see :func:`privacy.text_detection.detect_spans`)
and looks only at the words touching person spans, so it costs nothing on texts without names.
"""

from __future__ import annotations

import functools
import importlib
import re

from spacy.lang.en.stop_words import STOP_WORDS

from privacy import entities as ent
from privacy.recognizers import _gazetteer as gaz
from privacy.spans import TextSpan

_WORD_BEFORE = re.compile(r"(?<![A-Za-z0-9'\-/.])([A-Za-z][A-Za-z']*)[ \t]\Z")
"""A word followed by one blank at the end of the searched window (the start of a span)."""
_WORD_AFTER = re.compile(r"[ \t]([A-Za-z][A-Za-z']*)(?![A-Za-z0-9\-/])")
"""One blank and a word (the words after a span)."""
_LAST_WORD = re.compile(r"([A-Za-z]+)\W*\Z")
_LOOK_BACK = 40


@functools.cache
def _all_first_names(locales: tuple[str, ...]) -> frozenset[str]:
    """Every first name of the Faker ``locales`` and English nicknames ("will", "pat", "wil").

    :func:`privacy.recognizers._gazetteer.first_names` leaves out frequent English words so
    that they are no name on their own; beside a name already found they are. The nicknames
    come from the ``nicknames`` package (Apache-2.0; names and their nicknames), less the
    frequent English words, states and countries among them ("day", "california"). Clinical
    shorthand stays out.
    """
    from nicknames import NickNamer

    frequent = gaz.common_words(gaz.VERY_COMMON_LOG_PROB) | STOP_WORDS | gaz.COUNTRIES
    states = {s.lower() for s in gaz.US_STATE_NAMES}
    names: set[str] = set()
    for canonical, nicks in NickNamer().nickname_lookup.items():
        names.update(
            n
            for n in (canonical, *nicks)
            if len(n) > 1 and n.isalpha() and n not in frequent and n not in states
        )
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("first_names", "first_names_female", "first_names_male"):
            for name in getattr(provider, attr, ()):
                for part in str(name).replace("-", " ").split():
                    if len(part) > 1 and part.isalpha():
                        names.add(part.lower())
    return frozenset(names - gaz.CLINICAL_WORDS)


@functools.cache
def _lexicon(locales: tuple[str, ...]) -> gaz.Lexicon:
    return gaz.lexicon(locales)


@functools.cache
def _not_surnames() -> frozenset[str]:
    """Words that never end a name: months, weekdays, states, countries, stop words."""
    return frozenset(
        {m.lower() for m in gaz.MONTHS}
        | {d.lower() for d in gaz.WEEKDAYS}
        | {s.lower() for s in gaz.US_STATE_NAMES}
        | gaz.COUNTRIES
        | STOP_WORDS
        | gaz.CLINICAL_WORDS
    )


def join_name_words(
    text: str, spans: list[TextSpan], locales: tuple[str, ...] = ("en_US",)
) -> list[TextSpan]:
    """``spans`` with each person span grown by an adjacent first name or surname.

    Before a person span: a known first name (Faker's ``locales``, common words included),
    capitalised, one blank away - in text with both cases written like the span's first word
    and not a common word opening a sentence; in text of one case, no stop word or very common
    word. After a span whose last word is a known first name: a listed surname that is no
    common word, or a word that is no English word, clinical shorthand, month, weekday, state
    or country: capitalised in text with both cases ("Mary Quenzler"); of four letters or more
    and without a clinical ending in text of one case ("patty quenzler").

    Args:
        text: The text the spans were found in.
        spans: Spans of every entity (only ``PERSON`` spans grow); not modified.
        locales: Faker locales of the name lists (``name_locales`` of the detection config).

    Returns:
        The spans, person spans possibly longer; overlaps are left for the caller to merge.
    """
    people = [s for s in spans if s.entity == ent.PERSON]
    if not people:
        return spans
    mixed = any(c.islower() for c in text) and any(c.isupper() for c in text)
    covered = [(s.start, s.end) for s in spans]
    out = [s for s in spans if s.entity != ent.PERSON]
    for span in people:
        start = _first_name_before(text, span, mixed, covered, locales)
        end = _surname_after(text, span, mixed, covered, locales)
        out.append(TextSpan(start, end, span.entity, span.score))
    return out


def _free(covered: list[tuple[int, int]], start: int, end: int) -> bool:
    return not any(a < end and start < b for a, b in covered)


def _first_name_before(
    text: str, span: TextSpan, mixed: bool, covered: list[tuple[int, int]], locales
) -> int:
    match = _WORD_BEFORE.search(text, max(0, span.start - _LOOK_BACK), span.start)
    if match is None or not _free(covered, match.start(1), match.end(1)):
        return span.start
    word = match.group(1)
    low = word.lower()
    if low not in _all_first_names(tuple(locales)) or not word[0].isupper():
        return span.start
    first_of_span = text[span.start : span.end].split()[0]
    if mixed:
        if word.isupper() != first_of_span.isupper():
            return span.start  # "RN Jane Doe", "CALLED Jane Doe"
        before = text[max(0, match.start(1) - _LOOK_BACK) : match.start(1)].rstrip(" \t")
        opens_sentence = before[-1:] in {"", ".", "!", "?", ":", ";", "\n"}
        if opens_sentence and low in gaz.common_words():
            return span.start  # "Will Dr Prendle ..." at a sentence start
    elif low in STOP_WORDS or low in gaz.common_words(gaz.VERY_COMMON_LOG_PROB):
        return span.start  # "PT WILL JONES": capitals say nothing in all-caps text
    return match.start(1)


def _surname_after(
    text: str, span: TextSpan, mixed: bool, covered: list[tuple[int, int]], locales
) -> int:
    last = _LAST_WORD.search(text, span.start, span.end)
    if last is None or last.group(1).lower() not in _all_first_names(tuple(locales)):
        return span.end
    if text[span.start : span.end].count(" ") > 1:
        return span.end  # already a full name
    match = _WORD_AFTER.match(text, span.end)
    if match is None or not _free(covered, match.start(1), match.end(1)):
        return span.end
    word = match.group(1)
    low = word.lower()
    if low in _not_surnames() or len(low) < 2 or "'" in low:
        return span.end
    if low in gaz.last_names(tuple(locales)) and low not in _lexicon(tuple(locales)):
        if not mixed or word[0].isupper():
            return match.end(1)
    unknown = low not in gaz.common_words() and low not in gaz.dictionary_words()
    if mixed and word[0].isupper() and not word.isupper() and len(low) > 2 and unknown:
        return match.end(1)  # "Mary Quenzler": capitalised where a word would not be
    if not mixed and len(low) > 3 and unknown and not low.endswith(gaz.MEDICAL_ENDINGS):
        return match.end(1)  # "patty quenzler": no English word, however written
    return span.end
