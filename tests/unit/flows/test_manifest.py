"""The typed manifest: written once with its version, only its method's part, no values."""

from __future__ import annotations

import datetime as dt
import json

from flows.catalog import describe_guarantees
from flows.manifest import (
    ColumnFacts,
    Guarantees,
    Manifest,
    PartFacts,
    SourceFacts,
    guarantees,
)
from privacy.plan import ColumnPlan, ReleasePlan
from privacy.validation_report import ValidationReport


def manifest(**extra) -> Manifest:
    plan = ReleasePlan(
        dataset="visits",
        reference_date=dt.date(2024, 1, 1),
        columns=(ColumnPlan(column="age", action="top_code", max_value=90, reason="policy"),),
    )
    return Manifest(
        dataset="visits",
        release_id="r1",
        method="safe_harbor",
        guarantees=Guarantees(safe_harbor=True, standard="HIPAA Safe Harbor", ages_top_coded_at=90),
        spec_hash="0" * 64,
        spec={"dataset": "visits"},
        source=SourceFacts(name="visits.csv", format="csv", sha256="1" * 64, partitions=1),
        rows_in=3,
        rows_out=3,
        columns=(ColumnFacts(name="age", type="int64"),),
        parts=(PartFacts(file="part-00000.parquet", rows=3, sha256="2" * 64),),
        plan=plan,
        validation=ValidationReport(success=True, rows=3, batches=1, results=()),
        actor="dana",
        started_at="2024-01-01T00:00:00+00:00",
        finished_at="2024-01-01T00:00:01+00:00",
        libraries={"python": "3.11"},
        **extra,
    )


def test_json_has_the_version_and_only_the_parts_of_its_method() -> None:
    draft = manifest()
    assert draft.version is None
    data = json.loads(draft.published_as(4).to_json())
    assert data["version"] == 4 and draft.version is None  # frozen: a new object
    assert data["guarantees"] == {
        "safe_harbor": True,
        "standard": "HIPAA Safe Harbor",
        "ages_top_coded_at": 90,
    }
    assert data["parts"] == [{"file": "part-00000.parquet", "rows": 3, "sha256": "2" * 64}]
    assert data["plan"]["columns"][0]["action"] == "top_code"
    for absent in ("dp", "k_anonymity", "rows_suppressed", "detection", "transform_stats"):
        assert absent not in data


def test_k_anonymity_guarantees_keep_l_even_when_unset() -> None:
    promised = Guarantees(safe_harbor=False, k=5, max_suppression=0.02)
    assert promised.as_dict() == {
        "safe_harbor": False,
        "k": 5,
        "l": None,
        "l_diversity": None,
        "max_suppression": 0.02,
    }


def _plan(*columns: ColumnPlan) -> ReleasePlan:
    return ReleasePlan(dataset="visits", reference_date=dt.date(2024, 1, 1), columns=columns)


def test_safe_harbor_claim_excludes_automatically_redacted_free_text() -> None:
    """Detection in free text is measured, not perfect: no Safe Harbor claim covers it."""
    plan = _plan(
        ColumnPlan(column="age", action="top_code", max_value=90, reason="policy"),
        ColumnPlan(column="notes", action="redact", reason="policy"),
    )
    promised = guarantees(None, plan)
    assert promised.safe_harbor is False
    assert promised.free_text_redacted == ("notes",)
    assert "not covered by a Safe Harbor claim" in promised.free_text_caveat
    assert "but the automatically redacted free text" in promised.standard
    line = describe_guarantees("safe_harbor", promised.as_dict())
    assert line == "HIPAA Safe Harbor except redacted text (notes)"


def test_safe_harbor_claim_stands_without_free_text() -> None:
    plan = _plan(
        ColumnPlan(column="age", action="top_code", max_value=90, reason="policy"),
        ColumnPlan(column="notes", action="drop", reason="policy"),
    )
    promised = guarantees(None, plan)
    assert promised.safe_harbor is True
    assert promised.free_text_redacted is None and promised.free_text_caveat is None
    assert describe_guarantees("safe_harbor", promised.as_dict()) == "HIPAA Safe Harbor"
