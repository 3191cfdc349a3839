"""Shared fixtures for detection tests: one analyzer per session, generated PHI data."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import pyarrow as pa
import pytest
from faker import Faker
from presidio_analyzer import AnalyzerEngine, EntityRecognizer

from privacy.analyzer import get_analyzer
from privacy.detection_config import DetectionConfig, load_detection_config

AREA_CODES = ("617", "508", "978", "413", "212", "312", "415", "202", "305", "713")
CLINICAL_DESCRIPTIONS = (
    "Well child visit (procedure)",
    "Acute bronchitis (disorder)",
    "Viral sinusitis (disorder)",
    "Hypertension",
    "Prediabetes",
    "Encounter for symptom",
    "Body mass index 30+ - obesity (finding)",
    "Chronic kidney disease stage 1 (disorder)",
)
STATES = ("Massachusetts", "MA", "Nebraska", "NE", "New York", "NY", "Texas", "TX")


@pytest.fixture(scope="session")
def detection_config() -> DetectionConfig:
    return load_detection_config()


@pytest.fixture(scope="session")
def analyzer(detection_config: DetectionConfig) -> AnalyzerEngine:
    """The process-wide analyzer (built once; later calls reuse it)."""
    return get_analyzer(detection_config)


Found = list[tuple[str, str, float]]


@pytest.fixture(scope="session")
def recognize(
    analyzer: AnalyzerEngine, detection_config: DetectionConfig
) -> Callable[[type[EntityRecognizer], str], Found]:
    """Run ONE recognizer of the registry on a text, with Presidio's context enhancer.

    Returns ``(entity, matched text, score)`` for results at or above the score threshold.
    """

    def run(cls: type[EntityRecognizer], text: str) -> Found:
        recognizer = next(r for r in analyzer.registry.recognizers if type(r) is cls)
        artifacts = analyzer.nlp_engine.process_text(text, "en")
        results = recognizer.analyze(text, recognizer.supported_entities, artifacts)
        results = analyzer.context_aware_enhancer.enhance_using_context(
            text, results, artifacts, [recognizer]
        )
        return sorted(
            (r.entity_type, text[r.start : r.end], round(r.score, 6))
            for r in results
            if r.score >= detection_config.score_threshold
        )

    return run


def phone(rng: random.Random) -> str:
    area, exchange, line = rng.choice(AREA_CODES), rng.randint(201, 998), rng.randint(0, 9999)
    if exchange == 555:
        exchange = 556
    style = rng.randrange(3)
    if style == 0:
        return f"({area}) {exchange}-{line:04d}"
    sep = "-" if style == 1 else "."
    return f"{area}{sep}{exchange}{sep}{line:04d}"


def note_with_phi(fake: Faker, rng: random.Random) -> tuple[str, list[str]]:
    """A clinical note mentioning names, relatives, dates, phones and MRNs, and those values.

    Ages are 60-101: only those over 89 are identifiers (and listed).
    """
    last, rel_first, doctor = fake.last_name(), fake.first_name(), fake.last_name()
    relative = rng.choice(("daughter", "son", "wife", "husband"))
    date = fake.date_between(dt.date(2015, 1, 1), dt.date(2024, 12, 31))
    age, number, mrn = rng.randint(60, 101), phone(rng), str(rng.randint(1000000, 9999999))
    kind = rng.randrange(3)
    if kind == 0:
        text = (
            f"{age}-year-old seen by Dr. {doctor} on {date:%m/%d/%Y}. "
            f"His {relative} {rel_first} {last} called from {number} with questions. "
            f"MRN: {mrn}. Plan: follow up in two weeks."
        )
        phi = [doctor, f"{date:%m/%d/%Y}", f"{rel_first} {last}", number, mrn]
    elif kind == 1:
        first = fake.first_name()
        when = f"{date:%B} {date.day}, {date.year}"
        text = (
            f"Patient {first} {last} presented with cough on {when}. "
            f"{relative.capitalize()} {rel_first} is the contact ({number}). "
            f"Record MRN-{mrn}; afebrile, lungs clear."
        )
        phi = [f"{first} {last}", when, rel_first, number, f"MRN-{mrn}"]
    else:
        text = (
            f"Spoke with {relative} {rel_first} about discharge on {date.isoformat()}. "
            f"Mr. {last} is {age} yo and lives alone; call back {number}. "
            f"Chart MRN {mrn}. No acute distress."
        )
        phi = [rel_first, date.isoformat(), last, number, mrn]
    if age > 89 and kind != 1:
        phi.append(str(age))
    return text, phi


def note(fake: Faker, rng: random.Random) -> str:
    """A clinical note (see :func:`note_with_phi`)."""
    return note_with_phi(fake, rng)[0]


def generate_notes_with_phi(n: int, seed: int = 11) -> list[tuple[str, list[str]]]:
    """``n`` generated notes (seeded), each with the identifiers written into it."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    return [note_with_phi(fake, rng) for _ in range(n)]


