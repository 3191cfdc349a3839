"""The Presidio analyzer Shareable detects with, built once per process and config.

* :func:`get_analyzer` - the analyzer over the project's NLP engine
  (:mod:`privacy.nlp_engine`) and recognizer registry (:mod:`privacy.recognizers.registry`);
  Presidio's default ``AnalyzerEngine()`` would try to download a spaCy model.
* :func:`describe_detector` - how detection is set up, for the release manifest.
"""

from __future__ import annotations

import logging
import threading
from importlib.metadata import version

from presidio_analyzer import (
    AnalyzerEngine,
)

from privacy.detection_config import DetectionConfig, load_detection_config
from privacy.nlp_engine import LANGUAGE, build_nlp_engine, describe_nlp_engine
from privacy.recognizers.registry import build_registry

__all__ = ["describe_detector", "get_analyzer"]

logger = logging.getLogger(__name__)

# Presidio logs matched text at DEBUG level (context words, decision traces): keep it quiet.
_PRESIDIO_LOGGER = "presidio-analyzer"

_ANALYZERS: dict[str, AnalyzerEngine] = {}
LOCK = threading.RLock()
"""Guards the per-process caches of the detection modules (analyzers, pools, lazy plans)."""


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
    with LOCK:
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
