"""Differentially private aggregates (OpenDP), in the order a release uses them.

- ``plan.py``        :func:`plan_dp`: privacy unit, columns, budget split, accuracy preview
- ``keys.py``        public group keys: histogram bins, spec keys, key files
- ``compute.py``     :func:`compute`: each query released once, after the ledger's charge
- ``postprocess.py`` feasible ranges, clamping, the mean's derived interval (no privacy cost)
- ``validation.py``  :func:`validate_outputs`: GX checks of the outputs and the DP metadata

The ``dp:`` spec section is ``privacy/dp_spec.py``, budgets ``privacy/budget.py``, the
persistent ledger ``privacy/ledger.py``.
"""
