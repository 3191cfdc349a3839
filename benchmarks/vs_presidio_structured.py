"""Shareable vs presidio-structured on one generated patient table: speed, memory, leftovers.

One table from ``examples.sample_data`` (``--rows``, default 100k: names, SSNs, phones, e-mails,
addresses, dates, ages, a free-text ``notes`` column naming patients, relatives, dates, phones
and MRNs, and clinical columns) is written as CSV and de-identified, in the same run, by

* ``shareable release FILE.csv --output DIR`` (``python -m flows.cli``), and
* presidio-structured with its documented usage: ``PandasAnalysisBuilder().generate_analysis``
  picks one entity per column, ``StructuredEngine(PandasDataProcessor()).anonymize`` applies a
  presidio-anonymizer operator (``replace``) to every cell of every column given an entity.

Presidio's default ``AnalyzerEngine()`` downloads a spaCy model, which is impossible here, so
presidio-structured gets the best offline analyzers at hand, one run each (``--recognizers``):
``presidio`` = Presidio's predefined recognizers over a blank English spaCy pipeline (no NER
model, so no PERSON/LOCATION), ``shareable`` = the analyzer Shareable itself uses
(``privacy.analyzer.get_analyzer``: Presidio + the project's recognizers and name gazetteer).
``--presidio-sample N`` passes ``n=N`` to ``generate_analysis`` (analyse a sample of rows, as
Shareable does); by default presidio-structured analyses every row, its documented default.

Every tool runs in a child process, timed as a whole (start-up, reading the CSV, writing the
output); peak memory is that of the whole process tree. If presidio-structured would be too
slow at ``--rows``, ``--presidio-rows M`` runs it on the first M rows and extrapolates the
time linearly, saying so: its fixed start-up (imports, analyzer) is kept, and so is the
analysis when ``--presidio-sample`` makes it independent of the rows; the rest is scaled.

Residual identifiers are counted by one check written here (not Shareable's validator), on
every output cell: exact original values of the planted identifier columns; original names,
SSNs, phones and e-mails found inside any cell; and regex families (SSN, phone, e-mail,
ISO / US / written dates with a day, ages above the 90-or-older category).

    python benchmarks/vs_presidio_structured.py --rows 100000 --presidio-rows 5000
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
from _release_common import (  # noqa: E402
    MIB,
    ChildRun,
    bench_env,
    run_child,
    run_release,
    write_table,
)

from examples.sample_data import CLINICAL_COLUMNS, PLANTED_COLUMNS  # noqa: E402

# --------------------------------------------------------------------------- the check

_TEXT_ONLY = {"notes", "age"}  # not identifiers as whole values
_NAME_COLUMNS = ("first_name", "last_name")
_SSN_COLUMNS = ("ssn", "field_7")
_PHONE_COLUMNS = ("phone", "fax")
_NAME_TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*")
# Candidates stand alone (not inside a longer word): a 32-hex-digit pseudonym holds a run of
# 9 or 10 digits now and then, which by chance can equal one of 200k original SSNs.
_SSN_CANDIDATE = re.compile(r"(?<!\w)\d{3}[- .]?\d{2}[- .]?\d{4}(?!\w)")
_PHONE_CANDIDATE = re.compile(r"(?<!\w)(?:\+?1[-. ]?)?\(?\d{3}\)?[-. ]?\d{3}[-. ]?\d{4}(?!\w)")
_EMAIL_CANDIDATE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
REGEX_FAMILIES: dict[str, re.Pattern[str]] = {
    "SSN pattern": re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)"),
    "phone pattern": re.compile(r"(?<!\d)\(?\d{3}\)?[-. ]\d{3}[-.]\d{4}(?!\d)"),
    "e-mail pattern": re.compile(r"[\w.+-]+@[\w-]+\.[A-Za-z]{2,}"),
    "ISO date (day)": re.compile(r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}(?!\d)"),
    "US date (day)": re.compile(r"(?<!\d)\d{1,2}/\d{1,2}/\d{2,4}(?!\d)"),
    "written date (day)": re.compile(rf"\b{_MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}\b"),
}


def _digits(values: pd.Series) -> set[str]:
    return set(values.astype(str).str.replace(r"\D", "", regex=True))


class ResidualCheck:
    """Counts output cells that still hold an identifier of the original table."""

    def __init__(self, original: pd.DataFrame) -> None:
        text = original.astype(str)
        self.exact: set[str] = set()
        for column in PLANTED_COLUMNS:
            if column not in _TEXT_ONLY:
                self.exact.update(text[column])
        self.names = set(text[list(_NAME_COLUMNS)].stack())
        self.ssns = set().union(*(_digits(text[c]) for c in _SSN_COLUMNS))
        self.phones = {d[-10:] for c in _PHONE_COLUMNS for d in _digits(text[c])}
        self.emails = set(text["email"].str.lower())

    def _found(
        self, cells: pd.Series, pattern: re.Pattern[str], known: set[str], norm
    ) -> pd.Series:
        """Per cell: does a ``pattern`` match, normalised by ``norm``, belong to ``known``?"""
        hits = cells.str.findall(pattern).explode().dropna()
        if hits.empty:
            return pd.Series(False, index=cells.index)
        matched = norm(hits).isin(known)
        return matched.groupby(level=0).any().reindex(cells.index, fill_value=False)

    def count(self, output: pd.DataFrame) -> dict[str, int]:
        """Cells per family, and ``"cells with any"`` (a cell counted once) over all cells."""
        counts: dict[str, int] = {}
        total = 0
        for column in output.columns:
            cells = output[column].astype(str).reset_index(drop=True)
            families = {
                "exact original value": cells.isin(self.exact),
                "original name in cell": self._found(cells, _NAME_TOKEN, self.names, lambda s: s),
                "original SSN in cell": self._found(
                    cells, _SSN_CANDIDATE, self.ssns, lambda s: s.str.replace(r"\D", "", regex=True)
                ),
                "original phone in cell": self._found(
                    cells,
                    _PHONE_CANDIDATE,
                    self.phones,
                    lambda s: s.str.replace(r"\D", "", regex=True).str[-10:],
                ),
                "original e-mail in cell": self._found(
                    cells, _EMAIL_CANDIDATE, self.emails, lambda s: s.str.lower()
                ),
            }
            for name, pattern in REGEX_FAMILIES.items():
                families[name] = cells.str.contains(pattern)
            if column == "age":
                # Safe Harbor: ages over 89 go into one "90 or older" category, which a
                # numeric column may hold as 90; any age above 90 is left over.
                families["age over 90"] = pd.to_numeric(cells, errors="coerce") > 90
            any_hit = pd.Series(False, index=cells.index)
            for name, hit in families.items():
                counts[name] = counts.get(name, 0) + int(hit.sum())
                any_hit |= hit
            total += int(any_hit.sum())
        counts["cells with any"] = total
        return counts


def clinical_intact(original: pd.DataFrame, output: pd.DataFrame) -> float | None:
    """Share of clinical cells (row by row) that the output kept unchanged."""
    if len(output) != len(original):
        return None
    kept = total = 0
    for column in CLINICAL_COLUMNS:
        total += len(original)
        if column in output.columns:
            kept += int(
                (
                    output[column].astype(str).reset_index(drop=True)
                    == original[column].astype(str).reset_index(drop=True)
                ).sum()
            )
    return kept / total


# --------------------------------------------------------------------------- presidio child


def _presidio_analyzer(recognizers: str):
    """An offline AnalyzerEngine: Presidio's predefined recognizers or Shareable's."""
    if recognizers == "shareable":
        from privacy.analyzer import get_analyzer

        return get_analyzer()
    import tldextract
    from presidio_analyzer import AnalyzerEngine

    from privacy.nlp_engine import BlankSpacyNlpEngine

    # Presidio's e-mail recognizer calls tldextract.extract, whose default extractor fetches
    # the public-suffix list; use the snapshot bundled with tldextract instead.
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    nlp_engine = BlankSpacyNlpEngine()  # spacy.blank("en") + sentencizer + lookup lemmatizer
    nlp_engine.load()
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])


def presidio_child(args: argparse.Namespace) -> None:
    """Run presidio-structured on the first ``--presidio-rows`` rows; print JSON timings."""
    started = time.perf_counter()
    import logging

    from presidio_anonymizer.entities import OperatorConfig
    from presidio_structured import PandasAnalysisBuilder, PandasDataProcessor, StructuredEngine

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    analyzer = _presidio_analyzer(args.recognizers)
    ready = time.perf_counter()
    # Every column as Python strings in object columns. With pandas 3's defaults the
    # anonymizer's cell-by-cell ``data.at[i, col] = text`` fails on int64 columns (a string is
    # refused) and is quadratic on the Arrow-backed ``str`` columns (each write rebuilds the
    # column); object columns are what pandas 2, which presidio-structured targets, gives.
    df = pd.read_csv(
        args.child_input, nrows=args.presidio_rows, dtype=object, keep_default_na=False
    )
    read = time.perf_counter()
    builder = PandasAnalysisBuilder(analyzer=analyzer, batch_size=args.batch_size)
    analysis = builder.generate_analysis(df, n=args.presidio_sample)
    analysed = time.perf_counter()
    engine = StructuredEngine(data_processor=PandasDataProcessor())
    # replace: the cell becomes "<ENTITY>" (without new_value the operator writes "<None>",
    # as presidio-structured does not pass the entity type to it).
    operators = {
        entity: OperatorConfig("replace", {"new_value": f"<{entity}>"})
        for entity in set(analysis.entity_mapping.values())
    }
    anonymized = engine.anonymize(df, analysis, operators=operators)
    done = time.perf_counter()
    anonymized.astype(str).to_parquet(args.child_output)
    written = time.perf_counter()
    print(
        json.dumps(
            {
                "startup": ready - started,
                "read": read - ready,
                "analysis": analysed - read,
                "anonymize": done - analysed,
                "write": written - done,
                "rows": len(df),
                "entity_mapping": analysis.entity_mapping,
            }
        )
    )


# --------------------------------------------------------------------------- parent


@dataclass(frozen=True)
class Result:
    """One tool's run on the table (or on its first ``rows`` rows)."""

    label: str
    rows: int
    """Rows actually de-identified."""
    run: ChildRun
    seconds: float
    """Seconds for all ``--rows`` rows: measured, or extrapolated from ``rows``."""
    residuals: dict[str, int]
    planted: dict[str, int]
    """The same check on the input rows this tool was given."""
    clinical_kept: float | None

    @property
    def extrapolated(self) -> bool:
        """Whether :attr:`seconds` was extrapolated from a slice."""
        return self.seconds != self.run.seconds


