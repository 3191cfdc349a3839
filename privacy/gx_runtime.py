"""The process-wide Great Expectations runtime every validation of Shareable runs in.

:func:`gx_runtime` builds, on first use (GX imports in seconds), one in-memory ("ephemeral")
context with progress bars and analytics off, a pandas batch definition, and the type-family
expectation (:func:`arrow_type_family`, :func:`series_type_family`) that GX's own type
expectation cannot express for pandas 3 dtypes. It writes no files and makes no network call.
:data:`RESULT_FORMAT` keeps GX from echoing values (PHI) in its results.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

RESULT_FORMAT: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 0}
"""Counts only: GX's default result format lists offending values (PHI)."""

_TYPE_METRIC = "column.shareable_type_family"


class _Runtime:
    """GX objects shared by every validation in this process (see :func:`gx_runtime`)."""

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


def gx_runtime() -> _Runtime:
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
