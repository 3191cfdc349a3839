"""Read restricted sources as bounded Arrow record batches, with errors that leak nothing.

:func:`open_source` checks a CSV or Parquet file and fixes its schema up front (types inferred
from the first block; digit strings with leading zeros, such as ZIP codes, stay text), then
:meth:`Source.batches` streams it so memory does not grow with the file. Reader errors from
Arrow quote the offending row or value; they are rewritten here to name the file, the column
and row number, and the fix, never the data.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from privacy.errors import SourceError
from privacy.spec import SourceOptions, SourceSpec

CSV_BLOCK_BYTES = 8 << 20
"""Bytes of CSV text per record batch (also the window types are inferred from)."""

PARQUET_BATCH_ROWS = 100_000
"""Rows per record batch when reading Parquet."""

_ARROW_TYPES = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "date32": pa.date32(),
    "timestamp": pa.timestamp("s"),
}
_CONVERSION_ERROR = re.compile(r"In CSV column #(\d+): CSV conversion error to ([\w\[\], ]+?):")
_LEADING_ZERO_DIGITS = re.compile(r"^0\d+$")


@dataclass
class Source:
    """An opened source: its path, format, schema (after inference) and how to read it."""

    path: Path
    format: str
    options: SourceOptions
    schema: pa.Schema
    _column_types: dict[str, pa.DataType] = field(default_factory=dict, repr=False)
    _fingerprint: str | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The file name, used to refer to the source in reports (never its contents)."""
        return self.path.name

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Yield the source's rows as record batches of bounded size, in file order."""
        if self.format == "parquet":
            yield from _parquet_batches(self.path)
        else:
            yield from _csv_batches(self.path, self.options, self._column_types, self.schema)

    def head(self, n_rows: int) -> pa.Table:
        """Return the first ``n_rows`` rows (the detection sample)."""
        taken: list[pa.RecordBatch] = []
        remaining = n_rows
        for batch in self.batches():
            taken.append(batch.slice(0, remaining))
            remaining -= min(remaining, batch.num_rows)
            if remaining == 0:
                break
        return pa.Table.from_batches(taken, schema=self.schema)

    def fingerprint(self) -> str:
        """SHA-256 of the file's bytes, read in chunks (identifies the exact input released).

        Computed once per opened source; a refresh compares it with the last release's.
        """
        if self._fingerprint is None:
            digest = hashlib.sha256()
            with self.path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            self._fingerprint = digest.hexdigest()
        return self._fingerprint


def open_source(spec: SourceSpec) -> Source:
    """Open ``spec``'s file, settle its schema and check it holds at least one row."""
    path = Path(spec.path)
    if not path.exists():
        raise SourceError(f"{path}: no such file. Check `source.path` (relative to the spec).")
    if not path.is_file():
        raise SourceError(f"{path}: not a file. `source.path` must name a CSV or Parquet file.")
    if spec.format == "parquet":
        return _open_parquet(path, spec.options)
    return _open_csv(path, spec.options)


def _open_parquet(path: Path, options: SourceOptions) -> Source:
    try:
        metadata = pq.ParquetFile(path).metadata
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(
            f"{path}: not a readable Parquet file ({_kind(exc)}). Check that the file is "
            "complete, or set `source.format: csv` if it is text."
        ) from None
    _check_names(path, schema.names)
    if metadata.num_rows == 0:
        raise SourceError(f"{path}: the table has no rows; there is nothing to release.")
    return Source(path=path, format="parquet", options=options, schema=schema)


def _parquet_batches(path: Path) -> Iterator[pa.RecordBatch]:
    try:
        yield from pq.ParquetFile(path).iter_batches(batch_size=PARQUET_BATCH_ROWS)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(f"{path}: Parquet data is corrupt ({_kind(exc)}).") from None


def _open_csv(path: Path, options: SourceOptions) -> Source:
    if path.stat().st_size == 0:
        raise SourceError(f"{path}: the file is empty; a CSV needs a header row and data rows.")
    # Pass 1: the first block as text, to find the header and columns that must stay text.
    names = _csv_header(path, options)
    _check_names(path, names)
    as_text = {name: pa.string() for name in names}
    first = _first_block(path, options, as_text)
    if first is None or first.num_rows == 0:
        raise SourceError(
            f"{path}: the table has a header but no rows; there is nothing to release."
        )
    column_types: dict[str, pa.DataType] = {}
    for name in names:
        values = first.column(name).drop_null()
        text = [v for v in values.to_pylist()[:5000]]
        if len(values) == 0 or any(_LEADING_ZERO_DIGITS.match(v) for v in text):
            column_types[name] = pa.string()  # all-null so far, or ZIP-like codes
    for name, type_name in options.column_types.items():
        if name not in names:
            raise SourceError(
                f"{path}: `source.options.column_types` names `{name}`, which is not a column. "
                f"Columns: {', '.join(names)}."
            )
        column_types[name] = _ARROW_TYPES[type_name]
    # Pass 2: Arrow's own inference for the rest, on the same first block.
    typed = _first_block(path, options, column_types)
    schema = typed.schema if typed is not None else first.schema
    return Source(
        path=path, format="csv", options=options, schema=schema, _column_types=column_types
    )


