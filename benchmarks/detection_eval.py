"""How well and how fast Shareable finds PHI, beside the clinical baseline (deid.pl) and Presidio.

Prints, from the public data in ``../shared/data`` (never copied into the repository):

1. PhysioNet deid nursing notes, on the patient-level split of :mod:`privacy.ner.corpus`
   (train 60 / tune 20 / test 20 per cent of the patients, by a hash of the id): token-level
   recall, precision and F2, overall and per category (names, dates, locations, phones ...),
   side by side for the combined detector (``nlp_engine: shareable_ner``: model + rules), the
   rules alone (``blank``), the shipped model alone, and the shipped output of deid.pl on the
   same notes. Each split is also scored re-rendered with *fresh surrogates*
   (:func:`privacy.ner.surrogates.fresh_sources`: names, places, date and phone formats that
   neither training nor the rule gazetteers use; deid.pl's output does not exist for them).
   The model never saw tune or test; tune is the development split (its misses are read),
   test is held out. The rules were written reading all of ``../shared``'s notes, so the rules'
   figures (and hence the combination's) on tune *and* test are development figures for the
   rules; only the fresh-surrogate notes are new to them.
2. presidio-research synthetic PII: per entity, recall (a gold span counts as found when any
   predicted span overlaps it) and precision of the spans labelled with that entity.
3. Column classification (``scan_table``) on the Synthea tables and the FakeNameGenerator
   identities: identifier columns found, clinical columns flagged.
4. ``shareable detect`` on the 1,624 notes, end to end in a fresh process (start-up
   included); with ``--loops`` also the batched path against Presidio's plain per-text
   ``AnalyzerEngine.analyze`` loop, with Presidio's predefined recognizers and with ours.

    python benchmarks/detection_eval.py --skip-pii --skip-columns               # tune (dev)
    python benchmarks/detection_eval.py --split test --skip-pii --skip-columns  # held out
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _eval_common import (  # noqa: E402 - the helper sits beside this script
    CATEGORIES,
    CATEGORY,
    DEID,
    PRESIDIO_PII,
    REPO,
    SHARED_DATA,
    Note,
    TokenScore,
    read_deid_notes,
    read_deid_tool_spans,
    read_presidio_pii,
)

from privacy import entities as ent  # noqa: E402
from privacy.analyzer import get_analyzer  # noqa: E402
from privacy.column_scan import scan_table  # noqa: E402
from privacy.detection_config import (  # noqa: E402
    BLANK_ENGINE,
    SHIPPED_ENGINE,
    load_detection_config,
)
from privacy.ner.corpus import read_gold_notes  # noqa: E402
from privacy.ner.model import load_model, model_spans  # noqa: E402
from privacy.ner.surrogates import Renderer, fresh_sources, gold_phrases  # noqa: E402
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


LABEL_CATEGORY = {
    ent.PERSON: "names",
    ent.LOCATION: "locations",
    ent.DATE_TIME: "dates",
    ent.PHONE_NUMBER: "phones",
    ent.AGE: "ages",
}
FRESH_SEED = 2434
DETECTORS = ("combined", "rules", "model", "deid.pl")


def deid_notes(split: str, fresh: bool = False) -> list[Note]:
    """The notes of ``split`` (train / tune / test), optionally with fresh surrogates."""
    notes = read_gold_notes(DEID, split)
    if not fresh:
        return [
            Note(n.patient, n.note, n.text, [(s, e, CATEGORY[k]) for s, e, k in n.gold])
            for n in notes
        ]
    renderer = Renderer(fresh_sources(), FRESH_SEED)
    out = []
    for n in notes:
        text, spans = renderer.render(n.text, gold_phrases(n.text, n.gold), recase=False)
        out.append(Note(n.patient, n.note, text, [(s, e, LABEL_CATEGORY[k]) for s, e, k in spans]))
    return out


def predictions(notes: list[Note], fresh: bool) -> dict[str, list[list[tuple]]]:
    """Spans ``(start, end[, entity])`` per note, for each detector."""
    texts = [n.text for n in notes]
    config = load_detection_config()
    out: dict[str, list[list[tuple]]] = {}
    for name, engine in (("combined", SHIPPED_ENGINE), ("rules", BLANK_ENGINE)):
        spans = detect_spans(texts, config.model_copy(update={"nlp_engine": engine}))
        out[name] = [[(s.start, s.end, s.entity) for s in found] for found in spans]
    found = model_spans(load_model(), texts, config.batch_size)
    out["model"] = [[(s.start, s.end, s.entity) for s in spans] for spans in found]
    if not fresh:  # deid.pl's shipped output is for the original notes only
        tool = read_deid_tool_spans()
        out["deid.pl"] = [tool.get((n.patient, n.note), []) for n in notes]
    return out


def evaluate_deid(split: str, fresh: bool, show_misses: int) -> list[Note]:
    """Score every detector on the deid notes of ``split``; returns the notes."""
    notes = deid_notes(split, fresh)
    predicted = predictions(notes, fresh)
    scores = {name: TokenScore() for name in DETECTORS}
    for name, per_note in predicted.items():
        for note, found in zip(notes, per_note, strict=True):
            scores[name].add(note.text, note.gold, found, f"{note.patient}")
    kind = {"tune": "DEVELOPMENT (read while building)", "test": "HELD OUT (model never saw it)"}
    label = f"{split}{' + fresh surrogates' if fresh else ''}"
    print(f"\n== PhysioNet deid notes, split '{label}' - {kind.get(split, split)}: "
          f"{len(notes)} notes, {sum(len(n.gold) for n in notes)} gold spans, "
          f"{scores['combined'].gold['overall']} gold tokens")  # fmt: skip
    print(f"{'':22}" + "".join(f"{name:>10}" for name in DETECTORS) + f"{'gold':>7}")

    def row(title: str, values: list[float], tail: str = "") -> None:
        print(f"{title:22}" + "".join(f"{_fmt(v):>10}" for v in values) + tail)

    def known(name: str) -> bool:
        return name in predicted

    nan = float("nan")
    row("recall", [scores[d].recall() if known(d) else nan for d in DETECTORS],
        f"{scores['combined'].gold['overall']:>7}")  # fmt: skip
    row("precision", [scores[d].precision() if known(d) else nan for d in DETECTORS])
    row("F2", [scores[d].f2() if known(d) else nan for d in DETECTORS])
    for category in CATEGORIES:
        if scores["combined"].gold[category]:
            row(f"recall {category}",
                [scores[d].recall(category) if known(d) else nan for d in DETECTORS],
                f"{scores['combined'].gold[category]:>7}")  # fmt: skip
    for category in CATEGORIES:
        if any(scores[d].predicted_in[category] for d in DETECTORS[:3]):
            row(f"precision {category}", [scores[d].precision(category) for d in DETECTORS])
    if show_misses:
        for name in ("combined", "model"):
            missed = Counter((c, t.lower()) for c, t, _ in scores[name].missed)
            print(f"{name} missed tokens (category, token, count):",
                  missed.most_common(show_misses))  # fmt: skip
    return notes


def time_detect_cli(notes: list[Note]) -> None:
    """Wall time of ``shareable detect`` on ``notes`` end to end (start-up included)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "notes.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for n in notes:
                handle.write(json.dumps({"id": f"{n.patient}-{n.note}", "text": n.text}) + "\n")
        command = [sys.executable, "-m", "flows.cli", "detect", str(path), "--field", "text"]
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
        seconds = time.perf_counter() - started
    print(f"\n== shareable detect on {len(notes)} notes, end to end (start-up included): "
          f"{seconds:.1f} s, {len(notes) / seconds:.0f} notes/s (target >= 200)")  # fmt: skip


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
    parser.add_argument(
        "--split",
        choices=("tune", "test"),
        action="append",
        help="patients to score (repeatable; default tune), each also with fresh "
        "surrogates. Score test rarely and never change anything for it.",
    )
    parser.add_argument("--skip-pii", action="store_true", help="skip the synthetic PII set")
    parser.add_argument("--skip-columns", action="store_true", help="skip column classification")
    parser.add_argument("--skip-speed", action="store_true", help="skip timing shareable detect")
    parser.add_argument(
        "--loops", action="store_true", help="also time Presidio's per-text analyze loops"
    )
    parser.add_argument("--rounds", type=int, default=2, help="timing rounds (best is kept)")
    parser.add_argument("--show-misses", type=int, default=0, help="print N missed tokens")
    args = parser.parse_args(argv)
    if not DEID.exists():
        raise SystemExit(f"{SHARED_DATA} is missing: the evaluation data live beside the repo.")
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    for split in args.split or ["tune"]:
        evaluate_deid(split, False, args.show_misses if split == "tune" else 0)
        evaluate_deid(split, True, args.show_misses if split == "tune" else 0)
    if not args.skip_speed:
        time_detect_cli(read_deid_notes("all"))
    if not args.skip_pii:
        evaluate_pii()
    if not args.skip_columns:
        evaluate_columns()
    if args.loops:
        evaluate_speed([n.text for n in read_deid_notes("all")], args.rounds)


if __name__ == "__main__":
    main()
