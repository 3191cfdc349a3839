"""Classify the columns of a table: :func:`scan_table`.

One :class:`~privacy.report.ColumnFinding` per column, from the column name (header hints in
``configs/detection.yaml``), the Arrow type, and a sample of values run through Presidio; the
report holds counts and scores, never values.

How a column is classified: the header is read as words (:mod:`privacy.headers`); a hint
names the entity (values that agree raise the confidence from 0.7 towards 1), unless the
values contradict it: a header naming an entity with a shape (SSN, phone, ZIP, IP ...) whose
sampled values never have that shape is overruled. Otherwise the values decide: shapes and
distributions (:mod:`privacy.value_detectors`: ages, YYYYMMDD dates, geography codes,
coordinates, licence numbers, secrets ...) and Presidio, whose entity *explains* a value when
its spans cover 60% of the value's letters and digits and must explain ``min_value_fraction``
of the sampled values. A column whose values only resemble an identifier gets ``looks_like``
and no entity: the planner fails safe on it. Every finding carries its ``evidence`` in words.
"""

from __future__ import annotations

import re
from collections import Counter

import pyarrow as pa
from presidio_analyzer import (
    AnalyzerEngine,
)

from privacy import entities as ent
from privacy.analyzer import describe_detector, get_analyzer
from privacy.column_evidence import NUMERIC_CHECKS, Evidence, is_nanp_number, with_birth_caps
from privacy.detection_config import DetectionConfig, load_detection_config
from privacy.headers import HeaderHints, header_tokens
from privacy.report import ColumnFinding, DetectionReport
from privacy.spans import TextSpan
from privacy.text_detection import analyze_texts
from privacy.value_detectors import Guess, numeric_guess, string_guess, yyyymmdd_share

__all__ = ["header_entity", "normalise_header", "scan_table"]

_HEADER_ONLY = 0.7
"""Confidence of an entity suggested by the column name alone; values that agree add to it."""

_FAMILIES: dict[str, frozenset[str]] = {
    ent.PHONE_NUMBER: frozenset({ent.PHONE_NUMBER, ent.FAX_NUMBER}),
    ent.FAX_NUMBER: frozenset({ent.PHONE_NUMBER, ent.FAX_NUMBER}),
    ent.DATE_TIME: frozenset({ent.DATE_TIME, ent.BIRTH_DATE}),
    ent.BIRTH_DATE: frozenset({ent.DATE_TIME, ent.BIRTH_DATE}),
    ent.STREET_ADDRESS: frozenset({ent.STREET_ADDRESS, ent.LOCATION, ent.ZIP_CODE}),
}
"""Entities whose values look alike: values found as any member support a header hint."""

_EVIDENCE_SAMPLE = 200
"""Values analysed in a string column whose kind the header or the text shape already settles."""

_SETTLED = 0.9
"""Share of the values examined so far that one entity must explain to stop sampling early."""


def scan_table(
    table: pa.Table, source_name: str, config: DetectionConfig | None = None
) -> DetectionReport:
    """Classify every column of ``table``: which identifier it holds, if any.

    Per column: the entity its name suggests (header hints), then by Arrow type - dates and
    timestamps are ``DATE_TIME`` (``BIRTH_DATE`` by header), numbers count by header (and
    10-digit phone numbers by value), strings by a sample of values (up to
    ``config.sample_rows`` non-null values spread over the column, each distinct value analysed
    once). Long, varied text is ``FREE_TEXT`` with span counts. The header wins when it names
    an entity; values alone must explain ``min_value_fraction`` of the sample.

    Args:
        table: The data (typically a sample of the source).
        source_name: Display name of the source, e.g. its file name.
        config: Detection settings; by default those of ``configs/detection.yaml``.

    Returns:
        The report: per column entity, confidence and counts - never values.
    """
    config = config if config is not None else load_detection_config()
    analyzer = get_analyzer(config)
    hints = _compiled_hints(config)
    findings = []
    for index, name in enumerate(table.column_names):
        scanner = _ColumnScan(name, table.column(index), config, analyzer, hints)
        findings.append(scanner.finding())
    findings = with_birth_caps(table, findings)
    return DetectionReport(
        source=source_name,
        rows_sampled=table.num_rows,
        columns=tuple(findings),
        detector=describe_detector(config),
    )


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise_header(name: str) -> str:
    """``"BirthDate"`` -> ``"birth_date"``, ``"Patient ID"`` -> ``"patient_id"``."""
    return _NON_WORD.sub("_", _CAMEL.sub("_", name.strip()).lower()).strip("_")


