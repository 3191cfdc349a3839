"""Names of people and places (Safe Harbor categories A and B) without a trained model."""

from __future__ import annotations

import functools
import re

import regex
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from privacy.entities import LOCATION, PERSON
from privacy.recognizers import _gazetteer as gaz

_TOKEN = regex.compile(r"(\p{L}[\p{L}\p{M}'’]*(?:-\p{L}[\p{L}\p{M}'’]*)*)(\d{1,4})?(?![\p{L}\d])")
_ASCII_TOKEN = re.compile(r"([A-Za-z][A-Za-z']*(?:-[A-Za-z][A-Za-z']*)*)(\d{1,4})?(?![A-Za-z0-9])")
""":data:`_TOKEN` for ASCII text, where it finds the same words (Python's ``re`` is faster)."""
_COMMA = regex.compile(r"\s*,\s*")
_SPACE = regex.compile(r"[ \t]+")
_DOT_SPACE = regex.compile(r"\.[ \t]*")
_COMPILED: dict[str, regex.Pattern[str]] = {}


def _rx(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled once (``regex``'s own cache costs more per call than the match)."""
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        compiled = _COMPILED[pattern] = regex.compile(pattern)
    return compiled


_TITLES = frozenset({"dr", "drs", "doctor", "mr", "mrs", "ms", "miss", "mx", "prof", "professor"})


class _Token:
    """A word of the text: its span, letters (``core``) and lower-case form (``low``)."""

    __slots__ = ("start", "end", "core", "low", "is_cap", "is_initial")

    def __init__(self, start: int, end: int, core: str, low: str) -> None:
        self.start = start
        self.end = end
        self.core = core  # letters only (Synthea's "Gómez206" -> "Gómez")
        self.low = low  # lower case, possessive 's removed
        self.is_cap = core[0].isupper()
        self.is_initial = len(core) == 1 and self.is_cap


class NamePlaceRecognizer(EntityRecognizer):
    """Recognize person names and places below the state level with a gazetteer and rules.

    The gazetteer is Faker's first and last names (``en_US`` by default); "common word" means
    an English word more often written in lower case than capitalised (spaCy's lexeme
    probabilities), which keeps "Hope", "Will", "Brown" or "Grace" from being taken for names
    on their own. Rules, strongest first:

    * a title (``Dr.``, ``Mr.``, ``Mrs.``, ``Ms.`` ...) followed by name words;
    * a relative or role (``daughter``, ``wife``, ``son``, ``husband`` ...) or a cue
      (``seen by``, ``spoke with``, ``name is``) followed by capitalised words;
    * ``First [M.] Last`` and ``Last, First`` from the lists; names before ``MD``, ``RN`` ...;
    * a single listed name that is not a common word;
    * places: ``City, ST``, ``... County``, a cue (``lives in``, ``moved to``) followed by
      capitalised words, known cities (Faker's and GeoNames', see
      :func:`~privacy.recognizers._gazetteer.known_places`) and city-like endings (``-ville``,
      ``-burgh``).

    State names and abbreviations are never reported (Safe Harbor allows the state). In text
    without lower case (``DAUGHTER MARY CALLED``) capitalisation says nothing, so only listed
    names and cue-led words count there. "Common" includes dictionary words and typing slips
    of frequent words (:func:`~privacy.recognizers._gazetteer.lexicon`); ``NP``/``PA`` used as
    shorthand (``4L NP``, ``PA line``) are no credentials, and ``City, ST`` is not read in a
    list of abbreviations (``CABG, MVR, MI``) or glued to the next word (``MOTRIN,CA``).
    """

    ENTITIES = [PERSON, LOCATION]
    TITLES = _TITLES
    ROLES = frozenset(
        "daughter son wife husband mother father mom dad sister brother niece nephew aunt "
        "uncle cousin grandmother grandfather granddaughter grandson grandma grandpa friend "
        "neighbor neighbour partner spouse fiance fiancee boyfriend girlfriend caregiver "
        "guardian stepson stepdaughter stepmother stepfather sibling daughters sons sisters "
        "brothers dtr proxy hcp".split()
    )
    NAME_CUES: tuple[tuple[str, ...], ...] = (
        ("seen", "by"), ("signed", "by"), ("dictated", "by"), ("examined", "by"),
        ("referred", "by"), ("spoke", "with"), ("spoke", "to"), ("talked", "with"),
        ("talked", "to"), ("discussed", "with"), ("met", "with"), ("reviewed", "with"),
        ("informed",), ("notified",), ("name", "is"), ("named",), ("name",), ("called",), ("i'm",),
        ("i", "am"), ("patient",), ("pt",), ("attending",), ("contact",), ("cc",),
    )  # fmt: skip
    PLACE_CUES: tuple[tuple[str, ...], ...] = (
        ("lives", "in"), ("living", "in"), ("lived", "in"), ("resides", "in"),
        ("residing", "in"), ("resident", "of"), ("moved", "to"), ("moved", "from"),
        ("relocated", "to"), ("born", "in"), ("home", "in"), ("native", "of"),
        ("visiting", "from"), ("traveled", "to"), ("travelled", "to"), ("trip", "to"),
        ("returned", "from"), ("vacation", "in"),
    )  # fmt: skip
    CREDENTIALS = frozenset(
        "MD DO RN NP PA PA-C PhD LPN CNA DDS DMD MSW LCSW PharmD APRN CNM DNP FNP".split()
    )
    AREA_WORDS = frozenset({"county", "parish", "borough", "township"})
    NOT_NAMES = frozenset(
        # Eponymous devices and signs of clinical text, languages and nationalities.
        "foley hickman yankauer hoyer broviac groshong dobhoff coude swan ganz levin salem ambu "
        "hemovac penrose babinski homan homans kussmaul cheyne stokes trendelenburg fowler "
        "english spanish french german italian portuguese russian chinese mandarin cantonese "
        "vietnamese korean japanese arabic haitian creole american african asian hispanic "
        "latino latina caucasian polish greek hindi somali amber brady walker".split()
    )

    def __init__(
        self,
        locales: tuple[str, ...] = ("en_US",),
        supported_language: str = "en",
        name: str | None = None,
    ) -> None:
        self.locales = tuple(locales)
        super().__init__(
            supported_entities=list(self.ENTITIES),
            supported_language=supported_language,
            name=name,
            context=[],
        )

    def load(self) -> None:
        """Build the gazetteer (Faker names, common English words, places)."""
        self.first = gaz.first_names(self.locales)
        self.last = gaz.last_names(self.locales)
        self.common = gaz.lexicon(self.locales)
        self.clinical_names = gaz.clinical_names(self.locales)
        self.words = gaz.common_words() | gaz.dictionary_words()
        months = {m.lower() for m in gaz.MONTHS} | {m[:3].lower() for m in gaz.MONTHS}
        names = self.first | self.last
        # Never part of a name.
        self.stop = (
            (set(STOP_WORDS) - names)
            | self.TITLES
            | self.ROLES
            | self.AREA_WORDS
            | {c.lower() for c in self.CREDENTIALS}
            | {"patient", "pt", "hospital", "clinic", "street", "avenue", "road", "unit", "apt"}
        )
        # Not a name on its own, but can be one after a title or role or beside a listed name
        # ("Mr. Washington", "son Virginia", "April Kirby", "Teresa Hickman", "Andrew May").
        self.soft = (
            (set(STOP_WORDS) & names)
            | months
            | {d.lower() for d in gaz.WEEKDAYS}
            | {s.lower() for s in gaz.US_STATE_NAMES}
            | self.NOT_NAMES
        )
        self.states = {s.lower() for s in gaz.US_STATE_NAMES}
        self.state_starts = {s.split()[0] for s in self.states}
        self.cue_starts = {cue[0] for cue in self.NAME_CUES}
        self.place_cue_starts = {cue[0] for cue in self.PLACE_CUES}
        self.cities = gaz.known_places() - gaz.common_words()
        self.city_prefixes = {p.lower().rstrip(".") for p in gaz.CITY_PREFIXES}
        self.multiword_starts = {
            name.split()[0] for name in self.states | self.cities if " " in name
        }

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Find person names and places in ``text``."""
        pattern = _ASCII_TOKEN if text.isascii() else _TOKEN
        tokens = [
            _Token(m.start(), m.end(), core, _lower_core(core))
            for m in pattern.finditer(text)
            for core in (m.group(1),)
        ]
        if not tokens:
            return []
        caps_only = not any(c.islower() for c in text)
        found: list[tuple[int, int, str, float, str]] = []
        if PERSON in entities:
            found += self._people(text, tokens, caps_only)
        if LOCATION in entities:
            found += self._places(text, tokens, caps_only)
        return rule_results(self, trim_possessives(text, found))

    # -- word classes -------------------------------------------------------------------

    def _listed(self, tok: _Token) -> bool:
        """A gazetteer name that is neither a common word nor a word of the soft list."""
        return (
            (tok.low in self.first or tok.low in self.last)
            and tok.low not in self.common
            and tok.low not in self.soft
        )

    def _namelike(self, tok: _Token, caps_only: bool, soft_ok: bool = False) -> bool:
        """Could this word be part of a name, given how it is written?"""
        if len(tok.core) < 2 or tok.low in self.stop or not tok.is_cap:
            return False
        if tok.low in self.soft and not soft_ok:
            return False
        if tok.low in self.first or tok.low in self.last:
            return True
        if caps_only:
            return False
        if tok.core.isupper() and len(tok.core) <= 3:  # acronyms in mixed-case text
            return False
        if tok.low in gaz.CLINICAL_WORDS or tok.low.endswith(gaz.MEDICAL_ENDINGS):
            return False
        return tok.low not in self.common

    def _more_name(self, tok: _Token, caps_only: bool, soft_ok: bool = False) -> bool:
        """Could this word continue a name already started ("Jane *Doe*", "John Q. *Public*")?"""
        if len(tok.core) < 2 or tok.low in self.stop or not tok.is_cap:
            return False
        if tok.low in self.soft and not soft_ok:
            return False
        if not caps_only and tok.core.isupper() and tok.low in self.common:
            return False  # "NP Fletcher AWARE": a capitalised word, not a name
        if caps_only and any(part in self.common for part in tok.low.split("-")):
            return self._namelike(tok, caps_only, soft_ok) and "-" not in tok.low
        return (
            not caps_only or self._namelike(tok, caps_only, soft_ok) or tok.low not in self.common
        )

    def _before_credential(self, text: str, tokens: list[_Token], j: int, caps_only: bool) -> bool:
        """Could ``tokens[j]``, right before ``RN``/``MD``, end a name ("Jane *Doe*, RN")?

        It must look like a name itself, or follow a listed first name: "Elevated PA" and
        "Stoma RN" are no names.
        """
        if self._namelike(tokens[j], caps_only, soft_ok=True):
            return True
        return (
            j > 0
            and tokens[j - 1].low in self.first
            and _adjacent(text, tokens, j)
            and self._more_name(tokens[j], caps_only)
        )

    def _unseen_name_word(self, tok: _Token) -> bool:
        """A capitalised word that is no common word, acronym, place word or title."""
        return (
            self._namelike(tok, caps_only=False)
            and not tok.core.isupper()
            and tok.low not in self.cities
            and tok.low not in self.city_prefixes
        )

    def _cued_word(self, tok: _Token, caps_only: bool, cue: str) -> bool:
        """Could this word, right after a title or a role, be a name however it is written?

        After a role (``son bill``) only a listed, uncommon name counts; after a title
        (``dr draper``, ``DR. BALISTRERI``) any uncommon word does.
        """
        if cue != "title" and (tok.low in STOP_WORDS or "'" in tok.core):
            return False  # "pt will", "husband may", "pt NTS'd"
        if self._namelike(tok, caps_only, soft_ok=True):
            return True
        if (
            cue == "title"
            and tok.is_cap
            and (tok.low in self.first or tok.low in self.last or tok.low in self.clinical_names)
        ):
            return True  # "Mr. May", "Dr. Will", "Ms. Amber": a listed name after a title
        if not caps_only and tok.is_cap and tok.low in self.clinical_names:
            return True  # "discussed with Amber", capitalised where the word would not be
        if len(tok.core) < 2 or tok.low in self.stop or tok.low in self.soft:
            return False
        if not tok.core.isalpha():
            return False
        if self._listed(tok):
            return True
        # After a title a rare word is a name even if it looks like a slip ("dr draper").
        return cue == "title" and len(tok.core) > 2 and tok.low not in self.words

    def _follow_name(
        self, text: str, tokens: list[_Token], i: int, caps_only: bool, cue: str | None = None
    ) -> int:
        """Index after the run of name words starting at ``tokens[i]`` (``i`` if none).

        The first word must look like a name (or follow a ``cue``: see :meth:`_cued_word`);
        the next ones need only be capitalised words that are not stop words (in all-caps
        text: not common words either), or listed names.
        """
        j, words = i, 0
        while j < len(tokens) and words < 3:
            tok = tokens[j]
            if j > i and not _adjacent(text, tokens, j):
                break
            if tok.is_initial and j + 1 < len(tokens):
                j += 1
                continue
            if words == 0:
                ok = self._cued_word(tok, caps_only, cue) if cue else self._namelike(tok, caps_only)
            else:
                ok = self._more_name(tok, caps_only, soft_ok=cue is not None) or (
                    cue is not None and not tok.is_cap and self._listed(tok)
                )
            if not ok:
                break
            j, words = j + 1, words + 1
        while j > i and tokens[j - 1].is_initial:
            j -= 1
        return j if words else i

    # -- people -------------------------------------------------------------------------

    def _people(
        self, text: str, tokens: list[_Token], caps_only: bool
    ) -> list[tuple[int, int, str, float, str]]:
        out: list[tuple[int, int, str, float, str]] = []
        n = len(tokens)

        blocked = self._place_tokens(tokens)

        def add(i: int, j: int, score: float, rule: str) -> None:
            if not blocked.intersection(range(i, j)):
                out.append((tokens[i].start, tokens[j - 1].end, PERSON, score, rule))

        for i, tok in enumerate(tokens):
            # Title + name: "Dr. Smith", "MRS. JANE DOE".
            if tok.low in self.TITLES and i + 1 < n:
                if _adjacent(text, tokens, i + 1):
                    j = self._follow_name(text, tokens, i + 1, caps_only, cue="title")
                    if j > i + 1:
                        add(i + 1, j, 0.85, "title")
            # Relative/role or cue + name: "daughter Mary", "wife, Jane Smith", "seen by Lee".
            cue_end = self._cue_end(tokens, i, text)
            if cue_end is not None and cue_end < n:
                k = cue_end
                if tokens[k].low in {"is", "named", "was"} and k + 1 < n:
                    k += 1
                gap = text[tokens[k - 1].end : tokens[k].start]
                if len(gap) <= 3 and not any(c in gap for c in ".;\n"):
                    j = self._follow_name(text, tokens, k, caps_only, cue="role")
                    if j > k:
                        add(k, j, 0.75, "role or cue")
            # First [M.] [Middle] Last: "John Smith", "Mary Ann Smith", "John Q. Public".
            if (
                tok.is_cap
                and (tok.low in self.first or tok.low in self.clinical_names)
                and tok.low not in self.stop
            ):
                j = i + 1
                while j < n and j < i + 3 and tokens[j].is_initial and _adjacent(text, tokens, j):
                    j += 1
                if j < n and _adjacent(text, tokens, j) and tokens[j].low in self.first:
                    if (
                        j + 1 < n
                        and _adjacent(text, tokens, j + 1)
                        and tokens[j + 1].low in self.last
                    ):
                        j += 1  # a middle name
                if j < n and _adjacent(text, tokens, j) and not tokens[j].is_initial:
                    last = tokens[j]
                    namelike = self._namelike(last, caps_only, soft_ok=True) or (
                        tokens[j - 1].is_initial and self._more_name(last, caps_only, soft_ok=True)
                    )
                    if (
                        namelike
                        and last.low in self.last
                        and (self._listed(tok) or self._listed(last))
                    ) or (
                        # A surname that is also a clinical word: "Anthony Brady".
                        last.is_cap and last.low in self.clinical_names and self._listed(tok)
                    ):
                        add(i, j + 1, 0.7 if caps_only else 0.85, "first last")
                    elif namelike and not caps_only and self._listed(tok):
                        add(i, j + 1, 0.6, "first + capitalised")
                    elif (
                        not caps_only
                        and last.is_cap
                        and not last.core.isupper()
                        and last.low in self.last
                        and last.low not in self.soft
                        and j == i + 1
                    ):
                        # Both listed but common words, the second capitalised mid-sentence:
                        # "Chase Cook", "Joy Hill" (a word would not be capitalised there).
                        add(i, j + 1, 0.6, "first last, common words")
            # Last, First.
            if tok.is_cap and tok.low in self.last and i + 1 < n:
                nxt = tokens[i + 1]
                if (
                    _COMMA.fullmatch(text[tok.end : nxt.start])
                    and nxt.is_cap
                    and nxt.low in self.first
                    and (self._listed(tok) or self._listed(nxt))
                ):
                    end = i + 2
                    if end < n and tokens[end].is_initial:
                        end += 1
                    add(i, end, 0.8 if not caps_only else 0.7, "last, first")
            # Name before a credential: "Jane Doe, RN".
            if (
                tok.core in self.CREDENTIALS
                and i > 0
                and not gaz.credential_is_shorthand(text, tok.start, tok.end)
            ):
                gap = text[tokens[i - 1].end : tok.start]
                if (_COMMA.fullmatch(gap) or _SPACE.fullmatch(gap)) and self._before_credential(
                    text, tokens, i - 1, caps_only
                ):
                    k = i
                    while k > 0 and i - k < 3 and self._more_name(tokens[k - 1], caps_only):
                        if k < i and not _adjacent(text, tokens, k):
                            break
                        k -= 1
                    if k < i:
                        add(k, i, 0.75, "credential")
            # Two capitalised words that are neither common nor places: "Ubul Csonka".
            if not caps_only and self._unseen_name_word(tok) and i + 1 < n:
                j = i + 1
                if tokens[j].is_initial and j + 1 < n and _adjacent(text, tokens, j):
                    j += 1
                if _adjacent(text, tokens, j) and self._unseen_name_word(tokens[j]):
                    add(i, j + 1, 0.45, "capitalised pair")
            # A single listed name.
            if tok.is_cap and self._listed(tok) and tok.low not in self.stop and len(tok.low) > 2:
                add(i, i + 1, 0.45 if caps_only else 0.5, "listed name")
        return out

    def _place_tokens(self, tokens: list[_Token]) -> set[int]:
        """Indices of tokens that spell a state name ("New York") or a known US place."""
        blocked: set[int] = set()
        for i in range(len(tokens)):
            if tokens[i].low not in self.multiword_starts:
                continue
            for size in (3, 2):
                if i + size <= len(tokens):
                    name = " ".join(t.low for t in tokens[i : i + size])
                    if name in self.states or name in self.cities:
                        blocked.update(range(i, i + size))
        return blocked

    def _cue_end(self, tokens: list[_Token], i: int, text: str) -> int | None:
        tok = tokens[i]
        if tok.core in self.CREDENTIALS and gaz.credential_is_shorthand(text, tok.start, tok.end):
            return None  # "4L NP", "PA line": nasal prongs, pulmonary artery
        if tok.low in self.ROLES or tok.core in self.CREDENTIALS:
            return i + 1
        if tok.low not in self.cue_starts:
            return None
        for cue in self.NAME_CUES:
            if tokens[i].low == cue[0] and all(
                i + k < len(tokens) and tokens[i + k].low == word for k, word in enumerate(cue)
            ):
                return i + len(cue)
        return None

    # -- places -------------------------------------------------------------------------

    def _places(
        self, text: str, tokens: list[_Token], caps_only: bool
    ) -> list[tuple[int, int, str, float, str]]:
        out: list[tuple[int, int, str, float, str]] = []
        n = len(tokens)
        state_lens = [self._state_at(tokens, i, text) for i in range(n)]
        # "York" of "New York" is the state's name, no city of its own.
        in_state = {i + k for i, size in enumerate(state_lens) for k in range(1, size)}

        def placelike(tok: _Token) -> bool:
            if not tok.is_cap or len(tok.core) < 2 or tok.low in self.states:
                return False
            if tok.low in self.city_prefixes:
                return True
            if tok.low in self.stop or tok.low in self.TITLES or tok.low in gaz.COUNTRIES:
                return False
            if "-" in tok.low and any(p in self.common for p in tok.low.split("-")):
                return False  # "PRE-DIURESIS", "RE-ZEROED"
            return tok.low not in self.common or tok.low in self.cities

        def run_before(k: int) -> int:
            """Start index of up to 3 adjacent place words ending at ``tokens[k - 1]``."""
            s = k
            while s > 0 and k - s < 3 and placelike(tokens[s - 1]):
                if s < k and not _adjacent(text, tokens, s):
                    break
                s -= 1
            return s

        for i, tok in enumerate(tokens):
            # City, ST / City, State.
            state_len = state_lens[i]
            if state_len and i > 0:
                gap = text[tokens[i - 1].end : tok.start]
                after = tokens[i + state_len - 1].end
                zip_follows = _rx(r"\s+\d{5}\b").match(text, after) is not None
                listed = (
                    not zip_follows
                    and _rx(r"[A-Za-z],\s*$").search(
                        text, max(0, tokens[i - 1].start - 8), tokens[i - 1].start
                    )
                    is not None
                )
                glued = gap == "," or _rx(r"[/\w]").match(text, after) is not None
                ok = _COMMA.fullmatch(gap) and not listed and not glued
                if ok or (gap.strip() == "" and zip_follows):
                    s = run_before(i)
                    if s < i and not (
                        tok.core in self.CREDENTIALS
                        and all(t.low in self.first or t.low in self.last for t in tokens[s:i])
                    ):
                        out.append(
                            (tokens[s].start, tokens[i - 1].end, LOCATION, 0.7, "city, state")
                        )
            # "Hampden County", "County of Essex".
            if tok.low in self.AREA_WORDS and tok.is_cap:
                s = run_before(i)
                if s < i:
                    out.append((tokens[s].start, tok.end, LOCATION, 0.75, "county"))
                elif i + 2 < n and tokens[i + 1].low == "of" and placelike(tokens[i + 2]):
                    out.append((tok.start, tokens[i + 2].end, LOCATION, 0.75, "county of"))
            # Cue + place: "lives in Springfield".
            for cue in self.PLACE_CUES if tok.low in self.place_cue_starts else ():
                if tok.low == cue[0] and all(
                    i + k < n and tokens[i + k].low == word for k, word in enumerate(cue)
                ):
                    k = i + len(cue)
                    e = k
                    while e < n and e - k < 3 and placelike(tokens[e]):
                        if e > k and not _adjacent(text, tokens, e):
                            break
                        e += 1
                    if e > k and not self._is_state_run(tokens[k:e]):
                        out.append((tokens[k].start, tokens[e - 1].end, LOCATION, 0.6, "place cue"))
            # Known places and city-like names.
            if tok.is_cap and not caps_only and i not in in_state:
                for size in (3, 2, 1):
                    if i + size <= n:
                        words = tokens[i : i + size]
                        name = " ".join(t.low for t in words)
                        # One word in capitals in a mixed-case note is an acronym ("NAPA").
                        if (
                            name in self.cities
                            and (size > 1 or not tok.core.isupper())
                            and all(
                                _SPACE.fullmatch(text[a.end : b.start])
                                for a, b in zip(words, words[1:], strict=False)
                            )
                        ):
                            out.append((tok.start, words[-1].end, LOCATION, 0.5, "known place"))
                            break
                else:
                    if (
                        placelike(tok)
                        and tok.low not in self.first
                        and tok.low not in self.last
                        and tok.low not in gaz.CLINICAL_WORDS  # "see Careview" (a charting system)
                        and any(
                            tok.low.endswith(suffix) and len(tok.low) >= len(suffix) + 3
                            for suffix in gaz.CITY_SUFFIXES
                        )
                    ):
                        out.append((tok.start, tok.end, LOCATION, 0.45, "city-like name"))
        return out

    def _state_at(self, tokens: list[_Token], i: int, text: str) -> int:
        """Number of tokens forming a state name or USPS code at ``i`` (0 if none)."""
        tok = tokens[i]
        if tok.core in gaz.US_STATE_ABBRS and len(tok.core) == 2:
            return 1
        if tok.low not in self.state_starts:
            return 0
        for size in (3, 2, 1):
            if i + size <= len(tokens):
                words = tokens[i : i + size]
                if words[0].is_cap and " ".join(t.low for t in words) in self.states:
                    return size
        return 0

    def _is_state_run(self, words: list[_Token]) -> bool:
        return " ".join(t.low for t in words) in self.states


def _adjacent(text: str, tokens: list[_Token], j: int) -> bool:
    """Whether ``tokens[j - 1]`` and ``tokens[j]`` are words of one name (``J. Smith``)."""
    a, b = tokens[j - 1], tokens[j]
    gap = text[a.end : b.start]
    if _SPACE.fullmatch(gap):
        return True
    return bool(_DOT_SPACE.fullmatch(gap)) and (a.is_initial or a.low in _TITLES)


@functools.lru_cache(maxsize=65536)
def _lower_core(core: str) -> str:
    """``core`` in lower case without a possessive ("Smith's" -> "smith"); cached per word."""
    low = core.lower()
    for suffix in ("'s", "’s"):
        if low.endswith(suffix):
            return low[: -len(suffix)]
    return low.rstrip("'’")


def _best_per_span(
    found: list[tuple[int, int, str, float, str]],
) -> list[tuple[int, int, str, float, str]]:
    """Drop candidates overlapping a stronger (then longer) one."""
    ordered = sorted(found, key=lambda f: (-f[3], -(f[1] - f[0]), f[0]))
    kept: list[tuple[int, int, str, float, str]] = []
    for cand in ordered:
        if all(cand[1] <= k[0] or cand[0] >= k[1] for k in kept):
            kept.append(cand)
    return sorted(kept)


def trim_possessives(
    text: str, found: list[tuple[int, int, str, float, str]]
) -> list[tuple[int, int, str, float, str]]:
    """Person matches without a trailing possessive: "Dr. Okonkwo's" names "Okonkwo".

    Places keep theirs: "St. Vincent's" is the hospital's name.
    """
    out = []
    for start, end, entity, score, rule in found:
        possessive = text[end - 2 : end] in ("'s", "’s", "'S", "’S")
        if entity == PERSON and end - start > 3 and possessive:
            end -= 2
        out.append((start, end, entity, score, rule))
    return out


def rule_results(
    recognizer: EntityRecognizer, found: list[tuple[int, int, str, float, str]]
) -> list[RecognizerResult]:
    """Presidio results for rule matches (start, end, entity, score, rule), best per span."""
    return [
        RecognizerResult(
            entity_type=entity,
            start=start,
            end=end,
            score=score,
            analysis_explanation=AnalysisExplanation(
                recognizer=recognizer.name,
                original_score=score,
                textual_explanation=f"{entity} by rule '{rule}'",
            ),
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
            },
        )
        for start, end, entity, score, rule in _best_per_span(found)
    ]
