import json
import logging

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from privacy.analyzer import describe_detector, get_analyzer
from privacy.column_scan import header_entity, normalise_header, scan_table
from privacy.errors import InternalError
from privacy.spans import TextSpan
from privacy.text_detection import detect_spans

ROWS = 300

# Column of generate_phi_table -> the entity scan_table must report (None: not an identifier).
EXPECTED = {
    "patient_name": "PERSON",
    "FIRST": "PERSON",
    "LAST": "PERSON",
    "ssn": "US_SSN",
    "field_7": "US_SSN",  # opaque header: found from the values alone
    "mrn": "MEDICAL_RECORD_NUMBER",
    "member_id": "HEALTH_PLAN_ID",
    "address": "STREET_ADDRESS",
    "city": "LOCATION",
    "zip": "ZIP_CODE",  # strings with leading zeros, restricted 036 included
    "zip_int": "ZIP_CODE",
    "phone": "PHONE_NUMBER",
    "fax": "FAX_NUMBER",
    "email": "EMAIL_ADDRESS",
    "ip_address": "IP_ADDRESS",
    "website": "URL",
    "drivers_license": "LICENSE_NUMBER",
    "vin": "VEHICLE_ID",
    "device_serial": "DEVICE_ID",
    "account_number": "ACCOUNT_NUMBER",
    "dob": "BIRTH_DATE",  # Arrow date32, birth by header
    "birth_date_text": "BIRTH_DATE",  # "March 3, 1950" strings, birth by header
    "admit_date": "DATE_TIME",
    "discharge_dt": "DATE_TIME",
    "visit_ts": "DATE_TIME",  # Arrow timestamp, no hint needed
    "value_x": "DATE_TIME",  # ISO timestamps under an opaque header
    "c3": "RECORD_ID",  # UUIDs under an opaque header
    "age": "AGE",  # integers, by header
    "lat": "GEO_COORDINATE",
    "lon": "GEO_COORDINATE",
    "notes": "FREE_TEXT",
    "field_12": "FREE_TEXT",  # long varied text under an opaque header
    # Clinical and allowed columns stay unchanged.
    "code": None,
    "code_str": None,
    "description": None,
    "sex": None,
    "gender": None,
    "race": None,
    "marital": None,
    "state": None,
    "systolic_bp": None,
    "weight_kg": None,
    "total_cost": None,
    "income": None,
    "birth_year": None,
    "is_deceased": None,
}


@pytest.fixture(scope="module")
def table(make_phi_table) -> pa.Table:
    return make_phi_table(ROWS)


@pytest.fixture(scope="module")
def report(table, analyzer):
    return scan_table(table, "generated.csv")


def test_expectations_cover_every_column(table):
    assert set(EXPECTED) == set(table.column_names)


@pytest.mark.parametrize(("column", "entity"), EXPECTED.items())
def test_column_entity(report, column, entity):
    finding = report.finding(column)
    assert finding.entity == entity
    if entity is not None:
        assert finding.confidence >= 0.4  # the Safe Harbor policy acts from 0.4


def test_report_shape(report, table):
    assert report.source == "generated.csv"
    assert report.rows_sampled == ROWS
    assert [f.column for f in report.columns] == table.column_names
    assert report.finding("dob").dtype == "date32[day]"
    assert report.detector == describe_detector()


def test_values_alone_find_an_ssn(report):
    finding = report.finding("field_7")
    assert finding.header_entity is None
    assert finding.values_matched == finding.values_sampled > 0
    assert finding.entity_counts == {"US_SSN": finding.values_sampled}


def test_header_and_values_agree_on_zip_codes(report):
    for column in ("zip", "zip_int"):
        finding = report.finding(column)
        assert finding.header_entity == "ZIP_CODE"
        assert finding.values_matched == finding.values_sampled


def test_phone_and_fax_are_told_apart_by_header(report):
    assert report.finding("fax").entity_counts == {"PHONE_NUMBER": 200}
    assert report.finding("fax").entity == "FAX_NUMBER"


def test_free_text_counts_spans(report):
    for column in ("notes", "field_12"):
        finding = report.finding(column)
        assert {"PERSON", "DATE_TIME", "PHONE_NUMBER", "MEDICAL_RECORD_NUMBER"} <= set(
            finding.span_counts
        )
        assert finding.values_matched == finding.values_sampled


