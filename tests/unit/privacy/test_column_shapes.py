"""Headers read as words, and value shapes that decide what a column is (hand-made columns)."""

from __future__ import annotations

import random
import string

import pyarrow as pa
import pytest

from privacy.column_scan import header_entity, scan_table
from privacy.headers import compile_hint, header_tokens

N = 400


def rng(seed: int = 3) -> random.Random:
    return random.Random(seed)


def scan_one(name: str, values: list, type_: pa.DataType | None = None):
    return scan_table(pa.table({name: pa.array(values, type_)}), "t.csv").finding(name)


# -- headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("BENE_BIRTH_DT", ("bene", "birth", "dt")),
        ("MothersMaiden", ("mothers", "maiden")),
        ("BIRTHDATE", ("birth", "date")),
        ("ZIPCODE", ("zip", "code")),
        ("SP_DEPRESSN", ("sp", "depressn")),  # an unknown run stays whole: no 'ssn' inside
        ("MEDREIMB_IP", ("medreimb", "ip")),
        ("ADDR2", ("addr", "2")),
        ("STAGE", ("stage",)),
    ],
)
def test_header_tokens(name, tokens):
    assert header_tokens(name) == tokens


@pytest.mark.parametrize(
    ("header", "entity"),
    [
        ("SP_DEPRESSN", None),  # depression flag, not an SSN
        ("MEDREIMB_IP", None),  # inpatient reimbursement, not an IP address
        ("BENRES_IP", None),
        ("PPPYMT_IP", None),
        ("PROD_SRVC_ID", None),  # the NDC drug code: a neutral hint, no record id
        ("ndc_code", None),
        ("AGEP", "AGE"),
        ("PUMA", "LOCATION"),
        ("census_tract", "LOCATION"),
        ("BENE_COUNTY_CD", "LOCATION"),
        ("Company", "EMPLOYER"),
        ("employer_name", "EMPLOYER"),
        ("Password", "SECRET"),
        ("api_key", "SECRET"),
        ("ip", "IP_ADDRESS"),
        ("BENE_BIRTH_DT", "BIRTH_DATE"),
        ("SRVC_DT", "DATE_TIME"),
        ("NationalID", "US_SSN"),
    ],
)
def test_hints_match_whole_words(header, entity):
    assert header_entity(header) == entity


def test_hint_syntax_optional_words_and_anchors():
    hint = compile_hint("^ (web)? domain $")
    assert hint.matches(("domain",)) and hint.matches(("web", "domain"))
    assert not hint.matches(("domain", "id")) and not hint.matches(("my", "domain"))
    assert compile_hint("ip (addr|address)").matches(("client", "ip", "address"))
    assert not compile_hint("ssn").matches(("sp", "depressn"))


# -- values overrule a header that names a shape they never have ------------------------------


def test_header_without_its_shape_is_overruled():
    flags = [rng().choice([1, 2]) for _ in range(N)]  # chronic-condition flags, 1 = yes
    finding = scan_one("SSN_FLAG", flags, pa.int64())
    assert finding.header_entity == "US_SSN"
    assert finding.entity is None
    assert "overruled" in finding.evidence


def test_bare_name_header_over_non_person_values_is_overruled():
    plans = ["Medicare", "Medicaid", "Dual Eligible", "No Insurance", "Blue Plan Co"] * 4
    assert scan_one("NAME", plans).entity is None


def test_header_with_its_shape_stays():
    r = rng()
    ssns = [f"{r.randint(100, 665)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}" for _ in range(N)]
    assert scan_one("ssn", ssns).entity == "US_SSN"


# -- numbers ---------------------------------------------------------------------------------


def test_ages_are_ages_whatever_the_header():
    r = rng()
    ages = [min(95, int(r.expovariate(1 / 35))) for _ in range(N)]
    finding = scan_one("c1", ages, pa.int64())
    assert finding.entity == "AGE"


