"""The public group keys of DP queries: histogram bins, keys in the spec or a key file.

Grouping by a column reveals its categories unless they are public. :func:`public_keys` settles
each grouped query's key set before anything is measured (the spec's ``keys``, a
``keys_file``, the histogram's bins, or none: DP partition selection) and says where it came
from, for the manifest. :func:`bin_expression` labels each value with its histogram bin.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl

from privacy.dp_spec import DpQuery
from privacy.errors import SpecError

BIN_SUFFIX = "_bin"


def bin_labels(bins: tuple[float, ...]) -> list[str]:
    """The label of each bin: ``[a, b)``, the last one ``[a, b]``."""
    edges = [_number(b) for b in bins]
    labels = [f"[{a}, {b})" for a, b in itertools.pairwise(edges)]
    labels[-1] = labels[-1][:-1] + "]"
    return labels


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def bin_expression(query: DpQuery) -> pl.Expr:
    """Label each value with its bin (values outside the edges clamp into the outer bins)."""
    assert query.bins is not None and query.column is not None
    labels = bin_labels(query.bins)
    value = pl.col(query.column).cast(pl.Float64)
    expression = pl.when(value.is_null() | value.is_nan()).then(pl.lit(None, dtype=pl.String))
    for edge, label in zip(query.bins[1:-1], labels[:-1], strict=True):
        expression = expression.when(value < edge).then(pl.lit(label))
    return expression.otherwise(pl.lit(labels[-1])).alias(bin_column(query))


def bin_column(query: DpQuery) -> str:
    """The name of a histogram's bin column (``<column>_bin``)."""
    return f"{query.column}{BIN_SUFFIX}"


def public_keys(
    query: DpQuery, schema: pl.Schema, spec_dir: Path | None
) -> tuple[pl.DataFrame | None, str]:
    """The public key set of a grouped query, and how it was chosen (for the manifest)."""
    bin_keys = None
    if query.statistic == "histogram":
        assert query.bins is not None
        bin_keys = pl.DataFrame({bin_column(query): bin_labels(query.bins)})
    if not query.by:
        origin = "histogram bins from the spec" if bin_keys is not None else "no grouping"
        return bin_keys, origin
    if query.group_keys is not None:
        frames = [
            pl.DataFrame({c: list(query.group_keys[c])}).select(
                _cast_key(pl.col(c), schema[c], query, c)
            )
            for c in query.by
        ]
        origin = "public keys listed in the spec"
    elif query.keys_file is not None:
        frames = [_read_keys_file(query, schema, spec_dir)]
        origin = f"public keys from the file {query.keys_file.name}"
    else:
        return None, "DP partition selection (noisy count above a threshold, uses delta)"
    keys = frames[0]
    for frame in frames[1:]:
        keys = keys.join(frame, how="cross")
    if bin_keys is not None:
        keys = keys.join(bin_keys, how="cross")
        origin += " x histogram bins from the spec"
    return keys.unique(maintain_order=True), origin


def _cast_key(expr: pl.Expr, dtype: pl.DataType, query: DpQuery, column: str) -> pl.Expr:
    return expr.cast(pl.String).cast(dtype, strict=True).alias(column)


def _read_keys_file(query: DpQuery, schema: pl.Schema, spec_dir: Path | None) -> pl.DataFrame:
    assert query.keys_file is not None
    path = query.keys_file if spec_dir is None else spec_dir / query.keys_file
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise SpecError(
            f"query `{query.name}`: cannot read `keys_file` {path} ({type(exc).__name__}); it "
            f"must be a CSV with a header naming the `by` columns ({', '.join(query.by)})."
        ) from None
    missing = [c for c in query.by if c not in raw.columns]
    if missing:
        raise SpecError(
            f"query `{query.name}`: `keys_file` {path.name} lacks the column(s) "
            f"{', '.join(missing)}; add one column per `by` column."
        )
    if raw.height == 0:
        raise SpecError(f"query `{query.name}`: `keys_file` {path.name} lists no keys.")
    try:
        return raw.select([_cast_key(pl.col(c), schema[c], query, c) for c in query.by])
    except pl.exceptions.PolarsError:
        raise SpecError(
            f"query `{query.name}`: a value in `keys_file` {path.name} does not fit the type of "
            "its column in the source."
        ) from None


def quantile_candidates(query: DpQuery) -> list[float] | None:
    """The candidates a median or quantile is chosen from (None for other statistics)."""
    if query.statistic not in ("median", "quantiles"):
        return None
    if query.candidates is not None:
        return [float(c) for c in query.candidates]
    assert query.bounds is not None
    low, high = query.bounds
    return [low + (high - low) * i / 100 for i in range(101)]
