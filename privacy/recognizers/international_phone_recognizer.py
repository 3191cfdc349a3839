"""Telephone numbers in every region's format (Safe Harbor category D), via python-phonenumbers."""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

_JOINERS = frozenset("/.")
_CANDIDATE = re.compile(r"(?:\+|\()?\d[\d \t().\-+]{5,24}\d")


class InternationalPhoneRecognizer(PhoneRecognizer):
    """Presidio's phone recognizer, minus runs of numbers joined by slashes or decimals.

    python-phonenumbers leniently reads ``7.34/50/95/28/0`` (a blood gas) or ``2.8-3.2/900``
    as a phone number. A number written next to a ``/`` or with a decimal point inside is a
    measurement in clinical text, so such matches are dropped.
    """

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Find phone numbers, then drop those that are slash- or decimal-joined values."""
        out: list[RecognizerResult] = []
        # python-phonenumbers is slow on long texts full of numbers: it only sees the windows
        # that hold a run of at least 7 digits (with the usual separators).
        for window in _CANDIDATE.finditer(text):
            if sum(c.isdigit() for c in window.group()) < 7:
                continue
            start = max(0, window.start() - 4)
            part = text[start : window.end() + 4]
            for result in super().analyze(part, entities, nlp_artifacts):
                result.start += start
                result.end += start
                if self._keep(text, result):
                    out.append(result)
        return out

    @staticmethod
    def _keep(text: str, result: RecognizerResult) -> bool:
        span = text[result.start : result.end]
        if "/" in span:
            return False
        if any(
            a.isdigit() and b == "." and c.isdigit()
            for a, b, c in zip(span, span[1:], span[2:], strict=False)
        ):
            return "." in span and span.count(".") >= 2  # 617.555.0123 keeps its dots
        before = text[result.start - 1 : result.start]
        after = text[result.end : result.end + 1]
        return not (before in _JOINERS or after == "/")
