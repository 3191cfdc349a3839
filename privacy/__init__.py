"""Deciding and proving: what is PHI, what to do about it, and whether the output is safe.

- ``spec.py``        release specs (YAML) -> frozen ``ReleaseSpec``
- ``policy.py``      release policies (``configs/policies``): default action per entity
- ``planner.py``     spec + policy + detection -> ``ReleasePlan`` (``plan.py``: the whole
  contract of a release, with its k-anonymity or DP part); ``actions.py`` the one table of
  which action suits which column type
- ``column_scan.py`` per column: which identifier it holds (``DetectionReport``, ``report.py``)
- ``text_detection.py`` identifier spans in free text (``TextSpan``, ``spans.py``)
- ``analyzer.py``    the Presidio analyzer both use, built once per process
- ``nlp_engine.py``, ``detection_config.py``, ``recognizers/``: the offline detector
- ``ner/``           the learned PHI model: corpus split, surrogates, training, shipped weights
- ``validation.py``  the Great Expectations suite run before publish (``gx_runtime.py`` the
  process's GX, ``validation_report.py`` reports and release-wide checks); ``phi_patterns.py``
- ``kanon_spec.py``, ``hierarchies.py``, ``kanon/``, ``recoding.py``, ``risk.py``: k-anonymity
  (spec section, generalisation hierarchies, optimal lattice search over class counts, the
  recodings and class keys a plan carries, re-identification risk)
- ``dp_spec.py``, ``dp/``, ``budget.py``, ``ledger.py``: differential privacy (spec section,
  OpenDP queries planned, computed and validated, exact budget arithmetic, the budget ledger)
- ``entities.py``    identifier vocabulary and HIPAA categories; ``errors.py`` the errors
"""
