"""Throughput of each de-identification transform, in rows per second, on generated columns.

Columns are generated with numpy (seeded) so that generation does not dominate; each
transform runs on the whole column in one call, best of ``--repeat`` runs. Redaction is timed
with precomputed spans (detection is not part of it). The last line applies a whole plan
with one column per action to one record batch.

    python benchmarks/transforms_throughput.py --rows 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from privacy.plan import RESTRICTED_ZIP3, ColumnPlan, ReleasePlan
from transforms.apply import apply_plan
from transforms.dates import cap_birth_years, to_year
from transforms.geography import zip3
from transforms.numbers import generalize, top_code
from transforms.pseudonymize import pseudonymize
from transforms.text import TextSpan, redact_spans

KEY = b"benchmark-key-0123456789"
ETHNICITIES = ["Cuban", "Mexican", "Hmong", "Aleut"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _with_nulls(values: pa.Array, rng: np.random.Generator, share: float = 0.02) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    mask = pa.array(rng.random(len(values)) < share)
    return pc.if_else(mask, pa.scalar(None, type=values.type), values)


def generate(n: int, seed: int = 7) -> dict[str, pa.Array]:
    """Generate one column per transform input (about 2% nulls each)."""
    rng = np.random.default_rng(seed)
    day = rng.integers(-25_000, 19_000, n).astype(np.int32)  # 1901 .. 2022
    dates = pa.array(day, type=pa.date32())
    iso = dates.cast(pa.string())
    year = pc.year(dates).cast(pa.string())
    month = pc.month(dates).cast(pa.string())
    dom = pc.day(dates).cast(pa.string())
    us = pc.binary_join_element_wise(month, dom, year, "/")
    names = pa.array(MONTHS).take(pc.subtract(pc.month(dates), 1))
    words = pc.binary_join_element_wise(names, pc.binary_join_element_wise(dom, year, ", "), " ")
    which = rng.integers(0, 3, n)
    mixed = pc.if_else(pa.array(which == 0), iso, pc.if_else(pa.array(which == 1), us, words))
    ids = pc.binary_join_element_wise(
        "MRN-", pc.utf8_lpad(pa.array(rng.integers(0, 2_000_000, n)).cast(pa.string()), 7, "0"), ""
    )
    zips = pc.utf8_lpad(pa.array(rng.integers(0, 100_000, n)).cast(pa.string()), 5, "0")
    days = np.char.zfill(rng.integers(1, 29, n).astype(str), 2)
    texts = pa.array(np.char.add("Seen by Ann Lee on May ", days))  # "... on May 07"
    return {
        "id": _with_nulls(ids, rng),
        "birth_date": _with_nulls(dates, rng),
        "iso_text": _with_nulls(iso, rng),
        "mixed_text": _with_nulls(mixed, rng),
        "zip": _with_nulls(zips, rng),
        "zip_int": _with_nulls(pa.array(rng.integers(0, 100_000, n)), rng),
        "age": _with_nulls(pa.array(rng.integers(0, 110, n), type=pa.int32()), rng),
        "income": _with_nulls(pa.array(rng.exponential(60_000, n)), rng),
        "ethnicity": _with_nulls(pa.array(rng.choice(ETHNICITIES, n)), rng),
        "note": _with_nulls(texts, rng),
    }  # fmt: skip


SPANS = [TextSpan(8, 15, "PERSON", 0.9), TextSpan(19, 25, "DATE_TIME", 0.6)]


def find_spans(texts: list[str | None]) -> list[list[TextSpan]]:
    """Precomputed spans: every generated note has the same two identifiers."""
    return [SPANS if t is not None else [] for t in texts]


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """Return the fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    """Print rows/s for each transform and for a whole plan."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = args.rows
    cols = generate(n)
    years = to_year(cols["birth_date"])
    spans = find_spans(cols["note"].to_pylist())
    unique_ids = len(pc.unique(cols["id"]))
    cases: list[tuple[str, Callable[[], object]]] = [
        (f"pseudonymize ({unique_ids:,} distinct ids)", lambda: pseudonymize(cols["id"], KEY)),
        ("to_year (date32)", lambda: to_year(cols["birth_date"])),
        ("to_year (ISO text)", lambda: to_year(cols["iso_text"])),
        ("to_year (3 mixed text formats)", lambda: to_year(cols["mixed_text"])),
        ("cap_birth_years", lambda: cap_birth_years(years, 2024)),
        ("zip3 (text)", lambda: zip3(cols["zip"], RESTRICTED_ZIP3)),
        ("zip3 (int64)", lambda: zip3(cols["zip_int"], RESTRICTED_ZIP3)),
        ("top_code (int32)", lambda: top_code(cols["age"], 89)),
        ("generalize (bins)", lambda: generalize(cols["income"], bins=[0, 2e4, 5e4, 1e5, 1e9])),
        ("generalize (mapping)", lambda: generalize(cols["ethnicity"], mapping={"Cuban": "H"})),
        ("redact_spans (2 spans/row)", lambda: redact_spans(cols["note"], spans)),
    ]
    batch = pa.record_batch(cols)
    plan = ReleasePlan(
        dataset="bench",
        reference_date=dt.date(2024, 1, 1),
        columns=(
            ColumnPlan(column="id", action="pseudonymize", reason="bench"),
            ColumnPlan(column="birth_date", action="year", birth=True, reason="bench"),
            ColumnPlan(column="iso_text", action="year", reason="bench"),
            ColumnPlan(column="mixed_text", action="year", reason="bench"),
            ColumnPlan(column="zip", action="zip3", reason="bench"),
            ColumnPlan(column="zip_int", action="zip3", reason="bench"),
            ColumnPlan(column="age", action="top_code", max_value=89, reason="bench"),
            ColumnPlan(column="income", action="generalize", bins=(0, 2e4, 1e9), reason="bench"),
            ColumnPlan(column="ethnicity", action="generalize", mapping={"a": "b"}, reason="b"),
            ColumnPlan(column="note", action="redact", reason="bench"),
        ),
    )
    cases.append(
        (
            "apply_plan (10 columns, all of the above)",
            lambda: apply_plan(batch, plan, pseudonym_key=KEY, find_spans=find_spans),
        )
    )
    print(f"{n:,} rows, best of {args.repeat}")
    print(f"{'transform':<45} {'seconds':>8} {'rows/s':>14}")
    for name, run in cases:
        seconds = best_of(args.repeat, run)
        print(f"{name:<45} {seconds:>8.3f} {n / seconds:>14,.0f}")


if __name__ == "__main__":
    main()