def test_clinical_columns_find_nothing(report):
    for column, entity in EXPECTED.items():
        if entity is None:
            assert report.finding(column).values_matched == 0, column


def test_report_holds_no_values(report, table):
    dumped = json.dumps(report.model_dump(mode="json"))
    for column in ("ssn", "patient_name", "email", "mrn", "phone", "address"):
        for value in table.column(column).to_pylist()[:20]:
            assert value not in dumped


def test_logs_hold_no_values(table, caplog):
    with caplog.at_level(logging.DEBUG):
        scan_table(table.select(["ssn", "notes"]).slice(0, 30), "t")
        detect_spans(table.column("notes").to_pylist()[:5])
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for value in table.column("ssn").to_pylist()[:30]:
        assert value not in logged
    assert logging.getLogger("presidio-analyzer").getEffectiveLevel() >= logging.WARNING


def test_scan_is_deterministic(table):
    subset = table.select(["field_7", "c3", "city", "notes", "state"])
    assert scan_table(subset, "t") == scan_table(subset, "t")


def test_sample_size_is_respected(table, detection_config):
    small = detection_config.model_copy(update={"sample_rows": 40})
    found = scan_table(table.select(["field_7", "age", "notes"]), "t", small)
    assert all(f.values_sampled <= 40 for f in found.columns)
    assert found.finding("field_7").entity == "US_SSN"


def test_low_cardinality_descriptions_are_not_free_text():
    long_descriptions = [
        "Body mass index 30+ - obesity (finding)",
        "Chronic kidney disease stage 1 (disorder)",
        "Streptococcal sore throat (disorder) with fever and chills",
    ]
    values = [long_descriptions[i % 3] for i in range(300)]
    found = scan_table(pa.table({"REASONDESCRIPTION": values}), "t")
    assert found.finding("REASONDESCRIPTION").entity is None


@pytest.mark.parametrize(
    ("values", "type_", "entity"),
    [
        ([6172531000 + 7919 * i for i in range(50)], pa.int64(), "PHONE_NUMBER"),  # NANP ints
        ([71204 + 13 * i for i in range(50)], pa.int64(), None),  # incomes
        ([410620009, 195662009, 10509002, 44054006] * 12, pa.int64(), None),  # SNOMED codes
        ([0.5 * i for i in range(50)], pa.float64(), None),
    ],
)
def test_numbers_are_identifiers_only_by_header_or_phone_shape(values, type_, entity):
    found = scan_table(pa.table({"n_1": pa.array(values, type_)}), "t")
    assert found.finding("n_1").entity == entity


@pytest.mark.parametrize(
    ("column", "array", "entity"),
    [
        ("ssn", pa.nulls(5), "US_SSN"),  # empty, but named: act on the name
        ("comments", pa.array([None] * 5, pa.string()), None),
        ("note_text", pa.array(["", "  ", None]), None),
        ("admit_time", pa.array([3600, 7200], pa.time32("s")), "DATE_TIME"),
        ("elapsed", pa.array([3600, 7200], pa.time32("s")), None),
        ("photo", pa.array([b"\x89PNG"], pa.binary()), "PHOTO"),
        ("state", pa.array(["Massachusetts", "MA"] * 10).dictionary_encode(), None),
        ("LAST", pa.array(["Smith", "Garcia", "Nguyen"] * 5).dictionary_encode(), "PERSON"),
    ],
)
def test_types_and_empty_columns(column, array, entity):
    found = scan_table(pa.table({column: array}), "t")
    assert found.finding(column).entity == entity


