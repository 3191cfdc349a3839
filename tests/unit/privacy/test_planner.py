from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from privacy.errors import SecretMissing, SpecError
from privacy.planner import make_plan
from privacy.policy import load_policy
from privacy.report import ColumnFinding, DetectionReport
from privacy.spec import ColumnOverride, ReleaseSpec, SourceSpec

POLICY = load_policy("safe_harbor")
TODAY = dt.date(2026, 11, 26)


def finding(column: str, entity: str | None, dtype: str = "string", confidence: float = 0.9):
    return ColumnFinding(
        column=column,
        dtype=dtype,
        entity=entity,
        confidence=confidence if entity else 0.0,
        values_sampled=100,
        values_matched=90 if entity else 0,
    )


REPORT = DetectionReport(
    source="t.csv",
    rows_sampled=100,
    columns=(
        finding("patient_id", "RECORD_ID"),
        finding("name", "PERSON"),
        finding("field_7", "US_SSN"),
        finding("dob", "BIRTH_DATE", "date32[day]"),
        finding("zip", "ZIP_CODE"),
        finding("age", "AGE", "int64"),
        finding("notes", "FREE_TEXT"),
        finding("sex", None),
        finding("charges", None, "double"),
        finding("weak", "PERSON", confidence=0.1),
    ),
)


def spec(**kwargs) -> ReleaseSpec:
    columns = {k: ColumnOverride(**v) for k, v in kwargs.pop("columns", {}).items()}
    return ReleaseSpec(
        dataset="t", source=SourceSpec(path=Path("t.csv")), columns=columns, **kwargs
    )


def actions(plan) -> dict[str, str]:
    return {c.column: c.action for c in plan.columns}


def test_safe_harbor_defaults_without_key() -> None:
    plan = make_plan(spec(), REPORT, POLICY, pseudonym_key_available=False, today=TODAY)
    assert actions(plan) == {
        "patient_id": "drop",
        "name": "drop",
        "field_7": "drop",
        "dob": "year",
        "zip": "zip3",
        "age": "top_code",
        "notes": "redact",
        "sex": "keep",
        "charges": "keep",
        "weak": "keep",
    }
    assert plan.for_column("dob").birth is True
    assert plan.for_column("age").max_value == 90
    assert "SHAREABLE_PSEUDONYM_KEY is not set" in plan.for_column("patient_id").reason
    assert plan.for_column("field_7").hipaa_category.startswith("(G)")
    assert plan.reference_date == TODAY
    assert not plan.needs_pseudonym_key


def test_record_ids_and_subject_are_pseudonymised_with_a_key() -> None:
    plan = make_plan(
        spec(subject_id="patient_id"), REPORT, POLICY, pseudonym_key_available=True, today=TODAY
    )
    assert plan.for_column("patient_id").action == "pseudonymize"
    assert plan.for_column("patient_id").source == "subject_id"
    assert plan.needs_pseudonym_key


def test_overrides_win_and_carry_the_reason() -> None:
    plan = make_plan(
        spec(
            columns={
                "sex": {"action": "drop"},
                "name": {"action": "keep", "reason": "staff names are public"},
                "charges": {"action": "generalize", "bins": [0, 1000, 10000]},
            }
        ),
        REPORT,
        POLICY,
        pseudonym_key_available=False,
        today=TODAY,
    )
    assert actions(plan)["sex"] == "drop"
    assert plan.for_column("name").reason.startswith("steward override: staff names are public")
    assert plan.for_column("charges").bins == (0, 1000, 10000)


