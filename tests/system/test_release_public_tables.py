"""Zero-config Safe Harbor releases of the CMS, NIST and FakeNameGenerator tables (../shared/data).

No spec, no key: what a new user gets from ``shareable release FILE --output DIR``. Nothing
that Safe Harbor removes may be published raw, and the clinical columns that header
substrings used to remove (``SP_DEPRESSN``, the ``*_IP`` payments, the NDC code) stay.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from flows.read import read_release

pytestmark = [pytest.mark.shared_data, pytest.mark.usefixtures("prefect_harness")]

CMS = "cms_desynpuf_sample1_subset"
BENEFICIARY = [f"DE1_0_{year}_Beneficiary_Summary_File_Sample_1.csv" for year in (2008, 2009, 2010)]
DRUG_EVENTS = "DE1_0_2008_to_2010_Prescription_Drug_Events_Sample_1_small.csv"


def release_file(path: Path, root: Path) -> tuple[pd.DataFrame, dict]:
    from flows.release import release

    folder = Path(release(str(path), str(root)))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return read_release(folder), manifest


def actions(manifest: dict) -> dict[str, str]:
    return {c["column"]: c["action"] for c in manifest["plan"]["columns"]}


@pytest.mark.parametrize("name", BENEFICIARY)
def test_cms_beneficiary_files(name: str, shared_data: Path, tmp_path: Path) -> None:
    released, manifest = release_file(shared_data / CMS / name, tmp_path)
    plan = actions(manifest)
    assert plan["DESYNPUF_ID"] == "drop" and plan["BENE_COUNTY_CD"] == "drop"
    assert plan["BENE_BIRTH_DT"] == "year" and plan["BENE_DEATH_DT"] == "year"
    assert released["BENE_BIRTH_DT"].dropna().between(1800, 2100).all()
    kept = ["SP_DEPRESSN", "MEDREIMB_IP", "BENRES_IP", "PPPYMT_IP", "SP_STATE_CODE"]
    assert all(plan[c] == "keep" for c in kept), {c: plan[c] for c in kept}
    birth = next(c for c in manifest["plan"]["columns"] if c["column"] == "BENE_BIRTH_DT")
    assert "sampled values are 90+" in birth["reason"]  # the cap is explained
    assert manifest["plan"]["reference_date_reason"]


def test_cms_drug_events(shared_data: Path, tmp_path: Path) -> None:
    released, manifest = release_file(shared_data / CMS / DRUG_EVENTS, tmp_path)
    plan = actions(manifest)
    assert plan["PROD_SRVC_ID"] == "keep"  # an NDC drug code, not a record id
    assert plan["SRVC_DT"] == "year" and plan["PDE_ID"] == "drop"
    assert released["SRVC_DT"].dropna().between(2008, 2010).all()


def test_nist_national2019(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "nist_crc_diverse_communities" / "target" / "national2019.csv"
    released, manifest = release_file(path, tmp_path)
    assert "PUMA" not in released.columns or actions(manifest)["PUMA"] != "keep"
    assert released["AGEP"].max() <= 90  # top-coded: "90 or older"
    assert manifest["guarantees"]["safe_harbor"] is True


def test_fake_name_generator(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "presidio_synthetic_pii" / "FakeNameGenerator.com_3000.csv"
    released, manifest = release_file(path, tmp_path)
    plan = actions(manifest)
    for column in ("Company", "Password", "Username", "GivenName", "Surname", "CCNumber"):
        assert plan[column] != "keep", column
    assert {"Company", "Password"}.isdisjoint(released.columns)
    kept = [c for c, a in plan.items() if a == "keep"]
    for item in manifest["plan"]["columns"]:
        if item["column"] in kept:
            assert item["reason"].startswith("no identifier detected ("), item["column"]


def test_synthea_payer_names_stay(shared_data: Path, tmp_path: Path) -> None:
    released, manifest = release_file(shared_data / "synthea_1k_apr2020" / "payers.csv", tmp_path)
    assert actions(manifest)["NAME"] == "keep"
    assert released["NAME"].notna().all()
