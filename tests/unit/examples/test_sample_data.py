import datetime as dt
import re

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from examples.sample_data import (
    CLINICAL_COLUMNS,
    DEFAULT_BATCH_SIZE,
    PLANTED_COLUMNS,
    REFERENCE_DATE,
    SCHEMA,
    generate_patient_batches,
    generate_patients,
    write_sample,
)
from privacy import entities
from privacy.errors import OutputError
from privacy.phi_patterns import FULL_DATE, US_PHONE
from privacy.plan import RESTRICTED_ZIP3

N_ROWS = 2000


@pytest.fixture(scope="module")
def patients() -> pd.DataFrame:
    return generate_patients(N_ROWS, seed=11)


def test_shape_and_types(patients):
    assert patients.shape == (N_ROWS, len(SCHEMA))
    assert list(patients.columns) == SCHEMA.names
    numeric = {"age": "int64", "snomed_code": "int64", "systolic_bp": "int64"}
    expected = {f.name: numeric.get(f.name, "str") for f in SCHEMA}
    expected["total_charges"] = "float64"
    assert {c: str(t) for c, t in patients.dtypes.items()} == expected
    assert patients.notna().all().all()


def test_seed_reproducible_and_seed_sensitive():
    a, b, c = generate_patients(300, seed=5), generate_patients(300, seed=5), generate_patients(300)
    pd.testing.assert_frame_equal(a, b)
    assert not a.drop(columns="patient_id").equals(c.drop(columns="patient_id"))


def test_batches_add_up_to_the_frame():
    batches = list(generate_patient_batches(250, seed=2, batch_size=100))
    assert [b.num_rows for b in batches] == [100, 100, 50]
    assert all(b.schema.equals(SCHEMA) for b in batches)
    ids = pa.Table.from_batches(batches).column("patient_id").to_pylist()
    assert ids == [f"P{i:06d}" for i in range(1, 251)]
    default = pa.Table.from_batches(list(generate_patient_batches(250, 2, DEFAULT_BATCH_SIZE)))
    pd.testing.assert_frame_equal(generate_patients(250, seed=2), default.to_pandas())
    assert list(generate_patient_batches(0)) == []


@pytest.mark.parametrize(("n_rows", "batch_size"), [(-1, 10), (10, 0)])
def test_bad_sizes(n_rows, batch_size):
    with pytest.raises(ValueError, match="must be"):
        list(generate_patient_batches(n_rows, batch_size=batch_size))


def test_every_safe_harbor_category_is_planted():
    assert set(PLANTED_COLUMNS) | set(CLINICAL_COLUMNS) == set(SCHEMA.names)
    assert not set(PLANTED_COLUMNS) & set(CLINICAL_COLUMNS)
    planted = {entities.HIPAA_CATEGORY[e] for e in PLANTED_COLUMNS.values() if e != "FREE_TEXT"}
    # Everything but biometric identifiers (P) and photographs (Q), which a table cannot hold.
    missing = set(entities.HIPAA_CATEGORY.values()) - planted
    assert {m[:3] for m in missing} == {"(P)", "(Q)"}
    assert set(PLANTED_COLUMNS.values()) <= entities.IDENTIFIER_ENTITIES | {entities.FREE_TEXT}


FORMATS = {
    "patient_id": r"P\d{6}",
    "ssn": r"\d{3}-\d{2}-\d{4}",
    "field_7": r"\d{3}-\d{2}-\d{4}",
    "mrn": r"MRN-\d{7}",
    "member_id": r"[A-Z]{3}\d{9}",
    "street_address": r"\d{1,4} [A-Z][A-Za-z ]+",
    "state": r"[A-Z]{2}",
    "zip": r"\d{5}",
    "email": r"[a-z._]+\d{2}@[a-z.]+\.[a-z]+",
    "ip_address": r"(\d{1,3}\.){3}\d{1,3}",
    "homepage": r"https?://[a-z0-9.-]+\.[a-z]+/",
    "drivers_license": r"[A-Z]\d{7}|[A-Z]\d{12}|\d{9}",
    "vin": r"[A-HJ-NPR-Z0-9]{17}",
    "device_serial": r"SN-[A-Z]{2}[A-Z0-9]{8}",
    "account_number": r"\d{12}",
    "birth_date": r"\d{4}-\d{2}-\d{2}",
    "admit_date": r"\d{1,2}/\d{1,2}/\d{4}",
    "discharge_date": r"[A-Z][a-z]+ \d{1,2}, \d{4}",
    "sex": r"[FM]",
    "diagnosis_code": r"[A-Z]\d{2}(\.[0-9A-Z]{1,4})?",
}