def generate_notes(n: int, seed: int = 11) -> list[str]:
    """``n`` generated notes (seeded)."""
    return [text for text, _ in generate_notes_with_phi(n, seed)]


@pytest.fixture(scope="session")
def make_notes() -> Callable[[int, int], list[str]]:
    return generate_notes


@pytest.fixture(scope="session")
def make_notes_with_phi() -> Callable[[int, int], list[tuple[str, list[str]]]]:
    return generate_notes_with_phi


@pytest.fixture(scope="session")
def make_phi_table() -> Callable[[int, int], pa.Table]:
    return generate_phi_table


def generate_phi_table(n: int, seed: int = 7) -> pa.Table:
    """Every Safe Harbor category plus clinical columns, ``n`` rows (seeded)."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    births = [fake.date_of_birth(minimum_age=1, maximum_age=104) for _ in range(n)]
    start, end = dt.datetime(2018, 1, 1), dt.datetime(2024, 1, 1)
    visits = [fake.date_time_between(start, end) for _ in range(n)]
    zips = [rng.choice(("03601", "02118", "01013", "10001", "68504", "05901")) for _ in range(n)]
    return pa.table(
        {
            "patient_name": [fake.name() for _ in range(n)],
            "FIRST": [fake.first_name() for _ in range(n)],
            "LAST": [fake.last_name() for _ in range(n)],
            "ssn": [fake.ssn() for _ in range(n)],
            "field_7": [fake.ssn() for _ in range(n)],
            "mrn": [f"MRN-{rng.randint(100000, 9999999)}" for _ in range(n)],
            "member_id": [f"XYZ{rng.randint(10**8, 10**9 - 1)}" for _ in range(n)],
            "address": [fake.street_address() for _ in range(n)],
            "city": [fake.city() for _ in range(n)],
            "zip": zips,
            "zip_int": pa.array([int(z) for z in zips], pa.int64()),
            "phone": [phone(rng) for _ in range(n)],
            "fax": [phone(rng) for _ in range(n)],
            "email": [fake.email() for _ in range(n)],
            "ip_address": [fake.ipv4() for _ in range(n)],
            "website": [fake.url() for _ in range(n)],
            "drivers_license": [f"S{rng.randint(10**7, 10**8 - 1)}" for _ in range(n)],
            "vin": [fake.vin() for _ in range(n)],
            "device_serial": [fake.bothify("SN-####-??##").upper() for _ in range(n)],
            "account_number": [str(rng.randint(10**9, 10**12)) for _ in range(n)],
            "dob": pa.array(births, pa.date32()),
            "birth_date_text": [f"{d:%B} {d.day}, {d.year}" for d in births],
            "admit_date": [v.date().isoformat() for v in visits],
            "discharge_dt": [f"{v.month}/{v.day}/{v.year}" for v in visits],
            "visit_ts": pa.array(visits, pa.timestamp("s")),
            "value_x": [v.strftime("%Y-%m-%dT%H:%M:%S") for v in visits],
            "c3": [str(fake.uuid4()) for _ in range(n)],
            "age": pa.array([rng.randint(18, 104) for _ in range(n)], pa.int64()),
            "lat": [float(fake.latitude()) for _ in range(n)],
            "lon": [float(fake.longitude()) for _ in range(n)],
            "notes": [note(fake, rng) for _ in range(n)],
            "field_12": [note(fake, rng) for _ in range(n)],
            # Clinical and allowed columns: never identifiers.
            "code": pa.array(
                [rng.choice((44054006, 195662009, 10509002, 410620009)) for _ in range(n)],
                pa.int64(),
            ),  # fmt: skip
            "code_str": [
                rng.choice(("44054006", "195662009", "8302-2", "72514-3")) for _ in range(n)
            ],  # fmt: skip
            "description": [rng.choice(CLINICAL_DESCRIPTIONS) for _ in range(n)],
            "sex": [rng.choice(("M", "F")) for _ in range(n)],
            "gender": [rng.choice(("male", "female", "other")) for _ in range(n)],
            "race": [rng.choice(("white", "black", "asian", "native")) for _ in range(n)],
            "marital": [rng.choice(("M", "S", "D", "W")) for _ in range(n)],
            "state": [rng.choice(STATES) for _ in range(n)],
            "systolic_bp": pa.array([rng.randint(90, 180) for _ in range(n)], pa.int64()),
            "weight_kg": [round(rng.uniform(3, 140), 1) for _ in range(n)],
            "total_cost": [round(rng.uniform(10, 90000), 2) for _ in range(n)],
            "income": pa.array([rng.randint(10000, 99999) for _ in range(n)], pa.int64()),
            "birth_year": pa.array([d.year for d in births], pa.int64()),
            "is_deceased": [rng.random() < 0.1 for _ in range(n)],
        }
    )
