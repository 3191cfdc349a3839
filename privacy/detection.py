"""Find PHI: classify the columns of a table, and find identifier spans in free text.

Public API:

* :func:`scan_table` - one :class:`~privacy.report.ColumnFinding` per column, from the column
  name (header hints in ``configs/detection.yaml``), the Arrow type, and a sample of values
  run through Presidio; the report holds counts and scores, never values.
* :func:`detect_spans` - identifier spans (:class:`~transforms.text.TextSpan`) in free texts,
  batched and spread over worker processes (the path of the release flow and of
  ``shareable detect``).
* :func:`get_analyzer` - the Presidio analyzer both use, built once per process and config.
* :func:`describe_detector` - how detection is set up, for the release manifest.
* :func:`header_entity` - the entity a column name suggests (``configs/detection.yaml`` hints).
* :func:`load_detection_config` / :class:`DetectionConfig` - the settings.

How a column is classified: the header hint, when there is one, names the entity (values that
agree raise the confidence from 0.7 towards 1). Otherwise the values decide: an entity
*explains* a value when its spans cover 60% of the value's letters and digits, and it must
explain ``min_value_fraction`` of the sampled values. Dates and timestamps in Arrow date types
need no sampling; numbers count only by header (or as 10-digit phone numbers).

Presidio's analyzer is always built here with the project's NLP engine
(:mod:`privacy.nlp_engine`) and recognizer registry (:mod:`privacy.recognizers.registry`):
Presidio's default ``AnalyzerEngine()`` would try to download a spaCy model.
"""

from __future__ import annotations

import atexit
import copy
import logging
import multiprocessing
import multiprocessing.pool
import os
import re
import signal
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from types import ModuleType

import pyarrow as pa
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    PatternRecognizer,
    RecognizerResult,
)

from privacy import entities as ent
from privacy.detection_config import DetectionConfig, load_detection_config
from privacy.errors import InternalError
from privacy.nlp_engine import LANGUAGE, build_nlp_engine, describe_nlp_engine
from privacy.recognizers.name_joining import join_name_words
from privacy.recognizers.registry import PRESIDIO_QUICK_CHECKS, build_registry
from privacy.report import ColumnFinding, DetectionReport
from transforms.text import TextSpan

__all__ = [
    "DetectionConfig",
    "describe_detector",
    "detect_spans",
    "get_analyzer",
    "header_entity",
    "load_detection_config",
    "normalise_header",
    "scan_table",
]

logger = logging.getLogger(__name__)

# Presidio logs matched text at DEBUG level (context words, decision traces): keep it quiet.
_PRESIDIO_LOGGER = "presidio-analyzer"

_COVER = 0.6
"""An entity *explains* a value when its spans cover this share of the value's characters."""

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

_STOP = frozenset(
    "the and for with from this that was were has had have are not but his her him she they "
    "them their you your our its who what when where which mr mrs ms dr drs miss st saint".split()
)

_ANALYZERS: dict[str, AnalyzerEngine] = {}
_LOCK = threading.RLock()


def get_analyzer(config: DetectionConfig | None = None) -> AnalyzerEngine:
    """Return the Presidio analyzer for ``config``, built on first use and then reused.

    Args:
        config: Detection settings; by default those of ``configs/detection.yaml``.

    Returns:
        An English :class:`presidio_analyzer.AnalyzerEngine` over the project's NLP engine
        and recognizers.

    Raises:
        SpecError: The config names a spaCy model that is not installed.
    """
    config = config if config is not None else load_detection_config()
    key = config.model_dump_json()
    with _LOCK:
        analyzer = _ANALYZERS.get(key)
        if analyzer is None:
            logging.getLogger(_PRESIDIO_LOGGER).setLevel(logging.WARNING)
            nlp_engine = build_nlp_engine(config)
            analyzer = AnalyzerEngine(
                registry=build_registry(config, nlp_engine),
                nlp_engine=nlp_engine,
                supported_languages=[LANGUAGE],
                default_score_threshold=config.score_threshold,
            )
            _ANALYZERS[key] = analyzer
            logger.info("PHI analyzer built: %s", describe_nlp_engine(nlp_engine))
    return analyzer


