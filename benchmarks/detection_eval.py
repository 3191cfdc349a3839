"""How well and how fast Shareable finds PHI, beside the clinical baseline (deid.pl) and Presidio.

Prints, from the public data in ``../shared/data`` (never copied into the repository):

1. PhysioNet deid nursing notes: token-level recall, precision and F2, overall and per
   category (names, dates, locations, phones, ages, other), for Shareable's detector and for
   the shipped output of the deid.pl tool on the same notes. ``--split dev|holdout|all`` picks
   the patients (a hash of the patient id puts a third of them in ``holdout``).
2. presidio-research synthetic PII: per entity, recall (a gold span counts as found when any
   predicted span overlaps it) and precision of the spans labelled with that entity.
3. Column classification (``scan_table``) on the Synthea tables and the FakeNameGenerator
   identities: identifier columns found, clinical columns flagged.
4. Throughput on the notes: Shareable's batched path (``privacy.text_detection.detect_spans``,
   the one the release flow and ``shareable detect`` use) against Presidio's plain per-text
   ``AnalyzerEngine.analyze`` loop, with Presidio's predefined recognizers and with ours.

    python benchmarks/detection_eval.py --split dev
    python benchmarks/detection_eval.py --split holdout --skip-columns
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _eval_common import (  # noqa: E402 - the helper sits beside this script
    CATEGORIES,
    DEID,
    PRESIDIO_PII,
    SHARED_DATA,
    TokenScore,
    read_deid_notes,
    read_deid_tool_spans,
    read_presidio_pii,
    third_of,
)

from privacy import entities as ent  # noqa: E402
from privacy.analyzer import get_analyzer  # noqa: E402
from privacy.column_scan import scan_table  # noqa: E402
from privacy.text_detection import detect_spans  # noqa: E402

PII_ENTITIES = {
    # presidio-research label -> Shareable entities that count as finding it.
    "US_SSN": {ent.US_SSN},
    "PHONE_NUMBER": {ent.PHONE_NUMBER, ent.FAX_NUMBER},
    "EMAIL_ADDRESS": {ent.EMAIL_ADDRESS},
    "IP_ADDRESS": {ent.IP_ADDRESS},
    "DOMAIN_NAME": {ent.URL},
    "CREDIT_CARD": {ent.ACCOUNT_NUMBER},
    "IBAN_CODE": {ent.ACCOUNT_NUMBER},
    "DATE_TIME": {ent.DATE_TIME, ent.BIRTH_DATE},
    "PERSON": {ent.PERSON},
    "STREET_ADDRESS": {ent.STREET_ADDRESS, ent.LOCATION, ent.ZIP_CODE},
    "GPE": {ent.LOCATION},
    "ZIP_CODE": {ent.ZIP_CODE},
    "US_DRIVER_LICENSE": {ent.LICENSE_NUMBER},
    "AGE": {ent.AGE},
}
STRUCTURED = ("US_SSN", "PHONE_NUMBER", "EMAIL_ADDRESS", "IP_ADDRESS", "DOMAIN_NAME",
              "CREDIT_CARD", "IBAN_CODE", "DATE_TIME")  # fmt: skip
"""The structured identifiers whose recall the issue targets (>= 0.99)."""

SYNTHEA_IDENTIFIERS = {
    "patients": {
        "Id", "ID", "BIRTHDATE", "DEATHDATE", "SSN", "DRIVERS", "PASSPORT", "FIRST", "LAST",
        "MAIDEN", "PREFIX", "SUFFIX", "BIRTHPLACE", "ADDRESS", "CITY", "COUNTY", "FIPS", "ZIP",
        "LAT", "LON",
    },
    "encounters": {"Id", "ID", "START", "STOP", "DATE", "PATIENT", "ORGANIZATION", "PROVIDER",
                   "PAYER"},
    "providers": {"Id", "ORGANIZATION", "NAME", "ADDRESS", "CITY", "ZIP", "LAT", "LON"},
    "organizations": {"Id", "ADDRESS", "CITY", "ZIP", "LAT", "LON", "PHONE"},
    "payers": {"Id", "ADDRESS", "PHONE"},
}  # fmt: skip
SYNTHEA_CLINICAL = {
    "MARITAL", "RACE", "ETHNICITY", "GENDER", "STATE", "HEALTHCARE_EXPENSES",
    "HEALTHCARE_COVERAGE", "INCOME", "ENCOUNTERCLASS", "CODE", "DESCRIPTION", "REASONCODE",
    "REASONDESCRIPTION", "BASE_ENCOUNTER_COST", "TOTAL_CLAIM_COST", "PAYER_COVERAGE",
    "SPECIALITY", "UTILIZATION", "ENCOUNTERS", "PROCEDURES", "REVENUE", "OWNERSHIP",
    "STATE_HEADQUARTERED", "AMOUNT_COVERED", "AMOUNT_UNCOVERED", "MEMBER_MONTHS", "QOLS_AVG",
    "UNIQUE_CUSTOMERS", "COVERED_ENCOUNTERS", "UNCOVERED_ENCOUNTERS",
}  # fmt: skip
SYNTHEA_SETS = ("synthea_1k_apr2020", "synthea_small_full_unmc", "synthea_legacy_2017_fusephir")
FAKENAME_IDENTIFIERS = {
    "GivenName", "MiddleInitial", "Surname", "StreetAddress", "City", "ZipCode", "EmailAddress",
    "Username", "TelephoneNumber", "MothersMaiden", "Birthday", "CCNumber", "NationalID",
    "Domain", "Title",
}  # fmt: skip
FAKENAME_CLINICAL_OR_ALLOWED = {
    "Number", "Gender", "NameSet", "State", "StateFull", "Country", "CountryFull",
    "TelephoneCountryCode", "Occupation", "CCType",
}  # fmt: skip


def _fmt(value: float) -> str:
    return "  n/a" if value != value else f"{value:5.3f}"  # noqa: PLR0124 - NaN check


def evaluate_deid(split: str, show_misses: int) -> list:
    """Score Shareable and deid.pl on the deid notes of ``split``; returns the notes."""
    notes = read_deid_notes(split)
    tool = read_deid_tool_spans()
    predicted = detect_spans([n.text for n in notes])
    ours, theirs = TokenScore(), TokenScore()
    thirds = {k: TokenScore() for k in range(3)}
    for note, spans in zip(notes, predicted, strict=True):
        found = [(s.start, s.end) for s in spans]
        ours.add(note.text, note.gold, found, f"{note.patient}")
        theirs.add(note.text, note.gold, tool.get((note.patient, note.note), []))
        thirds[third_of(note.patient)].add(note.text, note.gold, found)
    print(f"\n== PhysioNet deid nursing notes, split '{split}': {len(notes)} notes, "
          f"{sum(len(n.gold) for n in notes)} gold spans, "
          f"{ours.gold['overall']} gold tokens")  # fmt: skip
    print(f"{'':24}{'Shareable':>12}{'deid.pl':>12}{'gold tokens':>13}")
    print(f"{'recall':24}{_fmt(ours.recall()):>12}{_fmt(theirs.recall()):>12}"
          f"{ours.gold['overall']:>13}")  # fmt: skip
    print(f"{'precision':24}{_fmt(ours.precision()):>12}{_fmt(theirs.precision()):>12}")
    print(f"{'F2':24}{_fmt(ours.f2()):>12}{_fmt(theirs.f2()):>12}")
    # Beside, not instead of, the strict figure: the issue asks for weekdays and holidays to be
    # found, the gold standard never marks them (see _eval_common.UNANNOTATED_DATE_WORDS).
    aside = ours.precision(set_aside_date_words=True)
    print(f"{'precision w/o weekdays':24}{_fmt(aside):>12}"
          f"{_fmt(theirs.precision(set_aside_date_words=True)):>12}"
          f"   ({ours.unannotated} day/holiday-name tokens found, unmarked in gold)")  # fmt: skip
    for category in CATEGORIES:
        print(f"{'recall ' + category:24}{_fmt(ours.recall(category)):>12}"
              f"{_fmt(theirs.recall(category)):>12}{ours.gold[category]:>13}")  # fmt: skip
    if split == "all":
        _print_thirds(thirds)
    if show_misses:
        missed = Counter((c, t.lower()) for c, t, _ in ours.missed)
        print("missed tokens (category, token, count):", missed.most_common(show_misses))
    return notes


def _print_thirds(thirds: dict[int, TokenScore]) -> None:
    """Shareable's scores on each third of the patients, against the issue's targets.

    The issue measures on a withheld third; the three thirds (third 0 is ``holdout``) show
    how much the figures move with the patients drawn.
    """
    print("by patient third (0 = holdout): recall, precision, recall per category with >= 20 "
          "gold tokens; targets: >= 0.98, >= 0.85, >= 0.97")  # fmt: skip
    for k, score in thirds.items():
        cells = [f"recall {_fmt(score.recall())}", f"precision {_fmt(score.precision())}"]
        met = score.recall() >= 0.98 and score.precision() >= 0.85
        for category in CATEGORIES:
            if score.gold[category] >= 20:
                cells.append(f"{category} {_fmt(score.recall(category))}")
                met = met and score.recall(category) >= 0.97
        print(f"  third {k} ({score.gold['overall']:>4} gold tokens): " + ", ".join(cells)
              + ("   targets met" if met else "   TARGET MISSED"))  # fmt: skip


def evaluate_pii() -> None:
    """Recall and precision per entity on presidio-research's synthetic sentences."""
    records = read_presidio_pii()
    texts = [r["full_text"] for r in records]
    predicted = detect_spans(texts)
    gold_n, found_n, pred_n, pred_ok = Counter(), Counter(), Counter(), Counter()
    for record, spans in zip(records, predicted, strict=True):
        gold = [(g["start_position"], g["end_position"], g["entity_type"]) for g in record["spans"]]
        for start, end, label in gold:
            if label not in PII_ENTITIES:
                continue
            gold_n[label] += 1
            found_n[label] += any(s.start < end and start < s.end for s in spans)
        for span in spans:
            for label, accepted in PII_ENTITIES.items():
                if span.entity in accepted:
                    # Correct when it overlaps gold of any label this entity stands for (a
                    # card and an IBAN are both ACCOUNT_NUMBER).
                    pred_n[label] += 1
                    pred_ok[label] += any(
                        gs < span.end and span.start < ge and span.entity in PII_ENTITIES[gl]
                        for gs, ge, gl in gold
                        if gl in PII_ENTITIES
                    )
    print(f"\n== presidio-research synthetic PII ({len(records)} texts): per entity")
    print(f"{'entity':20}{'gold':>6}{'recall':>9}{'precision':>11}   target")
    for label in sorted(gold_n, key=lambda k: (k not in STRUCTURED, k)):
        recall = found_n[label] / gold_n[label]
        precision = pred_ok[label] / pred_n[label] if pred_n[label] else float("nan")
        target = "recall >= 0.99" if label in STRUCTURED else ""
        print(f"{label:20}{gold_n[label]:>6}{_fmt(recall):>9}{_fmt(precision):>11}   {target}")


