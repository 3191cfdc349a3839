"""Apply a :class:`~privacy.plan.ReleasePlan` to one record batch.

:func:`output_schema` checks a plan against a source schema and says what every batch of the
release will look like; :func:`apply_plan` transforms one batch to exactly that schema and
returns counts of what it did (:class:`TransformStats`, counts only, never values). Both raise
errors that name the column and the problem, never a value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from privacy.entities import PERSON, RECORD_ID
from privacy.errors import InternalError, SecretMissing, SourceError, SpecError
from privacy.plan import ColumnPlan, ReleasePlan
from transforms.dates import cap_birth_years, to_year, unparsed_count
from transforms.geography import zip3
from transforms.numbers import bin_labels, generalize, top_code
from transforms.pseudonymize import KEY_ENV_VAR, pseudonymize
from transforms.text import RowValues, TextSpan, redact_spans, row_value_spans

FindSpans = Callable[[list[str | None]], list[list[TextSpan]]]
"""Detector for free text: one list of spans per text (``None`` texts get an empty list)."""

# Kinds of column, as named in error messages, and the actions each kind allows.
_KINDS: dict[str, Callable[[pa.DataType], bool]] = {
    "string": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t)
    or pa.types.is_string_view(t),
    "integer": pa.types.is_integer,
    "floating-point": pa.types.is_floating,
    "decimal": pa.types.is_decimal,
    "boolean": pa.types.is_boolean,
    "date": pa.types.is_date,
    "timestamp": pa.types.is_timestamp,
    "binary": lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t)
    or pa.types.is_fixed_size_binary(t) or pa.types.is_binary_view(t),
}  # fmt: skip
_ACCEPTS: dict[str, tuple[str, ...]] = {
    "redact": ("string",),
    "pseudonymize": tuple(_KINDS),
    "year": ("date", "timestamp", "string", "integer"),
    "zip3": ("string", "integer"),
    "top_code": ("integer", "floating-point", "decimal"),
    "generalize (bins)": ("integer", "floating-point", "decimal"),
    "generalize (mapping)": ("string", "integer"),
}
_OUTPUT_TYPE: dict[str, pa.DataType] = {
    "redact": pa.string(),
    "pseudonymize": pa.string(),
    "year": pa.int32(),
    "zip3": pa.string(),
    "generalize": pa.string(),
}


@dataclass(frozen=True)
class ColumnStats:
    """What one action did to one column (summed over batches by :meth:`TransformStats.merge`).

    ``changed`` counts the values the action altered: every non-null value for ``drop`` and
    ``pseudonymize``; every value reduced for ``year``, ``zip3`` and ``generalize`` with bins;
    the texts in which at least one span was replaced for ``redact``; the values above the cap
    for ``top_code``; the values whose category changed for ``generalize`` with a mapping;
    none for ``keep``. ``unparseable`` counts non-null, non-blank values that ``year``,
    ``zip3`` or ``generalize`` with bins could not parse or place, and released as null.
    """

    action: str
    non_null: int = 0
    """Non-null input values."""
    changed: int = 0
    """Values altered by the action."""
    unparseable: int = 0
    """Values that could not be parsed and were released as null."""

    def __add__(self, other: ColumnStats) -> ColumnStats:
        """Sum two counts of the same action."""
        if self.action != other.action:
            raise InternalError(
                f"cannot add counts of action {self.action!r} to counts of {other.action!r}"
            )
        return ColumnStats(
            action=self.action,
            non_null=self.non_null + other.non_null,
            changed=self.changed + other.changed,
            unparseable=self.unparseable + other.unparseable,
        )


@dataclass(frozen=True)
class TransformStats:
    """Counts of what :func:`apply_plan` did: rows, and per column :class:`ColumnStats`."""

    rows: int = 0
    columns: Mapping[str, ColumnStats] = field(default_factory=dict)

    def merge(self, other: TransformStats) -> TransformStats:
        """Return the sum of two counts (e.g. of two batches of one release).

        Args:
            other: Counts to add.

        Returns:
            New counts; neither operand changes.

        Raises:
            InternalError: A column has different actions in the two counts.

        """
        columns = dict(self.columns)
        for name, stats in other.columns.items():
            columns[name] = columns[name] + stats if name in columns else stats
        return TransformStats(rows=self.rows + other.rows, columns=columns)

    def as_dict(self) -> dict[str, Any]:
        """Return the counts as plain JSON-ready data (for the manifest)."""
        return {
            "rows": self.rows,
            "columns": {
                name: {
                    "action": s.action,
                    "non_null": s.non_null,
                    "changed": s.changed,
                    "unparseable": s.unparseable,
                }
                for name, s in self.columns.items()
            },
        }


def output_schema(plan: ReleasePlan, input_schema: pa.Schema) -> pa.Schema:
    """Return the schema :func:`apply_plan` gives every batch of ``plan``'s release.

    Columns come in plan order (which is source order) without the dropped ones. Types:
    ``keep`` keeps the source field as it is; ``top_code`` keeps the source type (the value
    type of a dictionary column); ``year`` gives ``int32``; ``redact``, ``pseudonymize``,
    ``zip3`` and ``generalize`` give ``string``. Transformed fields are nullable and carry no
    field metadata; the schema carries no metadata (the source's, e.g. pandas', would be wrong).

    Args:
        plan: The release plan.
        input_schema: Schema of the source batches.

    Returns:
        The output schema.

    Raises:
        SourceError: A planned column is missing from the source, a source column has no plan
            (it would be released unchecked), a column name appears twice, or a column's type
            does not fit its action.
        SpecError: An action's parameters are invalid (fewer than two bins, a restricted ZIP3
            that is not three digits).

    """
    names = input_schema.names
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise SourceError(f"source columns appear more than once: {_names(duplicated)}")
    planned = [c.column for c in plan.columns]
    missing = [c for c in planned if c not in names]
    if missing:
        raise SourceError(
            f"column(s) {_names(missing)} of the release plan of dataset {plan.dataset!r} are "
            "missing from the source. Check the source, or re-run plan against it."
        )
    unplanned = [n for n in names if n not in planned]
    if unplanned:
        raise SourceError(
            f"source column(s) {_names(unplanned)} are not in the release plan of dataset "
            f"{plan.dataset!r}, so nothing says how to de-identify them. Re-run plan against "
            "this source (a column without a plan is never released)."
        )
    fields = []
    for item in plan.columns:
        source = input_schema.field(item.column)
        _check_item(item, source.type)
        if item.action == "drop":
            continue
        if item.action == "keep":
            fields.append(source)
        elif item.action == "top_code":
            fields.append(pa.field(item.column, _value_type(source.type), nullable=True))
        else:
            fields.append(pa.field(item.column, _OUTPUT_TYPE[item.action], nullable=True))
    return pa.schema(fields)


def apply_plan(
    batch: pa.RecordBatch,
    plan: ReleasePlan,
    *,
    pseudonym_key: bytes | None,
    find_spans: FindSpans | None,
) -> tuple[pa.RecordBatch, TransformStats]:
    """De-identify one batch by ``plan``: one action per column.

    Row order and count are preserved; columns come out in plan order, dropped ones removed,
    cast to :func:`output_schema` so that every batch of a release has the same schema.

    Args:
        batch: A batch of the source.
        plan: The release plan.
        pseudonym_key: Key for ``pseudonymize`` columns (see
            ``transforms.pseudonymize.load_pseudonym_key``); may be None if there are none.
        find_spans: Detector for ``redact`` columns; may be None if there are none.

    Returns:
        The de-identified batch, and counts of what was done.

    Raises:
        SourceError: See :func:`output_schema`.
        SpecError: See :func:`output_schema`.
        SecretMissing: The plan pseudonymises a column and ``pseudonym_key`` is None or too
            short.
        InternalError: The plan redacts a column and ``find_spans`` is None, or ``find_spans``
            returns spans that do not fit the texts.

    """
    schema = output_schema(plan, batch.schema)
    if plan.needs_pseudonym_key and pseudonym_key is None:
        raise SecretMissing(
            f"The release plan of dataset {plan.dataset!r} pseudonymises "
            f"{_names([c.column for c in plan.columns if c.action == 'pseudonymize'])} but no "
            f"key was given. Set {KEY_ENV_VAR} (at least 16 characters of random secret)."
        )
    redacted = [c.column for c in plan.columns if c.action == "redact"]
    if redacted and find_spans is None:
        raise InternalError(f"apply_plan was given no find_spans to redact {_names(redacted)}")
    arrays: list[pa.Array] = []
    stats: dict[str, ColumnStats] = {}
    for item in plan.columns:
        values = batch.column(item.column)
        if item.row_identifiers:
            find = _with_row_values(find_spans, _row_values(batch, plan, item))
        else:
            find = find_spans
        result, counts = _apply_one(item, values, plan, pseudonym_key, find)
        stats[item.column] = counts
        if result is None:
            continue
        target = schema.field(item.column).type
        arrays.append(result if result.type == target else result.cast(target))
    if not arrays:  # everything dropped: keep the row count all the same
        empty = pa.array([{}] * batch.num_rows, type=pa.struct([]))
        return pa.RecordBatch.from_struct_array(empty), TransformStats(batch.num_rows, stats)
    out = pa.RecordBatch.from_arrays(arrays, schema=schema)
    return out, TransformStats(rows=batch.num_rows, columns=stats)


def _row_values(batch: pa.RecordBatch, plan: ReleasePlan, item: ColumnPlan) -> list[RowValues]:
    """The same-row identifier values that ``item``'s text loses, as strings."""
    linked = []
    for name in item.row_identifiers:
        column = plan.for_column(name)
        values = _decoded(batch.column(name))
        if not pa.types.is_string(values.type):
            values = values.cast(pa.string())
        entity = column.entity or RECORD_ID  # a column the steward named, of no entity
        linked.append(RowValues(entity, values.to_pylist(), by_word=entity == PERSON))
    return linked


