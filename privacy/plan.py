"""A :class:`ReleasePlan`: one explicit action per source column, each with its reason.

The plan is the contract between deciding (spec + policy + detection, see :func:`make_plan`)
and doing (``transforms.apply_plan``). It is frozen, serialisable into the manifest, and holds no
raw data values.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Action = Literal["keep", "drop", "redact", "pseudonymize", "year", "zip3", "top_code", "generalize"]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]

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
        if self.action == "generalize" and (self.bins is None) == (self.mapping is None):
            raise ValueError(
                f"column {self.column!r}: generalize needs exactly one of bins, mapping"
            )
        if self.bins is not None and list(self.bins) != sorted(set(self.bins)):
            raise ValueError(f"column {self.column!r}: bins must be strictly ascending")
        if self.row_identifiers and self.action != "redact":
            raise ValueError(f"column {self.column!r}: row_identifiers applies to redact only")
        return self


class ReleasePlan(BaseModel):
    """The whole release: method, subject, reference date and one ColumnPlan per column."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dataset: str
    method: Literal["safe_harbor", "k_anonymity"] = "safe_harbor"
    subject_id: str | None = None
    reference_date: dt.date = Field(
        description="Date ages are computed at: birth years implying age > 89 are aggregated."
    )
    reference_date_reason: str = Field(
        default="the day of the release (default): the conservative choice, since every "
        "person is at least as old today as at any earlier date",
        description="Why this reference date: the default, or the steward's written reason.",
    )
    columns: tuple[ColumnPlan, ...]

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
    def needs_pseudonym_key(self) -> bool:
        """Whether applying the plan needs ``SHAREABLE_PSEUDONYM_KEY``."""
        return any(c.action == "pseudonymize" for c in self.columns)