_HINT_CACHE: dict[str, HeaderHints] = {}


def _compiled_hints(config: DetectionConfig) -> HeaderHints:
    key = repr((config.header_hints, config.neutral_hints))
    if key not in _HINT_CACHE:
        _HINT_CACHE[key] = HeaderHints(config.header_hints, config.neutral_hints)
    return _HINT_CACHE[key]


def header_entity(name: str, config: DetectionConfig | None = None) -> str | None:
    """The entity that a column's name suggests (first matching header hint), if any.

    A header that a neutral hint matches (an NDC, a phone's country code) suggests none.
    """
    config = config if config is not None else load_detection_config()
    hints = _compiled_hints(config)
    if hints.neutral(name):
        return None
    return hints.entity(name)[0]


_SHAPED = frozenset(
    {
        ent.US_SSN,
        ent.IP_ADDRESS,
        ent.EMAIL_ADDRESS,
        ent.PHONE_NUMBER,
        ent.FAX_NUMBER,
        ent.ZIP_CODE,
        ent.GEO_COORDINATE,
        ent.URL,
    }
)
"""Entities whose values have a recognisable shape: a header naming one of them is overruled
when none of at least ``_OVERRULE_MIN`` sampled values has it."""

_OVERRULE_MIN = 10
"""Sampled values needed before values may overrule a header."""


