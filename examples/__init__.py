"""Synthetic restricted data for examples, tests and benchmarks.

- ``sample_data.py``  seeded generator of a patient table holding every Safe Harbor category
  (``shareable sample``); ``patients.csv`` beside it is its output, the README's first example

The generator is neither detection nor de-identification nor orchestration, so it lives with
the examples it makes, not in ``privacy/``, ``transforms/`` or ``flows/``.
"""
