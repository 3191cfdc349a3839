"""Planning a DP release: OpenDP's Context API over a Polars LazyFrame, before any query runs.

:func:`plan_dp` checks the ``dp:`` section against the source's columns and types, settles
every query's public keys, and builds one OpenDP ``Context`` whose budget (the spec's
``per_release``) is split across the queries *before* any query runs. It also previews each
query's accuracy (OpenDP's ``summarize``), which spends nothing. Mistakes found here are
:class:`~privacy.errors.SpecError`: nothing has been computed, so nothing is charged.

The privacy unit is stated in one place, :func:`privacy_unit`: with a ``subject_id``, one
individual is one identifier (OpenDP ``unit_of(contributions=1, identifier=...)``) and every
query starts with OpenDP's ``truncate_per_group(max_contributions)``, which keeps at most
``max_contributions`` rows per subject: the first rows in source order (``keep: first``,
deterministic) or a random sample (``keep: sample``). OpenDP derives the sensitivity from the
truncation, so a count's noise scale is ``max_contributions / epsilon``, not its square (which
declaring both ``contributions=max_contributions`` and the truncation would give). Without a
subject id, each row is one individual and the unit is ``contributions=max_contributions``.
Numeric values are clamped to ``bounds`` by OpenDP; missing values (null / NaN) are left out
of numeric statistics and histograms. All noise is OpenDP's: this package builds queries and
reads results, it never draws a random number (post-processing: ``postprocess.py``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl

from privacy.budget import Budget, share_text
from privacy.dp.keys import bin_column, bin_expression, public_keys, quantile_candidates
from privacy.dp.postprocess import CLAMP_NOTE, CLAMPED, MEAN_INTERVAL, feasible_range
from privacy.dp_spec import NUMERIC_STATISTICS, DpQuery, DpSpec
from privacy.errors import SpecError

ALPHA = 0.05
"""Accuracy is the half-width of a (1 - ALPHA) = 95% interval around each estimate."""

ESTIMATE = "estimate"
ACCURACY = "accuracy"
SUM = "__sum"
COUNT = "__count"
QUANTILE = "quantile"


def _opendp():
    """Import OpenDP with its contrib features (the Polars Context API) enabled."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


class OpenDPQuery:
    """Holds an OpenDP object (context, measurement); opaque so Prefect does not walk into it."""

    __slots__ = ("query",)

    def __init__(self, query: Any) -> None:
        self.query = query

    def __repr__(self) -> str:
        return "OpenDPQuery(...)"


@dataclass
class QueryPlan:
    """One query, ready to release: its OpenDP query, budget share, keys and preview."""

    query: DpQuery
    budget: Budget
    output_columns: list[str]
    group_columns: list[str]
    key_origin: str
    keys: pl.DataFrame | None
    mechanism: str
    accuracy: list[dict[str, Any]]
    threshold: int | None
    candidates: list[float] | None
    measurement: OpenDPQuery = field(repr=False)
    feasible: tuple[float, float] = (float("-inf"), float("inf"))
    mean_half_widths: tuple[float, float] | None = None
    share: Fraction = Fraction(1)

    def budget_text(self, per_release: Budget) -> dict[str, str]:
        """This query's (epsilon, delta) for people: ``1/3``, not ``0.333...`` (display only)."""
        return {
            "epsilon": share_text(Fraction(per_release.epsilon) * self.share),
            "delta": share_text(Fraction(per_release.delta) * self.share),
        }


