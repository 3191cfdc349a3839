"""What validation found, as counts: :class:`ValidationReport` and release-wide checks.

A release is validated batch by batch (``privacy.validation.validate_release``); :func:`combine`
sums the batch reports with the release-wide outcomes: :func:`check_row_count`,
:func:`check_parts` and ``privacy.validation.check_k_anonymity``.
:meth:`ValidationReport.raise_if_failed` then refuses to publish with
:class:`~privacy.errors.ResidualPHI` or :class:`~privacy.errors.ValidationFailed`. Every field is
a name or a count, never a value.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from privacy.errors import ResidualPHI, ValidationFailed

MISSING = "column is missing, so this check could not run"
"""The detail of a check that could not run because its column is absent."""

Check = Literal[
    "columns",
    "type",
    "residual_phi",
    "max_value",
    "zip3_format",
    "zip3_restricted",
    "year_range",
    "row_count",
    "parts",
    "k_anonymity",
    "l_diversity",
    "fresh_scan",
]


class ExpectationOutcome(BaseModel):
    """The outcome of one expectation (or of the total row count check): counts, never values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check: Check = Field(description="What is checked, in Shareable's words.")
    expectation: str = Field(description="GX expectation type, snake case.")
    column: str | None = Field(default=None, description="Column checked; None for the table.")
    pattern: str | None = Field(default=None, description="Residual-PHI pattern name, if any.")
    success: bool
    element_count: int | None = Field(default=None, ge=0, description="Values examined.")
    unexpected_count: int | None = Field(
        default=None, ge=0, description="Values that failed (None for table-level checks)."
    )
    detail: str | None = Field(
        default=None,
        description="What failed, in terms of column names, dtype names and plan parameters "
        "(never a data value).",
    )

    @property
    def key(self) -> tuple[str, str, str | None, str | None]:
        """Identity of the expectation, shared by every batch validated with the same suite."""
        return (self.check, self.expectation, self.column, self.pattern)

    def describe(self) -> str:
        """One line for a steward: which check, which column, how many values."""
        where = f"column {self.column!r}" if self.column is not None else "table"
        count = self.unexpected_count
        if self.detail is not None and (count is None or count == 0):
            what = self.detail
        elif self.check == "residual_phi":
            what = f"{count} value(s) match the {self.pattern} pattern"
        elif self.detail is not None:
            what = f"{count} value(s) {self.detail}"
        else:
            what = f"{count} value(s) failed"
        return f"{where}: {what} [{self.expectation}]"


