"""Deciding and proving: what is PHI, what to do about it, and whether the output is safe.

- ``spec.py``        release specs (YAML) -> frozen ``ReleaseSpec``
- ``policy.py``      release policies (``configs/policies``): default action per entity
- ``planner.py``     spec + policy + detection -> ``ReleasePlan`` (``plan.py``)
- ``detection.py``   Presidio column scan and free-text spans (``DetectionReport``, ``report.py``)
- ``nlp_engine.py``, ``detection_config.py``, ``recognizers/``: the offline detector
- ``validation.py``  the Great Expectations suite run before publish; ``phi_patterns.py``
- ``entities.py``    identifier vocabulary and HIPAA categories; ``errors.py`` the errors
"""