@dataclass
class DpPlan:
    """A DP release, planned: budget split, contribution bounds, one plan per query."""

    spec: DpSpec
    subject_id: str | None
    per_release: Budget
    total: Budget
    queries: list[QueryPlan]
    context: OpenDPQuery = field(repr=False)
    released: bool = False

    def metadata(self, clamped: dict[str, int] | None = None) -> dict[str, Any]:
        """The DP facts of the release for its manifest (no data values).

        Args:
            clamped: Per query name, how many released estimates were clamped into their
                feasible range (known once computed; None before).

        """
        clamped = clamped or {}
        return {
            "mechanism": "OpenDP Context API (opendp.prelude.Context.compositor over Polars)",
            "privacy_unit": {
                "subject_id": self.subject_id,
                "max_contributions": self.spec.max_contributions,
                "contribution_bounding": contribution_bounding(self.spec, self.subject_id),
            },
            "budget_total": self.total.as_dict(),
            "per_release": self.per_release.as_dict(),
            "split": self.spec.split,
            "max_rows": self.spec.max_rows,
            "accuracy_alpha": ALPHA,
            "queries": [
                {
                    "name": q.query.name,
                    "statistic": q.query.statistic,
                    "column": q.query.column,
                    "by": list(q.query.by),
                    **q.budget_text(self.per_release),
                    "mechanism": q.mechanism,
                    "clamping_bounds": list(q.query.bounds) if q.query.bounds else None,
                    "bins": list(q.query.bins) if q.query.bins else None,
                    "quantiles": list(q.query.quantiles) if q.query.quantiles else None,
                    "candidates": len(q.candidates) if q.candidates else None,
                    "keys": q.key_origin,
                    "partition_threshold": q.threshold,
                    "accuracy": q.accuracy,
                    "accuracy_derivation": MEAN_INTERVAL if q.query.statistic == "mean" else None,
                    "feasible_range": list(q.feasible),
                    "estimates_clamped": clamped.get(q.query.name),
                    "clamping": CLAMP_NOTE,
                    "columns": q.output_columns,
                }
                for q in self.queries
            ],
        }


def privacy_unit(spec: DpSpec, subject_id: str | None) -> Any:
    """The OpenDP privacy unit of a release: the one place it is stated.

    With a subject id, an individual is one identifier (``contributions=1``): how many rows it
    may add is bounded by the ``truncate_per_group(max_contributions)`` every query starts
    with (:func:`_plan_query`), from which OpenDP derives the sensitivity. Stating
    ``contributions=max_contributions`` as well would count the bound twice (the sensitivity,
    hence the noise, would be ``max_contributions`` squared). Without a subject id, each
    individual is at most ``max_contributions`` rows.
    """
    dp = _opendp()
    if subject_id is not None:
        return dp.unit_of(contributions=1, identifier=subject_id)
    return dp.unit_of(contributions=spec.max_contributions)


def contribution_bounding(spec: DpSpec, subject_id: str | None) -> str:
    """How extra rows per subject are handled, in words for the manifest."""
    if subject_id is None:
        return (
            "no subject id: each row is treated as one individual contributing at most "
            f"{spec.max_contributions} row(s)"
        )
    if spec.keep == "first":
        how = "dropped deterministically: the first rows of each subject in source order are kept"
    else:
        how = "dropped by random sampling: a uniform random sample of each subject's rows is kept"
    return (
        f"at most {spec.max_contributions} row(s) per {subject_id}; extra rows are {how} "
        "(OpenDP truncate_per_group)"
    )


# --------------------------------------------------------------------------- planning


