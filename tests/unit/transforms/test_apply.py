"""Tests for transforms.apply: a whole ReleasePlan applied to record batches."""

from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa
import pytest
from faker import Faker

from privacy.errors import InternalError, SecretMissing, SourceError, SpecError
from privacy.plan import RESTRICTED_ZIP3, ColumnPlan, KAnonymityPlan, ReleasePlan
from privacy.recoding import Recoding, class_keys
from transforms.apply import ColumnStats, TransformStats, apply_plan, output_schema
from transforms.pseudonymize import pseudonymize
from transforms.text import TextSpan

KEY = b"apply-test-key-0123456789"
REFERENCE = dt.date(2024, 6, 30)
N = 300
ETHNICITIES = ["Cuban", "Puerto Rican", "Aleut", "Hmong", None]
HISPANIC = {"Cuban": "Hispanic", "Puerto Rican": "Hispanic"}


def make_batch(seed: int, n: int = N) -> pa.RecordBatch:
    """A seeded synthetic patient table with one column per action (and then some)."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    names = [fake.name() for _ in range(n)]
    births = [fake.date_of_birth(minimum_age=0, maximum_age=105) for _ in range(n)]
    births[0] = dt.date(1925, 1, 1)  # surely over 89 at the reference date
    births[1] = None
    zips = [fake.zipcode() for _ in range(n)]
    zips[2], zips[3], zips[4] = "03601", "not a zip", None
    visits = [
        fake.date_time_between(dt.datetime(2015, 1, 1), dt.datetime(2024, 1, 1)) for _ in range(n)
    ]
    notes = [
        f"Seen by {fake.name()} for {names[i]}; call {fake.numerify('555-###-####')}."
        for i in range(n)
    ]
    notes[5] = None
    notes[6] = "No identifiers here."
    return pa.record_batch(
        {
            "patient_id": pa.array([fake.bothify("MRN-#######") for _ in range(n)]),
            "name": pa.array(names),
            "ssn": pa.array([fake.ssn() for _ in range(n)]),
            "birth_date": pa.array(births, type=pa.date32()),
            "visit_time": pa.array(visits, type=pa.timestamp("us")),
            "admitted": pa.array([v.strftime("%m/%d/%Y") for v in visits[:-1]] + ["garbled"]),
            "zip": pa.array(zips),
            "zip_int": pa.array(
                [int(z) if z and z.isdigit() else None for z in zips], type=pa.int64()
            ),
            "household": pa.array([fake.random_int(1, 15) for _ in range(n)], type=pa.int16()),
            "income": pa.array([fake.pyfloat(min_value=0, max_value=500_000) for _ in range(n)]),
            "age": pa.array([fake.random_int(0, 104) for _ in range(n)], type=pa.int32()),
            "ethnicity": pa.array([fake.random_element(ETHNICITIES) for _ in range(n)]),
            "note": pa.array(notes),
            "diagnosis": pa.array(
                [fake.random_element(["J45", "E11", "I10"]) for _ in range(n)]
            ).dictionary_encode(),
        }
    )


def make_plan(**changes: dict) -> ReleasePlan:
    columns = [
        ColumnPlan(
            column="patient_id",
            action="pseudonymize",
            reason="subject id",
            source="subject_id",
            entity="RECORD_ID",
        ),
        ColumnPlan(column="name", action="drop", reason="(A) names", entity="PERSON"),
        ColumnPlan(column="ssn", action="drop", reason="(G) SSN"),
        ColumnPlan(column="birth_date", action="year", birth=True, reason="(C) dates"),
        ColumnPlan(column="visit_time", action="year", reason="(C) dates"),
        ColumnPlan(column="admitted", action="year", reason="(C) dates"),
        ColumnPlan(column="zip", action="zip3", reason="(B) ZIP"),
        ColumnPlan(column="zip_int", action="zip3", reason="(B) ZIP"),
        ColumnPlan(column="household", action="top_code", max_value=8, reason="outliers"),
        ColumnPlan(
            column="income", action="generalize", bins=(0, 25_000, 100_000, 250_000), reason="k"
        ),
        ColumnPlan(column="age", action="top_code", max_value=89, reason="(C) ages over 89"),
        ColumnPlan(column="ethnicity", action="generalize", mapping=HISPANIC, reason="k"),
        ColumnPlan(column="note", action="redact", reason="free text"),
        ColumnPlan(column="diagnosis", action="keep", reason="not an identifier"),
    ]
    columns = [
        c.model_copy(update=changes[c.column]) if c.column in changes else c for c in columns
    ]
    return ReleasePlan(
        dataset="patients",
        subject_id="patient_id",
        reference_date=REFERENCE,
        columns=tuple(columns),
    )


NAME = re.compile(r"(?:Seen by |for )([^;]+?)(?= for|;)")
PHONE = re.compile(r"555-\d{3}-\d{4}")


def find_spans(texts: list[str | None]) -> list[list[TextSpan]]:
    """A small real detector for the synthetic notes: names after 'by'/'for', and phones."""
    found: list[list[TextSpan]] = []
    for text in texts:
        spans: list[TextSpan] = []
        for m in NAME.finditer(text or ""):
            spans.append(TextSpan(m.start(1), m.end(1), "PERSON", 0.85))
        for m in PHONE.finditer(text or ""):
            spans.append(TextSpan(m.start(), m.end(), "PHONE_NUMBER", 0.7))
        found.append(spans)
    return found


@pytest.fixture(scope="module")
def batch() -> pa.RecordBatch:
    return make_batch(seed=11)


@pytest.fixture(scope="module")
def applied(batch: pa.RecordBatch) -> tuple[pa.RecordBatch, TransformStats]:
    return apply_plan(batch, make_plan(), pseudonym_key=KEY, find_spans=find_spans)


def test_output_schema(batch: pa.RecordBatch) -> None:
    schema = output_schema(make_plan(), batch.schema)
    assert schema == pa.schema(
        [
            ("patient_id", pa.string()),
            ("birth_date", pa.int32()),
            ("visit_time", pa.int32()),
            ("admitted", pa.int32()),
            ("zip", pa.string()),
            ("zip_int", pa.string()),
            ("household", pa.int16()),
            ("income", pa.string()),
            ("age", pa.int32()),
            ("ethnicity", pa.string()),
            ("note", pa.string()),
            ("diagnosis", pa.dictionary(pa.int32(), pa.string())),
        ]
    )
    assert schema.metadata is None


def test_apply_plan_keeps_rows_and_schema(batch: pa.RecordBatch, applied) -> None:
    out, stats = applied
    assert out.num_rows == batch.num_rows
    assert out.schema == output_schema(make_plan(), batch.schema)
    assert "name" not in out.schema.names and "ssn" not in out.schema.names
    assert out.column("diagnosis").equals(batch.column("diagnosis"))  # keep: untouched
    assert stats.rows == batch.num_rows


def test_every_action(batch: pa.RecordBatch, applied) -> None:
    out, _ = applied
    src = batch.to_pydict()
    res = out.to_pydict()
    # pseudonymize: row order preserved, same as the transform on its own
    assert res["patient_id"] == pseudonymize(batch.column("patient_id"), KEY).to_pylist()
    # year, birth: capped at reference year - 90
    assert res["birth_date"][0] == REFERENCE.year - 90
    assert res["birth_date"][1] is None
    for born, year in zip(src["birth_date"][2:], res["birth_date"][2:], strict=True):
        assert year == max(born.year, REFERENCE.year - 90)
    # year, not a birth date: not capped; from timestamps and from text
    assert res["visit_time"] == [v.year for v in src["visit_time"]]
    assert res["admitted"][:-1] == res["visit_time"][:-1] and res["admitted"][-1] is None
    # zip3
    assert res["zip"][2:5] == ["000", None, None]
    for z, z3 in zip(src["zip"][5:], res["zip"][5:], strict=True):
        assert z3 == ("000" if z[:3] in RESTRICTED_ZIP3 else z[:3])
    assert res["zip_int"][5:] == res["zip"][5:]
    # top_code
    assert max(res["household"]) == 8 and max(res["age"]) <= 89
    assert [min(h, 8) for h in src["household"]] == res["household"]
    # generalize
    assert set(res["income"]) <= {"[0, 25000)", "[25000, 100000)", "[100000, 250000]", None}
    assert set(res["ethnicity"]) == {"Hispanic", "other", None}
    # redact: no name or phone of the source left in the notes
    for before, after in zip(src["note"], res["note"], strict=True):
        if before is None:
            assert after is None
            continue
        for m in NAME.finditer(before):
            assert m.group(1) not in after
        assert not PHONE.search(after)
    assert res["note"][6] == "No identifiers here."
    assert res["note"][7].startswith("Seen by <PERSON> for <PERSON>; call <PHONE_NUMBER>")


def test_stats(batch: pa.RecordBatch, applied) -> None:
    out, stats = applied
    c = stats.columns
    assert set(c) == {f.name for f in batch.schema}
    assert c["diagnosis"] == ColumnStats("keep", N, 0, 0)
    assert c["name"] == ColumnStats("drop", N, N, 0)
    assert c["patient_id"] == ColumnStats("pseudonymize", N, N, 0)
    assert c["birth_date"] == ColumnStats("year", N - 1, N - 1, 0)
    assert c["admitted"] == ColumnStats("year", N, N - 1, 1)
    assert c["zip"] == ColumnStats("zip3", N - 1, N - 2, 1)
    household = batch.column("household").to_pylist()
    assert c["household"].changed == sum(h > 8 for h in household)
    income = batch.column("income").to_pylist()
    assert c["income"].unparseable == sum(v > 250_000 for v in income)
    assert c["note"].changed == N - 2
    ethnicity = batch.column("ethnicity").to_pylist()
    assert c["ethnicity"].non_null == sum(e is not None for e in ethnicity)
    assert c["ethnicity"].changed == c["ethnicity"].non_null  # no value maps to itself here
    data = stats.as_dict()
    assert data["rows"] == N and data["columns"]["zip"] == {
        "action": "zip3",
        "non_null": N - 1,
        "changed": N - 2,
        "unparseable": 1,
    }
    # Counts only: no value of the source anywhere in the stats.
    flat = repr(data)
    assert not any(v in flat for v in batch.column("name").to_pylist())


def test_batches_share_schema_and_pseudonyms_and_stats_merge() -> None:
    plan = make_plan()
    first, second = make_batch(seed=1, n=50), make_batch(seed=2, n=70)
    second = second.set_column(
        second.schema.get_field_index("note"), "note", pa.nulls(70, type=pa.string())
    )
    out1, stats1 = apply_plan(first, plan, pseudonym_key=KEY, find_spans=find_spans)
    out2, stats2 = apply_plan(second, plan, pseudonym_key=KEY, find_spans=find_spans)
    assert out1.schema == out2.schema
    # The same subject in two batches gets the same pseudonym.
    again, _ = apply_plan(first.slice(10, 5), plan, pseudonym_key=KEY, find_spans=find_spans)
    assert again.column("patient_id").equals(out1.column("patient_id").slice(10, 5))
    total = stats1.merge(stats2)
    assert total.rows == 120
    assert total.columns["name"].changed == 120
    assert total.columns["note"].changed == stats1.columns["note"].changed
    assert TransformStats().merge(stats1) == stats1


def test_merge_refuses_different_actions() -> None:
    a = TransformStats(1, {"x": ColumnStats("keep", 1)})
    b = TransformStats(1, {"x": ColumnStats("drop", 1, 1)})
    with pytest.raises(InternalError, match="cannot add counts of action 'keep'.*'drop'"):
        a.merge(b)


def test_everything_dropped_keeps_the_row_count() -> None:
    batch = pa.record_batch({"name": ["Ann", "Bob", "Cy"]})
    plan = ReleasePlan(
        dataset="d",
        reference_date=REFERENCE,
        columns=(ColumnPlan(column="name", action="drop", reason="r"),),
    )
    out, stats = apply_plan(batch, plan, pseudonym_key=None, find_spans=None)
    assert out.num_rows == 3 and out.num_columns == 0
    assert stats.columns["name"] == ColumnStats("drop", 3, 3, 0)


def test_empty_batch(batch: pa.RecordBatch) -> None:
    out, stats = apply_plan(
        batch.slice(0, 0), make_plan(), pseudonym_key=KEY, find_spans=find_spans
    )
    assert out.num_rows == 0
    assert out.schema == output_schema(make_plan(), batch.schema)
    assert stats.rows == 0


def test_all_null_typed_column_fits_every_action() -> None:
    batch = pa.record_batch({"z": pa.nulls(2), "when": pa.nulls(2)})
    plan = ReleasePlan(
        dataset="d",
        reference_date=REFERENCE,
        columns=(
            ColumnPlan(column="z", action="zip3", reason="r"),
            ColumnPlan(column="when", action="year", reason="r"),
        ),
    )
    out, _ = apply_plan(batch, plan, pseudonym_key=None, find_spans=None)
    assert out.schema == pa.schema([("z", pa.string()), ("when", pa.int32())])
    assert out.to_pydict() == {"z": [None, None], "when": [None, None]}


# --- errors: named column, no raw value --------------------------------------------------


def test_missing_key(batch: pa.RecordBatch) -> None:
    with pytest.raises(
        SecretMissing, match=r"pseudonymises 'patient_id' but no key.*SHAREABLE_PSEUDONYM_KEY"
    ):
        apply_plan(batch, make_plan(), pseudonym_key=None, find_spans=find_spans)


def test_short_key(batch: pa.RecordBatch) -> None:
    with pytest.raises(SecretMissing, match="at least 16 bytes") as info:
        apply_plan(batch, make_plan(), pseudonym_key=b"k3y-XyZ", find_spans=find_spans)
    assert "k3y-XyZ" not in str(info.value)


def test_redact_without_detector_is_a_bug(batch: pa.RecordBatch) -> None:
    with pytest.raises(InternalError, match="no find_spans to redact 'note'"):
        apply_plan(batch, make_plan(), pseudonym_key=KEY, find_spans=None)


def test_misbehaving_detector_is_a_bug(batch: pa.RecordBatch) -> None:
    with pytest.raises(InternalError, match="span lists for") as info:
        apply_plan(batch, make_plan(), pseudonym_key=KEY, find_spans=lambda texts: [])
    assert batch.column("note")[0].as_py() not in str(info.value)


def test_planned_column_missing_from_batch(batch: pa.RecordBatch) -> None:
    without = batch.drop_columns(["zip"])
    with pytest.raises(
        SourceError,
        match=r"column\(s\) 'zip' of the release plan of dataset 'patients' are missing",
    ):
        apply_plan(without, make_plan(), pseudonym_key=KEY, find_spans=find_spans)


def test_unplanned_source_column_is_refused(batch: pa.RecordBatch) -> None:
    extra = batch.append_column("email", pa.array(["ann@example.org"] * batch.num_rows))
    with pytest.raises(
        SourceError, match=r"source column\(s\) 'email' are not in the release plan"
    ) as info:
        apply_plan(extra, make_plan(), pseudonym_key=KEY, find_spans=find_spans)
    assert "ann@example.org" not in str(info.value)


def test_duplicate_source_columns_are_refused(batch: pa.RecordBatch) -> None:
    twice = pa.RecordBatch.from_arrays(
        [batch.column("zip"), batch.column("zip")], names=["zip", "zip"]
    )
    plan = ReleasePlan(
        dataset="d",
        reference_date=REFERENCE,
        columns=(ColumnPlan(column="zip", action="zip3", reason="r"),),
    )
    with pytest.raises(SourceError, match="appear more than once: 'zip'"):
        apply_plan(twice, plan, pseudonym_key=None, find_spans=None)


WRONG_TYPES = [
    # (column values, action parameters, expected message)
    (pa.array([2138.0, 90210.0]), {"action": "zip3"},
     r"column 'col' has type double, which action 'zip3' cannot handle "
     r"\(zip3 needs string or integer columns\)\. "
     r"Actions allowed for this column: keep, drop, pseudonymize, top_code, generalize \(bins\)"),
    (pa.array(["95", "101"]), {"action": "top_code", "max_value": 89},
     r"column 'col' has type string, which action 'top_code' cannot handle "
     r"\(top_code needs integer or floating-point or decimal columns\)\. "
     r"Actions allowed for this column: keep, drop, redact, "
     r"pseudonymize, year, zip3, generalize \(mapping\)"),
    (pa.array([1950.0, 1960.0]), {"action": "year"},  # integers are YYYYMMDD dates or years
     r"type double, which action 'year' cannot handle"),
    (pa.array([1950, 1960]), {"action": "redact"},
     r"type int64, which action 'redact' cannot handle"),
    (pa.array(["95", "101"]), {"action": "generalize", "bins": (0, 100)},
     r"type string, which action 'generalize \(bins\)' cannot handle"),
    (pa.array([1.5, 2.5]), {"action": "generalize", "mapping": {"1.5": "a"}},
     r"type double, which action 'generalize \(mapping\)' cannot handle"),
    (pa.array([[1], [2]]), {"action": "pseudonymize"},
     r"type list<item: int64>, which action 'pseudonymize' cannot handle"
     r".*allowed for this column: keep, drop\."),
    (pa.array([2138.5, 2]).dictionary_encode(), {"action": "zip3"},
     r"type dictionary<values=double.*which action 'zip3' cannot handle"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("values", "params", "match"),
    WRONG_TYPES,
    ids=[w[1]["action"] + "-" + str(w[0].type) for w in WRONG_TYPES],
)
def test_wrong_type_for_action(values: pa.Array, params: dict, match: str) -> None:
    batch = pa.record_batch({"col": values})
    plan = ReleasePlan(
        dataset="d",
        reference_date=REFERENCE,
        columns=(ColumnPlan(column="col", reason="r", **params),),
    )
    with pytest.raises(SourceError, match=match) as info:
        apply_plan(batch, plan, pseudonym_key=KEY, find_spans=find_spans)
    for value in values.to_pylist():
        assert str(value) not in str(info.value)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (
            {"action": "generalize", "bins": (18.0,)},
            "column 'col': generalize needs at least two bin edges",
        ),
        (
            {"action": "zip3", "restricted_zip3": ("036", "59")},
            "column 'col': restricted_zip3 must hold 3-digit prefixes; 1 entries",
        ),
    ],
)
def test_bad_parameters_are_spec_errors(params: dict, match: str) -> None:
    batch = pa.record_batch({"col": pa.array([1, 2])})
    plan = ReleasePlan(
        dataset="d",
        reference_date=REFERENCE,
        columns=(ColumnPlan(column="col", reason="r", **params),),
    )
    with pytest.raises(SpecError, match=match):
        output_schema(plan, batch.schema)


def test_redacted_text_loses_its_rows_own_identifier_values(batch: pa.RecordBatch) -> None:
    """Values of the row's identifier columns go even where the detector sees nothing."""
    plain = [i for i, n in enumerate(batch.column("name").to_pylist()) if n.count(" ") == 1]
    rows = batch.take(pa.array(plain[:20]))  # "Ann Lee", not "Dr. Ann Lee Jr."
    names, mrns = rows.column("name").to_pylist(), rows.column("patient_id").to_pylist()
    texts = [f"{n.split()[-1]} asked about {m} again; {n.split()[0].lower()} ok" for n, m in
             zip(names, mrns, strict=True)]  # fmt: skip
    texts[3] = None
    rows = rows.set_column(rows.schema.get_field_index("note"), "note", pa.array(texts))
    nothing = lambda texts: [[] for _ in texts]  # noqa: E731 - a detector that misses all
    plan = make_plan(note={"row_identifiers": ("name", "patient_id")})
    out, stats = apply_plan(rows, plan, pseudonym_key=KEY, find_spans=nothing)
    got = out.column("note").to_pylist()
    assert got[3] is None
    for i, text in enumerate(got):
        if i != 3:
            assert text == "<PERSON> asked about <RECORD_ID> again; <PERSON> ok", i
    assert stats.columns["note"].changed == 19
    # Without them, the detector alone decides (here: nothing).
    out, _ = apply_plan(rows, make_plan(), pseudonym_key=KEY, find_spans=nothing)
    assert out.column("note").to_pylist() == texts