def evaluate_columns() -> None:
    """Identifier columns found and clinical columns flagged by ``scan_table``."""
    import pyarrow.csv as pacsv

    print("\n== Column classification (scan_table, first 1000 rows)")
    found = expected = flagged = clinical = 0
    misses: list[str] = []
    options = pacsv.ConvertOptions(strings_can_be_null=True)
    for folder in SYNTHEA_SETS:
        for name, identifiers in SYNTHEA_IDENTIFIERS.items():
            path = SHARED_DATA / folder / f"{name}.csv"
            if not path.exists():
                continue
            table = pacsv.read_csv(path, convert_options=options).slice(0, 1000)
            report = scan_table(table, path.name)
            for finding in report.columns:
                if finding.column in identifiers and finding.dtype != "null":
                    expected += 1
                    found += finding.entity is not None
                    if finding.entity is None:
                        misses.append(f"{folder}/{name}:{finding.column}")
                elif finding.column in SYNTHEA_CLINICAL:
                    clinical += 1
                    flagged += finding.entity is not None
                    if finding.entity is not None:
                        misses.append(f"{folder}/{name}:{finding.column} flagged")
    print(f"Synthea: identifier columns found {found}/{expected}; clinical columns flagged "
          f"{flagged}/{clinical}"
          + (f"; problems: {', '.join(misses)}" if misses else ""))  # fmt: skip
    path = PRESIDIO_PII / "FakeNameGenerator.com_3000.csv"
    table = pacsv.read_csv(path, convert_options=options).slice(0, 1000)
    report = scan_table(table, path.name)
    found_cols = [f.column for f in report.columns if f.entity and f.column in FAKENAME_IDENTIFIERS]
    missed_cols = sorted(FAKENAME_IDENTIFIERS - set(found_cols))
    flagged_cols = [
        f.column for f in report.columns if f.entity and f.column in FAKENAME_CLINICAL_OR_ALLOWED
    ]
    print(f"FakeNameGenerator: identifier columns found {len(found_cols)}/"
          f"{len(FAKENAME_IDENTIFIERS)} (missed: {', '.join(missed_cols) or 'none'}); "
          f"non-identifier columns flagged {len(flagged_cols)}/"
          f"{len(FAKENAME_CLINICAL_OR_ALLOWED)} ({', '.join(flagged_cols) or 'none'})")  # fmt: skip


