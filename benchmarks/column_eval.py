"""Column classification on the public tables: identifier recall and clinical-column loss.

Every column of the public tables in ``../shared/data`` has a true category in
``benchmarks/column_labels.csv``, decided from each folder's README (its identifier and
quasi-identifier lists) and data dictionaries, not from the scanner's output:

* ``identifier``: Safe Harbor must not publish it raw (names, ids, dates, geography below the
  state, ZIP codes, ages that reach 90, employer names, passwords ...);
* ``quasi-identifier``: re-identifying with other columns but allowed raw under Safe Harbor
  (sex, race, state, a payer code ...); either outcome is accepted, counts are shown;
* ``clinical``: an attribute the release should keep (codes, flags, amounts, drug codes ...).

Each table is read as a zero-config release reads it (``flows.load``, the detection sample),
scanned (``privacy.column_scan.scan_table``) and planned (``privacy.planner.make_plan``, the
Safe Harbor policy, no pseudonym key), twice: with its real headers and with neutral headers
``c0..cN``. Per table it prints

* identifier recall: identifier columns the plan does not keep raw / identifier columns;
* clinical loss: clinical columns the plan drops or transforms / clinical columns
  (a ``top_code`` that changes nothing still counts as a loss: the plan is what is scored);

and the columns behind every miss. A column with no value in the sample (the whole column, for
tables of up to ``sample_rows`` rows) is listed as empty and not scored: nothing of it can be
published. The ``split`` column marks the tables looked at while the detectors
were written (``dev``) apart from the others (``held-out``, never scanned while tuning).

    python benchmarks/column_eval.py [--tables SUBSTRING ...] [--headers real|neutral|both]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import pyarrow as pa

from flows.load import open_source
from privacy.column_scan import scan_table
from privacy.detection_config import load_detection_config
from privacy.planner import make_plan
from privacy.policy import load_policy
from privacy.spec import ReleaseSpec, SourceOptions, SourceSpec

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
LABELS = REPO / "benchmarks" / "column_labels.csv"

DEV_TABLES = (
    "cms_desynpuf_sample1_subset/",
    "nist_crc_diverse_communities/target/national2019.csv",
    "presidio_synthetic_pii/FakeNameGenerator.com_3000.csv",
    "synthea_1k_apr2020/patients.csv",
    "synthea_1k_apr2020/payers.csv",
    "synthea_1k_apr2020/providers.csv",
)
"""Tables whose scans were looked at while the detectors and thresholds were written."""


def read_labels() -> dict[str, dict[str, str]]:
    """The labels: table -> column -> category."""
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    with LABELS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            labels[row["table"]][row["column"]] = row["category"]
    return labels


def load_table(name: str, rows: int) -> pa.Table:
    """The detection sample of one table, read the way a release reads it."""
    path = DATA / name
    if path.suffix == ".json":
        records = json.loads(path.read_text(encoding="utf-8"))
        return pa.table(
            {
                "full_text": [r["full_text"] for r in records],
                "masked": [r["masked"] for r in records],
                "template_id": [r["template_id"] for r in records],
            }
        ).slice(0, rows)
    options = SourceOptions(sep=";") if name.startswith("adult_uci_arx/arx/") else SourceOptions()
    source = open_source(SourceSpec(path=path, format="csv", options=options))
    return source.sample(rows)


def evaluate(table: pa.Table, labels: dict[str, str], neutral: bool) -> dict:
    """Scan and plan ``table``; score the plan against ``labels``."""
    names = table.column_names
    renamed = {n: f"c{i}" for i, n in enumerate(names)} if neutral else {n: n for n in names}
    scanned = table.rename_columns([renamed[n] for n in names])
    report = scan_table(scanned, "t.csv", load_detection_config())
    spec = ReleaseSpec(dataset="t", source=SourceSpec(path=Path("t.csv")))
    plan = make_plan(spec, report, load_policy("safe_harbor"), pseudonym_key_available=False)
    result = {"identifier": [0, 0, []], "clinical": [0, 0, []], "quasi-identifier": [0, 0, []]}
    result["empty"] = []
    for name in names:
        category = labels[name]
        if table.column(name).null_count == len(table):
            result["empty"].append(name)  # nothing to publish, nothing to judge
            continue
        action = plan.for_column(renamed[name]).action
        changed = action != "keep"
        counts = result[category]
        counts[1] += 1
        if category == "identifier":
            counts[0] += changed
            if not changed:
                counts[2].append(name)
        elif category == "clinical":
            counts[0] += changed
            if changed:
                counts[2].append(f"{name}:{action}")
        else:
            counts[0] += changed
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per table and header kind."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", nargs="*", default=[], help="only tables containing these")
    parser.add_argument("--headers", choices=("real", "neutral", "both"), default="both")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"{DATA} is missing: the benchmark needs the public tables.", file=sys.stderr)
        return 2
    labels = read_labels()
    kinds = ["real", "neutral"] if args.headers == "both" else [args.headers]
    rows = load_detection_config().sample_rows
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    print(
        f"{'split':8} {'headers':7} {'table':62} {'id recall':>12} {'clin. loss':>12} "
        f"{'QI changed':>10}  misses"
    )
    for name, columns in labels.items():
        if args.tables and not any(t in name for t in args.tables):
            continue
        split = "dev" if any(name.startswith(d) for d in DEV_TABLES) else "held-out"
        table = load_table(name, rows)
        missing = set(columns) ^ set(table.column_names)
        if missing:
            print(f"{name}: labels and columns differ: {sorted(missing)}", file=sys.stderr)
            return 1
        for kind in kinds:
            started = time.perf_counter()
            result = evaluate(table, columns, neutral=kind == "neutral")
            found, ids, missed = result["identifier"]
            lost, clinical, losses = result["clinical"]
            total = totals[(split, kind)]
            total[0] += found
            total[1] += ids
            total[2] += lost
            total[3] += clinical
            recall = f"{found}/{ids} {found / ids:4.0%}" if ids else "-"
            loss = f"{lost}/{clinical} {lost / clinical:4.0%}" if clinical else "-"
            quasi = "{}/{}".format(*result["quasi-identifier"][:2])
            notes = []
            if missed:
                notes.append("missed " + ", ".join(missed))
            if losses:
                notes.append("lost " + ", ".join(losses))
            if result["empty"]:
                notes.append("empty, not scored: " + ", ".join(result["empty"]))
            print(
                f"{split:8} {kind:7} {name:62} {recall:>12} {loss:>12} {quasi:>10}  "
                f"{'; '.join(notes)}"
                f"  ({time.perf_counter() - started:.1f}s)",
                flush=True,
            )
    print()
    for (split, kind), (found, ids, lost, clinical) in sorted(totals.items()):
        print(
            f"TOTAL {split:8} {kind:7} identifier recall {found}/{ids} = {found / max(ids, 1):.1%}"
            f"   clinical loss {lost}/{clinical} = {lost / max(clinical, 1):.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