def _run_presidio(
    recognizers: str, csv: Path, workdir: Path, args: argparse.Namespace
) -> tuple[ChildRun, dict, Path]:
    output = workdir / f"presidio-{recognizers}.parquet"
    command = [
        sys.executable, __file__, "--child", "--recognizers", recognizers,
        "--child-input", str(csv), "--child-output", str(output),
        "--presidio-rows", str(args.presidio_rows), "--batch-size", str(args.batch_size),
    ]  # fmt: skip
    if args.presidio_sample:
        command += ["--presidio-sample", str(args.presidio_sample)]
    run = run_child(command, bench_env(workdir), workdir / f"presidio-{recognizers}.log")
    if run.returncode != 0:
        sys.stderr.write(run.stderr_tail)
        raise SystemExit(f"presidio-structured ({recognizers}) failed: exit {run.returncode}")
    return run, json.loads(run.stdout.strip().splitlines()[-1]), output


def _shareable(csv: Path, workdir: Path) -> tuple[ChildRun, pd.DataFrame]:
    run, published = run_release(csv, workdir / "releases", bench_env(workdir))
    parts = sorted(published.glob("part-*.parquet"))
    return run, pd.concat([pd.read_parquet(part) for part in parts], ignore_index=True)


def main() -> None:
    """Generate, de-identify with both tools, check the outputs, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--presidio-rows", type=int, default=None,
        help="run presidio-structured on the first N rows only and extrapolate (default: all)",
    )  # fmt: skip
    parser.add_argument(
        "--presidio-sample", type=int, default=None,
        help="rows generate_analysis samples (its n=; default: every row, as documented)",
    )  # fmt: skip
    parser.add_argument(
        "--recognizers", nargs="+", choices=("presidio", "shareable"),
        default=["presidio", "shareable"], help="analyzers to give presidio-structured",
    )  # fmt: skip
    parser.add_argument("--batch-size", type=int, default=64, help="presidio nlp.pipe batch")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.recognizers = args.recognizers[0]
        presidio_child(args)
        return
    args.presidio_rows = min(args.presidio_rows or args.rows, args.rows)

    workdir = Path(tempfile.mkdtemp(prefix="shareable-vs-presidio-"))
    csv = workdir / f"patients_{args.rows}.csv"
    gen = write_table(csv, args.rows, "csv", notes=True, seed=args.seed)
    print(
        f"table: {args.rows:,} rows x 30 columns, {csv.stat().st_size / MIB:.1f} MiB CSV "
        f"(generated in {gen:.1f} s) in {workdir}",
        flush=True,
    )
    original = pd.read_csv(csv, dtype=str, keep_default_na=False)
    check = ResidualCheck(original)
    planted = {args.rows: check.count(original)}

    run, released = _shareable(csv, workdir)
    results = [
        Result(
            "shareable release", args.rows, run, run.seconds, check.count(released),
            planted[args.rows], clinical_intact(original, released),
        )
    ]  # fmt: skip
    del released
    print(f"shareable release: {run.seconds:.1f} s", flush=True)
    for recognizers in args.recognizers:
        run, timing, output = _run_presidio(recognizers, csv, workdir, args)
        rows = timing["rows"]
        seconds = run.seconds
        if rows < args.rows:  # fixed costs once, the rest in proportion to the rows
            fixed = timing["startup"] + (timing["analysis"] if args.presidio_sample else 0)
            seconds = fixed + (run.seconds - fixed) * args.rows / rows
        if rows not in planted:
            planted[rows] = check.count(original.iloc[:rows])
        out = pd.read_parquet(output)
        results.append(
            Result(
                f"presidio-structured [{recognizers} recognizers]", rows, run, seconds,
                check.count(out), planted[rows], clinical_intact(original.iloc[:rows], out),
            )
        )  # fmt: skip
        print(
            f"presidio-structured [{recognizers}]: {run.seconds:.1f} s on {rows:,} rows "
            f"(start-up {timing['startup']:.1f}, read {timing['read']:.1f}, analysis "
            f"{timing['analysis']:.1f}, anonymize {timing['anonymize']:.1f}, write "
            f"{timing['write']:.1f}); columns given an entity: "
            + ", ".join(f"{c}={e}" for c, e in timing["entity_mapping"].items()),
            flush=True,
        )
        if not args.keep:
            output.unlink()
    _print_report(args, results)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


def _print_report(args: argparse.Namespace, results: list[Result]) -> None:
    print(f"\n== {args.rows:,} rows; every figure below is one whole child process ==")
    print(
        f"{'tool':<44} {'rows run':>9} {'seconds':>9} {'rows/s':>8} {'main MiB':>9} "
        f"{'tree RSS':>9} {'tree PSS':>9} {'residual cells':>14} {'clinical kept':>13}"
    )
    for r in results:
        print(
            f"{r.label:<44} {r.rows:>9,} {f'{r.seconds:.1f}' + '*' * r.extrapolated:>9} "
            f"{args.rows / r.seconds:>8,.0f} {r.run.main_peak_mib:>9.0f} "
            f"{r.run.tree_rss_mib:>9.0f} {r.run.tree_pss_mib:>9.0f} "
            f"{r.residuals['cells with any']:>14,} "
            f"{'n/a' if r.clinical_kept is None else f'{r.clinical_kept:.1%}':>13}"
        )
    fixed = (
        f" and analysis of {args.presidio_sample:,} sampled rows" if args.presidio_sample else ""
    )
    for r in results:
        if r.extrapolated:
            print(
                f"* {r.label}: EXTRAPOLATED to {args.rows:,} rows from the first {r.rows:,} "
                f"rows, measured in {r.run.seconds:.1f} s (start-up{fixed} kept, the rest "
                f"x{args.rows / r.rows:g}); its residuals and memory are those of that slice"
            )
    for r in results[1:]:
        ratio = r.seconds / results[0].seconds
        verdict = f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x SLOWER"
        print(
            f"speed ratio: shareable release is {verdict} than {r.label}"
            f"{' (extrapolated)' if r.extrapolated else ''}"
        )
    print(
        "\nResidual identifiers: output cells per family (a cell may count in several); "
        "'/ N' = the same check on the N input cells that tool was given"
    )
    families = [k for k in results[0].residuals if k != "cells with any"] + ["cells with any"]
    print(f"{'family':<26}" + "".join(f" {r.label[:27]:>27}" for r in results))
    for family in families:
        cells = [f"{r.residuals.get(family, 0):,} / {r.planted.get(family, 0):,}" for r in results]
        print(f"{family:<26}" + "".join(f" {c:>27}" for c in cells))
    print("clinical kept = clinical cells unchanged, row by row")


if __name__ == "__main__":
    main()
