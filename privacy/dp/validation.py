"""Validating a DP release before publication: its outputs and its metadata, with GX.

:func:`validate_outputs` checks every query's table (only group keys, estimate and accuracy;
public keys only) and the DP facts of the manifest (a budget, mechanism and key origin per
query; budgets adding up to at most the release's). Results are names and counts, never values.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from privacy.budget import Budget, parse_share
from privacy.dp.compute import QueryResult
from privacy.dp.plan import ESTIMATE, DpPlan
from privacy.errors import ValidationFailed
from privacy.gx_runtime import RESULT_FORMAT, gx_runtime


class DpCheck(BaseModel):
    """The outcome of one check of a DP release: names and counts, never values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: str = Field(description="Query name, or `manifest`.")
    check: str = Field(description="What is checked, in Shareable's words.")
    expectation: str = Field(description="GX expectation type.")
    success: bool
    unexpected_count: int | None = None


class DpValidationReport(BaseModel):
    """Validation of a DP release before it is published."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    success: bool
    results: tuple[DpCheck, ...]

    def raise_if_failed(self) -> None:
        """Raise :class:`~privacy.errors.ValidationFailed` listing the failed checks."""
        failures = [r for r in self.results if not r.success]
        if not failures:
            return
        lines = "\n".join(
            f"  - {f.target}: {f.check} [{f.expectation}]"
            + (f" ({f.unexpected_count} value(s))" if f.unexpected_count else "")
            for f in failures
        )
        raise ValidationFailed(
            "Validation failed: the DP release does not match its plan; nothing was published "
            f"(the budget charge stands).\n{lines}",
            failures=[f.model_dump() for f in failures],
        )


def validate_outputs(
    plan: DpPlan, results: list[QueryResult], dp_metadata: dict[str, Any]
) -> DpValidationReport:
    """Check each output and the DP metadata with Great Expectations before publishing.

    Per query: the columns are exactly group keys, [quantile], estimate, accuracy, clamped (so
    no row-level or source column other than the group keys can leak); estimates are numeric
    and within their feasible range;
    with public keys, every released key is one of them and there are at most as many rows
    as keys. For the manifest: every query has an epsilon > 0, a delta, a mechanism and a key
    origin, and the query budgets add up to at most the release's.
    """
    runtime = gx_runtime()
    gxe = runtime.gx.expectations
    checks: list[DpCheck] = []
    for result in results:
        query_plan = result.plan
        suite = runtime.gx.ExpectationSuite(name=f"shareable-dp-{query_plan.query.name}")
        labels: list[str] = []

        def add(expectation: Any, label: str, suite=suite, labels=labels) -> None:
            suite.add_expectation(expectation)
            labels.append(label)

        add(
            gxe.ExpectTableColumnsToMatchOrderedList(column_list=query_plan.output_columns),
            "columns are group keys, estimate and accuracy only (no row-level column)",
        )
        add(
            gxe.ExpectColumnValuesToNotBeNull(column=ESTIMATE),
            "every group has an estimate",
        )
        low, high = query_plan.feasible
        add(
            gxe.ExpectColumnValuesToBeBetween(column=ESTIMATE, min_value=low, max_value=high),
            "estimates lie in their feasible range (clamped by post-processing)",
        )
        if query_plan.keys is not None:
            add(
                gxe.ExpectTableRowCountToBeBetween(min_value=0, max_value=query_plan.keys.height),
                "no more rows than public keys",
            )
            for column in query_plan.keys.columns:
                values = query_plan.keys[column].to_list()
                add(
                    gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values),
                    f"released keys of {column} are public keys",
                )
        elif not query_plan.group_columns:
            add(gxe.ExpectTableRowCountToEqual(value=1), "one row (ungrouped statistic)")
        checks += _run_suite(
            runtime, suite, labels, result.table.to_pandas(), query_plan.query.name
        )
    checks += _check_metadata(runtime, plan, dp_metadata)
    return DpValidationReport(success=all(c.success for c in checks), results=tuple(checks))


def _check_metadata(runtime: Any, plan: DpPlan, metadata: dict[str, Any]) -> list[DpCheck]:
    gxe = runtime.gx.expectations
    rows = metadata.get("queries") or []
    frame = pd.DataFrame(
        {
            "name": [r.get("name") for r in rows],
            "epsilon": [_float(r.get("epsilon")) for r in rows],
            "delta": [_float(r.get("delta")) for r in rows],
            "mechanism": [r.get("mechanism") for r in rows],
            "keys": [r.get("keys") for r in rows],
        }
    )
    suite = runtime.gx.ExpectationSuite(name="shareable-dp-manifest")
    labels = []
    for expectation, label in (
        (
            gxe.ExpectTableRowCountToEqual(value=len(plan.queries)),
            "DP metadata for every query",
        ),
        (gxe.ExpectColumnValuesToNotBeNull(column="epsilon"), "epsilon per query"),
        (
            gxe.ExpectColumnValuesToBeBetween(column="epsilon", min_value=0, strict_min=True),
            "epsilon > 0",
        ),
        (gxe.ExpectColumnValuesToNotBeNull(column="delta"), "delta per query"),
        (gxe.ExpectColumnValuesToNotBeNull(column="mechanism"), "mechanism per query"),
        (gxe.ExpectColumnValuesToNotBeNull(column="keys"), "key origin per query"),
    ):
        suite.add_expectation(expectation)
        labels.append(label)
    checks = _run_suite(runtime, suite, labels, frame, "manifest")
    spent = sum((q.budget for q in plan.queries), Budget.zero())
    bounds = metadata.get("privacy_unit", {}).get("max_contributions")
    checks.append(
        DpCheck(
            target="manifest",
            check="query budgets add up to at most the release's budget",
            expectation="shareable_budget_sum",
            success=spent.fits_in(plan.per_release + Budget.of("1e-30", "1e-30")),
        )
    )
    checks.append(
        DpCheck(
            target="manifest",
            check="contribution bound recorded",
            expectation="shareable_contribution_bound",
            success=isinstance(bounds, int) and bounds >= 1,
        )
    )
    return checks


def _float(value: Any) -> float | None:
    try:
        return parse_share(str(value)) if value is not None else None
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _run_suite(
    runtime: Any, suite: Any, labels: list[str], frame: pd.DataFrame, target: str
) -> list[DpCheck]:
    with runtime.lock:
        batch = runtime.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format=RESULT_FORMAT)
    by_config = {}
    for item in result.results:
        raw = item.to_json_dict()
        config = raw.get("expectation_config") or {}
        by_config[_key(config)] = raw
    checks = []
    for expectation, label in zip(suite.expectations, labels, strict=True):
        config = expectation.configuration.to_json_dict()
        raw = by_config.get(_key(config), {})
        unexpected = (raw.get("result") or {}).get("unexpected_count")
        checks.append(
            DpCheck(
                target=target,
                check=label,
                expectation=str(config.get("type", "unknown")),
                success=bool(raw.get("success")),
                unexpected_count=int(unexpected) if isinstance(unexpected, int) else None,
            )
        )
    return checks


def _key(config: dict[str, Any]) -> str:
    kwargs = {k: v for k, v in (config.get("kwargs") or {}).items() if k != "batch_id"}
    return json.dumps([config.get("type"), kwargs], sort_keys=True, default=str)
