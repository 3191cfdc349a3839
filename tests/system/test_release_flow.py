"""Whole releases through the real Prefect flow, Presidio, Great Expectations and Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from examples.sample_data import CLINICAL_COLUMNS, PLANTED_COLUMNS, generate_patients
from flows.read import read_release
from privacy.plan import RESTRICTED_ZIP3

pytestmark = pytest.mark.usefixtures("prefect_harness")

N_ROWS = 400


@pytest.fixture(scope="module")
def source_table() -> pd.DataFrame:
    return generate_patients(N_ROWS, seed=11)


@pytest.fixture(scope="module")
def source_csv(tmp_path_factory: pytest.TempPathFactory, source_table: pd.DataFrame) -> Path:
    path = tmp_path_factory.mktemp("src") / "patients.csv"
    source_table.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory, source_csv: Path) -> Path:
    from flows.release import release

    root = tmp_path_factory.mktemp("releases")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHAREABLE_PSEUDONYM_KEY", "system-test-key-0123456789")
        return Path(release(str(source_csv), str(root)))


def planted_values(table: pd.DataFrame) -> dict[str, set[str]]:
    """Identifier values planted in the source, per column (notes: the identifiers inside)."""
    values = {}
    for column in PLANTED_COLUMNS:
        if column in {"notes", "age"}:
            continue
        values[column] = {str(v) for v in table[column].dropna()}
    return values


def output_text(df: pd.DataFrame) -> str:
    """All text of a release except pseudonyms (random hex may contain any digit run)."""
    columns = [c for c in df.columns if c != "patient_id"]
    return "\n".join(df[c].astype("string").fillna("").str.cat(sep="\n") for c in columns)


def contains_value(text: str, value: str) -> bool:
    """Whether ``value`` occurs in ``text`` as a whole (not inside a longer word or number)."""
    start = text.find(value)
    while start != -1:
        before = text[start - 1] if start else " "
        end = start + len(value)
        after = text[end] if end < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            return True
        start = text.find(value, start + 1)
    return False


def test_release_layout_and_readback(released: Path, source_table: pd.DataFrame) -> None:
    assert released.name == "v1" and released.parent.name == "patients"
    assert (released / "manifest.json").is_file() and (released / "README.md").is_file()
    parts = sorted(released.glob("part-*.parquet"))
    assert parts, "no Parquet part written"
    df = pd.read_parquet(parts[0]) if len(parts) == 1 else read_release(released)
    assert len(df) == N_ROWS
    assert not [p for p in released.parent.iterdir() if p.name.startswith(".staging")]


def test_no_planted_identifier_survives(released: Path, source_table: pd.DataFrame) -> None:
    df = read_release(released)
    text = output_text(df)
    for column, values in planted_values(source_table).items():
        leaked = {v for v in values if contains_value(text, v)}
        assert not leaked, f"{len(leaked)} planted {column} values survive"
    assert not set(df["patient_id"]) & set(source_table["patient_id"])
    # Identifiers written inside the notes: names of patients, phones, MRNs.
    for column in ("first_name", "last_name", "phone", "mrn"):
        assert not {v for v in source_table[column] if contains_value(text, v)}, column


def test_safe_harbor_transforms(released: Path, source_table: pd.DataFrame) -> None:
    df = read_release(released)
    dropped = {
        "first_name",
        "last_name",
        "ssn",
        "field_7",
        "mrn",
        "member_id",
        "street_address",
        "city",
        "phone",
        "fax",
        "email",
        "ip_address",
        "homepage",
        "drivers_license",
        "vin",
        "device_serial",
        "account_number",
    }
    assert not dropped & set(df.columns)
    # Subject ids become keyed pseudonyms: 32 hex characters, one per source id.
    assert df["patient_id"].str.fullmatch(r"[0-9a-f]{32}").all()
    assert df["patient_id"].nunique() == source_table["patient_id"].nunique()
    # ZIP3 with the restricted prefixes suppressed.
    expected_zip3 = source_table["zip"].astype("string").str[:3]
    expected_zip3 = expected_zip3.where(~expected_zip3.isin(RESTRICTED_ZIP3), "000")
    assert df["zip"].tolist() == expected_zip3.tolist()
    assert (expected_zip3 == "000").any(), "the fixture must plant restricted ZIPs"
    # Dates keep the year only; ages over 89 collapse to 90.
    for column in ("birth_date", "admit_date", "discharge_date"):
        assert pd.api.types.is_integer_dtype(df[column]), column
    years = pd.to_datetime(source_table["admit_date"], format="%m/%d/%Y").dt.year
    assert df["admit_date"].tolist() == years.tolist()
    assert df["age"].max() == 90 and (source_table["age"] > 89).any()
    assert df["age"].tolist() == source_table["age"].clip(upper=90).tolist()
    # Free text keeps its clinical words but not its identifiers.
    assert df["notes"].str.contains("<PERSON>").mean() > 0.9
    assert df["notes"].str.contains("<").all()


def test_clinical_columns_unchanged_in_order_and_type(
    released: Path, source_table: pd.DataFrame, source_csv: Path
) -> None:
    df = read_release(released)
    reread = pd.read_csv(source_csv, dtype={"zip": "string"})
    for column in CLINICAL_COLUMNS:
        assert df[column].tolist() == reread[column].tolist(), column
        assert df[column].dtype.kind == reread[column].dtype.kind or (
            df[column].dtype == "string" and reread[column].dtype == object
        ), column


def test_manifest_holds_the_evidence_and_no_values(
    released: Path, source_table: pd.DataFrame
) -> None:
    manifest_text = (released / "manifest.json").read_text()
    manifest = json.loads(manifest_text)
    assert manifest["version"] == 1 and manifest["dataset"] == "patients"
    assert manifest["rows_in"] == manifest["rows_out"] == N_ROWS
    assert manifest["validation"]["success"] is True
    assert len(manifest["spec_hash"]) == 64 and len(manifest["source"]["sha256"]) == 64
    plan = {c["column"]: c for c in manifest["plan"]["columns"]}
    assert set(plan) == set(source_table.columns)
    assert all(c["reason"] for c in plan.values())
    detection = {c["column"]: c for c in manifest["detection"]["columns"]}
    assert detection["field_7"]["entity"] == "US_SSN"
    assert {"pyarrow", "presidio-analyzer", "great-expectations", "prefect"} <= set(
        manifest["libraries"]
    )
    readme = (released / "README.md").read_text()
    for document in (manifest_text, readme):
        for column, values in planted_values(source_table).items():
            leaked = [v for v in values if len(v) > 4 and contains_value(document, v)]
            assert not leaked, f"{column} values in a release document"


def test_prefect_artifact_has_the_report_without_values(
    released: Path, source_table: pd.DataFrame
) -> None:
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async def latest() -> str:
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["release-patients"]))
            )
            return found[-1].data

    markdown = asyncio.run(latest())
    assert "| `field_7` | drop | US_SSN |" in markdown
    for values in planted_values(source_table).values():
        assert not [v for v in values if len(v) > 4 and contains_value(markdown, v)]


def test_unchanged_source_is_up_to_date_and_changes_publish(
    released: Path, source_csv: Path, tmp_path: Path
) -> None:
    from flows.release import release

    root = str(released.parent.parent)
    assert Path(release(str(source_csv), root)) == released  # up to date: nothing new
    assert [p.name for p in released.parent.glob("v*")] == ["v1"]
    forced = Path(release(str(source_csv), root, force=True))
    assert forced.name == "v2"
    changed = tmp_path / "patients.csv"
    changed.write_text(source_csv.read_text() + source_csv.read_text().splitlines()[1] + "\n")
    third = Path(release(str(changed), root))
    assert third.name == "v3"
    assert (released.parent / "LATEST").read_text().strip() == "v3"
    assert json.loads((third / "manifest.json").read_text())["rows_in"] == N_ROWS + 1


def test_a_version_deleted_by_hand_is_not_reused(tmp_path: Path) -> None:
    """The catalog remembers v1 after its folder is gone: the next release is v2, recorded."""
    import shutil

    from flows.catalog import find_release
    from flows.release import release

    source = tmp_path / "reissued.csv"
    generate_patients(40, seed=5).to_csv(source, index=False)
    root = tmp_path / "out"
    first = Path(release(str(source), str(root)))
    assert first.name == "v1"
    shutil.rmtree(first.parent)  # a steward cleans up by hand; the catalog keeps its record
    second = Path(release(str(source), str(root)))
    assert second.name == "v2"
    assert find_release("reissued").version == 2
    assert find_release("reissued", 1).path == str(first)
