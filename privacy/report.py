"""What detection found: a :class:`DetectionReport` of counts and scores, never raw values."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ColumnFinding(BaseModel):
    """Detection's verdict on one column of the source."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    column: str = Field(description="Column name as in the source.")
    dtype: str = Field(description="Arrow type of the column in the source, e.g. 'string'.")
    entity: str | None = Field(
        description="Best entity for the whole column (see privacy.entities), 'FREE_TEXT' for "
        "a column of free text, or None when nothing identifying was found."
    )
    confidence: float = Field(ge=0.0, le=1.0, description="Confidence in `entity`, 0..1.")
    header_entity: str | None = Field(
        default=None, description="Entity suggested by the column's name alone, if any."
    )
    values_sampled: int = Field(ge=0, description="Non-null values examined.")
    values_matched: int = Field(ge=0, description="Sampled values in which `entity` was found.")
    entity_counts: dict[str, int] = Field(
        default_factory=dict,
        description="Per entity: sampled values in which a recognizer found it.",
    )
    span_counts: dict[str, int] = Field(
        default_factory=dict,
        description="For free text: spans found per entity in the sampled values.",
    )
    looks_like: str | None = Field(
        default=None,
        description="When `entity` is None: the identifier the values resemble without "
        "settling it (the plan fails safe: it removes or generalises the column unless a "
        "steward keeps it with a reason).",
    )
    evidence: str = Field(
        default="",
        description="What decided the verdict, in words and counts (never values): the header "
        "hint, the value shapes found, the checks the values passed.",
    )
    birth_cap: dict[str, int] = Field(
        default_factory=dict,
        description="For birth dates: sampled years, how many fall in the 90+ category at the "
        "release year, and at the latest year of the table's other dates.",
    )

    @property
    def is_identifier(self) -> bool:
        """Whether the column as a whole holds an identifier (or free text that may)."""
        return self.entity is not None


class DetectionReport(BaseModel):
    """Per-column findings for one source, plus how they were obtained."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(description="Display name of the source (file name, not its contents).")
    rows_sampled: int = Field(ge=0)
    columns: tuple[ColumnFinding, ...]
    detector: dict[str, str] = Field(
        default_factory=dict,
        description="NLP engine, recognizers and thresholds used (for the manifest).",
    )

    def finding(self, column: str) -> ColumnFinding:
        """Return the finding for ``column`` (KeyError if the column was not scanned)."""
        for item in self.columns:
            if item.column == column:
                return item
        raise KeyError(column)
