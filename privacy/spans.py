"""Where an identifier sits in a text: the value type detection produces and redaction applies."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TextSpan"]


@dataclass(frozen=True)
class TextSpan:
    """One identifier found in a text: ``text[start:end]`` is an ``entity``.

    Offsets are Python ``str`` indices (code points), end exclusive.
    """

    start: int
    end: int
    entity: str
    score: float
