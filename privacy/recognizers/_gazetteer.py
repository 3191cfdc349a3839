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
def common_words(min_log_prob: float | None = None) -> frozenset[str]:
    """Lower-case English words, frequent enough, seen at least as often lower-cased as capitalised.

    Args:
        min_log_prob: Lowest log probability of a common word (default
            :data:`COMMON_LOG_PROB`); a higher value gives only the more frequent words.
    """
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
        if word.isalpha()
        and word.islower()
        and prob >= (COMMON_LOG_PROB if min_log_prob is None else min_log_prob)
        and prob >= probs.get(word.title(), floor)
    )


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