def presidio_default_analyzer():
    """Presidio's AnalyzerEngine with its predefined recognizers over the same blank engine."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from privacy.nlp_engine import BlankSpacyNlpEngine

    engine = BlankSpacyNlpEngine()
    engine.load()
    # Offline: Presidio's e-mail recognizer calls tldextract.extract, whose default extractor
    # would fetch the public-suffix list; point it at the bundled snapshot (benchmark only).
    import tldextract

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(nlp_engine=engine, languages=["en"])
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])


def evaluate_speed(texts: list[str], rounds: int) -> None:
    """Notes/s and chars/s of the batched path against plain per-text analyze loops."""
    chars = sum(len(t) for t in texts)
    ours = get_analyzer()
    detect_spans(texts[:200])  # warm up: worker processes start once per process

    def timed(run) -> float:
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - started)
        return best

    batched = timed(lambda: detect_spans(texts))
    loop_default = presidio_default_analyzer()
    plain_default = timed(lambda: [loop_default.analyze(t, language="en") for t in texts])
    plain_ours = timed(lambda: [ours.analyze(t, language="en") for t in texts])
    print(f"\n== Throughput on {len(texts)} notes ({chars:,} characters), best of {rounds}")
    rows = [
        ("Shareable detect_spans (batched, worker processes)", batched),
        ("Presidio AnalyzerEngine.analyze loop, predefined recognizers", plain_default),
        ("Presidio AnalyzerEngine.analyze loop, Shareable's recognizers", plain_ours),
    ]
    for label, seconds in rows:
        print(f"{label:64}{len(texts) / seconds:8.0f} notes/s{chars / seconds:12,.0f} chars/s"
              f"{plain_default / seconds:7.2f}x")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Run the evaluation and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "holdout", "all"), default="dev")
    parser.add_argument("--skip-pii", action="store_true", help="skip the synthetic PII set")
    parser.add_argument("--skip-columns", action="store_true", help="skip column classification")
    parser.add_argument("--skip-speed", action="store_true", help="skip throughput")
    parser.add_argument("--rounds", type=int, default=2, help="timing rounds (best is kept)")
    parser.add_argument("--show-misses", type=int, default=0, help="print N missed tokens")
    args = parser.parse_args(argv)
    if not DEID.exists():
        raise SystemExit(f"{SHARED_DATA} is missing: the evaluation data live beside the repo.")
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    notes = evaluate_deid(args.split, args.show_misses)
    if not args.skip_pii:
        evaluate_pii()
    if not args.skip_columns:
        evaluate_columns()
    if not args.skip_speed:
        evaluate_speed([n.text for n in notes], args.rounds)


if __name__ == "__main__":
    main()