@pytest.mark.parametrize(
    "values",
    [
        [40] * 200 + [rng(i).randint(1, 99) for i in range(200)],  # hours per week: one spike
        [rng(i).randint(0, 12) for i in range(N)],  # months of coverage
        [rng(i).choice([1, 2]) for i in range(N)],  # flags
        [rng(i).randint(40, 180) for i in range(N)],  # heart rate: no child ages
    ],
    ids=["hours", "months", "flags", "heart_rate"],
)
def test_numbers_that_are_not_ages(values):
    assert scan_one("c1", values, pa.int64()).entity is None


def test_yyyymmdd_integers_are_dates():
    r = rng()
    dates = [
        r.randint(1920, 2010) * 10000 + r.randint(1, 12) * 100 + r.randint(1, 28) for _ in range(N)
    ]
    assert scan_one("c1", dates, pa.int64()).entity == "DATE_TIME"
    birth = scan_one("BENE_BIRTH_DT", dates, pa.int64())
    assert birth.entity == "BIRTH_DATE"
    assert birth.birth_cap["years_sampled"] == N
    assert birth.birth_cap["in_90_plus_at_release"] > 0


def test_birth_cap_counts_at_the_tables_latest_date():
    r = rng()
    births = [f"{r.randint(1900, 1960)}-0{r.randint(1, 9)}-1{r.randint(0, 9)}" for _ in range(N)]
    events = [f"2008-0{r.randint(1, 9)}-0{r.randint(1, 9)}" for _ in range(N)]
    table = pa.table({"birth_date": births, "visit_date": events})
    cap = scan_table(table, "t").finding("birth_date").birth_cap
    assert cap["data_end_year"] == 2008
    expected = sum(1 for b in births if int(b[:4]) <= 2008 - 90)
    assert cap["in_90_plus_at_data_end"] == expected
    assert cap["in_90_plus_at_release"] >= expected


def test_coordinates_by_value():
    r = rng()
    lat = [round(42.3 + r.uniform(-0.6, 0.6), 6) for _ in range(N)]
    lon = [round(-71.1 + r.uniform(-0.6, 0.6), 6) for _ in range(N)]
    assert scan_one("c1", lat).entity == "GEO_COORDINATE"
    assert scan_one("c2", lon).entity == "GEO_COORDINATE"


@pytest.mark.parametrize(
    "values",
    [
        [round(rng(i).uniform(0, 1), 9) for i in range(N)],  # a quality-of-life score
        [round(rng(i).uniform(10, 5000), 2) for i in range(N)],  # costs
    ],
    ids=["score", "costs"],
)
def test_fractions_that_are_not_coordinates(values):
    assert scan_one("c1", values).entity is None


def test_county_fips_codes_by_value():
    r = rng()
    fips = [31000 + 2 * r.randint(0, 90) + 1 for _ in range(N)]  # Nebraska, odd county parts
    assert scan_one("c1", fips, pa.int64()).entity == "LOCATION"


def test_row_numbers_and_long_unique_numbers_are_record_ids():
    assert scan_one("c1", list(range(1, N + 1)), pa.int64()).entity == "RECORD_ID"
    r = rng()
    long_ids = r.sample(range(10**14, 10**15), N)
    assert scan_one("c2", long_ids, pa.int64()).entity == "RECORD_ID"


def test_evenly_spread_codes_fail_safe():
    r = rng()
    finding = scan_one("c1", [r.randint(100, 999) for _ in range(N)], pa.int64())
    assert finding.entity is None and finding.looks_like == "RECORD_ID"


# -- strings ---------------------------------------------------------------------------------


def test_puma_and_tract_codes():
    r = rng()
    pumas = [f"{r.choice(['01', '25', '31'])}-{r.randint(100, 4000):05d}" for _ in range(N)]
    tracts = [f"25{r.randint(1, 27) * 2 - 1:03d}{r.randint(0, 999999):06d}" for _ in range(N)]
    assert scan_one("c1", pumas).entity == "LOCATION"
    assert scan_one("c2", tracts).entity == "LOCATION"


def test_zip_codes_with_leading_zeros_by_value():
    r = rng()
    zips = [f"0{r.randint(1000, 2799)}" for _ in range(60)] * 5
    assert scan_one("c1", zips).entity == "ZIP_CODE"