def describe_detector(config: DetectionConfig | None = None) -> dict[str, str]:
    """Describe the detector (engine, recognizers, thresholds) for a report's ``detector``."""
    config = config if config is not None else load_detection_config()
    analyzer = get_analyzer(config)
    recognizers = sorted({r.name for r in analyzer.registry.recognizers})
    return {
        "engine": f"presidio-analyzer {version('presidio-analyzer')}",
        "nlp_engine": describe_nlp_engine(analyzer.nlp_engine),
        "recognizers": ", ".join(recognizers),
        "score_threshold": str(config.score_threshold),
        "sample_rows": str(config.sample_rows),
        "min_value_fraction": str(config.min_value_fraction),
        "name_locales": ", ".join(config.name_locales),
        "phone_regions": ", ".join(config.phone_regions),
    }


# -- free text ------------------------------------------------------------------------------


def detect_spans(
    texts: Sequence[str | None], config: DetectionConfig | None = None
) -> list[list[TextSpan]]:
    """Find identifier spans in each text.

    Every recognizer runs on each text; spaCy (batched, ``nlp.pipe``) runs only on the texts
    whose weaker results could be raised by Presidio's context words. Calls with at least
    ``config.parallel_min_texts`` texts are spread, in chunks of ``config.batch_size``, over
    worker processes (``config.workers``; forked once with the analyzer built, then reused).
    Names and places found once are also found where the same text repeats them. Overlapping
    spans are merged into one covering them all, labelled with the entity of the strongest
    (then longest) of them, so that nothing found is left half-covered.

    Args:
        texts: The texts; ``None`` and blank texts give no spans.
        config: Detection settings; by default those of ``configs/detection.yaml``.

    Returns:
        For each text, its spans in order, not overlapping.

    Raises:
        InternalError: A recognizer failed (the message names the position, not the text).
    """
    config = config if config is not None else load_detection_config()
    analyzer = get_analyzer(config)
    out: list[list[TextSpan]] = [[] for _ in texts]
    todo: list[tuple[int, str]] = []
    for i, text in enumerate(texts):
        if text is None:
            continue
        if not isinstance(text, str):
            raise InternalError(f"detect_spans expects strings; item {i} is {type(text).__name__}")
        if text.strip():
            todo.append((i, text))
    texts_todo = [t for _, t in todo]
    workers = _worker_count(config)
    if workers > 1 and len(texts_todo) >= config.parallel_min_texts:
        chunks = [
            texts_todo[k : k + config.batch_size]
            for k in range(0, len(texts_todo), config.batch_size)
        ]
        pool = _pool(config, workers)
        results = [spans for chunk in pool.imap(_detect_chunk, chunks) for spans in chunk]
    else:
        results = _detect_texts(analyzer, texts_todo, config)
    for (i, _), found in zip(todo, results, strict=True):
        out[i] = found
    return out


def _detect_texts(
    analyzer: AnalyzerEngine, texts: list[str], config: DetectionConfig
) -> list[list[TextSpan]]:
    """Spans of each text, merged, with repeated mentions of found names and places."""
    results = _analyze_batch(analyzer, texts, config, context=None, what="text")
    locales = tuple(config.name_locales)
    return [
        _merge(join_name_words(text, _merge(found + _repeated_mentions(text, found)), locales))
        for text, found in zip(texts, results, strict=True)
    ]


# -- worker processes -----------------------------------------------------------------------

_POOLS: dict[tuple[str, int], multiprocessing.pool.Pool] = {}
_WORKER_CONFIG: DetectionConfig | None = None


