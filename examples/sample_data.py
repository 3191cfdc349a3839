"""Synthetic patient tables holding every Safe Harbor identifier category, for tests and benchmarks.

:func:`generate_patients` returns a pandas DataFrame, :func:`generate_patient_batches` streams
Arrow record batches (for benchmarks of millions of rows) and :func:`write_sample` writes CSV or
Parquet. Every value is made up: names, streets, cities and web sites come from small pools
drawn with a seeded Faker, and everything else is drawn with numpy and assembled with Arrow
compute kernels, so that a million rows take seconds rather than the minutes that Faker would
need row by row.

:data:`PLANTED_COLUMNS` says which identifier each column holds (the answer key for detection
tests) and :data:`CLINICAL_COLUMNS` lists the columns a Safe Harbor release must leave unchanged.
The same ``(n_rows, seed, batch_size)`` always gives the same table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from faker import Faker

from privacy import entities
from privacy.errors import OutputError
from privacy.plan import RESTRICTED_ZIP3

REFERENCE_DATE = dt.date(2024, 1, 1)
"""Date the ages are computed at; admissions fall in the five years before it."""

DEFAULT_BATCH_SIZE = 100_000
"""Rows per record batch of :func:`generate_patient_batches` (and of :func:`generate_patients`)."""

PLANTED_COLUMNS: dict[str, str] = {
    "patient_id": entities.RECORD_ID,
    "first_name": entities.PERSON,
    "last_name": entities.PERSON,
    "ssn": entities.US_SSN,
    "field_7": entities.US_SSN,
    "mrn": entities.MEDICAL_RECORD_NUMBER,
    "member_id": entities.HEALTH_PLAN_ID,
    "street_address": entities.STREET_ADDRESS,
    "city": entities.LOCATION,
    "zip": entities.ZIP_CODE,
    "phone": entities.PHONE_NUMBER,
    "fax": entities.FAX_NUMBER,
    "email": entities.EMAIL_ADDRESS,
    "ip_address": entities.IP_ADDRESS,
    "homepage": entities.URL,
    "drivers_license": entities.LICENSE_NUMBER,
    "vin": entities.VEHICLE_ID,
    "device_serial": entities.DEVICE_ID,
    "account_number": entities.ACCOUNT_NUMBER,
    "birth_date": entities.BIRTH_DATE,
    "admit_date": entities.DATE_TIME,
    "discharge_date": entities.DATE_TIME,
    "age": entities.AGE,
    "notes": entities.FREE_TEXT,
}
"""Column -> the identifier entity it holds (``FREE_TEXT``: identifiers inside the text)."""

CLINICAL_COLUMNS: tuple[str, ...] = (
    "state",
    "sex",
    "diagnosis_code",
    "snomed_code",
    "systolic_bp",
    "total_charges",
)
"""Columns Safe Harbor lets through unchanged: clinical values, sex, and the state (the one
geographic unit the rule allows)."""

SCHEMA = pa.schema(
    [
        ("patient_id", pa.string()),
        ("first_name", pa.string()),
        ("last_name", pa.string()),
        ("ssn", pa.string()),
        ("field_7", pa.string()),
        ("mrn", pa.string()),
        ("member_id", pa.string()),
        ("street_address", pa.string()),
        ("city", pa.string()),
        ("state", pa.string()),
        ("zip", pa.string()),
        ("phone", pa.string()),
        ("fax", pa.string()),
        ("email", pa.string()),
        ("ip_address", pa.string()),
        ("homepage", pa.string()),
        ("drivers_license", pa.string()),
        ("vin", pa.string()),
        ("device_serial", pa.string()),
        ("account_number", pa.string()),
        ("birth_date", pa.string()),
        ("admit_date", pa.string()),
        ("discharge_date", pa.string()),
        ("age", pa.int64()),
        ("sex", pa.string()),
        ("diagnosis_code", pa.string()),
        ("snomed_code", pa.int64()),
        ("systolic_bp", pa.int64()),
        ("total_charges", pa.float64()),
        ("notes", pa.string()),
    ]
)
"""Arrow schema of the generated table, in column order."""

_ICD10 = (
    "E11.9", "I10", "E78.5", "J45.909", "I25.10", "N18.3", "J44.9", "F32.9", "K21.9", "M54.5",
    "Z00.00", "R07.9", "I48.91", "E03.9", "G47.33", "E66.9", "J18.9", "N39.0", "I50.9", "F41.1",
)  # fmt: skip
_SNOMED = (
    44054006, 38341003, 195967001, 13645005, 53741008, 709044004, 235595009, 35489007,
    410620009, 422504002, 267036007, 49436004, 84114007, 271737000, 22298006, 233604007,
)  # fmt: skip
_COMPLAINTS = (
    "chest pain", "shortness of breath", "poorly controlled diabetes", "COPD exacerbation",
    "community-acquired pneumonia", "atrial fibrillation with RVR", "syncope", "UTI",
    "CHF exacerbation", "hip fracture after a fall", "acute kidney injury", "cellulitis",
)  # fmt: skip
_PLANS = (
    "continue metformin 500 mg BID", "start lisinopril 10 mg daily", "repeat BMP in AM",
    "PT/OT evaluation", "IV ceftriaxone, follow cultures", "diuresis with furosemide",
    "cardiology consult", "wound care, elevate leg", "titrate insulin per sliding scale",
)  # fmt: skip
_RELATIVES_F = ("daughter", "wife", "mother", "sister", "niece")
_RELATIVES_M = ("son", "husband", "father", "brother", "nephew")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q (ISO 3779)
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = np.array([8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2])
_VIN_YEARS = "ABCDEFGHJKLMNPRSTVWXY123456789"  # model-year codes (no I O Q U Z 0)
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_UPPER_DIGITS = _UPPER + "0123456789"
_DIGITS = "0123456789"
_RESTRICTED_SHARE = 0.05
_LEADING_ZERO_SHARE = 0.25
_OVER_89_SHARE = 0.05


@dataclass(frozen=True)
class _Pools:
    """Faker-drawn vocabularies, sampled with numpy for each row."""

    female: pa.Array
    male: pa.Array
    last: pa.Array
    streets: pa.Array
    cities: pa.Array
    states: pa.Array
    urls: pa.Array
    domains: pa.Array


def _pools(seed: int) -> _Pools:
    fake = Faker("en_US")
    fake.seed_instance(seed)

    def pool(draw: Callable[[], str], count: int) -> pa.Array:
        return pa.array(list(dict.fromkeys(draw() for _ in range(count))), pa.string())

    return _Pools(
        female=pool(fake.first_name_female, 800),
        male=pool(fake.first_name_male, 800),
        last=pool(fake.last_name, 1500),
        streets=pool(fake.street_name, 1500),
        cities=pool(fake.city, 1000),
        states=pool(lambda: fake.state_abbr(include_territories=False), 400),
        urls=pool(fake.url, 600),
        domains=pool(fake.free_email_domain, 100),
    )


# --------------------------------------------------------------------------- small helpers


def _pick(rng: np.random.Generator, values: pa.Array, n: int) -> pa.Array:
    return values.take(pa.array(rng.integers(0, len(values), n)))


def _digits(values: np.ndarray, width: int) -> pa.Array:
    """Integers as zero-padded decimal strings of ``width`` characters."""
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width, "0")


def _join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate arrays and literal strings element-wise."""
    return pc.binary_join_element_wise(*parts, "")


