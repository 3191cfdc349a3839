"""Time to the optimal k-anonymous generalisation of Adult, and its information loss.

Adult (ARX's 30,162-row version) with ARX's hierarchies for 8 quasi-identifiers (lattice of
6,480 nodes), for k = 2, 5, 10, 20 and 0% / 1% / 5% suppression. "count" is the one pass over
the file that counts equivalence classes (done once); "search" is the time from those counts
to the optimum (encoding the lattice + the pruned search). Needs ../shared/data.

    python benchmarks/kanon_adult.py [--l 2] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pyarrow.csv as pacsv

from privacy.hierarchies import read_arx_csv
from privacy.kanon.counts import ClassCounter
from privacy.kanon.search import Lattice, NoSolution, search

QIS = [
    "age", "sex", "race", "marital-status", "education", "native-country", "workclass",
    "occupation",
]  # fmt: skip
SENSITIVE = "salary-class"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).parents[2] / "shared/data")
    parser.add_argument("--l", type=int, default=1, help="distinct l-diversity on salary-class")
    args = parser.parse_args()
    folder = args.data / "adult_uci_arx" / "arx"
    started = time.perf_counter()
    table = pacsv.read_csv(folder / "adult.csv", parse_options=pacsv.ParseOptions(delimiter=";"))
    counter = ClassCounter([*QIS, SENSITIVE])
    for batch in table.to_batches(max_chunksize=10_000):
        counter.add(batch)
    counts = counter.table()
    counted = time.perf_counter() - started
    hierarchies = {
        q: read_arx_csv(folder / "hierarchies" / f"adult_hierarchy_{q}.csv", q) for q in QIS
    }
    print(
        f"Adult: {table.num_rows:,} rows, {len(QIS)} QIs, {counts.num_rows:,} distinct "
        f"QI+sensitive combinations; count pass {counted:.2f} s; l = {args.l}"
    )
    print()
    print("levels: one digit per QI, in the order " + ", ".join(QIS))
    print()
    print("| k | max suppression | search s | nodes evaluated | suppressed | loss | levels |")
    print("|---|---|---|---|---|---|---|")
    for k in (2, 5, 10, 20):
        for suppression in (0.0, 0.01, 0.05):
            started = time.perf_counter()
            lattice = Lattice(counts, hierarchies, SENSITIVE if args.l > 1 else None)
            try:
                solution = search(lattice, k, args.l, suppression)
            except NoSolution:
                print(
                    f"| {k} | {suppression:.0%} | {time.perf_counter() - started:.2f} | "
                    "- | - | - | no solution |"
                )
                continue
            seconds = time.perf_counter() - started
            levels = "".join(str(v) for v in solution.levels.values())
            print(
                f"| {k} | {suppression:.0%} | {seconds:.2f} | {solution.evaluated} of "
                f"{solution.lattice_size} | {solution.best.suppressed} | "
                f"{solution.best.loss:.4f} | {levels} |"
            )


if __name__ == "__main__":
    main()