def _worker_count(config: DetectionConfig) -> int:
    if config.workers:
        return config.workers
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1  # workers would rebuild the analyzer: only worth it with fork
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _pool(config: DetectionConfig, workers: int) -> multiprocessing.pool.Pool:
    """A pool of ``workers`` processes forked with the analyzer already built (kept for reuse)."""
    key = (config.model_dump_json(), workers)
    with _LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            get_analyzer(config)  # built before the fork: workers inherit it
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            context = multiprocessing.get_context(method)
            pool = context.Pool(workers, initializer=_init_worker, initargs=(config,))
            _POOLS[key] = pool
            if len(_POOLS) == 1:
                atexit.register(_close_pools)
    return pool


def _init_worker(config: DetectionConfig) -> None:
    global _WORKER_CONFIG
    _WORKER_CONFIG = config
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    # A pool forked inside a flow run inherits Prefect's SIGTERM handler, which raises in the
    # worker and prints a traceback when the pool is terminated at exit: die quietly instead.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _detect_chunk(texts: list[str]) -> list[list[TextSpan]]:
    config = _WORKER_CONFIG if _WORKER_CONFIG is not None else load_detection_config()
    return _detect_texts(get_analyzer(config), texts, config)


def _close_pools() -> None:
    with _LOCK:
        for pool in _POOLS.values():
            pool.terminate()
        _POOLS.clear()


_NAME_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]")
_PROPAGATE = (ent.PERSON, ent.LOCATION)
_PROPAGATE_MIN_SCORE = 0.55
_REPEAT_SCORE = 0.5


def _repeated_mentions(text: str, spans: list[TextSpan]) -> list[TextSpan]:
    """Other mentions, in the same text, of the name and place words already found.

    A note names its people and places many times but gives a cue (``Dr.``, ``transfer to``)
    only once or twice: every other whole-word occurrence of a found word (not a common
    English word or clinical shorthand) is reported as well.
    """
    from privacy.recognizers import _gazetteer as gaz

    seeds: dict[str, str] = {}
    for span in spans:
        if span.entity not in _PROPAGATE or span.score < _PROPAGATE_MIN_SCORE:
            continue
        for match in _NAME_WORD.finditer(text, span.start, span.end):
            word = match.group().lower().removesuffix("'s")
            if _worth_repeating(word, gaz):
                seeds.setdefault(word, span.entity)
    if not seeds:
        return []
    covered = [(s.start, s.end) for s in spans]
    found: list[TextSpan] = []
    pattern = re.compile(
        r"(?<![A-Za-z])(" + "|".join(map(re.escape, sorted(seeds, key=len, reverse=True))) + r")"
        r"(?![A-Za-z])",
        re.IGNORECASE,
    )
    for match in pattern.finditer(text):
        start, end = match.span()
        if any(a < end and start < b for a, b in covered):
            continue
        found.append(TextSpan(start, end, seeds[match.group().lower()], _REPEAT_SCORE))
    return found


def _worth_repeating(word: str, gaz: ModuleType) -> bool:
    if len(word) < 2 or word in gaz.CLINICAL_WORDS or word in _STOP:
        return False
    if len(word) == 2 and not word.isalpha():
        return False
    return word not in gaz.common_words()


def _analyze_batch(
    analyzer: AnalyzerEngine,
    texts: list[str],
    config: DetectionConfig,
    context: list[str] | None,
    what: str,
) -> list[list[TextSpan]]:
    """Run the analyzer over ``texts`` (spaCy-batched); spans of our span entities only."""
    if context is None and not analyzer.nlp_engine.get_supported_entities():
        return _analyze_lazily(analyzer, texts, config, what)
    artifacts = analyzer.nlp_engine.process_batch(
        texts, language=LANGUAGE, batch_size=config.batch_size
    )
    out: list[list[TextSpan]] = []
    for position, (text, nlp_artifacts) in enumerate(artifacts):
        try:
            results: list[RecognizerResult] = analyzer.analyze(
                text=text,
                language=LANGUAGE,
                nlp_artifacts=nlp_artifacts,
                score_threshold=config.score_threshold,
                context=context,
            )
        except Exception as exc:  # noqa: BLE001 - Presidio errors can quote the text
            raise InternalError(
                f"PHI detection failed on {what} {position} ({type(exc).__name__})"
            ) from None
        out.append(
            [
                TextSpan(r.start, r.end, r.entity_type, round(float(r.score), 4))
                for r in results
                if r.entity_type in ent.SPAN_ENTITIES and r.end > r.start
            ]
        )
    return out


