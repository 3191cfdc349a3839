"""The ``dp:`` section of a release spec (``method: dp_aggregates``).

A differentially private release publishes named aggregate statistics, never rows. The steward
declares the privacy unit's contribution bound, the dataset's lifetime budget, what one release
spends, and the queries; :class:`DpSpec` checks everything that can be checked without the data
(columns are checked against the source in :func:`privacy.dp.plan_dp`). Every message says what
to add, e.g. "query `mean_charges` needs `bounds: [low, high]` for column total_charges".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STATISTICS = ("count", "sum", "mean", "median", "quantiles", "histogram")
"""Statistics a query can release."""

NUMERIC_STATISTICS = ("sum", "mean", "median", "quantiles")
"""Statistics over a numeric column: they need clamping ``bounds``."""

_QUERY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

KeyValue = str | int | float | bool
"""A public group key value (a category of a ``by`` column)."""


class DpBudgetSpec(BaseModel):
    """An (epsilon, delta) privacy loss: a dataset's lifetime total, or one release's spend."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    epsilon: float = Field(
        gt=0, allow_inf_nan=False, description="Epsilon (pure DP part); greater than 0."
    )
    delta: float = Field(
        default=0.0,
        ge=0,
        lt=1,
        description="Delta; 0 (the default) for pure DP. Needed by partition selection "
        "(grouping `by` columns without public `keys`).",
    )


