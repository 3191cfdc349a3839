"""Safe Harbor releases of the public Synthea samples in ../shared/data (no configuration)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flows.read import read_release

pytestmark = [pytest.mark.shared_data, pytest.mark.usefixtures("prefect_harness")]

SYNTHEA = ("synthea_1k_apr2020", "synthea_small_full_unmc", "synthea_legacy_2017_fusephir")
IDENTIFIERS = {
    "SSN",
    "DRIVERS",
    "PASSPORT",
    "PREFIX",
    "FIRST",
    "LAST",
    "SUFFIX",
    "MAIDEN",
    "ADDRESS",
    "CITY",
    "COUNTY",
    "LAT",
    "LON",
    "BIRTHPLACE",
    "FIPS",
    "NAME",
    "PHONE",
}
CLINICAL = {
    "CODE",
    "DESCRIPTION",
    "GENDER",
    "RACE",
    "ETHNICITY",
    "MARITAL",
    "REASONCODE",
    "REASONDESCRIPTION",
    "HEALTHCARE_EXPENSES",
    "HEALTHCARE_COVERAGE",
    "STATE",
    "ENCOUNTERCLASS",
    "BASE_ENCOUNTER_COST",
    "TOTAL_CLAIM_COST",
    "PAYER_COVERAGE",
}


def release_file(path: Path, root: Path) -> Path:
    from flows.release import release

    return Path(release(str(path), str(root)))


@pytest.mark.parametrize("folder", SYNTHEA)
def test_patients_release_removes_every_identifier(
    folder: str, shared_data: Path, tmp_path: Path
) -> None:
    source_path = shared_data / folder / "patients.csv"
    source = pd.read_csv(source_path, dtype=str, keep_default_na=False)
    released = read_release(release_file(source_path, tmp_path))
    assert len(released) == len(source)
    assert not IDENTIFIERS & set(released.columns), IDENTIFIERS & set(released.columns)
    id_column = "Id" if "Id" in source.columns else "ID"
    assert id_column not in released.columns  # no key set: record ids are dropped
    for column in ("BIRTHDATE", "DEATHDATE"):
        years = pd.to_numeric(released[column])
        assert years.dropna().between(1800, 2100).all(), column
    if "ZIP" in released.columns:
        assert released["ZIP"].dropna().str.fullmatch(r"\d{3}").all()
    text = "\n".join(
        released[c].astype("string").fillna("").str.cat(sep="\n") for c in released.columns
    )
    for column in ("SSN", "FIRST", "LAST", "ADDRESS"):
        values = [v for v in source[column] if len(v) > 5]
        assert not [v for v in values if v in text], column
    for column in CLINICAL & set(released.columns):
        assert_unchanged(released[column], source[column])


def assert_unchanged(released: pd.Series, source_text: pd.Series) -> None:
    """Released values equal the source's (numbers compared as numbers)."""
    if pd.api.types.is_numeric_dtype(released):
        expected = pd.to_numeric(source_text.replace("", None))
        pd.testing.assert_series_equal(
            released.astype("float64"), expected.astype("float64"), check_names=False
        )
    else:
        assert released.astype("string").fillna("").tolist() == source_text.tolist()


@pytest.mark.parametrize("table", ["encounters", "conditions", "medications"])
def test_clinical_tables_keep_clinical_content(
    table: str, shared_data: Path, tmp_path: Path, pseudonym_key: str
) -> None:
    source_path = shared_data / "synthea_small_full_unmc" / f"{table}.csv"
    source = pd.read_csv(source_path, dtype=str, keep_default_na=False)
    released = read_release(release_file(source_path, tmp_path))
    assert len(released) == len(source)
    # Patient ids become consistent keyed pseudonyms; codes and descriptions stay.
    assert released["PATIENT"].str.fullmatch(r"[0-9a-f]{32}").all()
    assert released["PATIENT"].nunique() == source["PATIENT"].nunique()
    for column in ("CODE", "DESCRIPTION"):
        assert_unchanged(released[column], source[column])
    for column in ("START", "STOP"):
        if column in released.columns:
            assert pd.api.types.is_integer_dtype(released[column]), column