@pytest.mark.parametrize(
    ("overrides", "extra", "pattern"),
    [
        ({"nme": {"action": "drop"}}, {}, r"`columns\.nme` is not a column.*did you mean `name`"),
        ({}, {"subject_id": "patient"}, r"`subject_id` names a column that is not in the source"),
        ({"name": {"action": "keep"}}, {}, r"flags as PERSON.*reason"),
        (
            {"charges": {"action": "redact"}},
            {},
            r"redact, which applies to text.*charges` is double",
        ),
        (
            {"notes": {"action": "top_code", "max_value": 3}},
            {},
            r"top_code, which applies to numeric",
        ),
        (
            {"sex": {"action": "generalize", "bins": [0, 1]}},
            {},
            r"generalize, which applies to numeric",
        ),
    ],
)
def test_spec_mistakes_are_refused(overrides, extra, pattern) -> None:
    with pytest.raises(SpecError, match=pattern):
        make_plan(
            spec(columns=overrides, **extra),
            REPORT,
            POLICY,
            pseudonym_key_available=False,
            spec_path=Path("s.yaml"),
            today=TODAY,
        )


def test_pseudonymise_without_key_is_refused() -> None:
    with pytest.raises(SecretMissing, match=r"\['name'\].*SHAREABLE_PSEUDONYM_KEY is not set"):
        make_plan(
            spec(columns={"name": {"action": "pseudonymize"}}),
            REPORT,
            POLICY,
            pseudonym_key_available=False,
            today=TODAY,
        )


def test_policy_covers_every_hipaa_category() -> None:
    from privacy.entities import IDENTIFIER_ENTITIES

    assert IDENTIFIER_ENTITIES <= set(POLICY.rules)
    assert {r.action for r in POLICY.rules.values()} <= {
        "drop",
        "pseudonymize",
        "zip3",
        "year",
        "top_code",
        "redact",
    }


def test_redacted_text_also_loses_the_rows_removed_identifiers() -> None:
    plan = make_plan(spec(), REPORT, POLICY, pseudonym_key_available=False, today=TODAY)
    notes = plan.for_column("notes")
    # Removed or transformed identifiers, not ages, not kept or weakly flagged columns.
    assert notes.row_identifiers == ("patient_id", "name", "field_7", "dob", "zip")
    assert "also cuts out this row's own values of patient_id, name" in notes.reason
    assert all(c.row_identifiers == () for c in plan.columns if c.column != "notes")


def test_steward_chooses_or_switches_off_the_row_identifiers() -> None:
    chosen = spec(columns={"notes": {"action": "redact", "row_identifiers": ["name"]}})
    plan = make_plan(chosen, REPORT, POLICY, pseudonym_key_available=False, today=TODAY)
    assert plan.for_column("notes").row_identifiers == ("name",)
    off = spec(columns={"notes": {"action": "redact", "row_identifiers": []}})
    plan = make_plan(off, REPORT, POLICY, pseudonym_key_available=False, today=TODAY)
    assert plan.for_column("notes").row_identifiers == ()
    assert "switched off by the steward" in plan.for_column("notes").reason


def test_unknown_row_identifier_is_refused_with_a_suggestion() -> None:
    wrong = spec(columns={"notes": {"action": "redact", "row_identifiers": ["nmae"]}})
    with pytest.raises(SpecError, match=r"columns\.notes\.row_identifiers.*`nmae`.*`name`"):
        make_plan(wrong, REPORT, POLICY, pseudonym_key_available=False, today=TODAY)
    with pytest.raises(ValueError, match="row_identifiers does not apply to action 'drop'"):
        ColumnOverride(action="drop", row_identifiers=["name"])


# -- fail safe, reference date ----------------------------------------------------------------


def suspect(column: str, looks_like: str, dtype: str = "string") -> ColumnFinding:
    return ColumnFinding(
        column=column,
        dtype=dtype,
        entity=None,
        confidence=0.5,
        values_sampled=100,
        values_matched=0,
        looks_like=looks_like,
        evidence="unclassified, 95% of values are unique mixes of letters and digits",
    )


def report_of(*findings: ColumnFinding) -> DetectionReport:
    return DetectionReport(source="t.csv", rows_sampled=100, columns=findings)


