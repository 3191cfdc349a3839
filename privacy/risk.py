"""Re-identification risk of a released table, from its equivalence-class sizes.

An equivalence class is the set of released records sharing all quasi-identifier values. With
``f_j`` the size of class ``j``, ``J`` the number of classes and ``n`` the records released:

* **prosecutor risk** (the attacker knows the target is in the release): a record of class ``j``
  is re-identified with probability ``1 / f_j``. Reported: the maximum ``1 / min f_j`` and the
  average over records ``J / n``, and the share of records whose risk exceeds a threshold.
* **journalist risk** (the attacker does not know who is in the release and links it to a
  population register): ``1 / F_j`` with ``F_j >= f_j`` the class size in the population. No
  population frequencies are given to Shareable, so the release is taken as its own population
  and the journalist risk reported equals the prosecutor risk: an upper bound.
* **marketer risk** (the attacker wants to re-identify as many records as possible): the
  expected share of records re-identified, ``J / n`` with the same population assumption.

These are ARX's three attacker models (Prasser et al.; El Emam, *Guide to the De-Identification
of Personal Health Information*). Everything here takes counts, never values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SIZE_BUCKETS = (1, 2, 3, 5, 10, 20, 50, 100, 1000)
"""Lower edges of the class-size buckets of :func:`class_size_distribution`."""

RISK_THRESHOLDS = (0.5, 0.2, 0.1, 0.05)
"""Prosecutor risks for which the share of records above them is reported."""


def class_size_distribution(sizes: np.ndarray) -> list[dict[str, Any]]:
    """Classes and records per size bucket (``1``, ``2``, ``3-4``, ..., ``1000+``)."""
    sizes = np.asarray(sizes, dtype=np.int64)
    rows = []
    edges = (*SIZE_BUCKETS, None)
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        inside = sizes >= low if high is None else (sizes >= low) & (sizes < high)
        label = (
            f"{low}+" if high is None else (f"{low}" if high == low + 1 else f"{low}-{high - 1}")
        )
        if inside.any():
            rows.append(
                {"size": label, "classes": int(inside.sum()), "records": int(sizes[inside].sum())}
            )
    return rows


def risk_metrics(sizes: np.ndarray, distinct_sensitive: np.ndarray | None = None) -> dict[str, Any]:
    """Risk of a release whose equivalence classes have ``sizes`` (released records only).

    Args:
        sizes: Size of each released class.
        distinct_sensitive: Distinct sensitive values of each class, for the l achieved.

    Returns:
        JSON-ready metrics: ``k_achieved``, ``l_achieved`` (or None), ``classes``, ``records``,
        ``class_sizes`` (see :func:`class_size_distribution`), ``prosecutor``, ``journalist``
        and ``marketer`` risk.

    """
    sizes = np.asarray(sizes, dtype=np.int64)
    n, classes = int(sizes.sum()), len(sizes)
    if n == 0:
        prosecutor = {"max": 0.0, "average": 0.0, "records_above": {}}
    else:
        per_record = np.repeat(1.0 / sizes, sizes)
        prosecutor = {
            "max": round(float(1.0 / sizes.min()), 6),
            "average": round(classes / n, 6),
            "records_above": {
                f"{t:g}": round(float((per_record > t).mean()), 6) for t in RISK_THRESHOLDS
            },
        }
    l_achieved = None
    if distinct_sensitive is not None and len(distinct_sensitive):
        l_achieved = int(np.min(distinct_sensitive))
    return {
        "k_achieved": int(sizes.min()) if classes else None,
        "l_achieved": l_achieved,
        "classes": classes,
        "records": n,
        "class_sizes": class_size_distribution(sizes),
        "prosecutor": prosecutor,
        "journalist": {
            "max": prosecutor["max"],
            "average": prosecutor["average"],
            "population": "the release itself (no population frequencies given): an upper bound",
        },
        "marketer": round(classes / n, 6) if n else 0.0,
    }