def test_licence_and_passport_shapes():
    r = rng()
    licences = [f"S{r.randint(10**7, 10**8 - 1)}" for _ in range(N)]
    passports = [f"X{r.randint(10**7, 10**8 - 1)}X" for _ in range(N)]
    assert scan_one("c1", licences).entity == "LICENSE_NUMBER"
    assert scan_one("c2", passports).entity == "LICENSE_NUMBER"


def password(r: random.Random) -> str:
    chars = string.ascii_letters + string.digits
    while True:
        word = "".join(r.choice(chars) for _ in range(r.randint(8, 12)))
        if any(c.isdigit() for c in word) and any(c.isupper() for c in word):
            return word


def test_secrets_fail_safe_by_value_and_by_header():
    r = rng()
    secrets = [password(r) for _ in range(N)]
    finding = scan_one("c1", secrets)
    assert finding.entity is None and finding.looks_like == "SECRET"
    assert scan_one("Password", secrets).entity == "SECRET"


def test_capitalised_names_fail_safe():
    r = rng()
    first = ["North", "Blue", "Simple", "Formula", "Quick", "Bright", "Silver", "Grand", "Open"]
    second = ["Solutions", "Gray", "Systems", "Partners", "Works", "Labs", "Foods", "Motors"]
    companies = [
        f"{r.choice(first)} {r.choice(second)} {r.randint(0, 9) and ''}".strip() for _ in range(N)
    ]
    finding = scan_one("c1", companies)
    assert finding.entity is None and finding.looks_like == "PERSON"
    assert scan_one("Company", companies).entity == "EMPLOYER"


def test_initials_fail_safe():
    letters = [string.ascii_uppercase[i % 26] for i in range(N)]
    assert scan_one("c1", letters).looks_like == "PERSON"
    assert scan_one("c2", ["M", "F"] * (N // 2)).looks_like is None


def test_drug_codes_under_a_neutral_header_are_kept():
    r = rng()
    ndcs = [
        f"{r.randint(0, 99999):05d}{r.randint(0, 9999):04d}{r.randint(0, 99):02d}"
        for _ in range(60)
    ]
    finding = scan_one("PROD_SRVC_ID", ndcs * 6)
    assert finding.entity is None and finding.looks_like is None


def test_clinical_strings_are_not_flagged():
    descriptions = ["Viral sinusitis (disorder)", "Acute bronchitis (disorder)", "Hypertension"]
    assert scan_one("c1", descriptions * 100).looks_like is None
    assert scan_one("c2", ["Y", "0"] * 100).looks_like is None


def test_evidence_holds_no_values():
    r = rng()
    secrets = [password(r) for _ in range(N)]
    finding = scan_one("c1", secrets)
    dumped = finding.model_dump_json()
    assert not any(s in dumped for s in secrets)


def test_regional_zip_integers_fail_safe_and_incomes_do_not():
    r = rng()
    zips = [r.randint(68000, 69399) for _ in range(N)]  # one region: first digit shared
    finding = scan_one("c1", zips, pa.int64())
    assert finding.looks_like == "ZIP_CODE"
    zip9 = [z * 10_000 + r.randint(0, 9999) for z in zips]  # ZIP+4 stored as a number
    assert scan_one("c3", zip9, pa.int64()).looks_like == "ZIP_CODE"
    incomes = [min(99_999, max(10_000, int(r.lognormvariate(10.8, 0.5)))) for _ in range(N)]
    assert scan_one("c2", incomes, pa.int64()).looks_like is None


def test_dotted_uids_are_record_ids_and_repeated_class_uids_are_not():
    r = rng()
    uids = [f"1.2.3.4444.{r.randint(1, 9)}.{r.randint(10**7, 10**8)}" for _ in range(N)]
    assert scan_one("c1", uids).entity == "RECORD_ID"
    classes = ["1.2.3.4.5.6.7", "1.2.3.4.5.6.8"] * (N // 2)
    assert scan_one("c2", classes).entity is None