def _read_options(options: SourceOptions, block_size: int = CSV_BLOCK_BYTES) -> pacsv.ReadOptions:
    return pacsv.ReadOptions(
        encoding=options.encoding, skip_rows=options.skip_rows, block_size=block_size
    )


def _csv_header(path: Path, options: SourceOptions) -> list[str]:
    bad_rows: list[tuple[int | None, int, int]] = []
    try:
        reader = _open_reader(path, options, {}, bad_rows, block_size=1 << 16)
        return list(reader.schema.names)
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError) as exc:
        raise _csv_error(path, exc, [], options, bad_rows) from None


def _open_reader(
    path: Path,
    options: SourceOptions,
    column_types: dict[str, pa.DataType] | pa.Schema,
    bad_rows: list[tuple[int | None, int, int]],
    block_size: int = CSV_BLOCK_BYTES,
) -> pacsv.CSVStreamingReader:
    """Open a streaming CSV reader that records malformed rows in ``bad_rows``."""

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        bad_rows.append((row.number, row.expected_columns, row.actual_columns))
        return "error"

    return pacsv.open_csv(
        path,
        read_options=_read_options(options, block_size),
        parse_options=pacsv.ParseOptions(
            delimiter=options.sep,
            quote_char=options.quote_char,
            newlines_in_values=True,
            invalid_row_handler=on_invalid_row,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=column_types,
            strings_can_be_null=True,
            null_values=list(options.null_values),
            timestamp_parsers=[pacsv.ISO8601],
        ),
    )


def _first_block(
    path: Path, options: SourceOptions, column_types: dict[str, pa.DataType]
) -> pa.RecordBatch | None:
    for batch in _csv_batches(path, options, column_types, None):
        return batch
    return None


def _csv_batches(
    path: Path,
    options: SourceOptions,
    column_types: dict[str, pa.DataType],
    schema: pa.Schema | None,
) -> Iterator[pa.RecordBatch]:
    bad_rows: list[tuple[int | None, int, int]] = []
    names = list(schema.names) if schema is not None else list(column_types)
    try:
        reader = _open_reader(
            path, options, schema if schema is not None else column_types, bad_rows
        )
        names = list(reader.schema.names)
        for batch in reader:
            if schema is not None and batch.schema != schema:
                batch = batch.cast(schema)
            yield batch
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError, LookupError) as exc:
        raise _csv_error(path, exc, names, options, bad_rows) from None


def _csv_error(
    path: Path,
    exc: Exception,
    names: list[str],
    options: SourceOptions,
    bad_rows: list[tuple[int | None, int, int]] | None = None,
) -> SourceError:
    """Rewrite an Arrow CSV error without the row text or value Arrow quotes."""
    text = str(exc)
    if bad_rows:
        number, expected, actual = bad_rows[0]
        row = f"row {number}" if number is not None else "a row"
        return SourceError(
            f"{path}: malformed CSV: {row} has {actual} fields where the header has {expected}. "
            f"Fix the file (quote fields containing {options.sep!r}) or set `source.options.sep` "
            "to the real delimiter."
        )
    if "invalid UTF8" in text or isinstance(exc, UnicodeDecodeError):
        return SourceError(
            f"{path}: the file is not valid {options.encoding} text. Set "
            "`source.options.encoding` (e.g. latin1) in the spec."
        )
    match = _CONVERSION_ERROR.search(text)
    if match:
        index, type_name = int(match.group(1)), match.group(2)
        column = names[index] if index < len(names) else f"#{index}"
        return SourceError(
            f"{path}: column `{column}` holds a value that cannot be read as {type_name} (its type "
            "was inferred from the first rows). Write a spec (`shareable scan FILE --write-spec "
            f"spec.yaml`) and set `source.options.column_types: {{{column}: string}}`."
        )
    if "Empty CSV file" in text:
        return SourceError(f"{path}: the file is empty; a CSV needs a header row and data rows.")
    if isinstance(exc, LookupError):
        return SourceError(f"{path}: unknown encoding in `source.options.encoding`.")
    return SourceError(f"{path}: cannot read as CSV ({_kind(exc)}).")


def _check_names(path: Path, names: list[str]) -> None:
    seen: set[str] = set()
    duplicates = sorted({n for n in names if n in seen or seen.add(n)})
    if duplicates:
        raise SourceError(
            f"{path}: duplicate column names {duplicates}; every column needs a unique name."
        )
    if any(not name.strip() for name in names):
        raise SourceError(f"{path}: a column has an empty name; give every column a header.")


def _kind(exc: Exception) -> str:
    """The class of a reader error, without its message (which may quote data)."""
    return type(exc).__name__