@pytest.mark.parametrize(
    ("looks_like", "dtype", "action"),
    [
        ("SECRET", "string", "drop"),
        ("PERSON", "string", "drop"),
        ("RECORD_ID", "int64", "drop"),  # pseudonymize without a key -> drop
        ("ZIP_CODE", "int64", "zip3"),  # generalised
        ("AGE", "double", "top_code"),
    ],
)
def test_unclassified_lookalikes_are_never_kept_silently(looks_like, dtype, action):
    plan = make_plan(
        spec(), report_of(suspect("c1", looks_like, dtype)), POLICY,
        pseudonym_key_available=False, today=TODAY,
    )  # fmt: skip
    item = plan.for_column("c1")
    assert item.action == action
    assert f"unclassified, looks like {looks_like}" in item.reason
    assert "keep it with" in item.reason


def test_keeping_a_lookalike_needs_a_reason():
    report = report_of(suspect("c1", "SECRET"))
    with pytest.raises(SpecError, match="could not classify but looks like SECRET"):
        make_plan(
            spec(columns={"c1": {"action": "keep"}}), report, POLICY,
            pseudonym_key_available=False, today=TODAY,
        )  # fmt: skip
    plan = make_plan(
        spec(columns={"c1": {"action": "keep", "reason": "a product code, checked by hand"}}),
        report, POLICY, pseudonym_key_available=False, today=TODAY,
    )  # fmt: skip
    assert plan.for_column("c1").action == "keep"
    assert "looked like SECRET" in plan.for_column("c1").reason


def test_kept_columns_name_their_evidence():
    clean = ColumnFinding(
        column="charges", dtype="double", entity=None, confidence=1.0, values_sampled=50,
        values_matched=0, evidence="header suggests nothing; 0/50 values are dates, ages",
    )  # fmt: skip
    plan = make_plan(spec(), report_of(clean), POLICY, pseudonym_key_available=False, today=TODAY)
    assert plan.for_column("charges").reason == f"no identifier detected ({clean.evidence})"


def test_dates_of_unknown_meaning_get_the_birth_cap():
    dates = ColumnFinding(
        column="c4", dtype="int64", entity="DATE_TIME", confidence=0.9, values_sampled=10,
        values_matched=10,
    )  # fmt: skip
    named = dates.model_copy(update={"column": "visit_dt", "header_entity": "DATE_TIME"})
    plan = make_plan(
        spec(), report_of(dates, named), POLICY, pseudonym_key_available=False, today=TODAY
    )
    assert plan.for_column("c4").action == "year" and plan.for_column("c4").birth
    assert not plan.for_column("visit_dt").birth


def birth_finding() -> ColumnFinding:
    return ColumnFinding(
        column="dob", dtype="int64", entity="BIRTH_DATE", confidence=0.95, values_sampled=100,
        values_matched=100,
        birth_cap={"years_sampled": 100, "release_year": 2026, "in_90_plus_at_release": 52,
                   "data_end_year": 2008, "in_90_plus_at_data_end": 5},
    )  # fmt: skip


def test_birth_cap_is_explained_with_counts():
    plan = make_plan(
        spec(), report_of(birth_finding()), POLICY, pseudonym_key_available=False, today=TODAY
    )
    reason = plan.for_column("dob").reason
    assert "birth years up to 1936 are shown as 1936 (52/100 sampled values)" in reason
    assert "(2008) 5/100 sampled values are 90+" in reason
    assert "reference_date_reason" in reason
    assert "default" in plan.reference_date_reason


def test_reference_date_needs_a_written_reason():
    with pytest.raises(ValueError, match="needs a written `reference_date_reason`"):
        spec(reference_date=dt.date(2008, 12, 31))
    chosen = spec(
        reference_date=dt.date(2008, 12, 31),
        reference_date_reason="the claims end on 2008-12-31",
    )
    plan = make_plan(
        chosen, report_of(birth_finding()), POLICY, pseudonym_key_available=False, today=TODAY
    )
    assert plan.reference_date == dt.date(2008, 12, 31)
    assert plan.reference_date_reason == "set by the steward: the claims end on 2008-12-31"
    assert "shown as 1918" in plan.for_column("dob").reason
    assert spec().fingerprint() != chosen.fingerprint()
