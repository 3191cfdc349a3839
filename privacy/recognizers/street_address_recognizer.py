"""Street addresses (Safe Harbor category B: geographic units smaller than a state)."""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, PatternRecognizer

from privacy.entities import STREET_ADDRESS
from privacy.recognizers._gazetteer import CLINICAL_WORDS as _CLINICAL
from privacy.recognizers._gazetteer import STREET_SUFFIXES

# USPS Publication 28 abbreviations of the suffixes people actually write.
_COMMON = {
    "Street": (), "Avenue": ("Ave", "Av"), "Road": ("Rd",), "Drive": (),
    "Lane": ("Ln",), "Boulevard": ("Blvd",), "Court": ("Ct",), "Place": ("Pl",),
    "Terrace": ("Ter", "Terr"), "Way": (), "Circle": ("Cir",), "Parkway": ("Pkwy",),
    "Highway": ("Hwy",), "Square": ("Sq",), "Trail": ("Trl",), "Path": (), "Plaza": ("Plz",),
    "Alley": ("Aly",), "Row": (), "Loop": (), "Pike": (), "Turnpike": ("Tpke",),
    "Expressway": ("Expy",), "Freeway": ("Fwy",), "Crescent": ("Cres",),
}  # fmt: skip
# Faker suffixes that are ordinary words in clinical text ("2 puffs via nebulizer").
_AMBIGUOUS = frozenset(
    "Via Rue Loaf Union Unions Light Lights Key Keys Well Wells Course Common Mission Pass Run "
    "Spur Spurs Trace Track Wall Center Centers Lock Locks Rapid Rapids Radial Neck Fall Falls "
    "Spring Springs Stream Divide Curve Flat Flats Plain Plains Crest Ramp Trailer Tunnel Fork "
    "Forks Corner Corners Station Mount Point Pine Pines Dam Key Inlet Isle".split()
)


def _forms(words: list[str], *, upper: bool = True, lower: bool = False) -> str:
    out: set[str] = set(words)
    for word in words:
        if upper:
            out.add(word.upper())
        if lower:
            out.add(word.lower())
    return "|".join(sorted(out, key=len, reverse=True))


# "Dr" and upper-case "ST" also mean doctor and sinus tachycardia ("120 PER DR SMITH",
# "HR 100 SINUS ST AT REST"): as suffixes they must not be followed by another word.
_NO_WORD_AFTER = r"(?!\.?[ \t]+(?!(?i:apt|apartment|unit|suite|ste|bldg|room|rm|fl|floor)\b)\p{L})"
_AMBIGUOUS_ABBREVIATIONS = rf"(?:St|st|(?:Dr|DR|ST){_NO_WORD_AFTER})"


_NOT_IN_ADDRESSES = _CLINICAL - {
    "unit", "units", "hospital", "hosp", "st", "center", "ctr", "medical", "med", "clinic",
    "home", "floor", "rehab", "health", "system", "institute", "via", "per", "with", "by",
    "from", "to", "at", "in", "on", "of", "and", "or", "the", "care", "case", "family", "po",
}  # fmt: skip
"""Clinical shorthand that no street address holds ("3 WAY FOLEY IN PLACE")."""

_COMMON_WORDS = [*_COMMON, *(a for abbrs in _COMMON.values() for a in abbrs)]
_OTHER_WORDS = [s for s in STREET_SUFFIXES if s not in _COMMON and s not in _AMBIGUOUS]
_NUMBER = r"\b\d{1,6}(?:-?[A-Z])?"
_DIRECTION = r"(?:(?:[NSEW]|NE|NW|SE|SW|North|South|East|West|NORTH|SOUTH|EAST|WEST)\.?\s+)?"
_NAME_WORD = r"(?:\p{Lu}[\p{L}'’.\-]*|\d{1,3}(?i:st|nd|rd|th))"
_UNIT = (
    r"(?:,?\s+(?:Apt|APT|Apartment|APARTMENT|Unit|UNIT|Suite|SUITE|Ste|STE|Bldg|BLDG|Room|ROOM"
    r"|Rm|RM|Fl|FL|Floor|FLOOR|\#)\.?\s*\#?\s*[A-Z0-9][A-Z0-9\-]{0,5}\b)?"
)


def _address(suffixes: str) -> str:
    return (
        rf"{_NUMBER}\s+{_DIRECTION}(?:{_NAME_WORD}\s+){{1,4}}(?:{suffixes})\b\.?"
        rf"(?:\s+(?:[NSEW]|NE|NW|SE|SW)\b\.?)?{_UNIT}"
    )


class StreetAddressRecognizer(PatternRecognizer):
    """Recognize street addresses: house number, street name, suffix, optional unit.

    ``427 Balistreri Way Unit 19``, ``3763 39TH AVE STE 400``, ``12 N. Main St., Apt 4B``,
    ``PO Box 123``. Street-name words must be capitalised (or ordinals such as ``39th``), so
    that a number followed by ordinary words is not an address. Suffixes come from Faker's US
    list (USPS Publication 28 names) plus the usual abbreviations; the common ones give a
    strong match, the rarer ones a medium one, and those that are everyday clinical words
    (``via``, ``well``, ``station``) are left out.
    """

    ENTITY = STREET_ADDRESS
    PATTERNS = [
        Pattern(
            "Street address (strong)",
            _address(_forms(_COMMON_WORDS, lower=True) + "|" + _AMBIGUOUS_ABBREVIATIONS),
            0.7,
        ),
        Pattern("Street address (medium)", _address(_forms(_OTHER_WORDS, upper=False)), 0.5),
        Pattern(
            "PO box (strong)",
            r"\b(?:P\.?\s?O\.?|Post\s+Office|POST\s+OFFICE)\s*(?i:box)\s+\d{1,6}\b",
            0.7,
        ),
    ]
    CONTEXT = ["address", "street", "lives", "live", "resides", "home", "mail"]

    def __init__(
        self,
        patterns: list[Pattern] | None = None,
        context: list[str] | None = None,
        supported_language: str = "en",
        supported_entity: str = ENTITY,
        name: str | None = None,
    ) -> None:
        super().__init__(
            supported_entity=supported_entity,
            patterns=patterns if patterns else self.PATTERNS,
            context=context if context else self.CONTEXT,
            supported_language=supported_language,
            name=name,
            # Case matters: street-name words are capitalised.
            global_regex_flags=regex.DOTALL | regex.MULTILINE,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        """Reject telegraphic clinical text read as an address (``3 WAY FOLEY IN PLACE``).

        In text without lower case every word is capitalised, so a one-digit "house number"
        followed by clinical shorthand (``8 MCG. BP STABLE CONT AV``) is not an address.
        """
        words = {w.lower() for w in regex.findall(r"\p{L}+", pattern_text)}
        if words & _NOT_IN_ADDRESSES:
            return True
        caps_only = not any(c.islower() for c in pattern_text)
        number = regex.match(r"\d+", pattern_text)
        return bool(caps_only and number and len(number.group()) == 1)