@pytest.mark.parametrize(
    ("header", "entity"),
    [
        ("SSN", "US_SSN"),
        ("BirthDate", "BIRTH_DATE"),
        ("DOB", "BIRTH_DATE"),
        ("DEATHDATE", "DATE_TIME"),
        ("BIRTHPLACE", "LOCATION"),
        ("COUNTY", "LOCATION"),
        ("county_fips", "LOCATION"),
        ("CITY", "LOCATION"),
        ("ZIP", "ZIP_CODE"),
        ("postal_code", "ZIP_CODE"),
        ("PHONE", "PHONE_NUMBER"),
        ("fax_number", "FAX_NUMBER"),
        ("EMAIL_ADDRESS", "EMAIL_ADDRESS"),
        ("ip_addr", "IP_ADDRESS"),
        ("website", "URL"),
        ("ADDRESS", "STREET_ADDRESS"),
        ("LAT", "GEO_COORDINATE"),
        ("AGE", "AGE"),
        ("FIRST", "PERSON"),
        ("MAIDEN", "PERSON"),
        ("PREFIX", "PERSON"),  # name parts (Mr., PhD)
        ("NAME", "PERSON"),
        ("patient_name", "PERSON"),
        ("DRIVERS", "LICENSE_NUMBER"),
        ("PASSPORT", "LICENSE_NUMBER"),
        ("license_plate", "VEHICLE_ID"),
        ("UDI", "DEVICE_ID"),
        ("MRN", "MEDICAL_RECORD_NUMBER"),
        ("member_id", "HEALTH_PLAN_ID"),
        ("acct_no", "ACCOUNT_NUMBER"),
        ("Id", "RECORD_ID"),
        ("PATIENT", "RECORD_ID"),
        ("patientId", "RECORD_ID"),
        ("SERIES_UID", "RECORD_ID"),
        ("nursing_note", "FREE_TEXT"),
        ("WebDomain", "URL"),
        ("host_name", "URL"),
        ("CardNumber", "ACCOUNT_NUMBER"),
        ("cc_num", "ACCOUNT_NUMBER"),
        ("CVV2", "ACCOUNT_NUMBER"),
        ("Honorific", "PERSON"),
        ("Title", "PERSON"),
        ("mother_maiden", "PERSON"),
        ("MiddleInitial", "PERSON"),
        ("UserName", "RECORD_ID"),
        ("login", "RECORD_ID"),
        ("mobile_phone", "PHONE_NUMBER"),
        # Negatives: anchors keep these apart
        ("phone_country_code", None),  # 1, 44: no identifier on its own
        ("TelCountryCode", None),
        ("domain_id", "RECORD_ID"),  # an OMOP vocabulary domain: no web domain (an id, though)
        ("job_title", None),
        ("ETHNICITY", None),
        ("HEALTHCARE_COVERAGE", None),
        ("STAGE", None),
        ("PLATELET_COUNT", None),
        ("RECIPIENT", None),
        ("MEMBER_MONTHS", None),
        ("drug_name", None),
        ("DESCRIPTION", None),
        ("CODE", None),
        ("STATE", None),
        ("START_YEAR", None),
        ("birth_year", None),
        ("GENDER", None),
    ],
)
def test_header_hints(header, entity):
    assert header_entity(header) == entity


@pytest.mark.parametrize(
    ("name", "normalised"),
    [("BirthDate", "birth_date"), ("Patient ID", "patient_id"), ("DOB", "dob"), ("SSN#", "ssn")],
)
def test_normalise_header(name, normalised):
    assert normalise_header(name) == normalised


# -- free text -----------------------------------------------------------------------------

SPAN_CASES = [
    (
        "93-year-old seen by Dr. Smith on 3/4/2021.",
        [("AGE", "93"), ("PERSON", "Smith"), ("DATE_TIME", "3/4/2021")],
    ),
    ("Fax: (617) 555-0199", [("FAX_NUMBER", "(617) 555-0199")]),  # fax wins over phone
    ("mail john.smith@example.com", [("EMAIL_ADDRESS", "john.smith@example.com")]),
    (
        "Lives at 427 Balistreri Way Unit 19, Chicopee, MA 01013.",
        [
            ("STREET_ADDRESS", "427 Balistreri Way Unit 19"),
            ("LOCATION", "Chicopee"),
            ("ZIP_CODE", "01013"),
        ],
    ),  # fmt: skip
    (
        "SSN 123-45-6788, MRN-445566",
        [("US_SSN", "123-45-6788"), ("MEDICAL_RECORD_NUMBER", "MRN-445566")],
    ),  # fmt: skip
    ("Well child visit (procedure)", []),
    ("Acute bronchitis (disorder); BP 120/80, HR 72, 1/2 tablet daily.", []),
]


@pytest.mark.parametrize(("text", "expected"), SPAN_CASES)
def test_detect_spans(text, expected):
    (spans,) = detect_spans([text])
    assert [(s.entity, text[s.start : s.end]) for s in spans] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A name or place found once by a cue is found wherever the note repeats it.
        (
            "DR QUILLFEATHER IN. PLAN PER QUILLFEATHER: DIURESE.",
            [("QUILLFEATHER", "PERSON"), ("QUILLFEATHER", "PERSON")],
        ),
        (
            "transfer to thistlewood 4 this pm. thistlewood bed is ready.",
            [("thistlewood", "LOCATION"), ("thistlewood", "LOCATION")],
        ),
        # Common words and shorthand are not repeated ("pain" after "Dr Pain" elsewhere).
        ("son bill called. pt asked about the bill.", [("bill", "PERSON")]),
    ],
)
def test_repeated_mentions(text, expected):
    (spans,) = detect_spans([text])
    assert [(text[s.start : s.end], s.entity) for s in spans] == expected


