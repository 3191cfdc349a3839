"""Differentially private aggregates (OpenDP), in the order a release uses them.

- ``plan.py``        :func:`plan_dp`: columns, keys, budget split, accuracy preview (no data)
- ``compute.py``     :func:`compute`: each query released once, after the ledger's charge
- ``validation.py``  :func:`validate_outputs`: GX checks of the outputs and the DP metadata

The ``dp:`` spec section is ``privacy/dp_spec.py``, budgets ``privacy/budget.py``, the
persistent ledger ``privacy/ledger.py``.
"""