def _with_row_values(find_spans: FindSpans | None, linked: list[RowValues]) -> FindSpans:
    """``find_spans`` plus the spans of the row's own identifier values."""

    def find(texts: list[str | None]) -> list[list[TextSpan]]:
        found = find_spans(texts) if find_spans is not None else [[] for _ in texts]
        own = row_value_spans(texts, linked)
        return [a + b if b else a for a, b in zip(found, own, strict=True)]

    return find


def _apply_one(
    item: ColumnPlan,
    values: pa.Array,
    plan: ReleasePlan,
    key: bytes | None,
    find_spans: FindSpans | None,
) -> tuple[pa.Array | None, ColumnStats]:
    action = item.action
    non_null = len(values) - values.null_count
    if action == "keep":
        return values, ColumnStats(action, non_null)
    if action == "drop":
        return None, ColumnStats(action, non_null, changed=non_null)
    if action == "pseudonymize":
        assert key is not None
        return pseudonymize(values, key), ColumnStats(action, non_null, changed=non_null)
    if action == "redact":
        assert find_spans is not None
        texts = _decoded(values).cast(pa.string())
        result = redact_spans(texts, find_spans(texts.to_pylist()))
        return result, ColumnStats(action, non_null, changed=_count(pc.not_equal(texts, result)))
    if action == "top_code":
        assert item.max_value is not None
        result = top_code(values, item.max_value)
        changed = _count(pc.less(result, _decoded(values)))
        return result, ColumnStats(action, non_null, changed=changed)
    if action == "year":
        result = to_year(values)
        lost = unparsed_count(values, result)
        if item.birth:
            result = cap_birth_years(result, plan.reference_date.year)
        return result, ColumnStats(action, non_null, len(result) - result.null_count, lost)
    if action == "zip3":
        result = zip3(values, item.restricted_zip3)
        lost = unparsed_count(values, result)
        return result, ColumnStats(action, non_null, len(result) - result.null_count, lost)
    if action == "generalize":
        if item.bins is not None:
            result = generalize(values, bins=item.bins)
            lost = unparsed_count(values, result)
            return result, ColumnStats(action, non_null, len(result) - result.null_count, lost)
        result = generalize(values, mapping=item.mapping)
        changed = _count(pc.not_equal(_decoded(values).cast(pa.string()), result))
        return result, ColumnStats(action, non_null, changed=changed)
    raise InternalError(f"apply_plan has no implementation of action {action!r}")


