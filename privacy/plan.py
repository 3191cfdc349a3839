"""A :class:`ReleasePlan`: everything a release will do, decided before any row is written.

The plan is the whole contract between deciding (spec + policy + detection, see
``privacy.planner.make_plan``; then ``privacy.kanon.plan.plan_k_anonymity`` or
``privacy.dp.plan.plan_dp``) and doing (``transforms.apply_plan`` per batch, or
``privacy.dp.compute``). It holds one explicit action per source column with its reason and,
per method, its part:

* ``k_anonymity`` (:class:`KAnonymityPlan`): the level chosen per quasi-identifier, its
  :class:`~privacy.recoding.Recoding` and the equivalence classes to suppress;
* ``dp`` (:class:`~privacy.dp.plan.DpPlan`): the queries, their budget shares and keys.

It is frozen. Its JSON form (``model_dump``), written into the manifest, holds no data value:
the recodings and suppressed classes (which list values of the quasi-identifiers) and the
OpenDP objects are excluded from it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, InstanceOf, model_validator

from privacy.dp.plan import DpPlan
from privacy.recoding import Recoding

Action = Literal["keep", "drop", "redact", "pseudonymize", "year", "zip3", "top_code", "generalize"]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]

Method = Literal["safe_harbor", "k_anonymity", "dp_aggregates"]

RESTRICTED_ZIP3: tuple[str, ...] = (
    "036", "059", "063", "102", "203", "556", "692", "790", "821",
    "823", "830", "831", "878", "879", "884", "890", "893",
)  # fmt: skip
"""ZIP3 prefixes whose population is 20,000 or less (Census 2000, per HHS guidance)."""


class ColumnPlan(BaseModel):
    """What happens to one column, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    column: str = Field(description="Source column name.")
    action: Action
    reason: str = Field(description="Why: the policy rule, detection evidence or steward override.")
    entity: str | None = Field(default=None, description="Detected entity, if any.")
    hipaa_category: str | None = Field(default=None, description="45 CFR 164.514(b)(2) category.")
    source: Literal["policy", "spec", "subject_id"] = Field(
        default="policy", description="Where the decision came from."
    )
    # Parameters (only those of `action` may be set).
    birth: bool = Field(default=False, description="year: column is a birth date (caps 90+).")
    max_value: float | None = Field(default=None, description="top_code: largest value kept.")
    bins: tuple[float, ...] | None = Field(
        default=None, description="generalize: numeric bin edges, ascending."
    )
    mapping: dict[str, str] | None = Field(
        default=None, description="generalize: category -> more general category."
    )
    level: int | None = Field(
        default=None,
        description="generalize: the hierarchy level the k-anonymity search chose for this "
        "quasi-identifier (its recoding is in the plan's `k_anonymity` part).",
    )
    restricted_zip3: tuple[str, ...] = Field(
        default=RESTRICTED_ZIP3, description="zip3: prefixes replaced by '000'."
    )
    row_identifiers: tuple[str, ...] = Field(
        default=(),
        description="redact: identifier columns whose value in the same row is also cut out "
        "of this text wherever it appears (the patient's own name, MRN, phone ...).",
    )

    @model_validator(mode="after")
    def _parameters_fit_action(self) -> ColumnPlan:
        if self.action == "top_code" and self.max_value is None:
            raise ValueError(f"column {self.column!r}: top_code needs max_value")
        given = [p for p in (self.bins, self.mapping, self.level) if p is not None]
        if self.action == "generalize" and len(given) != 1:
            raise ValueError(
                f"column {self.column!r}: generalize needs exactly one of bins, mapping, level"
            )
        if self.bins is not None and list(self.bins) != sorted(set(self.bins)):
            raise ValueError(f"column {self.column!r}: bins must be strictly ascending")
        if self.row_identifiers and self.action != "redact":
            raise ValueError(f"column {self.column!r}: row_identifiers applies to redact only")
        return self


