"""k-anonymity: optimal full-domain generalisation from equivalence-class counts.

- ``counts.py``  :class:`ClassCounter`: QI(+sensitive) combinations counted batch by batch
- ``search.py``  :class:`Lattice` and :func:`search`: the optimal node (Flash-style pruning),
  information loss and discernibility; :class:`NoSolution` when nothing reaches k/l
- ``plan.py``    spec checks, hierarchies, search -> the k-anonymity ``ReleasePlan``

The plan's value types (:class:`~privacy.recoding.Recoding`, class keys) are in
``privacy/recoding.py``, hierarchies in ``privacy/hierarchies.py``, risk metrics in
``privacy/risk.py``, the ``k_anonymity:`` spec section in ``privacy/kanon_spec.py``, the
per-batch transform in ``transforms/generalise.py``; the release flow (``flows/release.py``)
is every method's.
"""
