"""Find identifier spans in free text: :func:`detect_spans`.

Spans (:class:`~privacy.spans.TextSpan`) come from every recognizer of the analyzer
(:mod:`privacy.analyzer`) and, with the default engine, from the shipped PHI model
(:mod:`privacy.ner.model`, run once per batch with ``nlp.pipe``), batched and spread over
worker processes (the path of the release flow and of ``shareable detect``); names and places
found once are also found where the same text repeats them, and overlapping spans are merged.
"""

from __future__ import annotations

import atexit
import copy
import multiprocessing
import multiprocessing.pool
import os
import re
import signal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType

from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    PatternRecognizer,
    RecognizerResult,
)

from privacy import entities as ent
from privacy.analyzer import LOCK as _LOCK
from privacy.analyzer import get_analyzer
from privacy.detection_config import DetectionConfig, load_detection_config
from privacy.errors import InternalError
from privacy.ner.model import plausible
from privacy.nlp_engine import LANGUAGE, ShippedNerNlpEngine
from privacy.recognizers.name_joining import join_name_words
from privacy.recognizers.registry import PRESIDIO_QUICK_CHECKS
from privacy.spans import TextSpan

__all__ = ["analyze_texts", "combine", "detect_spans", "merge_spans"]

_STOP = frozenset(
    "the and for with from this that was were has had have are not but his her him she they "
    "them their you your our its who what when where which mr mrs ms dr drs miss st saint".split()
)


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
    """Spans of each text (rules, then the model), merged, with repeated mentions."""
    results = analyze_texts(analyzer, texts, config, context=None, what="text")
    engine = analyzer.nlp_engine
    if isinstance(engine, ShippedNerNlpEngine):
        found = engine.find_spans(texts, config.batch_size)
        results = [
            combine(text, rules, model)
            for text, rules, model in zip(texts, results, found, strict=True)
        ]
    locales = tuple(config.name_locales)
    return [
        merge_spans(
            join_name_words(text, merge_spans(found + _repeated_mentions(text, found)), locales)
        )
        for text, found in zip(texts, results, strict=True)
    ]


_NAME_OR_PLACE = frozenset({ent.PERSON, ent.LOCATION})


def combine(text: str, rules: list[TextSpan], model: list[TextSpan]) -> list[TextSpan]:
    """The rules' spans and the model's; where both found something, the rules' label.

    A model span that overlaps rule spans takes the entity and score of the strongest of
    them (an SSN the model takes for a phone stays an SSN, a pager number it takes for a date
    a phone), so that the merge labels the group as the rules did while the model's extent
    still counts - except between a name and a place, which the model tells apart from
    context better than the gazetteers. A model span that no rule span overlaps is kept when it is
    :func:`~privacy.ner.model.plausible`.
    """
    out = list(rules)
    for span in model:
        over = [r for r in rules if r.start < span.end and span.start < r.end]
        if over:
            best = max(over, key=lambda r: (r.score, r.end - r.start))
            if not {best.entity, span.entity} <= _NAME_OR_PLACE:
                span = TextSpan(span.start, span.end, best.entity, best.score)
        elif not plausible(text, span):
            continue
        out.append(span)
    return out


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


def analyze_texts(
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


def merge_spans(spans: Iterable[TextSpan]) -> list[TextSpan]:
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