QUICK_CHECK_TEXTS = [
    "SSN 123-45-6788; ITIN 912-70-1234; NPI 1234567893 and 1234 567 893",
    "host 192.168.10.12 or fe80::1ff:fe23:4567:890a, mac 00:1A:2B:3C:4D:5E, 0011.2233.4455",
    "card 4111 1111 1111 1111, cc no 4012888888881881, acct# 00123456789, ACCT-12345678",
    "IBAN: GB82WEST12345698765432; MBI 1EG4-TE5-MK73; member id XJH123456789",
    "pacemaker serial PJN123456; SN: AB12345; (01)00884521002345; +H123PROD1/A",
    "fax: (617) 555-0199; DL no D1234567; passport 123456789; DEA AB1234563",
    "MRN: 00123456, MR# 445566, chart no 99887; id 123e4567-e89b-12d3-a456-426614174000",
    "VIN 1HGCM82633A004352, plate 7ABC123; see https://example.org/x, www.mass.gov, cooper.com",
    "Boston, MA 02115; zip code 02115-1234; postal code 90210",
    "supplies due (ref # 8336652); claim no. A7731-22",
    "Pt seen in cardiac clinic; device check; lic. renewed; record reviewed; no plate.",
]


def test_quick_checks_change_nothing(detection_config):
    """The pre-filters of the lazy path skip work, never a span."""
    from dataclasses import replace

    from privacy import text_detection as detection

    analyzer = get_analyzer(detection_config)
    texts = QUICK_CHECK_TEXTS
    gated = detection._analyze_lazily(analyzer, texts, detection_config, "text")
    key = (id(analyzer), detection_config.score_threshold)
    plan = detection._PLANS[key]
    assert any(step.quick_check is not None for step in plan)
    try:
        detection._PLANS[key] = [replace(step, quick_check=None) for step in plan]
        ungated = detection._analyze_lazily(analyzer, texts, detection_config, "text")
    finally:
        detection._PLANS[key] = plan
    assert gated == ungated
    assert all(spans for spans in gated[:-1])  # every line holds identifiers
    # ... and every recognizer with a check finds something in them: each check is exercised.
    entities = analyzer.get_supported_entities(language="en")
    for step in plan:
        if step.quick_check is not None:
            found = [
                r
                for text in texts
                for r in step.recognizer.analyze(text=text, entities=entities, nlp_artifacts=None)
                if r.score >= detection_config.score_threshold
            ]
            assert found, step.recognizer.name


def test_worker_processes_give_the_same_spans(make_notes, detection_config):
    texts = make_notes(150, 3)
    one = detect_spans(texts, detection_config.model_copy(update={"workers": 1}))
    two = detect_spans(
        texts, detection_config.model_copy(update={"workers": 2, "parallel_min_texts": 10})
    )
    assert one == two


def test_detect_spans_keeps_positions_and_skips_empty_texts():
    texts = [None, "", "   ", "Call 617-253-1000", None]
    out = detect_spans(texts)
    assert len(out) == len(texts)
    assert out[0] == out[1] == out[2] == out[4] == []
    assert [s.entity for s in out[3]] == ["PHONE_NUMBER"]
    assert all(isinstance(s, TextSpan) for s in out[3])


def test_spans_are_sorted_and_disjoint(make_notes_with_phi):
    for spans in detect_spans([text for text, _ in make_notes_with_phi(40, 5)]):
        for a, b in zip(spans, spans[1:], strict=False):
            assert a.end <= b.start


def test_every_written_identifier_is_covered(make_notes_with_phi):
    notes = make_notes_with_phi(200, 21)
    found = detect_spans([text for text, _ in notes])
    missed = 0
    total = 0
    for (text, phi), spans in zip(notes, found, strict=True):
        covered = {i for s in spans for i in range(s.start, s.end)}
        for value in phi:
            start = text.index(value)
            total += 1
            missed += not set(range(start, start + len(value))) <= covered
    assert missed <= total * 0.01


