"""The optimal search: known optima, agreement with brute force, monotonicity, refusals."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from privacy.hierarchies import auto_hierarchy, from_rows
from privacy.kanon.counts import COUNT, ClassCounter, class_sizes, total
from privacy.kanon.search import Lattice, NoSolution, search

SEX = from_rows("sex", [["M", "*"], ["F", "*"]], "inline")
AGE = from_rows(
    "age",
    [[str(a), f"{a // 10 * 10}-{a // 10 * 10 + 9}", "*"] for a in range(20, 60)],
    "inline",
)


def counts_of(frame: pd.DataFrame, columns: list[str]) -> pa.Table:
    counter = ClassCounter(columns)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for batch in table.to_batches(max_chunksize=7):  # several batches: counts add up
        counter.add(batch)
    return counter.table()


def brute_force(lattice: Lattice, k: int, l: int, max_suppression: float):  # noqa: E741
    """The best node by evaluating every node (no pruning)."""
    limit = int(max_suppression * lattice.records + 1e-9)
    best = None
    for node in itertools.product(*(range(h) for h in lattice.heights)):
        result = lattice.evaluate(node, k, l)
        if result.suppressed <= limit and (best is None or result.loss < best.loss - 1e-12):
            best = result
    return best


def test_known_optimum_on_a_hand_made_table() -> None:
    frame = pd.DataFrame(
        {
            "sex": ["M", "M", "F", "F", "M", "F"],
            "age": ["21", "25", "23", "28", "41", "45"],
            "dx": ["a", "b", "a", "b", "a", "b"],
        }
    )
    lattice = Lattice(counts_of(frame, ["sex", "age", "dx"]), {"sex": SEX, "age": AGE}, "dx")
    # k=2 without suppression: age to `*` (cost 1 on one QI) beats sex to `*` + age to decades
    # (cost 1 + 9/39): classes (M, *) x3 and (F, *) x3.
    solution = search(lattice, k=2)
    assert solution.levels == {"sex": 0, "age": 2}
    assert solution.best.loss == pytest.approx(0.5)
    assert solution.best.suppressed == 0
    # With 2 of 6 records suppressible, decades are cheaper: (M,20-29), (F,20-29) kept and the
    # two 40-somethings suppressed: (4 * 9/39 + 2 * 2) / 12.
    solution = search(lattice, k=2, max_suppression=2 / 6)
    assert solution.levels == {"sex": 0, "age": 1}
    assert solution.best.suppressed == 2
    assert sorted(solution.best.class_sizes.tolist()) == [2, 2]
    assert solution.best.loss == pytest.approx((4 * 9 / 39 + 4) / 12)
    # l=2 on dx: every class needs both diagnoses.
    solution = search(lattice, k=2, l=2, max_suppression=2 / 6)
    assert solution.best.distinct_sensitive.min() >= 2


def random_table(seed: int, rows: int) -> pd.DataFrame:
    rng = random.Random(seed)
    return pd.DataFrame(
        {
            "sex": [rng.choice("MF") for _ in range(rows)],
            "age": [str(rng.randint(20, 59)) for _ in range(rows)],
            "zip": [rng.choice(["02143", "02139", "02138", "01013", "01020"]) for _ in range(rows)],
            "dx": [rng.choice(["flu", "asthma", "copd", None]) for _ in range(rows)],
        }
    )


@pytest.mark.parametrize(
    ("seed", "k", "l", "max_suppression"),
    [(1, 2, 1, 0.0), (2, 3, 1, 0.05), (3, 5, 2, 0.1), (4, 4, 2, 0.0), (5, 10, 3, 0.2)],
)
def test_search_finds_the_brute_force_optimum(seed: int, k: int, l: int, max_suppression) -> None:  # noqa: E741
    frame = random_table(seed, 150)
    zip_hierarchy = auto_hierarchy("zip", pa.array(frame["zip"].unique()), "zip")
    hierarchies = {"sex": SEX, "age": AGE, "zip": zip_hierarchy}
    lattice = Lattice(counts_of(frame, ["sex", "age", "zip", "dx"]), hierarchies, "dx")
    expected = brute_force(lattice, k, l, max_suppression)
    solution = search(lattice, k, l, max_suppression)
    assert solution.best.loss == pytest.approx(expected.loss)
    assert solution.evaluated < lattice.size  # pruning skipped nodes
    assert solution.best.class_sizes.min() >= k
    assert solution.best.distinct_sensitive.min() >= l


def test_anonymity_is_monotone_over_the_lattice() -> None:
    frame = random_table(7, 200)
    zip_hierarchy = auto_hierarchy("zip", pa.array(frame["zip"].unique()), "zip")
    hierarchies = {"sex": SEX, "age": AGE, "zip": zip_hierarchy}
    lattice = Lattice(counts_of(frame, ["sex", "age", "zip", "dx"]), hierarchies, "dx")
    nodes = list(itertools.product(*(range(h) for h in lattice.heights)))
    suppressed = {n: lattice.evaluate(n, 4, 2).suppressed for n in nodes}
    for node in nodes:
        for i in range(len(node)):
            if node[i] + 1 < lattice.heights[i]:
                up = node[:i] + (node[i] + 1,) + node[i + 1 :]
                assert suppressed[up] <= suppressed[node], (node, up)
                bound = lattice.generalisation_loss(np.array([node, up]))
                assert bound[0] <= bound[1]


def test_counts_add_up_across_batches_and_partitions() -> None:
    frame = random_table(8, 100)
    whole = counts_of(frame, ["sex", "age", "dx"])
    assert total(whole) == 100
    halves = ClassCounter(["sex", "age", "dx"])
    halves.add_counts(counts_of(frame.iloc[:50], ["sex", "age", "dx"]))
    halves.add_counts(counts_of(frame.iloc[50:], ["sex", "age", "dx"]))
    merged = halves.table()
    assert merged.num_rows == whole.num_rows and total(merged) == 100
    sizes, distinct = class_sizes(whole, ["sex"], "dx")
    expected = frame.groupby("sex", dropna=False)["dx"].agg(
        ["size", lambda s: s.nunique(dropna=False)]
    )
    assert sorted(sizes.tolist()) == sorted(expected["size"].tolist())
    assert sorted(distinct.tolist()) == sorted(expected.iloc[:, 1].tolist())
    assert COUNT in merged.column_names


@pytest.mark.parametrize(
    ("k", "l", "max_suppression", "pattern"),
    [
        (7, 1, 0.0, r"k=7 is larger than the table \(6 records\).*Lower `k` to at most 6"),
        (2, 3, 0.0, r"l=3 but the sensitive column holds only 2 distinct value\(s\)"),
        (
            4,
            1,
            0.0,
            r"no generalisation reaches k=4 with at most 0\.00% .* least suppression any "
            r"generalisation needs is 33\.33% \(2 records\), at the coarsest levels \(sex 1/1, "
            r"age 2/2\)\. Raise `max_suppression` to at least 0\.3334",
        ),
    ],
)
def test_refusal_says_what_would_work(k: int, l: int, max_suppression, pattern: str) -> None:  # noqa: E741
    frame = pd.DataFrame(
        {
            "sex": ["M", "M", "F", "F", "M", "F"],
            "age": ["21", "25", "23", "28", "41", "45"],
            "dx": ["a", "b", "a", "b", "a", "b"],
        }
    )
    # An age hierarchy whose top level still separates the 20s from the 40s.
    age = from_rows("age", [[a, f"{a[0]}0s", f"{a[0]}0s"] for a in frame["age"]], "inline")
    lattice = Lattice(counts_of(frame, ["sex", "age", "dx"]), {"sex": SEX, "age": age}, "dx")
    with pytest.raises(NoSolution, match=pattern):
        search(lattice, k, l, max_suppression)


def test_summary_reports_loss_and_discernibility() -> None:
    frame = random_table(9, 60)
    lattice = Lattice(counts_of(frame, ["sex", "age"]), {"sex": SEX, "age": AGE})
    summary = search(lattice, 3, max_suppression=0.1).summary()
    assert 0 <= summary["information_loss"] <= 1
    assert summary["discernibility"] >= 60 * 3
    assert set(summary["levels"]) == {"sex", "age"}


@pytest.mark.parametrize(("seed", "max_suppression"), [(11, 0.0), (12, 0.1), (13, 0.3)])
def test_entropy_l_diversity_finds_the_brute_force_optimum(seed: int, max_suppression) -> None:
    frame = random_table(seed, 120)
    frame["dx"] = frame["dx"].fillna("none")
    hierarchies = {"sex": SEX, "age": AGE}
    counts = counts_of(frame, ["sex", "age", "dx"])
    lattice = Lattice(counts, hierarchies, "dx", measure="entropy")
    expected = brute_force(lattice, 3, 2, max_suppression)
    solution = search(lattice, 3, 2, max_suppression)
    assert solution.best.loss == pytest.approx(expected.loss)
    # Every released class, recomputed with pandas from the records, has entropy >= log 2.
    released = frame.copy()
    for name, level in solution.levels.items():
        lookup = dict(zip(hierarchies[name].values, hierarchies[name].labels(level), strict=True))
        released[name] = released[name].map(lookup)
    classes = released.groupby(["sex", "age"])["dx"]
    entropy = classes.apply(
        lambda s: float(-(s.value_counts(normalize=True).pipe(lambda p: p * np.log(p))).sum())
    )
    sizes = classes.size()
    kept = entropy[(sizes >= 3) & (entropy >= np.log(2) - 1e-12)]
    assert sizes[kept.index].sum() == 120 - solution.best.suppressed


def test_entropy_is_stricter_than_distinct() -> None:
    dx = ["a"] * 9 + ["b"] + ["a"] * 3 + ["b"] * 3 + ["c"] * 4
    frame = pd.DataFrame({"sex": ["M"] * 10 + ["F"] * 10, "age": ["30"] * 20, "dx": dx})
    age = from_rows("age", [["30", "*"]], "inline")
    counts = counts_of(frame, ["sex", "age", "dx"])
    distinct = search(Lattice(counts, {"sex": SEX, "age": age}, "dx"), 2, 2)
    assert distinct.levels == {"sex": 0, "age": 0}  # both classes hold two values or more
    entropy = search(Lattice(counts, {"sex": SEX, "age": age}, "dx", measure="entropy"), 2, 2)
    # M's 9:1 split has entropy 0.33 < log 2; merged (12:4:4) has 0.95.
    assert entropy.levels["sex"] == 1