def _analyze_lazily(
    analyzer: AnalyzerEngine, texts: list[str], config: DetectionConfig, what: str
) -> list[list[TextSpan]]:
    """What :meth:`AnalyzerEngine.analyze` finds, running spaCy only where context can matter.

    With no named-entity model, no recognizer reads the NLP artifacts; they serve Presidio's
    context enhancement only, which can only *raise* a score. So every recognizer runs on the
    raw text, results at or above the threshold are kept as they are, and only the weaker
    results of recognizers that have context words go, with their text, through spaCy
    (batched) and the context enhancer. Duplicates are removed as Presidio does.

    A text in which none of a recognizer's context words occurs cannot keep that recognizer's
    weak results, so there only its patterns that score at the threshold are run (see
    :func:`_lazy_plan`): the result is the same, found with less regex work.
    """
    threshold = config.score_threshold
    plan = _lazy_plan(analyzer, threshold)
    recognizers = [step.recognizer for step in plan]
    entities = analyzer.get_supported_entities(language=LANGUAGE)
    strong: list[list[RecognizerResult]] = []
    weak: dict[int, list[RecognizerResult]] = {}
    for position, text in enumerate(texts):
        kept: list[RecognizerResult] = []
        lower = text.lower()
        try:
            for step in plan:
                recognizer = step.recognizer
                in_context = any(w in lower for w in step.context)
                runner = recognizer if in_context else step.without_context
                if runner is None:
                    continue
                if step.quick_check is not None and (not in_context or step.check_always):
                    if step.quick_check.search(lower if step.check_lower else text) is None:
                        continue
                for result in runner.analyze(text=text, entities=entities, nlp_artifacts=None):
                    metadata = result.recognition_metadata or {}
                    result.recognition_metadata = metadata
                    metadata.setdefault(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY, recognizer.id)
                    metadata.setdefault(RecognizerResult.RECOGNIZER_NAME_KEY, recognizer.name)
                    if result.score >= threshold:
                        kept.append(result)
                    elif in_context:
                        # Context can raise it only if one of its words is in the text.
                        weak.setdefault(position, []).append(result)
        except Exception as exc:  # noqa: BLE001 - Presidio errors can quote the text
            raise InternalError(
                f"PHI detection failed on {what} {position} ({type(exc).__name__})"
            ) from None
        strong.append(kept)
    if weak:
        order = sorted(weak)
        artifacts = analyzer.nlp_engine.process_batch(
            [texts[p] for p in order], language=LANGUAGE, batch_size=config.batch_size
        )
        for position, (text, nlp_artifacts) in zip(order, artifacts, strict=True):
            enhanced = analyzer.context_aware_enhancer.enhance_using_context(
                text=text,
                raw_results=weak[position],
                nlp_artifacts=nlp_artifacts,
                recognizers=recognizers,
                context=None,
            )
            strong[position].extend(r for r in enhanced if r.score >= threshold)
    return [
        [
            TextSpan(r.start, r.end, r.entity_type, round(float(r.score), 4))
            for r in EntityRecognizer.remove_duplicates(results)
            if r.entity_type in ent.SPAN_ENTITIES and r.end > r.start
        ]
        for results in strong
    ]


@dataclass(frozen=True)
class _LazyStep:
    """One recognizer of the lazy path, with what to run when its context is absent."""

    recognizer: EntityRecognizer
    context: tuple[str, ...]  # lower-case context words (substrings looked for in the text)
    without_context: EntityRecognizer | None  # None: nothing it finds could be kept
    quick_check: re.Pattern[str] | None  # must match for ``without_context`` to find anything
    check_always: bool = False  # the check covers every pattern: it holds in context too
    check_lower: bool = False  # a case-blind check, run on the lower-cased text (faster)


