"""De-identification transforms: pure, vectorised functions over Arrow arrays and batches.

No I/O, no Prefect, no Presidio: detection happens in ``privacy/``, orchestration in ``flows/``.
Every function takes and returns Arrow arrays, keeps row order and length, keeps nulls null,
and never puts a data value in an exception message.

Map of the package:

- :mod:`transforms.apply` -- the entry point. ``apply_plan(batch, plan, ...)`` applies a
  ``privacy.plan.ReleasePlan`` to one record batch and returns it with ``TransformStats``
  (counts only); ``output_schema(plan, schema)`` is the schema every batch of the release has.
  Which action suits which column type is ``privacy.actions``' table.
- :mod:`transforms.pseudonymize` -- ``pseudonymize``: keyed HMAC-SHA256 pseudonyms;
  ``load_pseudonym_key`` reads ``SHAREABLE_PSEUDONYM_KEY``.
- :mod:`transforms.dates` -- ``to_year`` (dates, timestamps, text dates in many formats),
  ``cap_birth_years`` (ages over 89 aggregated), ``unparsed_count``.
- :mod:`transforms.geography` -- ``zip3``: ZIP codes to 3-digit prefixes, small areas to
  ``000``.
- :mod:`transforms.numbers` -- ``top_code`` and ``generalize`` (numeric bins or a category
  mapping).
- :mod:`transforms.text` -- ``redact_spans``: identifier spans (``privacy.spans.TextSpan``) in
  free text replaced by ``<ENTITY>``.
- :mod:`transforms.generalise` -- ``generalise`` and ``suppress``: k-anonymity's recodings
  (``privacy.recoding.Recoding``) applied, and the rows of suppressed classes removed.

Import from the modules (``from transforms.apply import apply_plan``); the package itself
re-exports nothing.
"""
