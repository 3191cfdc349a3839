import datetime as dt
import socket

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from faker import Faker

from privacy.errors import InternalError, ResidualPHI, ValidationFailed
from privacy.gx_runtime import arrow_type_family, series_type_family
from privacy.phi_patterns import RESIDUAL_PATTERNS
from privacy.plan import ColumnPlan, ReleasePlan
from privacy.validation import build_suite, validate_release
from privacy.validation_report import ValidationReport, check_row_count, combine

N_ROWS = 60

PLAN = ReleasePlan(
    dataset="clinic",
    subject_id="patient_id",
    reference_date=dt.date(2024, 6, 30),
    columns=(
        ColumnPlan(column="patient_id", action="pseudonymize", reason="subject id"),
        ColumnPlan(column="first_name", action="drop", reason="(A) names"),
        ColumnPlan(column="notes", action="redact", reason="free text"),
        ColumnPlan(column="age", action="top_code", reason="(C) ages", entity="AGE", max_value=90),
        ColumnPlan(column="zip", action="zip3", reason="(B) ZIP"),
        ColumnPlan(column="birth_year", action="year", reason="(C) dates", birth=True),
        ColumnPlan(column="diagnosis_code", action="keep", reason="clinical"),
        ColumnPlan(column="total_charges", action="keep", reason="clinical"),
    ),
)

SCHEMA = pa.schema(
    [
        ("patient_id", pa.string()),
        ("notes", pa.string()),
        ("age", pa.int64()),
        ("zip", pa.string()),
        ("birth_year", pa.int64()),
        ("diagnosis_code", pa.string()),
        ("total_charges", pa.float64()),
    ]
)

WORDS = "patient reports mild pain fever cough denies chest plan follow up metformin".split()


