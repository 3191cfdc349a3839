"""Post-processing of released DP estimates: feasible ranges, clamping, the mean's interval.

Everything here reads only what OpenDP released (noisy values) and public facts (the spec's
bounds, ``max_rows``, the half-widths OpenDP reports), so it costs no privacy: it is
post-processing, and it never draws a random number.

- :func:`feasible_range`: what an estimate can possibly be. Counts lie in ``[0, max_rows]``;
  a sum of values clamped to ``[low, high]`` over at most ``max_rows`` rows lies in
  ``[max_rows * min(low, 0), max_rows * max(high, 0)]`` (the row count itself is private);
  a mean, median or quantile lies within ``bounds``.
- :func:`clamp_estimates`: estimates outside their feasible range are moved to its nearest
  end and flagged in the ``clamped`` column. Clamping moves an estimate towards every possible
  true value, so it never makes the error larger and the stated half-width still holds.
- :func:`mean_estimates`: a mean is released as a noisy sum and a noisy count (one OpenDP
  query, as OpenDP's own ``dp.mean`` does) divided here. Its 95% interval is derived
  conservatively: OpenDP's half-widths of the sum and the count are taken at 97.5% each, so
  both hold at once with probability at least 95% (union bound); the true mean then lies
  between the smallest and the largest ratio over that box (its corners), intersected with the
  bounds. The stated accuracy is the larger distance from the estimate to either end.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from privacy.dp_spec import DpQuery

CLAMPED = "clamped"
"""Boolean column: the estimate was moved into its feasible range."""

CLAMP_NOTE = "clamped to the feasible range (post-processing, no privacy cost)"
"""What a ``clamped`` flag means, for the manifest and the README."""

MEAN_INTERVAL = (
    "noisy sum / noisy count; 95% interval from OpenDP's 97.5% half-widths of the sum and the "
    "count (union bound): the range of sum/count over that box, within the bounds; accuracy is "
    "the larger distance from the estimate to an end of the interval"
)
"""How a mean's accuracy is derived, for the manifest and the README."""


def feasible_range(query: DpQuery, max_rows: int) -> tuple[float, float]:
    """The values an estimate of ``query`` can take on any table of at most ``max_rows`` rows."""
    if query.statistic in ("count", "histogram"):
        return (0.0, float(max_rows))
    assert query.bounds is not None
    low, high = (float(b) for b in query.bounds)
    if query.statistic == "sum":
        return (max_rows * min(low, 0.0), max_rows * max(high, 0.0))
    return (low, high)


def clamp_estimates(
    frame: pl.DataFrame, column: str, feasible: tuple[float, float]
) -> pl.DataFrame:
    """Clamp ``column`` into ``feasible`` and add the ``clamped`` flag (True where it moved)."""
    low, high = feasible
    value = pl.col(column)
    if frame.schema[column].is_integer():
        low, high = int(np.ceil(low)), int(np.floor(high))
    outside = (value < low) | (value > high)
    return frame.with_columns(
        outside.fill_null(False).alias(CLAMPED), value.clip(low, high).alias(column)
    )


def mean_estimates(
    sums: np.ndarray,
    counts: np.ndarray,
    half_widths: tuple[float, float],
    bounds: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means from noisy sums and counts: (estimate, 95% half-width, clamped) per group.

    Args:
        sums: The noisy sums of the clamped values, one per group.
        counts: The noisy counts of the values, one per group.
        half_widths: OpenDP's 97.5% half-widths of the sum and of the count.
        bounds: The query's clamping bounds ``(low, high)``.

    Returns:
        The estimate (``sum / count`` clamped to the bounds; the bounds' midpoint where the noisy
        count is not positive), the half-width of its conservative 95% interval, and whether
        the estimate was clamped (or replaced by the midpoint).

    """
    low, high = bounds
    sums, counts = np.asarray(sums, dtype=float), np.asarray(counts, dtype=float)
    a_sum, a_count = half_widths
    positive = counts > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(positive, sums / np.where(positive, counts, 1.0), (low + high) / 2)
    estimate = np.clip(raw, low, high)
    clamped = ~positive | (raw < low) | (raw > high)
    # The interval: every ratio s/n with |s - sum| <= a_sum and |n - count| <= a_count, n >= 1.
    n_low = counts - a_count
    informative = n_low >= 1
    n_low = np.where(informative, n_low, 1.0)
    n_high = counts + a_count
    s_low, s_high = sums - a_sum, sums + a_sum
    lower = np.minimum(s_low / n_low, s_low / n_high)
    upper = np.maximum(s_high / n_low, s_high / n_high)
    lower = np.where(informative, np.clip(lower, low, high), low)
    upper = np.where(informative, np.clip(upper, low, high), high)
    accuracy = np.maximum(estimate - lower, upper - estimate)
    return estimate, accuracy, clamped