def _chars(rng: np.random.Generator, alphabet: str, n: int, width: int) -> np.ndarray:
    """An ``(n, width)`` array of ASCII codes drawn from ``alphabet``."""
    codes = np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)
    return codes[rng.integers(0, len(codes), (n, width))]


def _ascii_strings(codes: np.ndarray) -> pa.Array:
    """Rows of ASCII codes (``uint8``, shape ``(n, width)``) as a string array."""
    n, width = codes.shape
    fixed = np.ascontiguousarray(codes).view(f"S{width}").reshape(n)
    return pc.cast(pa.array(fixed, pa.binary(width)), pa.string())


def _choose(rng: np.random.Generator, *options: pa.Array) -> pa.Array:
    """Per row, the value of one of ``options`` chosen uniformly."""
    which = pa.array(rng.integers(0, len(options), len(options[0])).astype(np.int8))
    return pc.choose(which, *options)


# --------------------------------------------------------------------------- identifiers


def _ssns(rng: np.random.Generator, n: int) -> pa.Array:
    """Valid-looking SSNs: area 001-899 but not 666, group 01-99, serial 0001-9999."""
    area = rng.integers(1, 900, n)
    area[area == 666] = 667
    group = rng.integers(1, 100, n)
    serial = rng.integers(1, 10_000, n)
    serial[(area == 78) & (group == 5) & (serial == 1120)] = 1121  # the famous invalid one
    return _join(_digits(area, 3), "-", _digits(group, 2), "-", _digits(serial, 4))