def clean_frame(n_rows: int = N_ROWS, seed: int = 0) -> pd.DataFrame:
    """A de-identified output as the transforms would produce it (pandas 3 default dtypes)."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = np.random.default_rng(seed)
    notes = [
        f"<PERSON> {' '.join(fake.random_elements(WORDS, length=6))} on <DATE_TIME>, year 2019"
        for _ in range(n_rows)
    ]
    return pd.DataFrame(
        {
            "patient_id": [fake.hexify("^" * 32) for _ in range(n_rows)],
            "notes": notes,
            "age": rng.integers(0, 91, n_rows),
            "zip": rng.choice(["021", "100", "945", "000"], n_rows),
            "birth_year": rng.integers(1934, 2024, n_rows),
            "diagnosis_code": rng.choice(["E11.9", "I10", "J45.909", "410620009"], n_rows),
            "total_charges": rng.uniform(10, 5000, n_rows).round(2),
        }
    )


def failure_lines(report: ValidationReport) -> list[tuple[str, str | None, str | None]]:
    return [(f.check, f.column, f.pattern) for f in report.failures]


def test_clean_output_passes():
    report = validate_release(clean_frame(), PLAN, SCHEMA, expected_rows=N_ROWS)
    assert report.success, report.failures
    assert report.rows == N_ROWS
    report.raise_if_failed()  # does not raise


def test_suite_covers_the_plan():
    suite = build_suite(PLAN, SCHEMA, expected_rows=10)
    metas = [e.meta for e in suite.expectations]
    checks = [m["check"] for m in metas]
    string_columns = [f.name for f in SCHEMA if pa.types.is_string(f.type)]
    assert checks.count("residual_phi") == len(string_columns) * len(RESIDUAL_PATTERNS)
    assert checks.count("type") == len(SCHEMA)
    assert {"columns", "row_count", "max_value", "zip3_format", "zip3_restricted"} <= set(checks)
    assert checks.count("year_range") == 1
    patterns = {m["pattern"] for m in metas if m["check"] == "residual_phi"}
    assert patterns == {p.name for p in RESIDUAL_PATTERNS}
    assert "row_count" not in [
        e.meta["check"] for e in build_suite(PLAN, SCHEMA, None).expectations
    ]


def test_build_suite_refuses_a_schema_that_is_not_the_plans():
    with pytest.raises(InternalError, match="output schema's columns differ"):
        build_suite(PLAN, SCHEMA.remove(0), None)
    bad_year = SCHEMA.set(4, pa.field("birth_year", pa.string()))
    with pytest.raises(InternalError, match="year column 'birth_year'"):
        build_suite(PLAN, bad_year, None)


def test_planted_ssn_fails_without_echoing_it():
    df = clean_frame()
    ssn = "219-09-9999"
    df.loc[7, "notes"] = f"<PERSON> gave SSN {ssn} at intake"
    report = validate_release(df, PLAN, SCHEMA)
    assert not report.success
    assert failure_lines(report) == [("residual_phi", "notes", "US SSN")]
    assert report.failures[0].unexpected_count == 1
    assert ssn not in report.model_dump_json()
    with pytest.raises(ResidualPHI, match=r"column 'notes': 1 value\(s\) match the US SSN") as err:
        report.raise_if_failed()
    assert ssn not in str(err.value)
    assert ssn not in repr(err.value.failures)
    assert err.value.exit_code == 6


PLANTED = [
    ("US SSN", "ssn 123-45-6789"),
    ("US phone number", "call (617) 555-0123"),
    ("email address", "mary.smith@example.org"),
    ("full date", "seen March 3, 1950"),
    ("ZIP code", "02134"),
    ("IPv4 address", "from 192.168.10.4"),
    ("URL", "see https://example.org/p/1"),
]


@pytest.mark.parametrize(("pattern", "value"), PLANTED)
def test_each_residual_pattern_fails_the_release(pattern, value):
    df = clean_frame()
    df.loc[[3, 9], "diagnosis_code"] = value
    report = validate_release(df, PLAN, SCHEMA)
    assert ("residual_phi", "diagnosis_code", pattern) in failure_lines(report)
    failed = {f.pattern: f.unexpected_count for f in report.failures}
    assert failed[pattern] == 2
    assert value not in report.model_dump_json()
    with pytest.raises(ResidualPHI) as err:
        report.raise_if_failed()
    assert value not in str(err.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda df: df.drop(columns=["zip"]), r"missing: 'zip'"),
        (lambda df: df.assign(first_name="Ann"), r"dropped column\(s\) present: 'first_name'"),
        (lambda df: df.assign(extra=1), r"not in the plan: 'extra'"),
        (lambda df: df[list(reversed(df.columns))], r"not in the plan's order"),
    ],
    ids=["missing", "dropped-present", "extra", "order"],
)
def test_column_set_and_order(change, message):
    report = validate_release(change(clean_frame()), PLAN, SCHEMA)
    assert ("columns", None, None) in failure_lines(report)
    with pytest.raises(ValidationFailed, match=message) as err:
        report.raise_if_failed()
    assert not isinstance(err.value, ResidualPHI)


def test_missing_column_is_one_line_not_residual_phi():
    report = validate_release(clean_frame().drop(columns=["notes"]), PLAN, SCHEMA)
    with pytest.raises(ValidationFailed) as err:
        report.raise_if_failed()
    assert type(err.value) is ValidationFailed
    assert str(err.value).count("column 'notes'") == 1
    assert "column 'notes': missing, so 8 check(s) on it could not run" in str(err.value)


def test_age_over_the_top_code_fails():
    df = clean_frame()
    df.loc[[1, 2, 5], "age"] = 95
    report = validate_release(df, PLAN, SCHEMA)
    assert failure_lines(report) == [("max_value", "age", None)]
    with pytest.raises(ValidationFailed, match=r"column 'age': 3 value\(s\) above 90"):
        report.raise_if_failed()


def test_age_entity_is_capped_at_90_without_top_code():
    plan = PLAN.model_copy(
        update={
            "columns": tuple(
                c.model_copy(update={"action": "keep", "max_value": None})
                if c.column == "age"
                else c
                for c in PLAN.columns
            )
        }
    )
    df = clean_frame()
    df.loc[0, "age"] = 91
    report = validate_release(df, plan, SCHEMA)
    assert failure_lines(report) == [("max_value", "age", None)]


def test_zip3_and_year_checks():
    df = clean_frame()
    df.loc[0, "zip"] = "036"  # restricted prefix kept
    df.loc[1, "zip"] = "0213"  # not a ZIP3
    df.loc[2, "birth_year"] = 1700
    df.loc[3, "birth_year"] = 2030  # after the reference date
    report = validate_release(df, PLAN, SCHEMA)
    assert failure_lines(report) == [
        ("zip3_format", "zip", None),
        ("zip3_restricted", "zip", None),
        ("year_range", "birth_year", None),
    ]
    counts = {f.check: f.unexpected_count for f in report.failures}
    assert counts == {"zip3_format": 1, "zip3_restricted": 1, "year_range": 2}
    with pytest.raises(ValidationFailed, match=r"outside the year range \[1800, 2024\]"):
        report.raise_if_failed()


@pytest.mark.parametrize(
    ("column", "values", "expected"),
    [
        ("age", lambda n: [str(i) for i in range(n)], "expected integer values, found string"),
        ("total_charges", lambda n: ["1.5"] * n, "expected floating values, found string"),
        ("notes", lambda n: list(range(n)), "expected string values, found integer"),
        ("birth_year", lambda n: [1950.5] * n, "expected integer values, found floating"),
    ],
)
def test_wrong_type_fails(column, values, expected):
    df = clean_frame()
    df[column] = values(len(df))
    report = validate_release(df, PLAN, SCHEMA)
    assert ("type", column, None) in failure_lines(report)
    with pytest.raises(ValidationFailed, match=expected):
        report.raise_if_failed()


def test_other_dtypes_of_the_right_family_pass():
    df = clean_frame()
    df["patient_id"] = df["patient_id"].astype(object)
    df["notes"] = df["notes"].astype(pd.ArrowDtype(pa.large_string()))
    df["age"] = df["age"].astype("Int64")
    df.loc[0, "age"] = pd.NA
    df["birth_year"] = df["birth_year"].astype("float64")  # as to_pandas() gives ints with nulls
    df.loc[1, "birth_year"] = float("nan")
    df["zip"] = df["zip"].astype("string[python]")
    df["total_charges"] = df["total_charges"].astype(pd.ArrowDtype(pa.float64()))
    df["diagnosis_code"] = df["diagnosis_code"].astype("category")
    report = validate_release(df, PLAN, SCHEMA)
    assert report.success, report.failures


def test_row_count_mismatch_fails():
    report = validate_release(clean_frame(), PLAN, SCHEMA, expected_rows=N_ROWS + 1)
    assert failure_lines(report) == [("row_count", None, None)]
    with pytest.raises(ValidationFailed, match=rf"expected {N_ROWS + 1} rows, found {N_ROWS}"):
        report.raise_if_failed()


def test_combine_sums_batches_and_checks_the_total():
    first, second = clean_frame(seed=1), clean_frame(seed=2)
    first.loc[0, "notes"] = "ssn 123-45-6789"
    second.loc[[0, 1], "notes"] = "ssn 987-65-4320"
    reports = [validate_release(df, PLAN, SCHEMA) for df in (first, second)]
    total = combine(reports, extra=[check_row_count(2 * N_ROWS, 2 * N_ROWS + 5)])
    assert (total.rows, total.batches) == (2 * N_ROWS, 2)
    assert len(total.results) == len(reports[0].results) + 1
    ssn = next(f for f in total.failures if f.pattern == "US SSN")
    assert (ssn.unexpected_count, ssn.element_count) == (3, 2 * N_ROWS)
    assert [f.check for f in total.failures] == ["residual_phi", "row_count"]
    with pytest.raises(ResidualPHI, match=rf"expected {2 * N_ROWS + 5} rows, found {2 * N_ROWS}"):
        total.raise_if_failed()


def test_combine_of_clean_batches_passes():
    reports = [validate_release(clean_frame(seed=s), PLAN, SCHEMA) for s in (3, 4)]
    total = combine(reports, extra=[check_row_count(2 * N_ROWS, 2 * N_ROWS)])
    assert total.success
    assert combine([*reports, check_row_count(2 * N_ROWS, 2 * N_ROWS)]) == total
    total.raise_if_failed()
    assert check_row_count(5, 5).success and not check_row_count(5, 6).success


def test_report_is_frozen_and_round_trips():
    df = clean_frame()
    df.loc[0, "age"] = 99
    report = validate_release(df, PLAN, SCHEMA)
    with pytest.raises(ValueError, match="frozen"):
        report.success = False
    dumped = report.model_dump(mode="json")
    assert (dumped["evaluated"], dumped["passed"]) == (len(report.results), len(report.results) - 1)
    assert dumped["results"][0].keys() >= {"expectation", "column", "success", "unexpected_count"}
    assert ValidationReport.model_validate(dumped) == report
    assert ValidationReport.model_validate_json(report.model_dump_json()) == report


def test_validation_is_quiet_offline_and_writes_nothing(tmp_path, monkeypatch, capfd):
    connections = []

    def refuse(self, address):
        connections.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.chdir(tmp_path)
    df = clean_frame()
    df.loc[0, "notes"] = "ssn 123-45-6789"
    report = validate_release(df, PLAN, SCHEMA, expected_rows=N_ROWS)
    assert not report.success
    assert connections == []
    assert list(tmp_path.iterdir()) == []
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


@pytest.mark.parametrize(
    ("arrow_type", "family"),
    [
        (pa.int8(), "integer"),
        (pa.uint64(), "integer"),
        (pa.float32(), "floating"),
        (pa.string(), "string"),
        (pa.large_string(), "string"),
        (pa.dictionary(pa.int32(), pa.string()), "string"),
        (pa.bool_(), "boolean"),
        (pa.date32(), "date"),
        (pa.timestamp("us"), "timestamp"),
        (pa.decimal128(10, 2), "decimal"),
        (pa.list_(pa.int64()), "list<item: int64>"),
    ],
)
def test_arrow_type_family(arrow_type, family):
    assert arrow_type_family(arrow_type) == family


@pytest.mark.parametrize(
    ("series", "family"),
    [
        (pd.Series(["a", None]), "string"),
        (pd.Series(["a", None], dtype=object), "string"),
        (pd.Series([None, None], dtype=object), "empty"),
        (pd.Series(["a", 1], dtype=object), "mixed"),
        (pd.Series([1, 2]), "integer"),
        (pd.Series([1, None], dtype="Int64"), "integer"),
        (pd.Series([1.5, None]), "floating"),
        (pd.Series([1.0, None]), "integer"),  # pandas' integers-with-nulls
        (pd.Series([float("nan")]), "empty"),
        (pd.Series([float("inf"), 1.0]), "floating"),
        (pd.Series([True, False]), "boolean"),
        (pd.Series(["a", "b"], dtype="category"), "string"),
        (pd.Series(pd.to_datetime(["2020-01-01"])), "timestamp"),
    ],
)
def test_series_type_family(series, family):
    assert series_type_family(series) == family


def test_raw_sample_data_is_refused():
    """Released without de-identification, the synthetic table fails on every pattern."""
    from examples.sample_data import SCHEMA as SAMPLE_SCHEMA
    from examples.sample_data import generate_patients

    plan = ReleasePlan(
        dataset="raw",
        reference_date=dt.date(2024, 1, 1),
        columns=tuple(
            ColumnPlan(column=n, action="keep", reason="test") for n in SAMPLE_SCHEMA.names
        ),
    )
    df = generate_patients(300, seed=9)
    report = validate_release(df, plan, SAMPLE_SCHEMA, expected_rows=300)
    found = {(f.column, f.pattern) for f in report.failures if f.check == "residual_phi"}
    assert {
        ("ssn", "US SSN"),
        ("field_7", "US SSN"),
        ("phone", "US phone number"),
        ("fax", "US phone number"),
        ("email", "email address"),
        ("birth_date", "full date"),
        ("admit_date", "full date"),
        ("discharge_date", "full date"),
        ("zip", "ZIP code"),
        ("ip_address", "IPv4 address"),
        ("homepage", "URL"),
        ("notes", "US phone number"),
        ("notes", "full date"),
    } <= found
    assert ("max_value", "age") not in {(f.check, f.column) for f in report.failures}  # no entity
    with pytest.raises(ResidualPHI) as err:
        report.raise_if_failed()
    for value in df.loc[0, ["ssn", "phone", "email", "notes"]]:
        assert value not in str(err.value)
