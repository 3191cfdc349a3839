"""Validation before publish: a Great Expectations suite derived from the release plan.

:func:`build_suite` turns a :class:`~privacy.plan.ReleasePlan` and the output's Arrow schema
into a GX :class:`~great_expectations.core.ExpectationSuite`; :func:`validate_release` runs it
on one de-identified batch and returns a :class:`ValidationReport` of counts. A release is
validated batch by batch; :func:`combine` sums the batch reports and :func:`check_row_count`
adds the total row count check. :meth:`ValidationReport.raise_if_failed` then refuses to
publish with :class:`~privacy.errors.ResidualPHI` or :class:`~privacy.errors.ValidationFailed`.

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
names, pattern names and counts, never GX's raw result. GX is imported on first use (it takes
seconds) into one in-memory ("ephemeral") context per process, with progress bars and
analytics off; it writes no files and makes no network call.
"""

from __future__ import annotations

import itertools
import threading
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from privacy import entities
from privacy.errors import InternalError, ResidualPHI, ValidationFailed
from privacy.phi_patterns import RESIDUAL_PATTERNS
from privacy.plan import ReleasePlan

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite

MIN_YEAR = 1800
"""Smallest year accepted in a ``year`` column."""

DEFAULT_MAX_AGE = 90
"""Largest age accepted in an ``AGE`` column that has no ``max_value`` of its own."""

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

_RESULT_FORMAT: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 0}
"""Counts only: GX's default result format lists offending values (PHI)."""

_TYPE_METRIC = "column.shareable_type_family"
_MISSING = "column is missing, so this check could not run"
_SUITE_CACHE_SIZE = 8


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
        if failure.column is not None and failure.detail == _MISSING:
            missing[failure.column] = missing.get(failure.column, 0) + 1
    lines: list[str] = []
    for failure in failures:
        if failure.column is not None and failure.detail == _MISSING:
            count = missing.pop(failure.column, 0)
            if count:
                lines.append(
                    f"column {failure.column!r}: missing, so {count} check(s) on it could not run"
                )
        else:
            lines.append(failure.describe())
    return lines


# --------------------------------------------------------------------------- GX runtime


class _Runtime:
    """GX objects shared by every validation in this process (built once, see :func:`_gx`)."""

    def __init__(self) -> None:
        # GX's import emits DeprecationWarnings (it imports sre_constants / sre_parse) and calls
        # logging.captureWarnings(True), which would reroute every later warning of the process
        # into logging; catch_warnings() restores warnings.showwarning on exit.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import great_expectations as gx
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )
        self.gx = gx
        # GX's default ephemeral context adds a data docs site in a temporary folder (and logs
        # its path); validation never builds docs, so the context has no docs site at all.
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
        )
        self.context = gx.get_context(mode="ephemeral", project_config=config)
        self.context.enable_analytics(False)
        self.context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        source = self.context.data_sources.add_pandas(name="shareable")
        asset = source.add_dataframe_asset(name="release_batch")
        self.batch_definition = asset.add_batch_definition_whole_dataframe(name="whole_batch")
        self.type_expectation = _define_type_expectation()
        self.lock = threading.Lock()


_runtime: _Runtime | None = None
_runtime_lock = threading.Lock()