def plan_dp(
    spec: DpSpec,
    subject_id: str | None,
    data: pl.LazyFrame,
    *,
    row_count: int,
    spec_dir: Path | None = None,
) -> DpPlan:
    """Check the spec against the data's schema, split the budget, build and preview queries.

    Args:
        spec: The ``dp:`` section.
        subject_id: The spec's subject id column (the privacy unit), or None (one row each).
        data: The source as a LazyFrame (not collected here).
        row_count: Rows in the source, checked against the public bound ``spec.max_rows``.
        spec_dir: Folder relative ``keys_file`` paths are resolved against.

    Returns:
        The plan; nothing has been computed on the data and no budget spent.

    Raises:
        SpecError: An unknown column, a numeric statistic on a text column, an unreadable keys
            file, a table larger than ``max_rows``, or a query OpenDP cannot make private.

    """
    dp = _opendp()
    schema = data.collect_schema()
    _check_columns(spec, subject_id, schema)
    if row_count > spec.max_rows:
        raise SpecError(
            f"the table has more rows than `dp.max_rows` ({spec.max_rows}); set `dp.max_rows` to "
            "a public upper bound on the table's size (e.g. the next power of ten)."
        )
    needed = [subject_id] if subject_id else []
    needed += [c for q in spec.queries for c in q.columns if c not in needed]
    needed = list(dict.fromkeys(needed))
    frame = data.select(needed).with_columns(
        [bin_expression(q) for q in spec.queries if q.statistic == "histogram"]
    )
    per_release = Budget.of(spec.per_release.epsilon, spec.per_release.delta)
    total = Budget.of(spec.budget.epsilon, spec.budget.delta)
    epsilon, delta = per_release.as_floats()
    weights = spec.query_weights()
    split: dict[str, Any] = (
        {"split_evenly_over": len(weights)}
        if spec.split == "even"
        else {"split_by_weights": weights}
    )
    unit = privacy_unit(spec, subject_id)
    measure, _ = dp.loss_of(epsilon=epsilon, delta=delta or None)
    margins = [dp.polars.Margin(by=[], max_length=spec.max_rows)]
    try:
        context = dp.Context.compositor(
            data=frame,
            privacy_unit=unit,
            privacy_loss=dp.loss_of(epsilon=epsilon, delta=delta or None),
            margins=margins,
            **split,
        )
    except Exception as exc:  # noqa: BLE001 - OpenDP raises its own exception types
        raise SpecError(f"OpenDP cannot set up this release: {_opendp_reason(exc)}") from None
    weight_sum = sum(Fraction(str(w)) for w in weights)
    plans = []
    for query, weight, d_mid in zip(spec.queries, weights, list(context.d_mids), strict=True):
        share = Fraction(str(weight)) / weight_sum
        budget = per_release.scaled(_decimal(share))
        # The query's measurement is resolved once, against OpenDP's own share of the budget
        # (a one-query context over the same data and unit), previewed, and later submitted
        # to the release's context (``compute``): the budget split is fixed before any query.
        preview = dp.Context.compositor(
            data=frame,
            privacy_unit=unit,
            privacy_loss=(measure, d_mid),
            margins=margins,
            split_evenly_over=1,
        )
        query_plan = _plan_query(preview, spec, subject_id, query, schema, budget, spec_dir)
        query_plan.share = share
        plans.append(query_plan)
    return DpPlan(spec, subject_id, per_release, total, plans, OpenDPQuery(context))


def _decimal(share: Fraction):
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 40
        return Decimal(share.numerator) / Decimal(share.denominator)


def _check_columns(spec: DpSpec, subject_id: str | None, schema: pl.Schema) -> None:
    names = list(schema.names())
    listing = ", ".join(names)
    if subject_id is not None and subject_id not in schema:
        raise SpecError(
            f"`subject_id: {subject_id}` is not a column of the source (columns: {listing})."
        )
    for query in spec.queries:
        for column in query.columns:
            if column not in schema:
                raise SpecError(
                    f"query `{query.name}` uses column `{column}`, which is not in the source "
                    f"(columns: {listing}). Fix `dp.queries` ({query.name})."
                )
            if column == subject_id:
                raise SpecError(
                    f"query `{query.name}` uses the subject id `{column}`; DP queries may not "
                    "group by or measure the privacy unit's identifier."
                )
        numeric = query.statistic in NUMERIC_STATISTICS or query.statistic == "histogram"
        if numeric and not schema[query.column].is_numeric():
            raise SpecError(
                f"query `{query.name}`: {query.statistic} needs a numeric column, but "
                f"`{query.column}` holds {schema[query.column]} values. Set "
                f"`source.options.column_types: {{{query.column}: float64}}` or choose another "
                "column."
            )