class DpQuery(BaseModel):
    """One named statistic of a DP release, optionally grouped ``by`` columns.

    The YAML key ``keys`` is held as :attr:`group_keys` (a field named ``keys`` would make the
    model look like a mapping to ``dict()``).
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    name: str = Field(
        description="Query name, also the output file name (`<name>.parquet`): lowercase "
        "letters, digits and _, starting with a letter."
    )
    statistic: Literal["count", "sum", "mean", "median", "quantiles", "histogram"] = Field(
        description="count | sum | mean | median | quantiles | histogram."
    )
    column: str | None = Field(
        default=None, description="The column measured (all statistics but count)."
    )
    by: tuple[str, ...] = Field(default=(), description="Columns to group by.")
    group_keys: dict[str, tuple[KeyValue, ...]] | None = Field(
        default=None,
        alias="keys",
        description="Public group keys per `by` column (their cross product is released, "
        "groups absent from the data included). Without keys (or keys_file), groups are "
        "chosen by DP partition selection, which needs `per_release.delta`.",
    )
    keys_file: Path | None = Field(
        default=None,
        description="CSV file of public key combinations, one column per `by` column "
        "(relative to the spec). Alternative to `keys`.",
    )
    bounds: tuple[float, float] | None = Field(
        default=None,
        description="[low, high]: values are clamped to this range (numeric statistics).",
    )
    bins: tuple[float, ...] | None = Field(
        default=None,
        description="histogram: ascending bin edges; bins are [a, b) except the last, [a, b]; "
        "values outside are clamped into the outer bins.",
    )
    quantiles: tuple[float, ...] | None = Field(
        default=None, description="quantiles: the probabilities released, each in (0, 1)."
    )
    candidates: tuple[float, ...] | None = Field(
        default=None,
        description="median/quantiles: candidate values the estimate is chosen from "
        "(default: 101 evenly spaced points over `bounds`).",
    )
    weight: float = Field(
        default=1.0,
        gt=0,
        allow_inf_nan=False,
        description="Share of the release's budget, relative to the other queries' weights "
        "(used with `split: weights`).",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _QUERY_NAME.match(value):
            raise ValueError(
                "a query name must be lowercase letters, digits and '_', starting with a letter "
                "(it becomes the file name `<name>.parquet`), e.g. `visits_by_state`"
            )
        return value

    @model_validator(mode="after")
    def _parameters_fit_statistic(self) -> DpQuery:
        name, stat, column = self.name, self.statistic, self.column
        if stat == "count":
            if column is not None:
                raise ValueError(
                    f"query `{name}`: count takes no `column` (it counts rows); remove it"
                )
        elif column is None:
            raise ValueError(f"query `{name}`: {stat} needs `column: <column name>`")
        if stat in NUMERIC_STATISTICS and self.bounds is None:
            raise ValueError(
                f"query `{name}` needs `bounds: [low, high]` for column {column} "
                "(values are clamped to them; choose them from domain knowledge, not the data)"
            )
        if self.bounds is not None:
            if stat not in NUMERIC_STATISTICS:
                raise ValueError(f"query `{name}`: `bounds` does not apply to {stat}; remove it")
            low, high = self.bounds
            if not low < high:
                raise ValueError(f"query `{name}`: `bounds` must be [low, high] with low < high")
        if stat == "histogram":
            if self.bins is None or len(self.bins) < 2:
                raise ValueError(
                    f"query `{name}` needs `bins: [edge, edge, ...]` (at least two ascending "
                    f"edges) for column {column}, e.g. `bins: [0, 18, 45, 65, 90, 120]`"
                )
            if list(self.bins) != sorted(set(self.bins)):
                raise ValueError(f"query `{name}`: `bins` must be strictly ascending numbers")
        elif self.bins is not None:
            raise ValueError(f"query `{name}`: `bins` applies to histogram only; remove it")
        if stat == "quantiles":
            if not self.quantiles:
                raise ValueError(
                    f"query `{name}` needs `quantiles: [0.25, 0.5, 0.75]` (probabilities in (0, 1))"
                )
            if any(not 0 < q < 1 for q in self.quantiles):
                raise ValueError(f"query `{name}`: every quantile must lie strictly in (0, 1)")
        elif self.quantiles is not None:
            raise ValueError(f"query `{name}`: `quantiles` applies to statistic quantiles only")
        if self.candidates is not None:
            if stat not in ("median", "quantiles"):
                raise ValueError(f"query `{name}`: `candidates` applies to median/quantiles only")
            if list(self.candidates) != sorted(set(self.candidates)) or len(self.candidates) < 2:
                raise ValueError(
                    f"query `{name}`: `candidates` must be at least two ascending numbers"
                )
        if len(set(self.by)) != len(self.by):
            raise ValueError(f"query `{name}`: `by` names a column twice")
        if column is not None and column in self.by:
            raise ValueError(f"query `{name}`: column {column} cannot also be a `by` column")
        if self.group_keys is not None and self.keys_file is not None:
            raise ValueError(f"query `{name}`: give `keys` or `keys_file`, not both")
        if (self.group_keys is not None or self.keys_file is not None) and not self.by:
            raise ValueError(f"query `{name}`: `keys` needs `by: [columns]` to group by")
        if self.by and not self.public_keys and stat not in ("count", "histogram"):
            raise ValueError(
                f"query `{name}`: a grouped {stat} needs public keys: add "
                f"`keys: {{{self.by[0]}: [value, ...]}}` (or `keys_file: keys.csv`); DP partition "
                "selection (no keys, with delta) is available for count and histogram"
            )
        if self.group_keys is not None:
            missing = [c for c in self.by if c not in self.group_keys]
            extra = [c for c in self.group_keys if c not in self.by]
            if missing:
                raise ValueError(
                    f"query `{name}`: `keys` lacks the `by` column(s) {', '.join(missing)}; add "
                    f"`keys: {{{missing[0]}: [value, ...]}}`"
                )
            if extra:
                raise ValueError(
                    f"query `{name}`: `keys` names {', '.join(extra)}, not in `by`; remove it "
                    "or add it to `by`"
                )
            empty = [c for c, values in self.group_keys.items() if not values]
            if empty:
                raise ValueError(f"query `{name}`: `keys.{empty[0]}` lists no values")
        return self

    @property
    def public_keys(self) -> bool:
        """Whether the released groups are public (from the spec, a key file, or bins)."""
        return not self.by or self.group_keys is not None or self.keys_file is not None

    @property
    def columns(self) -> tuple[str, ...]:
        """Source columns the query reads."""
        return (*self.by, *((self.column,) if self.column else ()))


class DpSpec(BaseModel):
    """The ``dp:`` section: contribution bound, budgets and queries of a DP release."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_contributions: int = Field(
        ge=1,
        description="Rows per subject (`subject_id`) kept; extra rows are dropped (see `keep`).",
    )
    keep: Literal["first", "sample"] = Field(
        default="first",
        description="Which rows of a subject with more than max_contributions rows are kept: "
        "`first` in source order (deterministic) or a random `sample`.",
    )
    budget: DpBudgetSpec = Field(
        description="The dataset's lifetime privacy budget, fixed in the ledger at the first "
        "release (raise it only with `shareable budget DATASET --set-total`)."
    )
    per_release: DpBudgetSpec = Field(
        description="What one release spends, split across its queries."
    )
    split: Literal["even", "weights"] = Field(
        default="even",
        description="Split per_release evenly across queries, or by each query's `weight`.",
    )
    max_rows: int = Field(
        default=10_000_000,
        ge=1,
        description="Public upper bound on the table's rows (bounds float rounding in sums and "
        "means); a release is refused if the table has more.",
    )
    queries: tuple[DpQuery, ...] = Field(min_length=1, description="The statistics released.")

    @model_validator(mode="after")
    def _consistent(self) -> DpSpec:
        names = [q.name for q in self.queries]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"query name(s) used twice: {', '.join(duplicates)}")
        if self.per_release.epsilon > self.budget.epsilon:
            raise ValueError(
                "`per_release.epsilon` exceeds the lifetime `budget.epsilon`; no release could "
                "ever run. Lower per_release or raise budget"
            )
        if self.per_release.delta > self.budget.delta:
            raise ValueError(
                "`per_release.delta` exceeds `budget.delta`; add `delta` to `budget` "
                "(e.g. `budget: {epsilon: 2.0, delta: 1e-6}`)"
            )
        keyless = [q.name for q in self.queries if not q.public_keys]
        if keyless and self.per_release.delta == 0:
            raise ValueError(
                f"query `{keyless[0]}` groups `by` columns without public `keys`: add "
                "`keys: {column: [values]}` (or `keys_file: keys.csv`), or allow DP partition "
                "selection with `per_release: {epsilon: ..., delta: 1e-7}` (and a budget delta)"
            )
        return self

    def query_weights(self) -> list[float]:
        """Each query's relative share of the release budget."""
        if self.split == "even":
            return [1.0] * len(self.queries)
        return [q.weight for q in self.queries]