class _ColumnScan:
    """Classify one column (see :func:`scan_table`)."""

    def __init__(
        self,
        name: str,
        column: pa.ChunkedArray,
        config: DetectionConfig,
        analyzer: AnalyzerEngine,
        hints: HeaderHints,
    ) -> None:
        self.name = name
        self.column = column
        self.config = config
        self.analyzer = analyzer
        self.neutral = hints.neutral(name)
        self.header, self.hint = (None, None) if self.neutral else hints.entity(name)
        self.suggested = self.header  # kept in the finding even when the values overrule it
        self.type = column.type
        self.value_type = self.type.value_type if pa.types.is_dictionary(self.type) else self.type
        self.notes: list[str] = []
        if self.neutral:
            self.notes.append(f"header names no identifier (hint '{self.neutral}')")
        elif self.hint:
            self.notes.append(f"header suggests {self.header} (hint '{self.hint}')")
        else:
            self.notes.append("header suggests nothing")

    def finding(self) -> ColumnFinding:
        t = self.value_type
        if pa.types.is_temporal(t) and not pa.types.is_time(t) and not pa.types.is_duration(t):
            return self._dates()
        if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            return self._strings()
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
            return self._numbers()
        if pa.types.is_boolean(t) or pa.types.is_duration(t):
            return self._result(None, 1.0, 0, 0)
        if pa.types.is_time(t):
            keep = self.header in _FAMILIES[ent.DATE_TIME]
            return self._result(self.header if keep else None, _HEADER_ONLY, 0, 0)
        # Binary, nested and other types: only the name can tell (e.g. a photo column).
        header = None if self.header == ent.FREE_TEXT else self.header
        return self._result(header, _HEADER_ONLY if header else 1.0, 0, 0)

    # -- per type -----------------------------------------------------------------------

    def _dates(self) -> ColumnFinding:
        sampled = min(len(self.column) - self.column.null_count, self.config.sample_rows)
        entity = ent.BIRTH_DATE if self.header == ent.BIRTH_DATE else ent.DATE_TIME
        self.notes.append("values are typed dates")
        return self._result(entity, 0.95, sampled, sampled, {entity: sampled})

    def _numbers(self) -> ColumnFinding:
        values = self._sample()
        n = len(values)
        if self.header in (ent.DATE_TIME, ent.BIRTH_DATE) and values:
            share = yyyymmdd_share(values)
            if share >= 0.5:
                self.notes.append(f"{share:.0%} of values are YYYYMMDD dates")
                matched = round(share * n)
                return self._result(
                    self.header, _HEADER_ONLY + 0.3 * share, n, matched, {self.header: matched}
                )
        if self.header is not None and self.header != ent.FREE_TEXT:
            checks = NUMERIC_CHECKS.get(self.header)
            matched = sum(1 for v in values if checks(v)) if checks else 0
            if self.header in _SHAPED and checks and n >= _OVERRULE_MIN and matched == 0:
                self.notes.append(f"but 0/{n} values have the shape of {self.header}: overruled")
                self.header = None
            else:
                share = matched / n if values and checks else 0.0
                counts = {self.header: matched} if matched else {}
                if checks:
                    self.notes.append(f"{matched}/{n} values fit {self.header}")
                return self._result(self.header, _HEADER_ONLY + 0.3 * share, n, matched, counts)
        if values and pa.types.is_integer(self.value_type):
            phones = sum(1 for v in values if is_nanp_number(v))
            share = phones / n
            if share >= max(self.config.min_value_fraction, 0.9):
                self.notes.append(f"{phones}/{n} values are 10-digit phone numbers")
                return self._result(
                    ent.PHONE_NUMBER,
                    0.4 + 0.6 * share * 0.6,
                    n,
                    phones,
                    {ent.PHONE_NUMBER: phones},
                )
        guess = numeric_guess(values) if values else None
        if guess is not None:
            return self._guessed(guess, n)
        if values:
            self.notes.append(
                f"0/{n} values are dates, ages, coordinates, record numbers, geography or ZIP codes"
            )
        return self._result(None, 1.0, n, 0)

    def _guessed(self, guess: Guess, n: int, found: dict[str, int] | None = None) -> ColumnFinding:
        """A finding from a value shape: the entity if confident, else ``looks_like`` it."""
        if self.neutral and (not guess.confident or guess.entity == ent.RECORD_ID):
            self.notes.append(f"values resemble {guess.entity}, but the header names a code")
            return self._result(None, 0.9, n, 0, dict(found or {}))
        matched = round(guess.share * n)
        counts = dict(found or {})
        counts[guess.entity] = max(counts.get(guess.entity, 0), matched)
        if guess.confident:
            self.notes.append(guess.why)
            return self._result(guess.entity, 0.5 + 0.4 * guess.share, n, matched, counts)
        self.notes.append(f"unclassified, {guess.why}")
        return self._result(None, 0.5, n, 0, counts, looks_like=guess.entity)

    def _strings(self) -> ColumnFinding:
        sample = [v.strip() for v in self._sample() if isinstance(v, str) and v.strip()]
        free_header = self.header == ent.FREE_TEXT
        hinted = self.header is not None and not free_header
        if not sample:
            return self._result(
                self.header if hinted else None, _HEADER_ONLY if hinted else 1.0, 0, 0
            )
        if self.header in (ent.DATE_TIME, ent.BIRTH_DATE):
            share = yyyymmdd_share(sample)
            if share >= 0.5:
                self.notes.append(f"{share:.0%} of values are YYYYMMDD dates")
                m = round(share * len(sample))
                return self._result(
                    self.header, 0.7 + 0.3 * share, len(sample), m, {self.header: m}
                )
        if not hinted and not free_header:
            shaped = string_guess(sample, after_presidio=False)
            if shaped is not None:
                return self._guessed(shaped, len(sample))
        ft = self.config.free_text
        n = len(sample)
        looks_free = (
            sum(len(v.split()) for v in sample) / n >= ft.min_mean_words
            and sum(len(v) for v in sample) / n >= ft.min_mean_chars
            and len(set(sample)) / n >= ft.min_distinct_fraction
        )
        if (hinted or free_header or looks_free) and n > _EVIDENCE_SAMPLE:
            # The kind of column is settled; a smaller sample is evidence enough.
            sample = [sample[i * n // _EVIDENCE_SAMPLE] for i in range(_EVIDENCE_SAMPLE)]
            n = len(sample)
        mean_words = sum(len(v.split()) for v in sample) / n
        evidence = self._evidence(sample, settle_early=not (hinted or free_header or looks_free))
        n = evidence.sampled
        if hinted:
            family = _FAMILIES.get(self.header, frozenset({self.header}))
            matched = evidence.explained_by(family)
            overrule = n >= _OVERRULE_MIN and (
                (self.header in _SHAPED and matched == 0)
                or (
                    header_tokens(self.name) == ("name",)
                    and not any(evidence.found.get(e) for e in family)
                )
            )
            if not overrule:
                self.notes.append(f"{matched}/{n} values fit {self.header}")
                return self._result(
                    self.header,
                    _HEADER_ONLY + 0.3 * matched / n,
                    n,
                    matched,
                    dict(evidence.found),
                )
            self.notes.append(f"but 0/{n} values have the shape of {self.header}: overruled")
            self.header = None
        if free_header or looks_free:
            share = evidence.with_spans / n
            self.notes.append(f"free text: {evidence.with_spans}/{n} values hold identifier spans")
            return self._result(
                ent.FREE_TEXT,
                (0.8 if free_header else 0.6) + 0.2 * share,
                n,
                evidence.with_spans,
                dict(evidence.found),
                dict(evidence.spans),
            )
        best = evidence.best()
        if best == ent.RECORD_ID and self.neutral:
            self.notes.append("values look like codes, as the header says")
            best = None
        if best is not None:
            share = evidence.explained[best] / n
            if share >= self.config.min_value_fraction:
                mean_score = evidence.score[best] / evidence.explained[best]
                self.notes.append(f"{evidence.explained[best]}/{n} values are {best}")
                return self._result(
                    best,
                    0.4 + 0.6 * share * mean_score,
                    n,
                    evidence.explained[best],
                    dict(evidence.found),
                )
        span_share = evidence.with_spans / n
        if mean_words >= 2 and span_share >= ft.min_span_fraction:
            self.notes.append(f"short text: {evidence.with_spans}/{n} values hold spans")
            return self._result(
                ent.FREE_TEXT,
                0.5 + 0.5 * span_share,
                n,
                evidence.with_spans,
                dict(evidence.found),
                dict(evidence.spans),
            )
        loose = string_guess(sample, after_presidio=True)
        if loose is not None:
            return self._guessed(loose, n, dict(evidence.found))
        self.notes.append(
            f"no identifier explains the values ({evidence.with_spans}/{n} hold any span); "
            "not dates, geography codes, licence numbers, secrets or names by shape"
        )
        return self._result(None, round(1.0 - span_share, 3), n, 0, dict(evidence.found))

    # -- helpers ------------------------------------------------------------------------

    def _sample(self, limit: int | None = None) -> list[object]:
        """Up to ``sample_rows`` non-null values, evenly spread over the column (deterministic)."""
        values = self.column.drop_null()
        if pa.types.is_dictionary(self.type):
            values = values.cast(self.value_type)
        n = len(values)
        k = min(n, self.config.sample_rows if limit is None else limit)
        if k == 0:
            return []
        if k < n:
            values = values.take(pa.array([i * n // k for i in range(k)], type=pa.int64()))
        return values.to_pylist()

    def _evidence(self, sample: list[str], *, settle_early: bool) -> Evidence:
        """Analyse the distinct values of ``sample`` (weighted by their repeats).

        With ``settle_early``, the sample is taken in interleaved rounds of about
        ``_EVIDENCE_SAMPLE`` values, stopping once one entity explains ``_SETTLED`` of what was
        seen; a column that is not clearly one entity is always examined in full.
        """
        context = [w for w in normalise_header(self.name).split("_") if w.isalpha()] or None
        rounds = -(-len(sample) // _EVIDENCE_SAMPLE) if settle_early else 1
        evidence = Evidence()
        spans_of: dict[str, list[TextSpan]] = {}
        for r in range(rounds):
            counts = Counter(sample[r::rounds])
            new = [v for v in counts if v not in spans_of]
            found = analyze_texts(
                self.analyzer, new, self.config, context=context, what=f"a value of {self.name!r}"
            )
            spans_of.update(zip(new, found, strict=True))
            for value, weight in counts.items():
                evidence.add(value, spans_of[value], weight)
            best = evidence.best()
            if best is not None and evidence.explained[best] >= _SETTLED * evidence.sampled:
                break
        return evidence

    def _result(
        self,
        entity: str | None,
        confidence: float,
        sampled: int,
        matched: int,
        entity_counts: dict[str, int] | None = None,
        span_counts: dict[str, int] | None = None,
        looks_like: str | None = None,
    ) -> ColumnFinding:
        return ColumnFinding(
            column=self.name,
            dtype=str(self.type),
            entity=entity,
            confidence=round(min(max(confidence, 0.0), 1.0), 3),
            header_entity=self.suggested,
            values_sampled=sampled,
            values_matched=matched,
            entity_counts=dict(sorted((entity_counts or {}).items())),
            span_counts=dict(sorted((span_counts or {}).items())),
            looks_like=looks_like,
            evidence="; ".join(self.notes),
        )