@pytest.mark.parametrize(("column", "pattern"), FORMATS.items(), ids=list(FORMATS))
def test_value_formats(patients, column, pattern):
    bad = [v for v in patients[column] if not re.fullmatch(pattern, v)]
    assert bad == []


def test_ssns_look_valid(patients):
    for column in ("ssn", "field_7"):
        ssn = patients[column]
        area = ssn.str.slice(0, 3)
        assert not area.isin(["000", "666"]).any()
        assert not area.str.startswith("9").any()
        assert not ssn.str.slice(4, 6).eq("00").any()
        assert not ssn.str.slice(7).eq("0000").any()
        assert not ssn.eq("078-05-1120").any()
    assert not patients["ssn"].equals(patients["field_7"])


def test_phones_and_dates_are_recognisable(patients):
    assert patients["phone"].map(US_PHONE.search).all()
    assert patients["fax"].map(US_PHONE.search).all()
    for column in ("birth_date", "admit_date", "discharge_date"):
        assert patients[column].map(FULL_DATE.search).all()


def _vin_check(vin: str) -> str:
    values = dict(zip("0123456789", range(10), strict=True))
    for letters, start in (("ABCDEFGH", 1), ("JKLMN", 1), ("STUVWXYZ", 2)):
        values.update({c: start + i for i, c in enumerate(letters)})
    values.update({"P": 7, "R": 9})
    weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    total = sum(values[c] * w for c, w in zip(vin, weights, strict=True)) % 11
    return "X" if total == 10 else str(total)


@pytest.mark.parametrize(
    ("vin", "check"),
    [("1M8GDM9AXKP042788", "X"), ("11111111111111111", "1"), ("1HGCM82633A004352", "3")],
)
def test_vin_check_reference(vin, check):
    assert _vin_check(vin) == check == vin[8]


def test_vins_have_valid_check_digits(patients):
    assert all(_vin_check(v) == v[8] for v in patients["vin"])
    assert patients["vin"].str.slice(8, 9).eq("X").any()


def test_zips_include_restricted_and_leading_zero(patients):
    zip3 = patients["zip"].str.slice(0, 3)
    restricted = zip3.isin(RESTRICTED_ZIP3).mean()
    assert 0.03 < restricted < 0.07
    assert zip3.isin(["036", "692", "893"]).any()
    assert 0.15 < patients["zip"].str.startswith("0").mean() < 0.4


def _age_on(birth: dt.date, when: dt.date) -> int:
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


def test_ages_and_dates_agree(patients):
    over = (patients["age"] > 89).mean()
    assert 0.03 < over < 0.07
    assert patients["age"].min() >= 0
    birth = patients["birth_date"].map(dt.date.fromisoformat)
    assert (birth.map(lambda b: _age_on(b, REFERENCE_DATE)) == patients["age"]).all()
    admit = pd.to_datetime(patients["admit_date"], format="%m/%d/%Y").dt.date
    discharge = pd.to_datetime(patients["discharge_date"], format="%B %d, %Y").dt.date
    assert (admit >= birth).all()
    assert (discharge >= admit).all()
    assert (admit < REFERENCE_DATE).all()


RELATIVE = re.compile(
    r"(?i:daughter|son|wife|husband|mother|father|sister|brother|niece|nephew) [A-Z][a-z]+ [A-Z]"
)


def test_notes_mention_the_rows_identifiers(patients):
    rows = patients.itertuples()
    for row in rows:
        assert f"{row.first_name} {row.last_name}" in row.notes
        assert row.mrn in row.notes
        assert row.phone in row.notes
        assert row.admit_date in row.notes or row.discharge_date in row.notes
        assert RELATIVE.search(row.notes)
    sentences = patients["notes"].str.count(r"(?<!Mr)(?<!Ms)\. ") + 1
    assert set(sentences) == {1, 2, 3}


def test_clinical_columns_are_plausible(patients):
    assert patients["systolic_bp"].between(80, 220).all()
    assert (patients["total_charges"] > 0).all()
    assert patients["snomed_code"].gt(10_000).all()
    assert patients["sex"].isin(["F", "M"]).all()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_sample(tmp_path, suffix):
    path = write_sample(tmp_path / "out" / f"patients{suffix}", n_rows=120, seed=4)
    assert path.exists()
    if suffix == ".csv":
        options = pa_csv.ConvertOptions(column_types=SCHEMA)
        table = pa_csv.read_csv(path, convert_options=options)
    else:
        table = pq.read_table(path)
    expected = pa.Table.from_batches(list(generate_patient_batches(120, seed=4)))
    assert table.equals(expected)


def test_write_sample_refuses_unknown_suffix(tmp_path):
    with pytest.raises(OutputError, match=r"'patients\.xlsx'.*\.csv or \.parquet"):
        write_sample(tmp_path / "patients.xlsx", n_rows=10, seed=0)