def _plan_query(
    context: Any,
    spec: DpSpec,
    subject_id: str | None,
    query: DpQuery,
    schema: pl.Schema,
    budget: Budget,
    spec_dir: Path | None,
) -> QueryPlan:
    dp = _opendp()
    keys, key_origin = public_keys(query, schema, spec_dir)
    base = context.query()
    if subject_id is not None:
        base = base.truncate_per_group(spec.max_contributions, keep=spec.keep)
    candidates = quantile_candidates(query)
    group = list(query.by)
    stat = query.statistic
    if stat == "histogram":
        group = [*group, bin_column(query)]
        base = base.filter(pl.col(bin_column(query)).is_not_null())
    elif query.column is not None:
        value = pl.col(query.column)
        base = base.filter(value.is_not_null() & value.cast(pl.Float64).is_not_nan())
    if stat in ("count", "histogram"):
        exprs = [dp.len(signed=True).alias(ESTIMATE)]
        mechanism = "integer Laplace on counts"
    elif stat == "sum":
        exprs = [_value(query).dp.sum(_bounds(query)).alias(ESTIMATE)]
        mechanism = "Laplace on the clamped sum"
    elif stat == "mean":
        # OpenDP's dp.mean releases only the ratio; measuring the sum and the count in one
        # query (the same noise as dp.mean) keeps both, from which the interval is derived.
        exprs = [
            _value(query).dp.sum(_bounds(query)).alias(SUM),
            dp.len(signed=True).alias(COUNT),
        ]
        mechanism = (
            "Laplace on the clamped sum and integer Laplace on the count (one OpenDP query); "
            "estimate = noisy sum / noisy count (post-processing)"
        )
    else:
        probabilities = [0.5] if stat == "median" else list(query.quantiles or ())
        exprs = [
            _value(query).dp.quantile(p, candidates).alias(_quantile_name(p)) for p in probabilities
        ]
        mechanism = "exponential mechanism over the candidates (OpenDP quantile)"
    if group:
        lazy_query = base.group_by(group).agg(exprs)
        if keys is not None:
            lazy_query = lazy_query.with_keys(keys)
    else:
        lazy_query = base.select(exprs)
    halves = None
    try:
        from opendp.accuracy import summarize_polars_measurement

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # OpenDP's key-set size warning
            measurement = lazy_query.resolve()
            summary = summarize_polars_measurement(measurement, alpha=ALPHA)
            if stat == "mean":
                # Each component at 97.5%: both hold at once with probability >= 95%.
                halves = summarize_polars_measurement(measurement, alpha=ALPHA / 2)
    except Exception as exc:  # noqa: BLE001 - OpenDP raises its own exception types
        raise SpecError(
            f"query `{query.name}`: OpenDP cannot make this query private: {_opendp_reason(exc)}"
        ) from None
    accuracy = [
        {
            "column": row["column"],
            "aggregate": row["aggregate"],
            "distribution": row["distribution"],
            "scale": _finite(row.get("scale")),
            "accuracy_95": _finite(row.get("accuracy")),
        }
        for row in summary.to_dicts()
    ]
    mean_half_widths = None
    if halves is not None:
        by_column = {row["column"]: _finite(row.get("accuracy")) for row in halves.to_dicts()}
        mean_half_widths = (by_column[SUM], by_column[COUNT])
        names = {SUM: "noisy sum", COUNT: "noisy count"}
        for row in accuracy:
            row["accuracy_97_5"] = by_column[row["column"]]
            row["column"] = names[row["column"]]
        accuracy.append(
            {
                "column": ESTIMATE,
                "aggregate": "Mean (noisy sum / noisy count)",
                "distribution": "derived (post-processing)",
                "scale": None,
                "accuracy_95": None,
                "note": "per group, in the accuracy column: " + MEAN_INTERVAL,
            }
        )
    threshold = None
    if "threshold" in summary.columns:
        values = [v for v in summary["threshold"].to_list() if v is not None]
        threshold = int(values[0]) if values else None
    extra = [QUANTILE] if stat in ("median", "quantiles") else []
    return QueryPlan(
        query=query,
        budget=budget,
        output_columns=[*group, *extra, ESTIMATE, ACCURACY, CLAMPED],
        group_columns=group,
        key_origin=key_origin,
        keys=keys,
        mechanism=mechanism,
        accuracy=accuracy,
        threshold=threshold,
        candidates=candidates,
        measurement=OpenDPQuery(measurement),
        feasible=feasible_range(query, spec.max_rows),
        mean_half_widths=mean_half_widths,
    )


def _value(query: DpQuery) -> pl.Expr:
    assert query.column is not None
    return pl.col(query.column).cast(pl.Float64)


def _bounds(query: DpQuery) -> tuple[float, float]:
    assert query.bounds is not None
    return (float(query.bounds[0]), float(query.bounds[1]))


def _quantile_name(probability: float) -> str:
    return f"q{probability!r}"


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _opendp_reason(exc: Exception) -> str:
    """OpenDP's own explanation, without its stack trace (it names columns, not values)."""
    text = str(exc).strip()
    for marker in ('MakeMeasurement("', 'MakeTransformation("', 'FailedFunction("'):
        if marker in text:
            text = text.split(marker, 1)[1].split('")', 1)[0]
            break
    first = text.splitlines()[0] if text else type(exc).__name__
    return first[:400]
