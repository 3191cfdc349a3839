"""Word lists the recognizers share, built from installed packages only (nothing downloaded).

Names, states, street and city words come from Faker's locale providers; "is this an ordinary
English word?" comes from the lexeme probabilities shipped in ``spacy-lookups-data``: a word is
*common* when its lower-case form is at least as frequent as its capitalised form ("hope",
"brown", "well"), which sets it apart from names ("John", "Boston", "Garcia").
"""

from __future__ import annotations

import functools
import gzip
import importlib
import json
from pathlib import Path

from faker.providers.address.en_US import Provider as _UsAddress
from faker.providers.geo.en_US import Provider as _UsGeo

US_STATE_NAMES: frozenset[str] = frozenset(
    (*_UsAddress.states, "District of Columbia", "Puerto Rico", "Guam", "American Samoa")
)
"""US state (and territory) names: not identifiers under Safe Harbor."""

US_STATE_ABBRS: frozenset[str] = frozenset(_UsAddress.known_usps_abbr)
"""USPS two-letter codes of states, DC and territories."""

STREET_SUFFIXES: tuple[str, ...] = tuple(dict.fromkeys(_UsAddress.street_suffixes))
"""Faker's US street suffixes (Avenue, Way, Path ...), duplicates removed."""

CITY_SUFFIXES: tuple[str, ...] = tuple(dict.fromkeys(_UsAddress.city_suffixes))
"""Faker's US city-name endings (-ville, -ton, -burgh ...)."""

CITY_PREFIXES: tuple[str, ...] = (*_UsAddress.city_prefixes, "Saint", "St.", "Fort", "Mount")
"""Words that start many US place names (North, New, Lake ...)."""

US_CITIES: frozenset[str] = frozenset(c[2] for c in _UsGeo.land_coords if c[3] == "US")
"""The US places in Faker's geo provider."""

MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
WEEKDAYS: tuple[str, ...] = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
)  # fmt: skip


@functools.cache
def first_names(locales: tuple[str, ...]) -> frozenset[str]:
    """Lower-cased first names of the Faker ``locales`` (e.g. ``("en_US",)``)."""
    names: set[str] = set()
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("first_names", "first_names_female", "first_names_male"):
            names.update(_words(getattr(provider, attr, ())))
    return frozenset(names)


@functools.cache
def last_names(locales: tuple[str, ...]) -> frozenset[str]:
    """Lower-cased last names of the Faker ``locales``."""
    names: set[str] = set()
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        names.update(_words(getattr(provider, "last_names", ())))
    return frozenset(names)


def _words(names: object) -> set[str]:
    out: set[str] = set()
    for name in names:  # type: ignore[attr-defined]
        for part in str(name).replace("-", " ").split():
            if len(part) > 1 and part.isalpha():
                out.add(part.lower())
    return out


@functools.cache
def common_words() -> frozenset[str]:
    """Lower-case English words seen at least as often in lower case as capitalised."""
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(path, "rb") as handle:
        raw = handle.read()
    try:  # orjson (a Prefect dependency) parses the 30 MB table three times faster
        import orjson

        probs: dict[str, float] = orjson.loads(raw)
    except ImportError:  # pragma: no cover - depends on the environment
        probs = json.loads(raw)
    floor = -30.0
    return frozenset(
        word
        for word, prob in probs.items()
        if word.isalpha() and word.islower() and prob >= probs.get(word.title(), floor)
    )