def test_batches_equal_single_texts(make_notes):
    texts = make_notes(10, 8)
    assert detect_spans(texts) == [detect_spans([t])[0] for t in texts]


def test_non_text_is_an_internal_error_without_the_value():
    with pytest.raises(InternalError, match=r"item 1 is int") as caught:
        detect_spans(["fine", 123456789])  # type: ignore[list-item]
    assert "123456789" not in str(caught.value)


# -- the analyzer ---------------------------------------------------------------------------


def test_analyzer_is_built_once(analyzer, detection_config):
    assert get_analyzer(detection_config) is analyzer
    assert get_analyzer() is analyzer


def test_describe_detector(detection_config):
    described = describe_detector(detection_config)
    assert set(described) >= {"engine", "nlp_engine", "recognizers", "score_threshold"}
    assert all(isinstance(v, str) for v in described.values())
    assert "blank (sentencizer, lemmatizer)" in described["nlp_engine"]
    assert "NamePlaceRecognizer" in described["recognizers"]


# -- Synthea (shared data) -----------------------------------------------------------------

SYNTHEA_IDENTIFIERS = {
    "patients": {
        "Id": "RECORD_ID", "ID": "RECORD_ID", "BIRTHDATE": "BIRTH_DATE",
        "DEATHDATE": "DATE_TIME", "SSN": "US_SSN", "DRIVERS": "LICENSE_NUMBER",
        "PASSPORT": "LICENSE_NUMBER", "FIRST": "PERSON", "LAST": "PERSON", "MAIDEN": "PERSON",
        "PREFIX": "PERSON", "SUFFIX": "PERSON",
        "BIRTHPLACE": "LOCATION", "ADDRESS": "STREET_ADDRESS", "CITY": "LOCATION",
        "COUNTY": "LOCATION", "FIPS": "LOCATION", "ZIP": "ZIP_CODE",
        "LAT": "GEO_COORDINATE", "LON": "GEO_COORDINATE",
    },
    "encounters": {
        "Id": "RECORD_ID", "ID": "RECORD_ID", "START": "DATE_TIME", "STOP": "DATE_TIME",
        "DATE": "DATE_TIME", "PATIENT": "RECORD_ID", "ORGANIZATION": "RECORD_ID",
        "PROVIDER": "RECORD_ID", "PAYER": "RECORD_ID",
    },
    "providers": {
        "Id": "RECORD_ID", "ORGANIZATION": "RECORD_ID", "NAME": "PERSON",
        "ADDRESS": "STREET_ADDRESS", "CITY": "LOCATION", "ZIP": "ZIP_CODE",
        "LAT": "GEO_COORDINATE", "LON": "GEO_COORDINATE",
    },
    "organizations": {
        "Id": "RECORD_ID", "ADDRESS": "STREET_ADDRESS", "CITY": "LOCATION", "ZIP": "ZIP_CODE",
        "LAT": "GEO_COORDINATE", "LON": "GEO_COORDINATE", "PHONE": "PHONE_NUMBER",
    },
    "payers": {"Id": "RECORD_ID", "ADDRESS": "STREET_ADDRESS", "PHONE": "PHONE_NUMBER"},
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


def _synthea_tables(shared_data):
    for folder in SYNTHEA_SETS:
        for name in SYNTHEA_IDENTIFIERS:
            path = shared_data / folder / f"{name}.csv"
            if path.exists():
                options = pacsv.ConvertOptions(strings_can_be_null=True)
                yield folder, name, pacsv.read_csv(path, convert_options=options).slice(0, 1000)


@pytest.mark.shared_data
def test_synthea_identifiers_are_found_and_clinical_columns_kept(shared_data):
    scanned = 0
    for folder, name, table in _synthea_tables(shared_data):
        report = scan_table(table, f"{folder}/{name}.csv")
        for finding in report.columns:
            where = f"{folder}/{name}.csv:{finding.column}"
            if finding.column in SYNTHEA_IDENTIFIERS[name]:
                if finding.dtype == "null":  # an empty column (payers of the small set)
                    continue
                assert finding.entity == SYNTHEA_IDENTIFIERS[name][finding.column], where
                assert finding.confidence >= 0.4, where
            elif finding.column in SYNTHEA_CLINICAL:
                assert finding.entity is None, where
        scanned += 1
    assert scanned >= 8