def _phones(rng: np.random.Generator, n: int) -> pa.Array:
    area = _digits(rng.integers(201, 990, n), 3)
    exchange = _digits(rng.integers(200, 1000, n), 3)
    line = _digits(rng.integers(0, 10_000, n), 4)
    return _choose(
        rng,
        _join("(", area, ") ", exchange, "-", line),
        _join(area, "-", exchange, "-", line),
        _join(area, ".", exchange, ".", line),
        _join("+1-", area, "-", exchange, "-", line),
    )


def _zips(rng: np.random.Generator, n: int) -> pa.Array:
    """5-digit ZIPs: ~5% in restricted ZIP3 areas, ~25% starting with 0, the rest 100-999."""
    restricted = np.array([int(z) for z in RESTRICTED_ZIP3])
    kind = rng.random(n)
    prefix = np.where(
        kind < _RESTRICTED_SHARE,
        restricted[rng.integers(0, len(restricted), n)],
        np.where(
            kind < _RESTRICTED_SHARE + _LEADING_ZERO_SHARE,
            rng.integers(10, 100, n),
            rng.integers(100, 1000, n),
        ),
    )
    # A restricted-looking draw outside the restricted share would skew the share: move it.
    accidental = (kind >= _RESTRICTED_SHARE) & np.isin(prefix, restricted)
    prefix[accidental] += 1
    return _join(_digits(prefix, 3), _digits(rng.integers(1, 100, n), 2))


def _vins(rng: np.random.Generator, n: int) -> pa.Array:
    """17-character VINs with a valid check digit (position 9, 49 CFR 565.15)."""
    codes = _chars(rng, _VIN_ALPHABET, n, 17)
    codes[:, 9] = _chars(rng, _VIN_YEARS, n, 1)[:, 0]
    lookup = np.zeros(128, dtype=np.int64)
    for char, value in _VIN_VALUES.items():
        lookup[ord(char)] = value
    remainder = (lookup[codes] * _VIN_WEIGHTS).sum(axis=1) % 11
    codes[:, 8] = np.where(remainder == 10, ord("X"), ord("0") + remainder)
    return _ascii_strings(codes)


def vin_check_digit(vin: str) -> str:
    """Return the check digit a VIN must have in position 9 (``"0"``-``"9"`` or ``"X"``)."""
    total = sum(_VIN_VALUES[c] * int(w) for c, w in zip(vin.upper(), _VIN_WEIGHTS, strict=True))
    return "X" if total % 11 == 10 else str(total % 11)


def _licenses(rng: np.random.Generator, n: int) -> pa.Array:
    letter = _ascii_strings(_chars(rng, _UPPER, n, 1))
    return _choose(
        rng,
        _join(letter, _ascii_strings(_chars(rng, _DIGITS, n, 7))),  # e.g. California
        _join(letter, _ascii_strings(_chars(rng, _DIGITS, n, 12))),  # e.g. Florida
        _ascii_strings(_chars(rng, _DIGITS, n, 9)),  # e.g. New York
    )


def _ips(rng: np.random.Generator, n: int) -> pa.Array:
    octets = [rng.integers(1, 255, n) for _ in range(4)]
    private = rng.random(n) < 0.3
    octets[0] = np.where(private, 10, octets[0])
    parts = [pc.cast(pa.array(o), pa.string()) for o in octets]
    return _join(parts[0], ".", parts[1], ".", parts[2], ".", parts[3])


# --------------------------------------------------------------------------- dates


