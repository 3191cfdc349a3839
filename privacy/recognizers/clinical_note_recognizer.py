"""Names and places in telegraphic clinical notes, whatever their case, found by cues.

Nursing and progress notes are written ALL CAPS, all lower case or mixed, in shorthand
("DTR ZENOBIA CALLED", "t. brannigan aware", "transfer to thistlewood 4 today"), so capitals say
little. This recognizer reads the words around a candidate instead: titles and roles before a
name, "aware"/"notified"/credentials after it, initials, movement verbs before a place and
facility words after it. A word is a *candidate* when it is no stop word, no clinical shorthand
(:data:`gaz.CLINICAL_WORDS`) and either uncommon in English (spaCy's lexeme probabilities, see
:func:`privacy.recognizers._gazetteer.common_words`) or a listed name (Faker's name lists).
"""

from __future__ import annotations

import functools
import re

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from privacy.entities import LOCATION, PERSON
from privacy.recognizers import _gazetteer as gaz
from privacy.recognizers.name_place_recognizer import (
    NamePlaceRecognizer,
    rule_results,
    trim_possessives,
)

_COMPILED: dict[str, regex.Pattern[str]] = {}


def _rx(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled once (``regex``'s own cache costs more per call than the match)."""
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        compiled = _COMPILED[pattern] = regex.compile(pattern)
    return compiled


_WORD = re.compile(r"[A-Za-z](?:[A-Za-z]|'(?=[A-Za-z]))*")  # ASCII only: Python's re is faster


TITLES = frozenset("dr dr's drs doctor mr mrs ms miss mx prof".split())
ROLES = frozenset(
    """
    daughter daughters dtr dtrs son sons wife husband hus mother father mom dad sister sisters
    brother brothers niece nephew aunt uncle cousin grandmother grandfather granddaughter
    grandson grandma grandpa grandaughter friend neighbor neighbour partner spouse fiance
    fiancee boyfriend girlfriend caregiver guardian stepson stepdaughter sibling proxy hcp poa
    np rn rrt ho md nurse resident intern fellow attending caseworker chaplain lawyer
    attorney sw
    """.split()
)
"""Words after which a name follows ("dtr zenobia", "NP penny", "caseworker Orsolya")."""
RELATIVES = frozenset(
    """
    daughter daughters dtr dtrs son sons wife husband mother father sister sisters brother
    brothers niece nephew friend
    """.split()
)
"""Roles after which even a fairly common word is a name ("son Chase", "friend Guy")."""
CUE_PHRASES: tuple[tuple[str, ...], ...] = (
    ("per",), ("page",), ("paged",), ("spoke", "with"), ("spoke", "to"), ("met", "with"),
    ("talked", "with"), ("talked", "to"), ("discussed", "with"), ("seen", "by"),
    ("evaluated", "by"), ("examined", "by"), ("significant", "other"), ("contact", "person"),
    ("house", "staff"), ("case", "manager"), ("social", "worker"), ("consult", "with"),
    ("made", "with"), ("friend",), ("named",), ("name", "is"), ("spoken", "with"),
    ("spoken", "to"), ("speaking", "with"), ("speaking", "to"), ("contacted",), ("reach",),
)  # fmt: skip
"""Phrases after which a candidate word is a name."""
CUE_STARTS = frozenset(cue[0] for cue in CUE_PHRASES)
AFTER_NAME = frozenset(
    "aware notified informed rn rrt np pa md bsn lpn rph pharmd crnp cnp resident attending "
    "intern fellow".split()
)
"""Words after which a name precedes ("T. BRANNIGAN AWARE", "gwendolyn kowalczyk rn")."""

FACILITY = frozenset(
    "hospital hosp hospiatal hosptial hospitol medical med center ctr rehab rehabilitation "
    "clinic nursing infirmary sanatorium hospice campus va vamc house building pavilion".split()
)
"""Words after a facility name ("WENDOVER HOSPITAL", "Glenhaven Rehab")."""
FACILITY_NAME = frozenset(
    "memorial adventist general university community regional county saint st holy good "
    "sacred mercy union children's childrens shore heart north south east west".split()
)
"""Words that are part of a facility's name ("North Memorial", "Holy Family")."""
MOVES = frozenset(
    """
    transfer transfered transferred tranfered transfered trans tx'd txd xfer xferred admitted
    admit adm sent went go going taken brought arrived presented flown flighted medflight
    medflighted returned return back discharged readmitted moved came coming lives living
    lived resides residing visiting works worked work employed retired followed referred
    enroute flying flew flown leave leaving transported tx'ed nearby shelter job is am i'm
    tx arrival drove drive driving driven traveled travelled traveling travelling relocated
    """.split()
)
"""Verbs after which ``to``/``from``/``at``/``in`` + a rare word is a place."""
PLACE_PREPOSITIONS = frozenset({"to", "from", "at", "in", "of"})
CLINICIANS = frozenset(
    """
    surgeon surgeons physician physicians doctor doctors cardiologist cardiologists oncologist
    neurologist nephrologist pulmonologist gastroenterologist hepatologist pcp specialist
    consultant
    """.split()
)
"""Clinicians after whom ``from``/``at`` + a name is their hospital."""
RESIDES = frozenset("lives living lived resides residing moved relocated".split())
"""Verbs after which ``in``/``to`` names where someone lives."""
WORK_VERBS = frozenset({"works", "worked", "working", "employed", "volunteers"})
"""Verbs after which ``for``/``by`` + a rare word is an employer, a place ("works for X")."""
ORG_SUFFIXES = frozenset(
    """
    health healthcare systems inc corp corporation company co group associates partners bank
    insurance labs laboratories industries technologies pharmaceuticals pharma foods motors
    """.split()
)
"""Words that end an employer's name after its first word ("works for vista health")."""
HOUSE_NOT_FACILITY = frozenset(
    "staff officer officers diet md mds doc docs physician call calls keeping bound".split()
)
"""Words after which ``house`` is no facility ("house staff aware", "Regular House Diet")."""
EMPLOYER_CUES = frozenset({"business", "company", "employer"})
"""Words after which a capitalised name is an employer ("his business Zentrix")."""
_CAMEL_FACILITY = regex.compile(
    r"[A-Z][a-z]{2,}(?:Building|Hospital|Center|Centre|Clinic|House|Pavilion|Tower)"
)
"""A name glued to a facility word: "QuartermainBuilding", "RiverviewHospital"."""
NAMED_FACILITY = frozenset({"memorial", "general", "adventist", "union", "mercy", "sacred"})
"""Facility-name words that name a place on their own before ``hospital`` ("Memorial Hospital")."""
UNIT_AFTER = frozenset("er ew ed icu micu ccu tcu cath".split())
PERSON_VERBS = frozenset(
    """
    wishes wished wants wanted verbalizes verbalized verbalizing states stated says said agrees
    agreed understands understood requests requested declines declined refuses refused feels
    felt asks asked hopes hoped prefers preferred thinks believes expressed expresses called
    calls phoned phones visited visits spoke speaks came comes met meets
    """.split()
)
"""Verbs whose subject is a person ("Ozymandra wishes", "Zenobia states")."""
HOSPITAL_CUES = frozenset({"at", "from", "to", "in"})
"""Prepositions before a hospital's initials ("at KVH", "transferred from the DRMC")."""
MEDICAL_H_INITIALS = frozenset(
    "adh bph lvh rvh pph sah ich ivh nph ldh tsh fsh lh pth acth doh hh osh oh bh ih ah mh "
    "coh poh ch sh th wh nh".split()
)
"""Medical abbreviations ending in H (OSH, OH: outside hospital), and words too short to tell,
that are no hospital."""
PLACE_FEATURES = frozenset(
    "shore harbor harbour square sq mill mills heights hills valley beach falls springs village "
    "island creek ridge landing manor grove glen".split()
)
"""Words that end a place's name ("Upper Valley", "Harmon Square", "Fenwick Mill")."""
DIRECTIONS = frozenset("eastern western northern southern north south east west upper".split())
"""Words that follow a hospital's short name ("KVH ER", "kvh cath lab")."""


@functools.lru_cache(maxsize=65536)
def _word_key(word: str) -> str:
    """A word in lower case without a possessive ("Smith's" -> "smith"); cached per word."""
    low = word.lower()
    return low[:-2] if low.endswith("'s") else low


class ClinicalNoteRecognizer(EntityRecognizer):
    """Recognize people and places in clinical shorthand by the words around them.

    Person rules: title or role + candidate words (``DR. QUILLFEATHER``, ``son guy``); candidate
    words + ``aware``/``notified``/credential (``P. DELACROIX AWARE``, ``gwendolyn kowalczyk rn``);
    initial + uncommon surname (``T. BRANNIGAN``, ``J SMITH``); ``A and B`` after a name; the
    subject of a person's verb (``Ozymandra wishes``, ``GWENDOLYN CALLED``). Place rules: candidate
    words before a facility word (``Wendover hospital``, ``North Memorial``); ``University of X``;
    a movement verb + ``to``/``from``/``at``/``in`` + a rare word or a real city of any words
    (``transfer to thistlewood 4``, ``lives in brackenridge``, ``returned to new haven``), an
    employer's name ending in an organisation word (``works for vista health``); a short name
    before ``ER``/``ICU`` (``KVH ER``); hospital initials after a preposition (``at KVH``,
    ``from the DRMC``) or before a facility word (``from MD Hospital``); a name before a
    place-name word (``Upper Valley``, ``Harmon Square``) or glued to a facility word
    (``QuartermainBuilding``); a capitalised name after ``business``/``company``.

    Guards: ``NP``/``PA`` used as shorthand (``4L NP``, ``PA line``) are no credentials; a
    cue and a name are not read across a line, a quote or an ellipsis; words one typing slip
    from a frequent word (:class:`~privacy.recognizers._gazetteer.Lexicon`), contractions,
    countries and states are no candidates.
    """

    ENTITIES = [PERSON, LOCATION]

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
        """Build the word classes (Faker names, common English words)."""
        self.names = gaz.first_names(self.locales) | gaz.last_names(self.locales)
        self.last_names = gaz.last_names(self.locales)
        self.common = gaz.lexicon(self.locales)
        self.words = gaz.common_words() | gaz.dictionary_words()
        self.very_common = gaz.common_words(gaz.VERY_COMMON_LOG_PROB)
        self.fairly_common = gaz.common_words(gaz.VERY_COMMON_LOG_PROB - 1.5)
        self.states = {s.lower() for s in gaz.US_STATE_NAMES} | {
            s.lower() for s in gaz.US_STATE_ABBRS
        }
        self.state_names = {s.lower() for s in gaz.US_STATE_NAMES if " " not in s}
        self.months = {m.lower() for m in gaz.MONTHS} | {m[:3].lower() for m in gaz.MONTHS}
        self.days = {d.lower() for d in gaz.WEEKDAYS}
        self.stop = (
            set(STOP_WORDS)
            | gaz.CLINICAL_WORDS
            | TITLES
            | ROLES
            | AFTER_NAME
            | FACILITY
            | self.months
            | self.days
            | NamePlaceRecognizer.NOT_NAMES
        )
        self.place_stop = self.stop | gaz.COUNTRIES | self.states
        # Real cities, any case, even of common words ("returned to new haven").
        self.places = gaz.known_places()
        self.place_starts = {_rx(r"[a-z]+").match(p).group() for p in self.places}

    # -- word classes -------------------------------------------------------------------

    def _candidate(self, low: str) -> bool:
        """A word that could be a name or place: listed or rare, never shorthand."""
        if len(low) < 2 or low in self.stop or low in self.states:
            return False
        if "'" in low and low[1] != "'":
            return False  # a contraction ("i'm", "don't"), not "o'brien"
        if low in self.names:
            return True
        return low not in self.common and not low.endswith(gaz.MEDICAL_ENDINGS + ("icu",))

    def _unknown(self, low: str) -> bool:
        """A word of no dictionary, even allowing for slips ("gingel"), and no shorthand."""
        return (
            len(low) > 2
            and low.isalpha()
            and low not in self.stop
            and low not in self.states
            and low not in self.words
            and not low.endswith(gaz.MEDICAL_ENDINGS)
        )

    def _rare(self, low: str) -> bool:
        """A candidate that is not a common English word (a listed name is not enough)."""
        return self._candidate(low) and low not in self.common

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Find people and places in ``text``."""
        words = [(m.start(), m.end(), _word_key(m.group())) for m in _WORD.finditer(text)]
        if not words:
            return []
        found: list[tuple[int, int, str, float, str]] = []
        if PERSON in entities:
            found += self._people(text, words)
        if LOCATION in entities:
            found += self._places(text, words)
        return rule_results(self, trim_possessives(text, found))

    # -- people -------------------------------------------------------------------------

    def _cue_gap_ok(self, text: str, words: list, i: int, cue_end: int, gap: str) -> bool:
        """Whether the cue ``words[i:cue_end]`` and the word after it are one phrase.

        Not across a line, a quote, a clause mark or (but after a title or a short
        abbreviation such as ``dtr.``) a full stop; a title (``MR``) is no title right after a
        sign or digit (``3+MR``: mitral regurgitation) or before a comma.
        """
        if len(gap) > 4 or "\n" in gap or any(c in gap for c in ';:!?"'):
            return False
        cue = words[cue_end - 1][2]
        if "." in gap and not (cue in TITLES or len(cue) <= 3) or ".." in gap:
            return False
        if cue in TITLES:
            before = text[words[i][0] - 1 : words[i][0]] if words[i][0] else ""
            if (before and before in "-+/" or before.isdigit()) or "," in gap:
                return False
        return True

    def _gap(self, text: str, words: list, j: int) -> str:
        return text[words[j - 1][1] : words[j][0]]

    def _after_title(self, low: str, relative: bool = False) -> bool:
        """After ``Dr``/``Mr``/``Mrs``: any word but shorthand and the most frequent words.

        After a relative (``son``, ``wife``) verbs are more likely than after a title
        ("son visited", "wife phoned"): words ending like verbs are not taken there.
        """
        if self._candidate(low):
            return True
        if relative and (low.endswith(("ed", "s", "ing")) or low in self.fairly_common):
            return False
        return (
            len(low) > 2
            and not low.endswith(gaz.MEDICAL_ENDINGS)
            and low not in self.stop - NamePlaceRecognizer.NOT_NAMES
            and low not in self.very_common
        )

    def _name_run(
        self,
        text: str,
        words: list,
        i: int,
        rare_only: bool = False,
        title: bool = False,
        relative: bool = False,
    ) -> int:
        """Index after up to three name words from ``words[i]`` (``i`` when none)."""
        j, count = i, 0
        while j < len(words) and count < 3:
            if j > i:
                gap = self._gap(text, words, j)
                initial = len(words[j - 1][2]) == 1
                if not (_rx(r"[ \t]+|-").fullmatch(gap) or (initial and gap.strip() == ".")):
                    break
            low = words[j][2]
            if len(low) == 1 and j + 1 < len(words):
                gap = self._gap(text, words, j + 1)
                if gap.strip() in {".", ""} and "\n" not in gap and len(gap) <= 2:
                    j += 1
                    continue
                break
            written = text[words[j][0] : words[j][1]]
            if rare_only and count == 0:
                # "per SSRI", "per BMC": capitals in a mixed-case note are an acronym.
                acronym = written.isupper() and len(written) <= 5 and not text.isupper()
                ok = self._rare(low) and not acronym
            elif title and count == 0:
                # "mr I remained": after a title, a lower-case word in a mixed-case note must
                # be rare or a listed name.
                lower_in_mixed = written.islower() and not text.islower()
                ok = self._candidate(low) if lower_in_mixed else self._after_title(low, relative)
            else:
                ok = self._candidate(low)
            if not ok:
                break
            j, count = j + 1, count + 1
        while j > i and len(words[j - 1][2]) == 1:
            j -= 1
        return j if count else i

    def _people(self, text: str, words: list) -> list[tuple[int, int, str, float, str]]:
        out: list[tuple[int, int, str, float, str]] = []
        n = len(words)
        mixed = any(c.islower() for c in text) and any(c.isupper() for c in text)

        def add(i: int, j: int, score: float, rule: str, titled: bool = False) -> None:
            out.append((words[i][0], words[j - 1][1], PERSON, score, rule))
            # "Sons Chase, Hunter and Gregory": a list of names after a plural role.
            k = j
            while k + 1 < n and _rx(r",[ \t]*").fullmatch(self._gap(text, words, k)):
                e = self._name_run(text, words, k)
                if e == k:
                    break
                out.append((words[k][0], words[e - 1][1], PERSON, score, rule + " list"))
                j = k = e
            # "Drs Quillane and Haddad", "theresa and gwendolyn": a second name after "and"/"&".
            if j + 1 < n and words[j][2] == "and" or (j < n and "&" in self._gap(text, words, j)):
                k = j + 1 if words[j][2] == "and" else j
                if k < n and "\n" not in text[words[j - 1][1] : words[k][0]]:
                    # After "Drs", the second name is titled too ("Drs Quillane and Okafor").
                    e = self._name_run(text, words, k, title=titled)
                    if e > k:
                        out.append((words[k][0], words[e - 1][1], PERSON, score, rule + " and"))

        for i, (_, end, low) in enumerate(words):
            cue_end = None
            if low in {"np", "pa"} and gaz.credential_is_shorthand(text, words[i][0], end):
                pass  # "4L NP", "PA line": nasal prongs, pulmonary artery
            elif low in TITLES or low in ROLES:
                cue_end = i + 1
            elif low in CUE_STARTS:
                for cue in CUE_PHRASES:
                    if low == cue[0] and all(
                        i + k < n and words[i + k][2] == w for k, w in enumerate(cue)
                    ):
                        cue_end = i + len(cue)
                        break
            if cue_end is not None and cue_end < n:
                gap = text[words[cue_end - 1][1] : words[cue_end][0]]
                if self._cue_gap_ok(text, words, i, cue_end, gap):
                    title = low in TITLES and low not in {"ms", "miss"}  # MS: mental status
                    relative = low in RELATIVES
                    k = cue_end
                    if words[k][2] in {"is", "was", "named"} and k + 1 < n:
                        k += 1
                    rare_only = low in {"per", "page", "paged"}
                    j = self._name_run(
                        text,
                        words,
                        k,
                        rare_only=rare_only,
                        title=title or relative,
                        relative=relative,
                    )
                    if j > k:
                        score = 0.85 if title else 0.7
                        add(k, j, score, "title" if title else "role or cue", titled=low == "drs")
            # Name words before "aware", "notified" or a credential.
            # ... or before a relation in brackets: "Amarilis (daughter)".
            bracketed = (
                low in RELATIVES
                and i > 0
                and _rx(r"[ \t]*\([ \t]*").fullmatch(text[words[i - 1][1] : words[i][0]])
                and text[end : end + 1] == ")"
            )
            if (low in AFTER_NAME or bracketed) and i > 0:
                gap = text[words[i - 1][1] : words[i][0]]
                if _rx(r"[ \t]*[,()]?[ \t]*(?:made[ \t]+)?").fullmatch(gap):
                    k = i
                    while k > 0 and i - k < 3:
                        prev = words[k - 1][2]
                        g = text[words[k - 1][1] : words[k][0]] if k < i else " "
                        if k < i and not (
                            _rx(r"[ \t]+").fullmatch(g) or (len(prev) == 1 and g.strip() == ".")
                        ):
                            break
                        if len(prev) == 1 and k < i:
                            k -= 1
                            continue
                        if not self._candidate(prev):
                            break
                        k -= 1
                    if k < i and any(len(words[x][2]) > 1 for x in range(k, i)):
                        out.append((words[k][0], words[i - 1][1], PERSON, 0.7, "before credential"))
            # Initial + rare surname: "T. BRANNIGAN", "s. pellegrini", "J SMITH" (a listed surname).
            if len(low) == 1 and low not in "rlx" and i + 1 < n:
                gap = text[end : words[i + 1][0]]
                tight = gap == "." and not (
                    text[words[i][0]].isupper() and text[words[i + 1][0]].isupper()
                )
                nxt = words[i + 1][2]
                bare = (
                    gap == " "
                    and text[words[i][0]].isupper()
                    and nxt in self.last_names
                    and nxt not in self.common
                )
                # After an initial, a word that is no English word is a surname even when it
                # is one typing slip from a frequent word ("M. GINGEL", not "ginger").
                dotted = (
                    _rx(r"\.[ \t]?").fullmatch(gap)
                    and not tight
                    and (self._rare(nxt) or self._unknown(nxt))
                )
                if dotted or bare:
                    before = text[max(0, words[i][0] - 1) : words[i][0]]
                    if before in {"", " ", "\t", "\n", "(", "-", ",", ">"}:
                        out.append((words[i][0], words[i + 1][1], PERSON, 0.6, "initial + surname"))
            # The subject of a person's verb: a capitalised rare word in a mixed-case note
            # ("Ozymandra wishes"), or a listed name however written ("GWENDOLYN CALLED").
            if (
                i + 1 < n
                and words[i + 1][2] in PERSON_VERBS
                and len(low) > 2
                and _rx(r"[ \t]+").fullmatch(self._gap(text, words, i + 1))
                and (
                    (
                        mixed
                        and text[words[i][0]].isupper()
                        and not text[words[i][0] : end].isupper()
                        and self._rare(low)
                    )
                    or (low in self.names and low not in self.common and low not in self.stop)
                )
            ):
                out.append((words[i][0], end, PERSON, 0.6, "subject of a person's verb"))
            # First + last name from the lists, any case: "gwendolyn whitaker".
            if low in self.names and low not in self.common and low not in self.stop:
                if i + 1 < n and _rx(r"[ \t]+").fullmatch(self._gap(text, words, i + 1)):
                    nxt = words[i + 1][2]
                    if len(nxt) > 2 and self._candidate(nxt):
                        out.append((words[i][0], words[i + 1][1], PERSON, 0.6, "name pair"))
        return out

    # -- places -------------------------------------------------------------------------

    def _places(self, text: str, words: list) -> list[tuple[int, int, str, float, str]]:
        out: list[tuple[int, int, str, float, str]] = []
        n = len(words)

        def spaced(j: int) -> bool:
            gap = self._gap(text, words, j)
            return bool(_rx(r"[ \t]+|\.[ \t]*").fullmatch(gap))

        mixed = any(c.islower() for c in text) and any(c.isupper() for c in text)

        def namey(j: int) -> bool:
            low = words[j][2]
            if low in FACILITY_NAME or self._candidate(low):
                return True
            return mixed and text[words[j][0]].isupper() and low not in self.stop

        for i, (start, end, low) in enumerate(words):
            # Facility: "WENDOVER HOSPITAL", "North Memorial", "Holy Family Hospital".
            if low in FACILITY and i > 0 and spaced(i) and self._facility_word(words, i):
                k = i
                while k > 0 and i - k < 3 and namey(k - 1):
                    if k < i and not (spaced(k) or self._gap(text, words, k) == "-"):
                        break
                    k -= 1
                initial = k > 0 and len(words[k - 1][2]) == 1 and self._gap(text, words, k) == ". "
                if (
                    k < i
                    and not initial
                    and any(words[x][2] not in FACILITY_NAME for x in range(k, i))
                ):
                    out.append((words[k][0], words[i - 1][1], LOCATION, 0.7, "facility"))
                    # "Bayview Rehab and Kimsey": a second facility in the same list.
                    e = i + 2
                    if e < n and words[i + 1][2] in {"and", "or"} and spaced(i + 1):
                        while e < n and e - i < 5 and spaced(e) and self._place_word(words[e][2]):
                            e += 1
                        if e > i + 2:
                            out.append(
                                (words[i + 2][0], words[e - 1][1], LOCATION, 0.6, "facility list")
                            )
            if low in NAMED_FACILITY and i + 1 < n and words[i + 1][2] in FACILITY:
                if spaced(i + 1):
                    out.append((start, end, LOCATION, 0.6, "named facility"))
            if low in {"memorial", "adventist"} and i > 0 and spaced(i):
                if self._candidate(words[i - 1][2]) or words[i - 1][2] in FACILITY_NAME:
                    out.append((words[i - 1][0], end, LOCATION, 0.7, "memorial"))
            # Place before a state's name: "brackenridge vermont's", "Glenhaven, Vermont"; a
            # university named after its state keeps the state's name: "U Vermont".
            if low in self.state_names and i > 0 and words[i - 1][2] != low:
                gap = self._gap(text, words, i)
                prev = words[i - 1][2]
                if _rx(r"[ \t]*,?[ \t]*").fullmatch(gap):
                    if prev in {"u", "univ"}:
                        out.append((words[i - 1][0], end, LOCATION, 0.6, "university"))
                    elif self._place_word(prev):
                        out.append(
                            (words[i - 1][0], words[i - 1][1], LOCATION, 0.6, "before state")
                        )
            # University of X.
            if low in {"university", "univ", "u", "uof"} and i + 1 < n:
                k = i + 1 if low != "uof" else i
                if low == "uof" or words[k][2] == "of":
                    e = k + 1
                    if e < n and (self._candidate(words[e][2]) or words[e][2] in self.states):
                        out.append((start, words[e][1], LOCATION, 0.7, "university of"))
            # Saint/Holy/Good + a listed name (or "cross"): "St. Vincent's", "saint gregory".
            if low in {"st", "saint", "holy", "good"} and i + 1 < n and spaced(i + 1):
                nxt = words[i + 1][2]
                nxt_next = words[i + 2][2] if i + 2 < n else ""
                if (low != "good" or nxt_next in FACILITY) and nxt in self.names | {"cross"}:
                    if low in {"st", "saint"} or nxt_next in FACILITY or self._moved(words, i):
                        out.append((start, words[i + 1][1], LOCATION, 0.6, "saint"))
            # Movement + preposition + rare word: "transfer to thistlewood 4".
            if (
                low in PLACE_PREPOSITIONS | {"for", "by"}
                and i + 1 < n
                and self._moved(words, i + 1)
            ):
                k = i + 1
                if words[k][2] == "the" and k + 1 < n:
                    k += 1
                e = k
                while (
                    e < n
                    and e - k < 3
                    and (
                        self._place_word(words[e][2])
                        or (
                            mixed
                            and text[words[e][0]].isupper()
                            and words[e][2] not in self.place_stop
                        )
                    )
                ):
                    if e > k and not spaced(e):
                        break
                    e += 1
                e = max(e, k + self._known_place(text, words, k))
                # "works for vista health": an employer's name ends in an organisation word.
                if e > k and e < n and words[e][2] in ORG_SUFFIXES and spaced(e):
                    e += 1
                if e > k:
                    out.append((words[k][0], words[e - 1][1], LOCATION, 0.6, "movement"))
                elif text[words[k][0] : words[k][1]] == "DC" and words[i - 1][2] in RESIDES:
                    # Washington, DC is a city (no state): "lives in DC".
                    out.append((words[k][0], words[k][1], LOCATION, 0.6, "movement"))
            # "leave KVH", "leaving Wendover": the place follows the verb.
            if low in {"leave", "leaving"} and i + 1 < n and self._place_word(words[i + 1][2]):
                if text[words[i + 1][0] : words[i + 1][1]].isupper() or self._rare(words[i + 1][2]):
                    out.append((words[i + 1][0], words[i + 1][1], LOCATION, 0.55, "leave"))
            # A named unit and its floor: "to thistlewood 4", "on Thistlewood 5".
            if low in {"to", "on", "from", "at", "plan"} and i + 1 < n:
                cand = words[i + 1][2]
                after = text[words[i + 1][1] : words[i + 1][1] + 4]
                if (
                    len(cand) > 4
                    and self._rare(cand)
                    and regex.match(
                        r"[ \t]?[1-9](?![\d.,/:]|\s*(?i:mg|mcg|u\b|units|l\b|ml|cc))", after
                    )
                ):
                    out.append((words[i + 1][0], words[i + 1][1], LOCATION, 0.55, "unit"))
            # A hospital's initials after a preposition: "at KVH", "from the DRMC".
            if low in HOSPITAL_CUES and i + 1 < n and spaced(i + 1):
                k = i + 2 if words[i + 1][2] == "the" and i + 2 < n else i + 1
                if self._hospital_initials(text, words, k):
                    out.append((words[k][0], words[k][1], LOCATION, 0.6, "hospital initials"))
            # A place-name word after a name: "Upper Valley", "Harmon Square".
            if low in PLACE_FEATURES and i > 0 and spaced(i):
                prev = words[i - 1][2]
                cap = text[words[i - 1][0]].isupper() or not mixed
                if cap and (prev in DIRECTIONS or self._place_word(prev) or prev in self.names):
                    out.append((words[i - 1][0], end, LOCATION, 0.6, "place feature"))
            # Short name before ER/ICU: "KVH ER", "kvh cath lab".
            if low in UNIT_AFTER and i > 0 and spaced(i):
                prev = words[i - 1][2]
                if self._place_word(prev) and 2 <= len(prev) <= 5:
                    out.append((words[i - 1][0], words[i - 1][1], LOCATION, 0.55, "unit"))
            # An employer after "business"/"company": "his business Zentrix".
            if low in EMPLOYER_CUES and i + 1 < n and self._gap(text, words, i + 1) == " ":
                nxt_start, nxt_end, nxt = words[i + 1]
                if (mixed and text[nxt_start].isupper() or self._rare(nxt)) and self._place_word(
                    nxt
                ):
                    out.append((nxt_start, nxt_end, LOCATION, 0.55, "employer"))
            # Initials in capitals before a facility word, after a preposition: "from MD
            # Hospital" (however clinical the initials: they name the hospital here).
            if (
                low in FACILITY
                and mixed
                and i >= 2
                and spaced(i)
                and words[i - 2][2] in HOSPITAL_CUES
                and self._facility_word(words, i)
            ):
                prev_start, prev_end, prev = words[i - 1]
                written = text[prev_start:prev_end]
                if 2 <= len(written) <= 4 and written.isupper() and prev not in FACILITY:
                    if prev not in MEDICAL_H_INITIALS:
                        out.append((prev_start, prev_end, LOCATION, 0.6, "initials + facility"))
            # A name glued to a facility word: "QuartermainBuilding".
            if end - start > 8 and _CAMEL_FACILITY.fullmatch(text, start, end):
                out.append((start, end, LOCATION, 0.6, "glued facility"))
        return out

    def _facility_word(self, words: list, i: int) -> bool:
        """Whether ``words[i]`` (a facility word) names a facility here, not a drug or a note.

        ``med`` only before ``center``/``campus`` ("Pain med prn" is a drug); ``nursing`` only
        before ``home``/``facility``/``agency`` ("PMICU Nursing Progress Note"); ``house`` not
        before ``staff``/``diet`` ("Regular House Diet").
        """
        low = words[i][2]
        nxt = words[i + 1][2] if i + 1 < len(words) else ""
        if low == "med":
            return nxt in {"center", "ctr", "centre", "campus"}
        if low == "nursing":
            return nxt in {"home", "facility", "center", "ctr", "agency", "care"}
        if low == "house":
            return nxt not in HOUSE_NOT_FACILITY
        return True

    def _hospital_initials(self, text: str, words: list, k: int) -> bool:
        """Whether ``words[k]`` is a hospital's initials: ``KVH``, ``DRMC`` (ends in H or MC).

        Written in capitals (or in lower case: in a note without capitals, or when 2 or 3
        letters ending in H), 2 to 5 letters, and no clinical abbreviation (``OSH``, ``NPH``).
        """
        start, end, low = words[k]
        word = text[start:end]
        # Lower case in a mixed-case note too ("had at gh."), but only where the shape is
        # unmistakable: two or three letters ending in H.
        lower_ok = text.islower() or (word.islower() and len(word) <= 3 and low.endswith("h"))
        if not 2 <= len(word) <= 5 or not (word.isupper() or lower_ok):
            return False
        if not (low.endswith("h") or low.endswith("mc")) or low in MEDICAL_H_INITIALS:
            return False
        return low not in gaz.CLINICAL_WORDS and low not in self.common

    def _known_place(self, text: str, words: list, k: int) -> int:
        """Number of words from ``words[k]`` that spell a real city (0 if none).

        Any case ("new haven", "Winston-Salem", "st. louis"); a single word only when it is no
        common English word ("went to reading" is no trip to Reading, PA).
        """
        if words[k][2] not in self.place_starts:
            return 0
        for size in (3, 2, 1):
            if k + size > len(words):
                continue
            phrase = text[words[k][0] : words[k + size - 1][1]].lower()
            if "\n" in phrase or "  " in phrase:
                continue
            if phrase in self.places and (size > 1 or phrase not in self.common):
                return size
        return 0

    def _place_word(self, low: str) -> bool:
        return self._candidate(low) and low not in self.days and low not in gaz.COUNTRIES

    def _moved(self, words: list, k: int) -> bool:
        """Whether the words before ``words[k]`` are a movement verb and a preposition."""
        if k < 2:
            return False
        prep, verb = words[k - 1][2], words[k - 2][2]
        if prep in {"for", "by"}:
            return verb in WORK_VERBS  # an employer: "works for Zentrix", "employed by Halvorsen"
        if prep not in PLACE_PREPOSITIONS:
            return verb in {"to", "from", "at"} and k >= 3 and words[k - 3][2] in MOVES
        if prep in {"in", "from"} and (verb in ROLES or verb in FACILITY):
            return True  # "son in Glenhaven", "daughter from Lisbon", "hospital in Brackenridge"
        if prep in {"from", "at"} and verb in CLINICIANS:
            return True  # their hospital: "surgeon from Bayview", "cardiologist at Kimsey"
        return verb in MOVES or (
            k >= 3 and words[k - 3][2] in MOVES and verb in {"back", "home", "pt", "today", "again"}
        )