class KAnonymityPlan(BaseModel):
    """The k-anonymity part of a plan: the optimal generalisation and the classes suppressed.

    ``recodings`` and ``suppressed`` list values of the quasi-identifiers, so they are
    excluded from the plan's JSON form (the manifest); the other fields are counts, levels and
    names.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    k: int = Field(description="Smallest equivalence class allowed.")
    l: int | None = Field(default=None, description="Distinct sensitive values per class.")  # noqa: E741
    l_measure: Literal["distinct", "entropy"] | None = None
    max_suppression: float = Field(description="Fraction of records that may be removed.")
    quasi_identifiers: tuple[str, ...] = Field(description="QIs, in spec (and class key) order.")
    sensitive: str | None = Field(default=None, description="The sensitive column, if any.")
    hierarchies: dict[str, str] = Field(description="Where each QI's hierarchy comes from.")
    search: dict[str, Any] = Field(
        description="The optimal search's facts: levels, heights, loss, nodes evaluated."
    )
    risk_before: dict[str, Any] = Field(description="Re-identification risk of the source.")
    recodings: tuple[InstanceOf[Recoding], ...] = Field(
        exclude=True, description="One per QI, in `quasi_identifiers` order."
    )
    suppressed: InstanceOf[pa.Array] = Field(
        exclude=True, description="Class keys (privacy.recoding.class_keys) removed."
    )

    @property
    def columns(self) -> list[str]:
        """The QIs and the sensitive column (what equivalence classes are counted over)."""
        return [*self.quasi_identifiers, *([self.sensitive] if self.sensitive else [])]


class ReleasePlan(BaseModel):
    """The whole release: method, subject, reference date, one ColumnPlan per column, parts."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    dataset: str
    method: Method = "safe_harbor"
    subject_id: str | None = None
    reference_date: dt.date = Field(
        description="Date ages are computed at: birth years implying age > 89 are aggregated."
    )
    reference_date_reason: str = Field(
        default="the day of the release (default): the conservative choice, since every "
        "person is at least as old today as at any earlier date",
        description="Why this reference date: the default, or the steward's written reason.",
    )
    columns: tuple[ColumnPlan, ...] = Field(
        description="One per source column; empty for a DP release (it releases no row)."
    )
    k_anonymity: KAnonymityPlan | None = Field(
        default=None, description="method k_anonymity: the generalisation and suppression."
    )
    dp: InstanceOf[DpPlan] | None = Field(
        default=None, exclude=True, description="method dp_aggregates: the planned queries."
    )

    @model_validator(mode="after")
    def _parts_fit_method(self) -> ReleasePlan:
        if (self.method == "k_anonymity") != (self.k_anonymity is not None):
            raise ValueError("a k_anonymity plan needs its k_anonymity part, and only it")
        if (self.method == "dp_aggregates") != (self.dp is not None):
            raise ValueError("a dp_aggregates plan needs its dp part, and only it")
        return self

    @model_validator(mode="after")
    def _row_identifiers_exist(self) -> ReleasePlan:
        names = {c.column for c in self.columns}
        for item in self.columns:
            unknown = [n for n in item.row_identifiers if n not in names or n == item.column]
            if unknown:
                raise ValueError(
                    f"column {item.column!r}: row_identifiers {unknown} are not other columns "
                    "of the plan"
                )
        return self

    @property
    def output_columns(self) -> list[str]:
        """Columns present in the release, in source order."""
        return [c.column for c in self.columns if c.action != "drop"]

    @property
    def dropped_columns(self) -> list[str]:
        """Columns removed from the release."""
        return [c.column for c in self.columns if c.action == "drop"]

    def for_column(self, column: str) -> ColumnPlan:
        """Return the plan of ``column`` (KeyError if it is not in the plan)."""
        for item in self.columns:
            if item.column == column:
                return item
        raise KeyError(column)

    @property
    def quasi_identifiers(self) -> frozenset[str]:
        """Quasi-identifiers of a k-anonymity release (bounded by k instead of Safe Harbor)."""
        return frozenset(self.k_anonymity.quasi_identifiers) if self.k_anonymity else frozenset()

    def recoding(self, column: str) -> Recoding:
        """The recoding of quasi-identifier ``column`` (KeyError if it has none)."""
        for recoding in self.k_anonymity.recodings if self.k_anonymity else ():
            if recoding.column == column:
                return recoding
        raise KeyError(column)

    @property
    def needs_pseudonym_key(self) -> bool:
        """Whether applying the plan needs ``SHAREABLE_PSEUDONYM_KEY``."""
        return any(c.action == "pseudonymize" for c in self.columns)
