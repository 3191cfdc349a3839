"""Optimal full-domain generalisation: the least information loss that reaches k (and l).

The search space is the lattice of generalisation levels, one level per quasi-identifier
(``(0, ..., 0)`` is the data as it is, the top node every column at its most general level).
A node is *anonymous* when the records of its equivalence classes that are smaller than k (or
hold fewer than l distinct sensitive values) are at most ``max_suppression`` of the table; those
records are suppressed (removed). Anonymity is monotone in the lattice (merging classes never
creates a small or less diverse class from large, diverse ones), so, as in ARX's Flash:

* a node found not anonymous proves every node below it (more specific) not anonymous;
* the loss of a node is at least its generalisation loss without suppression ``G``, which only
  grows upwards; visiting nodes by ascending ``G`` and stopping once ``G`` reaches the best loss
  found so far therefore returns the optimum after evaluating few nodes.

**Information loss** (``loss``) is the normalised certainty penalty of ARX's "loss" metric
for hierarchies: a value generalised to a label covering ``c`` of the hierarchy's ``n`` values
costs ``(c - 1) / (n - 1)``; a suppressed record costs 1 per quasi-identifier; the total is
averaged over records and quasi-identifiers (0 = data unchanged, 1 = everything suppressed or
fully generalised). Missing values are never generalised and cost 0. **Discernibility** is
``sum(|E|^2)`` over released classes plus ``N`` per suppressed record (Bayardo & Agrawal),
reported also divided by ``N^2``.

Everything works from equivalence-class counts (:mod:`privacy.kanon.counts`), never records.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from privacy.errors import SpecError
from privacy.hierarchies import Hierarchy
from privacy.kanon.counts import COUNT

MAX_NODES = 5_000_000
"""Largest lattice searched (product of the hierarchies' heights)."""

_UNKNOWN, _NOT_ANONYMOUS, _ANONYMOUS = 0, 1, 2


class NoSolution(SpecError):  # noqa: N818 - named like BudgetExhausted, ResidualPHI
    """No generalisation reaches k (and l) within ``max_suppression``; nothing is released."""


@dataclass(frozen=True)
class Evaluation:
    """One node of the lattice applied to the counts."""

    levels: tuple[int, ...]
    suppressed: int
    """Records in classes smaller than k or less diverse than l."""
    loss: float
    generalisation_loss: float
    class_sizes: np.ndarray = field(repr=False)
    """Sizes of the released (not suppressed) classes."""
    distinct_sensitive: np.ndarray | None = field(repr=False)
    """Distinct sensitive values of each released class (None without a sensitive column)."""
    suppressed_rows: np.ndarray = field(repr=False)
    """Per row of the counts table: whether its records are suppressed."""


@dataclass(frozen=True)
class Solution:
    """The optimal node and what the search did to find it."""

    quasi_identifiers: tuple[str, ...]
    heights: tuple[int, ...]
    k: int
    l: int  # noqa: E741 - the letter of the literature
    max_suppression: float
    records: int
    best: Evaluation
    lattice_size: int
    evaluated: int
    seconds: float

    @property
    def levels(self) -> dict[str, int]:
        """The chosen level of each quasi-identifier."""
        return dict(zip(self.quasi_identifiers, self.best.levels, strict=True))

    @property
    def discernibility(self) -> int:
        """Discernibility metric: sum of squared class sizes + N per suppressed record."""
        sizes = self.best.class_sizes.astype(np.int64)
        return int((sizes * sizes).sum()) + self.best.suppressed * self.records

    def summary(self) -> dict[str, object]:
        """JSON-ready facts for the manifest (levels, loss, counts; no values)."""
        n = self.records
        return {
            "levels": self.levels,
            "heights": dict(zip(self.quasi_identifiers, self.heights, strict=True)),
            "records_in": n,
            "records_suppressed": self.best.suppressed,
            "suppressed_fraction": self.best.suppressed / n if n else 0.0,
            "information_loss": round(self.best.loss, 6),
            "generalisation_loss": round(self.best.generalisation_loss, 6),
            "discernibility": self.discernibility,
            "discernibility_normalised": round(self.discernibility / (n * n), 6) if n else 0.0,
            "lattice_size": self.lattice_size,
            "nodes_evaluated": self.evaluated,
            "search_seconds": round(self.seconds, 3),
            "metric": "normalised certainty penalty over hierarchy leaves; suppressed = 1",
        }


class Lattice:
    """The counts table encoded per hierarchy level, ready to evaluate nodes quickly."""

    def __init__(
        self,
        counts: pa.Table,
        hierarchies: Mapping[str, Hierarchy],
        sensitive: str | None = None,
        measure: Literal["distinct", "entropy"] = "distinct",
    ) -> None:
        """Encode ``counts`` (QI text columns, optional sensitive column, ``__count__``).

        ``measure`` is the l-diversity: ``distinct`` (at least l distinct sensitive values per
        class) or ``entropy`` (the entropy of each class's sensitive values at least log l).
        """
        self.entropy = measure == "entropy"
        self.quasi_identifiers = tuple(hierarchies)
        self.heights = tuple(h.height for h in hierarchies.values())
        keep = [*self.quasi_identifiers, *([sensitive] if sensitive else [])]
        if len(keep) + 1 < counts.num_columns:  # other columns counted too: add them up
            summed = counts.group_by(keep, use_threads=False).aggregate([(COUNT, "sum")])
            counts = summed.rename_columns(
                [COUNT if c == f"{COUNT}_sum" else c for c in summed.column_names]
            )
        self.weights = counts.column(COUNT).to_numpy().astype(np.int64)
        self.records = int(self.weights.sum())
        self.codes: list[list[np.ndarray]] = []
        self.cards: list[list[int]] = []
        self._penalty: list[list[np.ndarray]] = []
        for name, hierarchy in hierarchies.items():
            index = pc.index_in(counts.column(name), value_set=pa.array(hierarchy.values))
            missing = index.is_null().to_numpy(zero_copy_only=False)
            rows = index.fill_null(0).to_numpy().astype(np.int64)
            leaves_total = max(len(hierarchy.rows) - 1, 1)
            codes, cards, penalties = [], [], []
            for level in range(hierarchy.height):
                label_codes, labels = pd.factorize(pd.Series(hierarchy.labels(level)))
                code = np.asarray(label_codes, dtype=np.int64)[rows]
                code[missing] = len(labels)  # missing values: a class of their own
                codes.append(code)
                cards.append(len(labels) + 1)
                leaves = np.asarray(hierarchy.leaves(level), dtype=np.float64)[rows]
                penalty = (leaves - 1.0) / leaves_total
                penalty[missing] = 0.0
                penalties.append(penalty)
            self.codes.append(codes)
            self.cards.append(cards)
            self._penalty.append(penalties)
        self.sensitive: np.ndarray | None = None
        if sensitive is not None:
            codes, uniques = pd.factorize(
                pd.Series(counts.column(sensitive).to_pylist(), dtype=object), use_na_sentinel=False
            )
            self.sensitive = np.asarray(codes, dtype=np.int64)
            self.sensitive_values = len(uniques)
        m, n = len(self.heights), max(self.records, 1)
        weights = self.weights.astype(np.float64)
        # Weighted penalties per QI and level, and their totals (the bound G is separable).
        self._weighted = [[weights * p for p in penalties] for penalties in self._penalty]
        self._totals = [np.array([float(wp.sum()) for wp in per]) for per in self._weighted]
        self._bound = [totals / (n * m) for totals in self._totals]

    @property
    def size(self) -> int:
        """Number of nodes."""
        return math.prod(self.heights)

    def nodes(self) -> np.ndarray:
        """All nodes, one row of levels each."""
        index = np.arange(self.size)
        return np.stack(np.unravel_index(index, self.heights), axis=1).astype(np.int16)

    def generalisation_loss(self, nodes: np.ndarray) -> np.ndarray:
        """Loss of each node before suppression (a lower bound of its loss)."""
        bound = np.zeros(len(nodes))
        for i, table in enumerate(self._bound):
            bound += table[nodes[:, i]]
        return bound

    def classes(self, levels: tuple[int, ...]) -> tuple[np.ndarray, int]:
        """Equivalence class of each counts row at ``levels``, and the number of classes."""
        key = np.zeros(len(self.weights), dtype=np.int64)
        space = 1
        for i, level in enumerate(levels):
            card = self.cards[i][level]
            if space * card >= 2**62:
                key, uniques = pd.factorize(key)
                space = len(uniques)
            key = key * card + self.codes[i][level]
            space *= card
        labels, uniques = pd.factorize(key)
        return np.asarray(labels, dtype=np.int64), len(uniques)

    def evaluate(self, levels: tuple[int, ...], k: int, l: int) -> Evaluation:  # noqa: E741
        """Apply one node: classes, what must be suppressed for k and l, and the loss."""
        cls, n_classes = self.classes(levels)
        sizes = np.bincount(cls, weights=self.weights, minlength=n_classes).astype(np.int64)
        failing = sizes < k
        distinct = None
        if self.sensitive is not None:
            pair_ids, pairs = pd.factorize(cls * self.sensitive_values + self.sensitive)
            pair_class = pairs // self.sensitive_values
            distinct = np.bincount(pair_class, minlength=n_classes)
            failing |= distinct < l
            if self.entropy and l > 1:
                weight = np.bincount(pair_ids, weights=self.weights, minlength=len(pairs))
                share = weight / sizes[pair_class]
                entropy = -np.bincount(
                    pair_class, weights=share * np.log(share), minlength=n_classes
                )
                failing |= entropy < math.log(l) - 1e-12
        suppressed_rows = failing[cls]
        suppressed = int(sizes[failing].sum())
        m, n = len(levels), max(self.records, 1)
        generalised = sum(self._totals[i][level] for i, level in enumerate(levels))
        rows = np.flatnonzero(suppressed_rows)
        lost = sum(float(self._weighted[i][level][rows].sum()) for i, level in enumerate(levels))
        loss = (generalised - lost + suppressed * m) / (n * m)
        return Evaluation(
            levels=tuple(int(x) for x in levels),
            suppressed=suppressed,
            loss=loss,
            generalisation_loss=generalised / (n * m),
            class_sizes=sizes[~failing],
            distinct_sensitive=None if distinct is None else distinct[~failing],
            suppressed_rows=suppressed_rows,
        )


def search(
    lattice: Lattice,
    k: int,
    l: int = 1,  # noqa: E741 - the letter of the literature
    max_suppression: float = 0.0,
) -> Solution:
    """Find the node with the least information loss that reaches k and l.

    Args:
        lattice: The encoded counts and hierarchies.
        k: Smallest class size released.
        l: Smallest number of distinct sensitive values per released class (1: no l-diversity).
        max_suppression: Largest fraction of records that may be suppressed.

    Returns:
        The optimal solution (ties: the less generalised node, then the first in level order).

    Raises:
        NoSolution: No node is anonymous; the message says the least suppression that works
            and the levels that achieve it, or why nothing can (k above the row count, fewer
            than l sensitive values in the whole table).

    """
    started = time.perf_counter()
    if lattice.size > MAX_NODES:
        raise SpecError(
            f"k_anonymity: the lattice has {lattice.size:,} nodes (the product of the "
            f"hierarchies' heights {lattice.heights}), more than {MAX_NODES:,}. Use fewer "
            "quasi-identifiers or hierarchies with fewer levels."
        )
    limit = math.floor(max_suppression * lattice.records + 1e-9)
    # Entropy l-diversity with suppression is not monotone (merging a diverse class with a
    # poor one can make a poor one): classify no node in advance, evaluate by bound only.
    monotone = not (lattice.entropy and lattice.sensitive is not None and l > 1 and limit > 0)
    nodes = lattice.nodes()
    bound = lattice.generalisation_loss(nodes)
    strides = np.array([math.prod(lattice.heights[i + 1 :]) for i in range(len(lattice.heights))])
    tags = np.zeros(len(nodes), dtype=np.int8)
    losses: dict[int, float] = {}
    evaluated = 0

    def check(index: int) -> bool:
        nonlocal evaluated
        evaluated += 1
        node = nodes[index]
        result = lattice.evaluate(tuple(node), k, l)
        if result.suppressed > limit:
            tags[np.all(nodes <= node, axis=1)] = _NOT_ANONYMOUS
            return False
        tags[np.all(nodes >= node, axis=1) & (tags == _UNKNOWN)] = _ANONYMOUS
        losses[index] = result.loss
        return True

    # 1. Classify every node (Flash): from each unclassified node, walk up through unclassified
    #    nodes and binary-search the walk for its lowest anonymous node; each check classifies
    #    every node above (anonymous) or below (not anonymous) the node checked.
    for start in np.lexsort((bound, nodes.sum(axis=1))) if monotone else ():
        if tags[start] != _UNKNOWN:
            continue
        path = [int(start)]
        while True:
            node = nodes[path[-1]]
            ups = [
                path[-1] + int(strides[i])
                for i in range(len(node))
                if node[i] + 1 < lattice.heights[i] and tags[path[-1] + int(strides[i])] == _UNKNOWN
            ]
            if not ups:
                break
            path.append(min(ups, key=lambda up: bound[up]))
        low, high = 0, len(path) - 1
        while low <= high:
            middle = (low + high) // 2
            if tags[path[middle]] == _NOT_ANONYMOUS or (
                tags[path[middle]] == _UNKNOWN and not check(path[middle])
            ):
                low = middle + 1
            else:
                high = middle - 1
    # 2. Among anonymous nodes, by ascending lower bound, find the least loss; stop once the
    #    bound reaches the best loss found (every later node has at least that loss).
    best_index, best_loss = -1, math.inf
    anonymous = np.flatnonzero(tags == _ANONYMOUS) if monotone else np.arange(len(nodes))
    for index in anonymous[np.lexsort((nodes[anonymous].sum(axis=1), bound[anonymous]))]:
        if bound[index] >= best_loss:
            break
        if index not in losses:
            evaluated += 1
            result = lattice.evaluate(tuple(nodes[index]), k, l)
            if result.suppressed > limit:
                continue
            losses[int(index)] = result.loss
        if losses[int(index)] < best_loss:
            best_index, best_loss = int(index), losses[int(index)]
    best = lattice.evaluate(tuple(nodes[best_index]), k, l) if best_index >= 0 else None
    if best is None:
        raise NoSolution(_refusal(lattice, nodes, k, l, max_suppression))
    return Solution(
        quasi_identifiers=lattice.quasi_identifiers,
        heights=lattice.heights,
        k=k,
        l=l,
        max_suppression=max_suppression,
        records=lattice.records,
        best=best,
        lattice_size=lattice.size,
        evaluated=evaluated,
        seconds=time.perf_counter() - started,
    )


def _refusal(lattice: Lattice, nodes: np.ndarray, k: int, l: int, max_suppression: float) -> str:  # noqa: E741
    """Say why no node works and what would: the least suppression, at the coarsest levels."""
    wanted = f"k={k}" + (f" and l={l}" if lattice.sensitive is not None and l > 1 else "")
    n = lattice.records
    if k > n:
        return (
            f"k_anonymity: k={k} is larger than the table ({n} records): no generalisation can "
            f"put {k} records in one class. Lower `k` to at most {n}."
        )
    if lattice.sensitive is not None and l > lattice.sensitive_values:
        return (
            f"k_anonymity: l={l} but the sensitive column holds only "
            f"{lattice.sensitive_values} distinct value(s) in the whole table, so no class can "
            f"hold {l}. Lower `sensitive.l` to at most {lattice.sensitive_values}."
        )
    top = lattice.evaluate(tuple(h - 1 for h in lattice.heights), k, l)
    least = top.suppressed / n if n else 0.0
    if lattice.entropy and lattice.sensitive is not None and l > 1:
        # Not monotone: the coarsest levels need not suppress least; say what they need.
        levels = ", ".join(
            f"{q} {h - 1}/{h - 1}"
            for q, h in zip(lattice.quasi_identifiers, lattice.heights, strict=True)
        )
        return (
            f"k_anonymity: no generalisation reaches {wanted} (entropy l-diversity) with at "
            f"most {max_suppression:.2%} of the {n} records suppressed. At the coarsest levels "
            f"({levels}) {least:.2%} ({top.suppressed} records) would be suppressed. Raise "
            "`max_suppression`, lower `k` or `l`, or use `measure: distinct`."
        )
    levels = ", ".join(
        f"{q} {lvl}/{h - 1}"
        for q, lvl, h in zip(lattice.quasi_identifiers, top.levels, lattice.heights, strict=True)
    )
    advice = (
        f"Raise `max_suppression` to at least {math.ceil(least * 10000) / 10000:.4g}"
        if least < 1
        else "Even suppressing every record does not help"
    )
    return (
        f"k_anonymity: no generalisation reaches {wanted} with at most "
        f"{max_suppression:.2%} of the {n} records suppressed (max_suppression: "
        f"{max_suppression:g}). The least suppression any generalisation needs is "
        f"{least:.2%} ({top.suppressed} records), at the coarsest levels ({levels}). "
        f"{advice}, lower `k`{' or `l`' if l > 1 else ''}, or give hierarchies with more "
        "general levels."
    )