class ValidationReport(BaseModel):
    """Outcome of the validation suite on one batch, or on a whole release (:func:`combine`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    success: bool
    rows: int = Field(ge=0, description="Rows validated.")
    batches: int = Field(default=1, ge=0, description="Batches these results add up.")
    results: tuple[ExpectationOutcome, ...]

    @model_validator(mode="before")
    @classmethod
    def _drop_computed(cls, data: Any) -> Any:
        # A dumped report holds `evaluated` and `passed`; accept it back (manifests are re-read).
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in ("evaluated", "passed")}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def evaluated(self) -> int:
        """Number of expectations evaluated."""
        return len(self.results)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> int:
        """Number of expectations that passed."""
        return sum(r.success for r in self.results)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        """The outcomes that failed."""
        return [r for r in self.results if not r.success]

    @property
    def residual_phi(self) -> bool:
        """Whether a residual-identifier pattern matched at least one value."""
        return any(
            r.check in ("residual_phi", "fresh_scan") and r.unexpected_count for r in self.failures
        )

    def raise_if_failed(self) -> None:
        """Raise if any expectation failed; do nothing otherwise.

        Raises:
            ResidualPHI: A residual-identifier pattern matched (other failures are listed too).
            ValidationFailed: Any other expectation failed.

        """
        failures = self.failures
        if not failures:
            return
        lines = "\n".join(f"  - {line}" for line in _failure_lines(failures))
        kind = ResidualPHI if self.residual_phi else ValidationFailed
        headline = (
            "identifiers remain in the de-identified output"
            if kind is ResidualPHI
            else "the de-identified output does not match its release plan"
        )
        raise kind(
            f"Validation failed: {headline}; nothing was published. "
            f"{len(failures)} of {len(self.results)} checks failed on {self.rows} rows:\n{lines}\n"
            "Fix the release plan (or the transform that produced these columns) and run the "
            "release again.",
            failures=[f.model_dump() for f in failures],
        )


def _failure_lines(failures: list[ExpectationOutcome]) -> list[str]:
    """One line per failure; the checks that could not run on a missing column share one."""
    missing: dict[str, int] = {}
    for failure in failures:
        if failure.column is not None and failure.detail == MISSING:
            missing[failure.column] = missing.get(failure.column, 0) + 1
    lines: list[str] = []
    for failure in failures:
        if failure.column is not None and failure.detail == MISSING:
            count = missing.pop(failure.column, 0)
            if count:
                lines.append(
                    f"column {failure.column!r}: missing, so {count} check(s) on it could not run"
                )
        else:
            lines.append(failure.describe())
    return lines


def check_row_count(total: int, expected: int) -> ExpectationOutcome:
    """Check the total row count of a release validated batch by batch.

    Args:
        total: Rows written, summed over the batches.
        expected: Rows the release must have.

    Returns:
        An outcome in the same format as :func:`validate_release`'s, to pass to :func:`combine`
        (``combine([*batch_reports, check_row_count(total, expected)])``).

    """
    ok = total == expected
    return ExpectationOutcome(
        check="row_count",
        expectation="expect_table_row_count_to_equal",
        success=ok,
        element_count=total,
        detail=None if ok else f"expected {expected} rows, found {total}",
    )


def check_parts(
    folder: Path, parts: Iterable[tuple[str, int]], schema: pa.Schema
) -> ExpectationOutcome:
    """Check the release's files as a whole: every part has the release's schema and rows.

    Parts of a partitioned release are written by different workers; this reads each file's
    Parquet footer (not its data) and checks its column names and types against ``schema``
    and its row count against the one its writer reported.

    Args:
        folder: The folder holding the parts.
        parts: (file name, rows reported) per part.
        schema: The release's schema.
    """
    checked, problems = 0, []
    for name, rows in parts:
        checked += 1
        metadata = pq.ParquetFile(folder / name).metadata
        found = metadata.schema.to_arrow_schema()
        same = found.names == schema.names and all(
            a.type.equals(b.type) for a, b in zip(found, schema, strict=True)
        )
        if not same:
            problems.append(f"{name}: columns or types differ from the release schema")
        elif metadata.num_rows != rows:
            problems.append(f"{name}: {metadata.num_rows} rows where {rows} were written")
    return ExpectationOutcome(
        check="parts",
        expectation="expect_parts_to_match_release_schema",
        success=not problems,
        element_count=checked,
        unexpected_count=len(problems),
        detail="; ".join(problems[:5]) or None,
    )


def combine(
    reports: Iterable[ValidationReport | ExpectationOutcome],
    extra: Iterable[ExpectationOutcome] = (),
) -> ValidationReport:
    """Add up batch reports into one report for the whole release.

    Outcomes of the same expectation (same check, type, column and pattern) are merged: the
    merged one succeeds only if every batch did, and its counts are the sums. Details of
    failures are kept, each once. Release-wide outcomes such as :func:`check_row_count`'s may
    be given among ``reports`` or in ``extra``; they add no rows. Validate the batches with
    ``expected_rows=None`` so that the only row count check is the total's.

    Args:
        reports: Reports of the batches (usually from the same suite), and release-wide outcomes.
        extra: More release-wide outcomes.

    Returns:
        The report of the whole release.

    """
    merged: dict[tuple[str, str, str | None, str | None], ExpectationOutcome] = {}
    rows = batches = 0
    for item in itertools.chain(reports, extra):
        if isinstance(item, ValidationReport):
            rows += item.rows
            batches += item.batches
            outcomes: Iterable[ExpectationOutcome] = item.results
        else:
            outcomes = (item,)
        for outcome in outcomes:
            previous = merged.get(outcome.key)
            merged[outcome.key] = outcome if previous is None else _merge(previous, outcome)
    results = tuple(merged.values())
    return ValidationReport(
        success=all(r.success for r in results), rows=rows, batches=batches, results=results
    )


def _merge(a: ExpectationOutcome, b: ExpectationOutcome) -> ExpectationOutcome:
    def add(x: int | None, y: int | None) -> int | None:
        return None if x is None and y is None else (x or 0) + (y or 0)

    details = [d for d in (a.detail, b.detail) if d is not None]
    return a.model_copy(
        update={
            "success": a.success and b.success,
            "element_count": add(a.element_count, b.element_count),
            "unexpected_count": add(a.unexpected_count, b.unexpected_count),
            "detail": "; ".join(dict.fromkeys(details)) or None,
        }
    )
