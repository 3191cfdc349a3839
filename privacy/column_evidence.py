"""What the values of one column showed: span coverage, numeric checks, birth-year caps.

Helpers of :mod:`privacy.column_scan`: :class:`Evidence` accumulates Presidio spans over a
column's sampled values (counts weighted by value frequency, never the values);
``NUMERIC_CHECKS`` test numbers against an entity a header names; :func:`with_birth_caps`
counts how many sampled birth years the age-90 cap would collapse.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from privacy import entities as ent
from privacy.report import ColumnFinding
from privacy.spans import TextSpan
from privacy.text_detection import merge_spans

COVER = 0.6
"""An entity *explains* a value when its spans cover this share of the value's characters."""


@dataclass
class Evidence:
    """What the sampled values of one column showed (counts weighted by value frequency)."""

    found: Counter[str] = field(default_factory=Counter)  # values in which an entity occurs
    explained: Counter[str] = field(default_factory=Counter)  # values an entity covers
    score: Counter[str] = field(default_factory=Counter)  # summed best score when explained
    spans: Counter[str] = field(default_factory=Counter)  # spans per entity (free text)
    with_spans: int = 0  # values holding any span
    # Per distinct value: (weight, number of letters/digits, entity -> positions covered).
    coverage: list[tuple[int, int, dict[str, frozenset[int]]]] = field(default_factory=list)

    sampled: int = 0  # values examined (with repeats)

    def add(self, value: str, spans: list[TextSpan], weight: int) -> None:
        """Count the spans found in ``value``, which occurs ``weight`` times in the sample."""
        self.sampled += weight
        merged = merge_spans(spans)
        if merged:
            self.with_spans += weight
        for span in merged:
            self.spans[span.entity] += weight
        letters = {i for i, c in enumerate(value) if c.isalnum()}
        covered: dict[str, frozenset[int]] = {}
        for entity in sorted({s.entity for s in spans}):
            self.found[entity] += weight
            own = [s for s in spans if s.entity == entity]
            positions = {i for s in own for i in range(s.start, s.end)}
            covered[entity] = frozenset(positions & letters)
            if letters and len(covered[entity]) / len(letters) >= COVER:
                self.explained[entity] += weight
                self.score[entity] += weight * max(s.score for s in own)
        self.coverage.append((weight, len(letters), covered))

    def best(self) -> str | None:
        """The entity explaining the most values (ties: higher total score, then name)."""
        return max(
            self.explained, key=lambda e: (self.explained[e], self.score[e], e), default=None
        )

    def explained_by(self, entities: frozenset[str]) -> int:
        """Values whose letters and digits the spans of ``entities`` together cover."""
        total = 0
        for weight, letters, covered in self.coverage:
            union: set[int] = set()
            for entity in entities & covered.keys():
                union |= covered[entity]
            if letters and len(union) / letters >= COVER:
                total += weight
        return total


def is_nanp_number(value: object) -> bool:
    """A 10-digit North American number (or 11 digits with country code 1), NANP rules."""
    digits = str(value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return len(digits) == 10 and digits[0] in "23456789" and digits[3] in "23456789"


def _in_range(low: float, high: float):
    def check(value: object) -> bool:
        try:
            return low <= float(value) <= high  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False

    return check


def _is_zip(value: object) -> bool:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
    return 501 <= number <= 99999 or 5_010_000 <= number <= 999_999_999


def _is_ssn_number(value: object) -> bool:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
    return 1_000_000 <= number <= 899_999_999 and number // 1_000_000 != 666


NUMERIC_CHECKS = {
    ent.US_SSN: _is_ssn_number,
    ent.ZIP_CODE: _is_zip,
    ent.AGE: _in_range(0, 125),
    ent.GEO_COORDINATE: _in_range(-180, 180),
    ent.PHONE_NUMBER: is_nanp_number,
    ent.FAX_NUMBER: is_nanp_number,
}
"""Plausibility checks of numeric values under a header hint (evidence only)."""


_YEAR_IN_TEXT = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def _years(column: pa.ChunkedArray) -> list[int]:
    """The years of a date column's values: typed dates, YYYYMMDD numbers or written dates."""
    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    values = column.drop_null()
    if pa.types.is_dictionary(column.type):
        values = values.cast(kind)
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        return [y for y in pc.year(values).to_pylist() if y is not None]
    years = []
    for value in values.to_pylist():
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = int(value)
            year = number // 10_000 if number >= 1_000_000 else number
            if 1800 <= year <= 2100:
                years.append(year)
        elif isinstance(value, str):
            found = _YEAR_IN_TEXT.search(value)
            if found:
                years.append(int(found.group(1)))
    return years


def with_birth_caps(table: pa.Table, findings: list[ColumnFinding]) -> list[ColumnFinding]:
    """Add to each birth-date finding how many sampled years the 90+ cap collapses.

    Counted at the release year (the conservative default reference date) and at the latest
    year of the table's other dates (what a steward may choose as ``reference_date`` when the
    data end there), so that the choice and its effect are visible before release.
    """
    this_year = dt.date.today().year
    ends = [
        max((y for y in _years(table.column(f.column)) if y <= this_year), default=None)
        for f in findings
        if f.entity == ent.DATE_TIME
    ]
    data_end = max((y for y in ends if y is not None), default=None)
    result = []
    for finding in findings:
        if finding.entity != ent.BIRTH_DATE:
            result.append(finding)
            continue
        years = _years(table.column(finding.column))
        cap: dict[str, int] = {
            "years_sampled": len(years),
            "release_year": this_year,
            "in_90_plus_at_release": sum(1 for y in years if y <= this_year - 90),
        }
        if data_end is not None:
            cap["data_end_year"] = data_end
            cap["in_90_plus_at_data_end"] = sum(1 for y in years if y <= data_end - 90)
        result.append(finding.model_copy(update={"birth_cap": cap}))
    return result
