"""Validation before publish: a Great Expectations suite derived from the release plan.

:func:`build_suite` turns a :class:`~privacy.plan.ReleasePlan` and the output's Arrow schema
into a GX :class:`~great_expectations.core.ExpectationSuite`; :func:`validate_release` runs it
on one de-identified batch and returns a :class:`~privacy.validation_report.ValidationReport`
of counts. A release is validated batch by batch; ``privacy.validation_report.combine`` sums
the batch reports with the release-wide checks (row count, parts, and :func:`check_k_anonymity`
here), and the report's ``raise_if_failed`` refuses to publish.

What the suite checks:

* the output columns are exactly ``plan.output_columns``, in order (so dropped columns are gone);
* each column's values have the type family of its field in the output schema;
* no string column matches any pattern of :data:`privacy.phi_patterns.RESIDUAL_PATTERNS`
  (one expectation per column and pattern, its ``meta`` naming the pattern);
* ``top_code`` and ``AGE`` columns stay at or below their maximum (90 by default);
* ``zip3`` columns hold three digits and no restricted prefix;
* ``year`` columns lie within [1800, the plan's reference year];
* the row count, when it is known;
* k-anonymity releases: quasi-identifiers (generalised by their hierarchies, possibly keeping
  detail Safe Harbor would remove) are exempt from the residual-PHI and maximum checks; instead
  :func:`check_k_anonymity` checks, on the class sizes of the whole output, that every class
  holds at least k records and l distinct sensitive values.

No value ever leaves this module: GX runs with ``partial_unexpected_count=0`` (by default it
echoes the offending values, i.e. PHI), and the report keeps only expectation types, column
names, pattern names and counts, never GX's raw result. GX runs in the process-wide runtime of
``privacy/gx_runtime.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from privacy import entities
from privacy.errors import InternalError
from privacy.gx_runtime import RESULT_FORMAT, arrow_type_family, gx_runtime, series_type_family
from privacy.phi_patterns import RESIDUAL_PATTERNS
from privacy.plan import ReleasePlan
from privacy.validation_report import MISSING, Check, ExpectationOutcome, ValidationReport

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite

MIN_YEAR = 1800
"""Smallest year accepted in a ``year`` column."""

DEFAULT_MAX_AGE = 90
"""Largest age accepted in an ``AGE`` column that has no ``max_value`` of its own."""

_SUITE_CACHE_SIZE = 8


# --------------------------------------------------------------------------- the suite


def build_suite(
    plan: ReleasePlan,
    output_schema: pa.Schema,
    expected_rows: int | None = None,
    generalised: frozenset[str] = frozenset(),
) -> ExpectationSuite:
    """Derive the validation suite of a release from its plan and output schema.

    Args:
        plan: The release plan the output was produced with.
        output_schema: Arrow schema of the output; its field types decide the type checks and
            which columns are searched for residual identifiers (string columns).
        expected_rows: Row count the output must have, or None to leave it unchecked (per
            batch; check the total with :func:`check_row_count`).
        generalised: Quasi-identifiers of a k-anonymity release: no residual-PHI or maximum
            checks on them (their detail is bounded by k instead, see
            :func:`check_k_anonymity`).

    Returns:
        A GX ``ExpectationSuite``; every expectation's ``meta`` holds ``check`` (see
        :class:`ExpectationOutcome`) and, for residual identifiers, ``pattern``.

    Raises:
        InternalError: The schema does not have exactly the plan's output columns, or a ``year``
            column is not an integer column (the plan and the transforms disagree).

    """
    runtime = gx_runtime()
    gxe = runtime.gx.expectations
    expected_columns = plan.output_columns
    if list(output_schema.names) != expected_columns:
        raise InternalError(
            "build_suite: the output schema's columns differ from the plan's output columns"
        )
    suite = runtime.gx.ExpectationSuite(name=f"shareable-{plan.dataset}")

    def add(expectation: Any, check: Check, **meta: str) -> None:
        expectation.meta = {"check": check, **meta}
        suite.add_expectation(expectation)

    add(gxe.ExpectTableColumnsToMatchOrderedList(column_list=expected_columns), "columns")
    if expected_rows is not None:
        add(gxe.ExpectTableRowCountToEqual(value=expected_rows), "row_count")

    reference_year = plan.reference_date.year
    for field in output_schema:
        name, family = field.name, arrow_type_family(field.type)
        column_plan = plan.for_column(name)
        add(runtime.type_expectation(column=name, family=family), "type", family=family)
        if family == "string" and name not in generalised:
            for pattern in RESIDUAL_PATTERNS:
                add(
                    gxe.ExpectColumnValuesToNotMatchRegex(column=name, regex=pattern.regex),
                    "residual_phi",
                    pattern=pattern.name,
                )
        max_value = column_plan.max_value
        if max_value is None and column_plan.entity == entities.AGE:
            max_value = DEFAULT_MAX_AGE
        if (
            max_value is not None
            and family in ("integer", "floating", "decimal")
            and name not in generalised
        ):
            add(
                gxe.ExpectColumnValuesToBeBetween(column=name, max_value=max_value),
                "max_value",
                max_value=f"{max_value:g}",
            )
        if column_plan.action == "zip3":
            add(gxe.ExpectColumnValuesToMatchRegex(column=name, regex=r"^[0-9]{3}$"), "zip3_format")
            restricted = [z for z in column_plan.restricted_zip3 if z != "000"]
            if restricted:
                add(
                    gxe.ExpectColumnValuesToNotBeInSet(column=name, value_set=restricted),
                    "zip3_restricted",
                )
        if column_plan.action == "year":
            if family != "integer":
                raise InternalError(
                    f"build_suite: year column {name!r} has output type {field.type}, "
                    "expected an integer type"
                )
            add(
                gxe.ExpectColumnValuesToBeBetween(
                    column=name, min_value=MIN_YEAR, max_value=reference_year
                ),
                "year_range",
                range=f"[{MIN_YEAR}, {reference_year}]",
            )
    return suite


_suites: dict[tuple[str, bytes, int | None], ExpectationSuite] = {}
_suites_lock = threading.Lock()


def _cached_suite(
    plan: ReleasePlan,
    output_schema: pa.Schema,
    expected_rows: int | None,
    generalised: frozenset[str] = frozenset(),
) -> ExpectationSuite:
    key = (
        plan.model_dump_json(),
        output_schema.serialize().to_pybytes(),
        expected_rows,
        tuple(sorted(generalised)),
    )
    with _suites_lock:
        suite = _suites.get(key)
    if suite is None:
        suite = build_suite(plan, output_schema, expected_rows, generalised)
        with _suites_lock:
            if len(_suites) >= _SUITE_CACHE_SIZE:
                _suites.pop(next(iter(_suites)))
            _suites[key] = suite
    return suite


# --------------------------------------------------------------------------- running it


def validate_release(
    df: pd.DataFrame,
    plan: ReleasePlan,
    output_schema: pa.Schema,
    expected_rows: int | None = None,
    generalised: frozenset[str] = frozenset(),
) -> ValidationReport:
    """Validate one de-identified batch against the suite of its release plan.

    Args:
        df: The de-identified batch, as it will be written.
        plan: The plan it was produced with.
        output_schema: Arrow schema the release is written with.
        expected_rows: Row count ``df`` must have; None to leave it to :func:`check_row_count`.
        generalised: Quasi-identifiers of a k-anonymity release (see :func:`build_suite`).

    Returns:
        The report (counts only). It is not raised: call
        :meth:`ValidationReport.raise_if_failed`, usually after :func:`combine`.

    """
    suite = _cached_suite(plan, output_schema, expected_rows, frozenset(generalised))
    runtime = gx_runtime()
    with runtime.lock:
        batch = runtime.batch_definition.get_batch(batch_parameters={"dataframe": df})
        result = batch.validate(suite, result_format=RESULT_FORMAT)
    order = {
        _config_key(e.configuration.to_json_dict()): i for i, e in enumerate(suite.expectations)
    }
    raws = sorted(
        (item.to_json_dict() for item in result.results),
        key=lambda raw: order.get(_config_key(raw.get("expectation_config") or {}), len(order)),
    )
    outcomes = tuple(_outcome(raw, df, plan) for raw in raws)
    return ValidationReport(
        success=all(o.success for o in outcomes), rows=len(df), batches=1, results=outcomes
    )


def _config_key(config: dict[str, Any]) -> tuple[Any, ...]:
    meta = config.get("meta") or {}
    kwargs = config.get("kwargs") or {}
    return (meta.get("check"), config.get("type"), kwargs.get("column"), meta.get("pattern"))


def _outcome(raw: dict[str, Any], df: pd.DataFrame, plan: ReleasePlan) -> ExpectationOutcome:
    """Reduce one GX result to counts, dropping everything GX echoes of the data."""
    config = raw.get("expectation_config") or {}
    meta = config.get("meta") or {}
    kwargs = config.get("kwargs") or {}
    result = raw.get("result") or {}
    check: Check = meta.get("check", "columns")
    column = kwargs.get("column")
    success = bool(raw.get("success"))
    unexpected = result.get("unexpected_count")
    elements = result.get("element_count")
    detail = None if success else _failure_detail(check, meta, kwargs, raw, df, plan)
    return ExpectationOutcome(
        check=check,
        expectation=str(config.get("type", "unknown")),
        column=column,
        pattern=meta.get("pattern"),
        success=success,
        element_count=int(elements) if isinstance(elements, int) else None,
        unexpected_count=int(unexpected) if isinstance(unexpected, int) else None,
        detail=detail,
    )


def _failure_detail(
    check: Check,
    meta: dict[str, Any],
    kwargs: dict[str, Any],
    raw: dict[str, Any],
    df: pd.DataFrame,
    plan: ReleasePlan,
) -> str | None:
    """Say what failed in terms of column names, dtypes and plan parameters only."""
    column = kwargs.get("column")
    if check == "columns":
        return _describe_columns(list(df.columns), plan)
    if check == "row_count":
        return f"expected {kwargs.get('value')} rows, found {len(df)}"
    if column is not None and column not in df.columns:
        return MISSING
    if _raised(raw.get("exception_info")):
        return "could not be evaluated (are the column's values of the wrong type?)"
    if check == "type":
        return _describe_type(df[column], meta.get("family", ""))
    if check == "max_value":
        return f"above {meta.get('max_value')}"
    if check == "year_range":
        return f"outside the year range {meta.get('range')}"
    if check == "zip3_format":
        return "are not 3-digit ZIP3 codes"
    if check == "k_anonymity":
        return f"equivalence classes smaller than k={kwargs.get('min_value')}"
    if check == "l_diversity":
        return f"equivalence classes with fewer than l={kwargs.get('min_value')} sensitive values"
    if check == "zip3_restricted":
        return "keep a restricted ZIP3 prefix (should be '000')"
    return None


def _raised(info: Any) -> bool:
    if not isinstance(info, dict):
        return False
    if "raised_exception" in info:
        return bool(info["raised_exception"])
    return any(_raised(v) for v in info.values())


def _describe_columns(found: list[str], plan: ReleasePlan) -> str:
    expected = plan.output_columns
    dropped = [c for c in plan.dropped_columns if c in found]
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected and c not in dropped]
    parts = []
    if dropped:
        parts.append(f"dropped column(s) present: {', '.join(map(repr, dropped))}")
    if missing:
        parts.append(f"missing: {', '.join(map(repr, missing))}")
    if extra:
        parts.append(f"not in the plan: {', '.join(map(repr, extra))}")
    if not parts:
        parts.append("the columns are not in the plan's order")
    return "output columns differ from the plan: " + "; ".join(parts)


def _describe_type(series: pd.Series, family: str) -> str:
    observed = series_type_family(series)
    return f"expected {family} values, found {observed} (dtype {series.dtype})"


# --------------------------------------------------------------------------- combining


def check_k_anonymity(
    class_sizes: Iterable[int],
    k: int,
    distinct_sensitive: Iterable[int] | None = None,
    l: int | None = None,  # noqa: E741 - the letter of the literature (l-diversity)
    effective_l: Iterable[float] | None = None,
) -> list[ExpectationOutcome]:
    """Check k (and l) on the equivalence classes of a whole k-anonymity release, with GX.

    The classes are counted over every written batch (a property of the whole output, so it
    cannot be checked batch by batch); GX runs on a table of counts only, one row per class
    (``class_size`` and ``distinct_sensitive``), so no value can reach its results.

    Args:
        class_sizes: Records of each equivalence class of the output.
        k: Smallest class size allowed.
        distinct_sensitive: Distinct sensitive values of each class (same order), if l is checked.
        l: Smallest number of distinct sensitive values allowed per class.
        effective_l: ``exp(entropy)`` of each class's sensitive values, for entropy
            l-diversity (each must be at least l).

    Returns:
        Outcomes in the format of :func:`validate_release`'s, to pass to :func:`combine`.

    """
    runtime = gx_runtime()
    gxe = runtime.gx.expectations
    frame = pd.DataFrame({"class_size": np.asarray(list(class_sizes), dtype=np.int64)})
    suite = runtime.gx.ExpectationSuite(name="shareable-k-anonymity")
    expectation = gxe.ExpectColumnValuesToBeBetween(column="class_size", min_value=k)
    expectation.meta = {"check": "k_anonymity"}
    suite.add_expectation(expectation)
    if distinct_sensitive is not None and l is not None:
        frame["distinct_sensitive"] = np.asarray(list(distinct_sensitive), dtype=np.int64)
        expectation = gxe.ExpectColumnValuesToBeBetween(column="distinct_sensitive", min_value=l)
        expectation.meta = {"check": "l_diversity"}
        suite.add_expectation(expectation)
        if effective_l is not None:
            frame["effective_l"] = np.asarray(list(effective_l), dtype=np.float64)
            expectation = gxe.ExpectColumnValuesToBeBetween(
                column="effective_l", min_value=l - 1e-9
            )
            expectation.meta = {"check": "l_diversity"}
            suite.add_expectation(expectation)
    with runtime.lock:
        batch = runtime.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format=RESULT_FORMAT)
    outcomes = []
    for item in result.results:
        raw = item.to_json_dict()
        config = raw.get("expectation_config") or {}
        kwargs = config.get("kwargs") or {}
        check = (config.get("meta") or {}).get("check", "k_anonymity")
        counts = raw.get("result") or {}
        success = bool(raw.get("success"))
        what = "smaller than k" if check == "k_anonymity" else "with fewer than l sensitive values"
        outcomes.append(
            ExpectationOutcome(
                check=check,
                expectation=str(config.get("type", "unknown")),
                column=kwargs.get("column"),
                success=success,
                element_count=counts.get("element_count"),
                unexpected_count=counts.get("unexpected_count"),
                detail=None if success else f"equivalence classes {what}={kwargs.get('min_value')}",
            )
        )
    return outcomes
