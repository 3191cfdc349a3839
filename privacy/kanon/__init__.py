"""k-anonymity: optimal full-domain generalisation from equivalence-class counts.

- ``counts.py``  :class:`ClassCounter`: QI(+sensitive) combinations counted batch by batch
- ``search.py``  :class:`Lattice` and :func:`search`: the optimal node (Flash-style pruning),
  information loss and discernibility; :class:`NoSolution` when nothing reaches k/l
- ``plan.py``    spec checks, the Safe Harbor plan with QIs kept, hierarchies, recodings

Hierarchies are in ``privacy/hierarchies.py``, risk metrics in ``privacy/risk.py``, the
``k_anonymity:`` spec section in ``privacy/kanon_spec.py``, the per-batch transform in
``transforms/generalise.py`` and the release flow in ``flows/kanon_release.py``.
"""