def _gx() -> _Runtime:
    """Return this process's GX runtime, building it on first use (GX imports in seconds)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = _Runtime()
        return _runtime


def _define_type_expectation() -> type:
    """Define the column type expectation (GX's own cannot name pandas 3 dtypes).

    ``ExpectColumnValuesToBeInTypeList`` compares a pandas dtype with objects built from the
    type names; pandas 3's default string dtype (``str``), ``string[pyarrow]`` and Arrow-backed
    dtypes cannot be named that way, so a correct string column always fails. This expectation
    compares type *families* (integer, floating, string ...) of the pandas column and of the
    output's Arrow field instead.
    """
    from great_expectations.execution_engine import PandasExecutionEngine
    from great_expectations.expectations.expectation import ColumnAggregateExpectation
    from great_expectations.expectations.metrics.column_aggregate_metric_provider import (
        ColumnAggregateMetricProvider,
        column_aggregate_value,
    )

    class ColumnShareableTypeFamily(ColumnAggregateMetricProvider):
        metric_name = _TYPE_METRIC
        value_keys = ()

        @column_aggregate_value(engine=PandasExecutionEngine)
        def _pandas(cls, column: pd.Series, **kwargs: Any) -> str:  # noqa: N805 (GX passes cls)
            return series_type_family(column)

    class ExpectColumnValuesToHaveTypeFamily(ColumnAggregateExpectation):
        """Expect the column to hold values of one type family (see ``arrow_type_family``)."""

        family: str
        metric_dependencies = (_TYPE_METRIC,)
        success_keys = ("family",)
        args_keys = ("column", "family")

        def _validate(
            self,
            metrics: dict,
            runtime_configuration: dict | None = None,
            execution_engine: Any = None,
        ) -> dict:
            observed = metrics[_TYPE_METRIC]
            expected = self.configuration.kwargs["family"]
            ok = observed == expected or observed == "empty"
            ok = ok or (expected == "floating" and observed == "integer")
            return {"success": ok, "result": {"observed_value": observed}}

    del ColumnShareableTypeFamily  # registered with GX by its metaclass
    return ExpectColumnValuesToHaveTypeFamily


# --------------------------------------------------------------------------- type families


def arrow_type_family(arrow_type: pa.DataType) -> str:
    """Return the type family of an Arrow type: ``integer``, ``floating``, ``string`` ...

    Args:
        arrow_type: A field type of the output schema.

    Returns:
        One of ``integer``, ``floating``, ``decimal``, ``boolean``, ``string``, ``binary``,
        ``date``, ``timestamp``, or the Arrow type's own name for anything else.

    """
    t = arrow_type
    if pa.types.is_dictionary(t):
        t = t.value_type
    checks = (
        ("integer", pa.types.is_integer),
        ("floating", pa.types.is_floating),
        ("decimal", pa.types.is_decimal),
        ("boolean", pa.types.is_boolean),
        ("string", lambda x: pa.types.is_string(x) or pa.types.is_large_string(x)),
        ("string", pa.types.is_string_view),
        ("binary", lambda x: pa.types.is_binary(x) or pa.types.is_large_binary(x)),
        ("date", pa.types.is_date),
        ("timestamp", pa.types.is_timestamp),
    )
    for family, test in checks:
        if test(t):
            return family
    return str(t)


_INFERRED_FAMILY = {
    "string": "string",
    "empty": "empty",
    "integer": "integer",
    "floating": "floating",
    "mixed-integer-float": "floating",
    "decimal": "decimal",
    "boolean": "boolean",
    "bytes": "binary",
    "date": "date",
    "datetime": "timestamp",
    "datetime64": "timestamp",
}


def series_type_family(series: pd.Series) -> str:
    """Return the type family of a pandas column, in :func:`arrow_type_family`'s terms.

    Families describe the values, not the dtype: a floating column whose non-null values are
    all whole numbers is ``integer`` (that is how pandas holds an integer column with nulls,
    and Arrow converts it back losslessly). Object columns are inspected value by value. A
    column of nulls only is ``empty``; an object column mixing families is ``mixed``.
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return series_type_family(pd.Series(dtype.categories))
    if isinstance(dtype, pd.ArrowDtype):
        family = arrow_type_family(dtype.pyarrow_dtype)
    elif pd.api.types.is_object_dtype(dtype):
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        family = _INFERRED_FAMILY.get(inferred, "mixed")
    elif pd.api.types.is_bool_dtype(dtype):
        family = "boolean"
    elif pd.api.types.is_integer_dtype(dtype):
        family = "integer"
    elif pd.api.types.is_float_dtype(dtype):
        family = "floating"
    elif pd.api.types.is_string_dtype(dtype):
        family = "string"
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        family = "timestamp"
    else:
        family = str(dtype)
    if family == "floating":
        values = series.dropna()
        if values.empty:
            return "empty"
        numbers = values.to_numpy(dtype="float64")
        if bool(np.isfinite(numbers).all() and (numbers == np.floor(numbers)).all()):
            return "integer"
    return family


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
    runtime = _gx()
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
    runtime = _gx()
    with runtime.lock:
        batch = runtime.batch_definition.get_batch(batch_parameters={"dataframe": df})
        result = batch.validate(suite, result_format=_RESULT_FORMAT)
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
        return _MISSING
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
    runtime = _gx()
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
        result = batch.validate(suite, result_format=_RESULT_FORMAT)
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
    import pyarrow.parquet as pq

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