def _birth_dates(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Birth dates of people exactly ``age`` years old on :data:`REFERENCE_DATE`."""
    month = np.datetime64(REFERENCE_DATE.strftime("%Y-%m"), "M")
    anniversary = (month - age * 12).astype("datetime64[D]") + (REFERENCE_DATE.day - 1)
    # Born 1 to 364 days before the anniversary: the age-th birthday has passed on the
    # reference date, the next one has not (even across a 29 February).
    return anniversary - rng.integers(1, 365, len(age)).astype("timedelta64[D]")


def _iso(days: np.ndarray) -> pa.Array:
    return pc.strftime(pa.array(days.astype("datetime64[s]")), "%Y-%m-%d")


def _us_numeric(dates: pa.Array) -> pa.Array:
    """``m/d/yyyy`` without zero padding."""
    text = [pc.cast(f(dates), pa.string()) for f in (pc.month, pc.day, pc.year)]
    return _join(text[0], "/", text[1], "/", text[2])


def _written(dates: pa.Array) -> pa.Array:
    """``March 3, 2021``."""
    month = pa.array(_MONTHS).take(pc.subtract(pc.month(dates), 1))
    day, year = (pc.cast(f(dates), pa.string()) for f in (pc.day, pc.year))
    return _join(month, " ", day, ", ", year)


# --------------------------------------------------------------------------- one batch


def _batch(
    rng: np.random.Generator, pools: _Pools, start: int, n: int, id_width: int
) -> pa.RecordBatch:
    reference = np.datetime64(REFERENCE_DATE, "D")
    female = rng.random(n) < 0.52
    sex = pa.array(np.where(female, "F", "M"))
    first = pc.if_else(pa.array(female), _pick(rng, pools.female, n), _pick(rng, pools.male, n))
    last = _pick(rng, pools.last, n)

    old = rng.random(n) < _OVER_89_SHARE
    age = np.where(old, rng.integers(90, 106, n), rng.integers(0, 90, n))
    birth = _birth_dates(rng, age)
    lived = (reference - birth).astype(np.int64)  # >= 1 day
    admit_days = reference - rng.integers(1, np.minimum(5 * 365, lived) + 1).astype(
        "timedelta64[D]"
    )
    discharge_days = admit_days + rng.integers(0, 31, n).astype("timedelta64[D]")
    admit = pa.array(admit_days)
    admit_text = _us_numeric(admit)
    discharge_text = _written(pa.array(discharge_days))

    patient_id = _join("P", _digits(np.arange(start + 1, start + n + 1), id_width))
    mrn = _join("MRN-", _ascii_strings(_chars(rng, _DIGITS, n, 7)))
    phone = _phones(rng, n)
    columns = {
        "patient_id": patient_id,
        "first_name": first,
        "last_name": last,
        "ssn": _ssns(rng, n),
        "field_7": _ssns(rng, n),
        "mrn": mrn,
        "member_id": _join(
            _ascii_strings(_chars(rng, _UPPER, n, 3)), _ascii_strings(_chars(rng, _DIGITS, n, 9))
        ),
        "street_address": _join(
            pc.cast(pa.array(rng.integers(1, 10_000, n)), pa.string()),
            " ",
            _pick(rng, pools.streets, n),
        ),
        "city": _pick(rng, pools.cities, n),
        "state": _pick(rng, pools.states, n),
        "zip": _zips(rng, n),
        "phone": phone,
        "fax": _phones(rng, n),
        "email": pc.utf8_lower(
            _join(
                first,
                _pick(rng, pa.array([".", "_", ""]), n),
                last,
                _digits(rng.integers(0, 100, n), 2),
                "@",
                _pick(rng, pools.domains, n),
            )
        ),
        "ip_address": _ips(rng, n),
        "homepage": _pick(rng, pools.urls, n),
        "drivers_license": _licenses(rng, n),
        "vin": _vins(rng, n),
        "device_serial": _join(
            "SN-",
            _ascii_strings(_chars(rng, _UPPER, n, 2)),
            _ascii_strings(_chars(rng, _UPPER_DIGITS, n, 8)),
        ),
        "account_number": _ascii_strings(_chars(rng, _DIGITS, n, 12)),
        "birth_date": _iso(birth),
        "admit_date": admit_text,
        "discharge_date": discharge_text,
        "age": pa.array(age, pa.int64()),
        "sex": sex,
        "diagnosis_code": _pick(rng, pa.array(_ICD10), n),
        "snomed_code": _pick(rng, pa.array(_SNOMED, pa.int64()), n),
        "systolic_bp": pa.array(np.clip(rng.normal(128, 18, n).round(), 80, 220).astype(np.int64)),
        "total_charges": pa.array(rng.lognormal(8.5, 1.0, n).round(2)),
    }
    columns["notes"] = _notes(
        rng, pools, n, first, last, female, phone, mrn, admit_text, discharge_text
    )
    return pa.RecordBatch.from_arrays([columns[f.name] for f in SCHEMA], schema=SCHEMA)


def _notes(
    rng: np.random.Generator,
    pools: _Pools,
    n: int,
    first: pa.Array,
    last: pa.Array,
    female: np.ndarray,
    phone: pa.Array,
    mrn: pa.Array,
    admit: pa.Array,
    discharge: pa.Array,
) -> pa.Array:
    """1-3 sentences naming the patient, a relative, a date, a phone number and the MRN."""
    relative_female = rng.random(n) < 0.5
    relation = pc.if_else(
        pa.array(relative_female),
        _pick(rng, pa.array(_RELATIVES_F), n),
        _pick(rng, pa.array(_RELATIVES_M), n),
    )
    relative = _join(
        pc.if_else(
            pa.array(relative_female), _pick(rng, pools.female, n), _pick(rng, pools.male, n)
        ),
        " ",
        pc.if_else(pa.array(rng.random(n) < 0.8), last, _pick(rng, pools.last, n)),
    )
    title = pa.array(np.where(female, "Ms.", "Mr."))
    name = _join(first, " ", last)
    complaint = _pick(rng, pa.array(_COMPLAINTS), n)
    plan = _pick(rng, pa.array(_PLANS), n)
    date = pc.if_else(pa.array(rng.random(n) < 0.5), admit, discharge)
    starts = pc.utf8_capitalize(relation)  # the relation opens a sentence
    return _choose(
        rng,
        _join(
            name, " (", mrn, ") seen ", date, " for ", complaint, "; ", relation, " ",
            relative, " updated at ", phone, ".",
        ),
        _join(
            title, " ", name, " admitted on ", date, " with ", complaint, ". ",
            starts, " ", relative, " called from ", phone,
            " re ", mrn, "; ", plan, ".",
        ),
        _join(
            "Pt ", name, " admitted ", date, " for ", complaint, ". ", starts, " ",
            relative, " (", phone, ") at bedside. ", mrn, ": ", plan, ", discussed with ",
            first, ".",
        ),
    )  # fmt: skip


# --------------------------------------------------------------------------- public API


def generate_patient_batches(
    n_rows: int, seed: int = 0, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[pa.RecordBatch]:
    """Stream a synthetic patient table as Arrow record batches of :data:`SCHEMA`.

    Args:
        n_rows: Total rows to generate (0 gives no batch).
        seed: Seed of every random draw; the same ``(n_rows, seed, batch_size)`` always yields
            the same batches.
        batch_size: Rows per batch (the last batch may be shorter).

    Yields:
        Record batches; ``patient_id`` runs ``P000001``, ``P000002`` ... across batches.

    Raises:
        ValueError: ``n_rows`` is negative or ``batch_size`` is not positive.

    """
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    if batch_size <= 0:
        raise ValueError(f"batch_size must be > 0, got {batch_size}")
    pools = _pools(seed)
    rng = np.random.default_rng(seed)
    id_width = max(6, len(str(n_rows)))
    for start in range(0, n_rows, batch_size):
        yield _batch(rng, pools, start, min(batch_size, n_rows - start), id_width)


def generate_patients(n_rows: int, seed: int = 0) -> pd.DataFrame:
    """Return a synthetic patient table holding every Safe Harbor identifier category.

    Args:
        n_rows: Number of rows.
        seed: Seed of every random draw; the same ``(n_rows, seed)`` gives the same table.

    Returns:
        A DataFrame with the columns of :data:`SCHEMA` (pandas' default dtypes: ``str``,
        ``int64``, ``float64``).

    """
    table = pa.Table.from_batches(list(generate_patient_batches(n_rows, seed)), schema=SCHEMA)
    return table.to_pandas()


def write_sample(path: Path, n_rows: int, seed: int = 0) -> Path:
    """Write a synthetic patient table to ``path``, as CSV or Parquet by its suffix.

    Batches are streamed to the file, so memory stays bounded whatever ``n_rows``.

    Args:
        path: Destination ending in ``.csv`` or ``.parquet``; parent folders are created.
        n_rows: Number of rows.
        seed: Seed of every random draw.

    Returns:
        ``path``.

    Raises:
        OutputError: The suffix is neither ``.csv`` nor ``.parquet``.

    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise OutputError(
            f"cannot write a sample to {path.name!r}: the file name must end in .csv or .parquet"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    batches = generate_patient_batches(n_rows, seed)
    if suffix == ".csv":
        with pa_csv.CSVWriter(path, SCHEMA) as writer:
            for batch in batches:
                writer.write_batch(batch)
    else:
        with pq.ParquetWriter(path, SCHEMA) as writer:
            for batch in batches:
                writer.write_batch(batch)
    return path
