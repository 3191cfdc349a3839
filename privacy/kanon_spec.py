"""The ``k_anonymity:`` section of a release spec (``method: k_anonymity``).

Example (paths are relative to the spec file)::

    k_anonymity:
      k: 5
      max_suppression: 0.02
      quasi_identifiers:
        age: {hierarchy: hierarchies/age.csv}      # ARX CSV: value;level1;...;*
        birth_date: {hierarchy: auto}              # day -> month -> year -> decade -> *
        zip: auto                                   # shorthand for {hierarchy: auto}
        sex: {hierarchy: [[Male, "*"], [Female, "*"]]}   # inline rows, as in the CSV
      sensitive: {column: diagnosis, l: 2}

Models are frozen pydantic models with ``extra="forbid"``; :meth:`KAnonymitySpec.resolved`
makes hierarchy paths absolute (``privacy.spec.load_spec`` calls it with the spec's folder).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

AutoKind = Literal["number", "date", "zip"]
"""Kinds of automatic hierarchy: intervals of growing width, date parts, masked ZIP digits."""


def _inline_rows(value: Any) -> Any:
    """Accept inline levels as rows (``[[v, l1, *], ...]``) or a mapping ``{v: [l1, *]}``."""
    if isinstance(value, dict):
        return [
            [key, *(levels if isinstance(levels, list) else [levels])]
            for key, levels in value.items()
        ]
    if isinstance(value, list):
        return [
            [("" if cell is None else str(cell)) for cell in row] if isinstance(row, list) else row
            for row in value
        ]
    return value


class QuasiIdentifier(BaseModel):
    """How one quasi-identifier column may be generalised."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hierarchy: (
        Literal["auto"]
        | Path
        | Annotated[tuple[tuple[str, ...], ...], BeforeValidator(_inline_rows)]
    ) = Field(
        default="auto",
        description="`auto` (numbers, dates, ZIP codes), the path of a hierarchy in ARX's CSV "
        "format (one row per value, one `;`-separated column per level, relative to the spec), "
        "or inline rows `[[value, level1, ..., '*'], ...]`.",
    )
    kind: AutoKind | None = Field(
        default=None,
        description="For `hierarchy: auto`: number, date or zip; inferred from the column "
        "when omitted.",
    )

    @model_validator(mode="after")
    def _kind_only_for_auto(self) -> QuasiIdentifier:
        if self.kind is not None and self.hierarchy != "auto":
            raise ValueError("`kind` applies only to `hierarchy: auto`")
        if isinstance(self.hierarchy, tuple) and not self.hierarchy:
            raise ValueError("inline hierarchy has no rows; give one row per value")
        return self


def _shorthand_hierarchy(value: Any) -> Any:
    """Allow ``column: auto`` or ``column: path.csv`` for ``column: {hierarchy: ...}``."""
    if isinstance(value, str) or value is None:
        return {"hierarchy": value or "auto"}
    return value


class SensitiveAttribute(BaseModel):
    """The sensitive column protected by l-diversity (never generalised)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    column: str = Field(description="Sensitive column (e.g. a diagnosis or salary class).")
    l: int = Field(  # noqa: E741 - the letter of the literature (l-diversity)
        default=2,
        ge=1,
        description="l-diversity: every released class holds at least l distinct values of the "
        "sensitive column (`measure: entropy`: their entropy is at least log l).",
    )
    measure: Literal["distinct", "entropy"] = Field(
        default="distinct",
        description="distinct l-diversity, or entropy l-diversity (stronger; with suppression "
        "the search cannot prune and evaluates nodes by their loss bound only).",
    )


class KAnonymitySpec(BaseModel):
    """Parameters of a k-anonymity release (optimal full-domain generalisation + suppression)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    k: int = Field(
        ge=2, description="Every released record shares its QI values with >= k-1 others."
    )
    max_suppression: float = Field(
        default=0.0,
        ge=0.0,
        lt=1.0,
        description="Largest fraction of records that may be suppressed (removed) to reach k.",
    )
    quasi_identifiers: dict[
        str, Annotated[QuasiIdentifier, BeforeValidator(_shorthand_hierarchy)]
    ] = Field(min_length=1, description="Quasi-identifier columns and their hierarchies.")
    sensitive: SensitiveAttribute | None = Field(
        default=None, description="Sensitive column and its l (distinct l-diversity)."
    )

    @model_validator(mode="after")
    def _sensitive_is_not_a_qi(self) -> KAnonymitySpec:
        if self.sensitive is not None and self.sensitive.column in self.quasi_identifiers:
            raise ValueError(
                "the sensitive column is also listed as a quasi-identifier; a column is one or "
                "the other (sensitive values are released unchanged)"
            )
        return self

    def resolved(self, base: Path) -> KAnonymitySpec:
        """Return a copy whose hierarchy paths are absolute, relative paths taken from ``base``."""
        qis = {
            name: qi.model_copy(update={"hierarchy": (base / qi.hierarchy).resolve()})
            if isinstance(qi.hierarchy, Path)
            else qi
            for name, qi in self.quasi_identifiers.items()
        }
        return self.model_copy(update={"quasi_identifiers": qis})
