r"""Read a column name as words: :func:`header_tokens` and :class:`HeaderHints`.

A header is split into lower-case tokens at camelCase boundaries, digits and every other
character (``"BENE_BIRTH_DT"`` -> ``bene birth dt``, ``"MothersMaiden"`` -> ``mothers
maiden``). A run of letters glued from known words is split into them (``"BIRTHDATE"`` ->
``birth date``, ``"ZIPCODE"`` -> ``zip code``); unknown runs stay whole, so ``SP_DEPRESSN``
is ``sp depressn`` and never holds ``ssn``, and ``MEDREIMB_IP`` is ``medreimb ip``.

A hint (``configs/detection.yaml``, ``header_hints``) is a sequence of token patterns separated
by spaces; each pattern is a regex that must match one whole token, the sequence must match
consecutive tokens, and ``^`` / ``$`` anchor it at the first / last token. ``'ssn'`` matches
the token ``ssn`` only; ``'^ ip $'`` a header that is exactly ``ip``; ``'social sec\\w*'``
the words *social security* anywhere in the header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["HeaderHints", "compile_hint", "header_tokens"]

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORDS = re.compile(r"[a-z]+|[0-9]+")

VOCABULARY: frozenset[str] = frozenset(
    """
    account acct addr address admit admission age api birth bdate card cell city code company
    country county credit date day death dob driver drivers email employer end expires family
    fax first given health home host id last latitude licence license lon longitude mail maiden
    member middle mobile mother mothers name national number num pass passport password patient
    phone place plate postal post reason screen secret security serial service social start
    state stop street sur surname tele telephone time token user web site zip care year years
    description discharge encounter visit key stamp initial initials cc page full
    """.split()
)
"""Words a glued run of letters (``BIRTHDATE``, ``USERNAME``) is split into."""

_MIN_GLUED = 6
"""Runs shorter than this are never split (``stage`` stays ``stage``)."""


def header_tokens(name: str) -> tuple[str, ...]:
    """The words of a column name, lower case (see the module docstring)."""
    spaced = _CAMEL.sub(" ", name.strip())
    tokens: list[str] = []
    for word in _WORDS.findall(spaced.lower()):
        tokens.extend(_split_glued(word))
    return tuple(tokens)


@lru_cache(maxsize=4096)
def _split_glued(word: str) -> tuple[str, ...]:
    """``birthdate`` -> (birth, date) when every piece is a known word, else (word,)."""
    if word in VOCABULARY or len(word) < _MIN_GLUED or not word.isalpha():
        return (word,)
    best: list[tuple[str, ...] | None] = [None] * (len(word) + 1)
    best[0] = ()
    for end in range(2, len(word) + 1):
        for start in range(end - 2, -1, -1):
            head = best[start]
            piece = word[start:end]
            if head is not None and piece in VOCABULARY:
                candidate = (*head, piece)
                if best[end] is None or len(candidate) < len(best[end]):  # type: ignore[arg-type]
                    best[end] = candidate
    found = best[len(word)]
    return found if found else (word,)


_OPTIONAL = re.compile(r"^\((.*)\)\?$")


@dataclass(frozen=True)
class CompiledHint:
    """One hint: token patterns that must match consecutive header tokens.

    A pattern written ``(...)?`` is optional: it matches one token or none.
    """

    text: str
    patterns: tuple[tuple[re.Pattern[str], bool], ...]  # (regex, optional)
    at_start: bool
    at_end: bool

    def matches(self, tokens: tuple[str, ...]) -> bool:
        """Whether the hint's token sequence occurs in ``tokens`` (with its anchors)."""
        if not self.patterns:
            return False
        starts = [0] if self.at_start else range(len(tokens))
        return any(self._match_at(tokens, start, 0) for start in starts)

    def _match_at(self, tokens: tuple[str, ...], position: int, index: int) -> bool:
        if index == len(self.patterns):
            return not self.at_end or position == len(tokens)
        pattern, optional = self.patterns[index]
        if position < len(tokens) and pattern.fullmatch(tokens[position]):
            if self._match_at(tokens, position + 1, index + 1):
                return True
        return optional and self._match_at(tokens, position, index + 1)


def compile_hint(text: str) -> CompiledHint:
    """Parse one hint (``'^ (first)? name $'``); raises ``re.error`` for a bad token regex."""
    parts = text.split()
    at_start = bool(parts) and parts[0] == "^"
    at_end = len(parts) > int(at_start) and parts[-1] == "$"
    body = parts[1 if at_start else 0 : len(parts) - 1 if at_end else len(parts)]
    patterns = []
    for part in body:
        optional = _OPTIONAL.match(part)
        patterns.append((re.compile(optional.group(1) if optional else part), bool(optional)))
    return CompiledHint(text, tuple(patterns), at_start, at_end)


class HeaderHints:
    """Hints per entity, tried in order: the first entity with a matching hint wins."""

    def __init__(self, hints: dict[str, tuple[str, ...]], neutral: tuple[str, ...]) -> None:
        """Compile ``hints`` (entity -> hint texts) and the not-an-identifier hints."""
        self._hints = [
            (entity, [compile_hint(h) for h in texts]) for entity, texts in hints.items()
        ]
        self._neutral = [compile_hint(h) for h in neutral]

    def entity(self, name: str) -> tuple[str | None, str | None]:
        """The entity the header names and the hint that said so (or ``(None, None)``)."""
        tokens = header_tokens(name)
        for entity, hints in self._hints:
            for hint in hints:
                if hint.matches(tokens):
                    return entity, hint.text
        return None, None

    def neutral(self, name: str) -> str | None:
        """The not-an-identifier hint the header matches (NDC, ICD, country code ...), if any."""
        tokens = header_tokens(name)
        return next((h.text for h in self._neutral if h.matches(tokens)), None)