def k_anonymity_plan() -> ReleasePlan:
    """Ages generalised to decades; the one-record class 50-59 is suppressed."""
    age = Recoding("age", 1, pa.array(["34", "35", "51"]), pa.array(["30-39", "30-39", "50-59"]))
    part = KAnonymityPlan(
        k=2,
        max_suppression=0.5,
        quasi_identifiers=("age",),
        hierarchies={"age": "inline"},
        search={"levels": {"age": 1}, "heights": {"age": 3}},
        risk_before={},
        recodings=(age,),
        suppressed=class_keys([pa.array(["50-59"])]),
    )
    return ReleasePlan(
        dataset="d",
        method="k_anonymity",
        reference_date=REFERENCE,
        columns=(
            ColumnPlan(column="age", action="generalize", level=1, reason="qi"),
            ColumnPlan(column="dx", action="keep", reason="sensitive"),
        ),
        k_anonymity=part,
    )


def test_a_k_anonymity_plan_generalises_and_suppresses() -> None:
    plan = k_anonymity_plan()
    batch = pa.record_batch({"age": pa.array([34, 35, 51]), "dx": ["flu", "asthma", "flu"]})
    assert output_schema(plan, batch.schema).field("age").type == pa.string()
    out, stats = apply_plan(batch, plan, pseudonym_key=None, find_spans=None)
    assert out.to_pydict() == {"age": ["30-39", "30-39"], "dx": ["flu", "asthma"]}
    assert stats.rows == 3 and stats.suppressed == 1
    assert stats.columns["age"] == ColumnStats("generalize", 3, changed=3)
    # The plan's JSON form (what the manifest holds) carries levels, never the values.
    dumped = plan.model_dump_json()
    assert '"level":1' in dumped and "30-39" not in dumped and "51" not in dumped


def test_a_generalize_needs_one_kind_of_parameter() -> None:
    with pytest.raises(ValueError, match="exactly one of bins, mapping, level"):
        ColumnPlan(column="age", action="generalize", level=1, bins=(0, 10), reason="r")