_PLANS: dict[tuple[int, float], list[_LazyStep]] = {}
_QUICK_CHECK_MIN = 0.4
"""Quick checks cover the patterns scoring this much or more: below it they are not used."""


def _lazy_plan(analyzer: AnalyzerEngine, threshold: float) -> list[_LazyStep]:
    """The recognizers of ``analyzer``, loaded, each with its context-free variant.

    A pattern recognizer that does not validate its matches (a checksum can lift a weak match
    to score 1) is, where its context is absent, replaced by a copy holding only its patterns
    that score at ``threshold`` or more - or by nothing when it has none. A recognizer that
    declares a quick check (``QUICK_CHECK``, or :data:`PRESIDIO_QUICK_CHECKS`: a regex found
    in every text that its patterns scoring 0.4 or more can match) is skipped, there, in texts
    where the check finds nothing - also where its context is present when all its patterns
    score 0.4 or more, or when it validates matches (its check then covers every pattern).
    Checks are trusted only with a threshold of 0.4 or more.
    """
    key = (id(analyzer), threshold)
    with _LOCK:
        plan = _PLANS.get(key)
        if plan is not None:
            return plan
        plan = []
        for recognizer in analyzer.registry.get_recognizers(language=LANGUAGE, all_fields=True):
            if not recognizer.is_loaded:
                recognizer.load()
                recognizer.is_loaded = True
            context = tuple(w.lower() for w in (getattr(recognizer, "context", None) or ()))
            without: EntityRecognizer | None = recognizer
            if (
                context
                and isinstance(recognizer, PatternRecognizer)
                and type(recognizer).validate_result is PatternRecognizer.validate_result
                and not recognizer.deny_list
            ):
                patterns = [p for p in recognizer.patterns if p.score >= threshold]
                if len(patterns) < len(recognizer.patterns):
                    without = None
                    if patterns:
                        without = copy.copy(recognizer)
                        without.patterns = patterns
            check = getattr(type(recognizer), "QUICK_CHECK", None) or PRESIDIO_QUICK_CHECKS.get(
                type(recognizer).__name__
            )
            blind = bool(check) and check.startswith("(?i)")
            if check and threshold >= _QUICK_CHECK_MIN:
                quick = re.compile(check.removeprefix("(?i)"))
            else:
                quick = None
            validates = isinstance(recognizer, PatternRecognizer) and (
                type(recognizer).validate_result is not PatternRecognizer.validate_result
            )
            patterns = getattr(recognizer, "patterns", None) or ()
            always = validates or all(p.score >= _QUICK_CHECK_MIN for p in patterns)
            plan.append(_LazyStep(recognizer, context, without, quick, always, blind))
        _PLANS[key] = plan
    return plan


def _merge(spans: Iterable[TextSpan]) -> list[TextSpan]:
    """Merge overlapping spans; each group is labelled by its strongest, then longest, span."""
    ordered = sorted(spans, key=lambda s: (s.start, -s.end))
    merged: list[TextSpan] = []
    group: list[TextSpan] = []
    end = -1
    for span in ordered:
        if group and span.start >= end:
            merged.append(_label(group, end))
            group = []
        group.append(span)
        end = max(end, span.end) if len(group) > 1 else span.end
    if group:
        merged.append(_label(group, end))
    return merged


def _label(group: list[TextSpan], end: int) -> TextSpan:
    best = max(group, key=lambda s: (s.score, s.end - s.start, s.entity))
    return TextSpan(group[0].start, end, best.entity, best.score)


# -- tables ---------------------------------------------------------------------------------


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


_HINT_CACHE: dict[str, list[tuple[str, list[re.Pattern[str]]]]] = {}


def _compiled_hints(config: DetectionConfig) -> list[tuple[str, list[re.Pattern[str]]]]:
    key = repr(config.header_hints)
    if key not in _HINT_CACHE:
        _HINT_CACHE[key] = [
            (entity, [re.compile(p) for p in patterns])
            for entity, patterns in config.header_hints.items()
        ]
    return _HINT_CACHE[key]