def _check_item(item: ColumnPlan, kind: pa.DataType) -> None:
    """Raise if ``item``'s action cannot handle a column of type ``kind`` or its parameters."""
    action = item.action
    if action == "generalize":
        action = "generalize (bins)" if item.bins is not None else "generalize (mapping)"
        if item.bins is not None:
            try:
                bin_labels(item.bins)
            except ValueError as exc:
                raise SpecError(f"column {item.column!r}: {exc}") from None
    if item.action == "zip3":
        bad = [p for p in item.restricted_zip3 if not (len(p) == 3 and p.isascii() and p.isdigit())]
        if bad:
            raise SpecError(
                f"column {item.column!r}: restricted_zip3 must hold 3-digit prefixes; "
                f"{len(bad)} entries are not"
            )
    if action in ("keep", "drop"):
        return
    value_kind = _value_type(kind)
    if pa.types.is_null(value_kind):
        return  # an all-null column fits every action
    name = _kind_name(value_kind)
    if name in _ACCEPTS[action]:
        return
    allowed = ["keep", "drop"] + [a for a, kinds in _ACCEPTS.items() if name in kinds]
    raise SourceError(
        f"column {item.column!r} has type {kind}, which action {action!r} cannot handle "
        f"({action} needs {' or '.join(_ACCEPTS[action])} columns). Actions allowed for this "
        f"column: {', '.join(allowed)}. Change the column's action in the release spec, or "
        "read the column with another type."
    )


def _kind_name(kind: pa.DataType) -> str:
    for name, test in _KINDS.items():
        if test(kind):
            return name
    return str(kind)


def _value_type(kind: pa.DataType) -> pa.DataType:
    return kind.value_type if pa.types.is_dictionary(kind) else kind


def _decoded(values: pa.Array) -> pa.Array:
    return values.dictionary_decode() if pa.types.is_dictionary(values.type) else values


def _count(flags: pa.BooleanArray) -> int:
    return int(pc.sum(pc.cast(pc.fill_null(flags, False), pa.int64())).as_py() or 0)


def _names(columns: list[str]) -> str:
    return ", ".join(repr(c) for c in columns)