def header_entity(name: str, config: DetectionConfig | None = None) -> str | None:
    """The entity that a column's name suggests (first matching header hint), if any."""
    config = config if config is not None else load_detection_config()
    return _header_entity(name, _compiled_hints(config))


def _header_entity(name: str, hints: list[tuple[str, list[re.Pattern[str]]]]) -> str | None:
    header = normalise_header(name)
    for entity, patterns in hints:
        if any(p.search(header) for p in patterns):
            return entity
    return None


@dataclass
class _Evidence:
    """What the sampled values of one column showed (counts weighted by value frequency)."""

    found: Counter[str] = field(default_factory=Counter)  # values in which an entity occurs
    explained: Counter[str] = field(default_factory=Counter)  # values an entity covers
    score: Counter[str] = field(default_factory=Counter)  # summed best score when explained
    spans: Counter[str] = field(default_factory=Counter)  # spans per entity (free text)
    with_spans: int = 0  # values holding any span
    # Per distinct value: (weight, number of letters/digits, entity -> positions covered).
    coverage: list[tuple[int, int, dict[str, frozenset[int]]]] = field(default_factory=list)

    sampled: int = 0  # values examined (with repeats)

    def add(self, value: str, spans: list[TextSpan], weight: int) -> None:
        """Count the spans found in ``value``, which occurs ``weight`` times in the sample."""
        self.sampled += weight
        merged = _merge(spans)
        if merged:
            self.with_spans += weight
        for span in merged:
            self.spans[span.entity] += weight
        letters = {i for i, c in enumerate(value) if c.isalnum()}
        covered: dict[str, frozenset[int]] = {}
        for entity in sorted({s.entity for s in spans}):
            self.found[entity] += weight
            own = [s for s in spans if s.entity == entity]
            positions = {i for s in own for i in range(s.start, s.end)}
            covered[entity] = frozenset(positions & letters)
            if letters and len(covered[entity]) / len(letters) >= _COVER:
                self.explained[entity] += weight
                self.score[entity] += weight * max(s.score for s in own)
        self.coverage.append((weight, len(letters), covered))

    def best(self) -> str | None:
        """The entity explaining the most values (ties: higher total score, then name)."""
        return max(
            self.explained, key=lambda e: (self.explained[e], self.score[e], e), default=None
        )

    def explained_by(self, entities: frozenset[str]) -> int:
        """Values whose letters and digits the spans of ``entities`` together cover."""
        total = 0
        for weight, letters, covered in self.coverage:
            union: set[int] = set()
            for entity in entities & covered.keys():
                union |= covered[entity]
            if letters and len(union) / letters >= _COVER:
                total += weight
        return total


class _ColumnScan:
    """Classify one column (see :func:`scan_table`)."""

    def __init__(
        self,
        name: str,
        column: pa.ChunkedArray,
        config: DetectionConfig,
        analyzer: AnalyzerEngine,
        hints: list[tuple[str, list[re.Pattern[str]]]],
    ) -> None:
        self.name = name
        self.column = column
        self.config = config
        self.analyzer = analyzer
        self.header = _header_entity(name, hints)
        self.type = column.type
        self.value_type = self.type.value_type if pa.types.is_dictionary(self.type) else self.type

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
        return self._result(entity, 0.95, sampled, sampled, {entity: sampled})

    def _numbers(self) -> ColumnFinding:
        values = self._sample()
        checks = _NUMERIC_CHECKS.get(self.header or "")
        if self.header is not None and self.header != ent.FREE_TEXT:
            matched = sum(1 for v in values if checks(v)) if checks else 0
            share = matched / len(values) if values and checks else 0.0
            counts = {self.header: matched} if matched else {}
            return self._result(
                self.header, _HEADER_ONLY + 0.3 * share, len(values), matched, counts
            )
        if values and pa.types.is_integer(self.value_type):
            phones = sum(1 for v in values if _is_nanp_number(v))
            share = phones / len(values)
            if share >= max(self.config.min_value_fraction, 0.9):
                return self._result(
                    ent.PHONE_NUMBER,
                    0.4 + 0.6 * share * 0.6,
                    len(values),
                    phones,
                    {ent.PHONE_NUMBER: phones},
                )
        return self._result(None, 1.0, len(values), 0)

    def _strings(self) -> ColumnFinding:
        sample = [v.strip() for v in self._sample() if isinstance(v, str) and v.strip()]
        free_header = self.header == ent.FREE_TEXT
        hinted = self.header is not None and not free_header
        if not sample:
            return self._result(
                self.header if hinted else None, _HEADER_ONLY if hinted else 1.0, 0, 0
            )
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
            return self._result(
                self.header,
                _HEADER_ONLY + 0.3 * matched / n,
                n,
                matched,
                dict(evidence.found),
            )
        if free_header or looks_free:
            share = evidence.with_spans / n
            return self._result(
                ent.FREE_TEXT,
                (0.8 if free_header else 0.6) + 0.2 * share,
                n,
                evidence.with_spans,
                dict(evidence.found),
                dict(evidence.spans),
            )
        best = evidence.best()
        if best is not None:
            share = evidence.explained[best] / n
            if share >= self.config.min_value_fraction:
                mean_score = evidence.score[best] / evidence.explained[best]
                return self._result(
                    best,
                    0.4 + 0.6 * share * mean_score,
                    n,
                    evidence.explained[best],
                    dict(evidence.found),
                )
        span_share = evidence.with_spans / n
        if mean_words >= 2 and span_share >= ft.min_span_fraction:
            return self._result(
                ent.FREE_TEXT,
                0.5 + 0.5 * span_share,
                n,
                evidence.with_spans,
                dict(evidence.found),
                dict(evidence.spans),
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

    def _evidence(self, sample: list[str], *, settle_early: bool) -> _Evidence:
        """Analyse the distinct values of ``sample`` (weighted by their repeats).

        With ``settle_early``, the sample is taken in interleaved rounds of about
        ``_EVIDENCE_SAMPLE`` values, stopping once one entity explains ``_SETTLED`` of what was
        seen; a column that is not clearly one entity is always examined in full.
        """
        context = [w for w in normalise_header(self.name).split("_") if w.isalpha()] or None
        rounds = -(-len(sample) // _EVIDENCE_SAMPLE) if settle_early else 1
        evidence = _Evidence()
        spans_of: dict[str, list[TextSpan]] = {}
        for r in range(rounds):
            counts = Counter(sample[r::rounds])
            new = [v for v in counts if v not in spans_of]
            found = _analyze_batch(
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
    ) -> ColumnFinding:
        return ColumnFinding(
            column=self.name,
            dtype=str(self.type),
            entity=entity,
            confidence=round(min(max(confidence, 0.0), 1.0), 3),
            header_entity=self.header,
            values_sampled=sampled,
            values_matched=matched,
            entity_counts=dict(sorted((entity_counts or {}).items())),
            span_counts=dict(sorted((span_counts or {}).items())),
        )


def _is_nanp_number(value: object) -> bool:
    """A 10-digit North American number (or 11 digits with country code 1), NANP rules."""
    digits = str(value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return len(digits) == 10 and digits[0] in "23456789" and digits[3] in "23456789"


def _in_range(low: float, high: float):
    def check(value: object) -> bool:
        try:
            return low <= float(value) <= high  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False

    return check


def _is_zip(value: object) -> bool:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
    return 501 <= number <= 99999 or 5_010_000 <= number <= 999_999_999


_NUMERIC_CHECKS = {
    ent.ZIP_CODE: _is_zip,
    ent.AGE: _in_range(0, 125),
    ent.GEO_COORDINATE: _in_range(-180, 180),
    ent.PHONE_NUMBER: _is_nanp_number,
    ent.FAX_NUMBER: _is_nanp_number,
}
"""Plausibility checks of numeric values under a header hint (evidence only)."""
