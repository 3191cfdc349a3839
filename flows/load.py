"""Read restricted sources as bounded Arrow record batches, with errors that leak nothing.

:func:`open_source` checks a CSV or Parquet file and fixes its schema up front (types inferred
from the first block; digit strings with leading zeros, such as ZIP codes, stay text), then
:meth:`Source.batches` streams it so memory does not grow with the file. Reader errors from
Arrow quote the offending row or value; they are rewritten here to name the file, the column
and row number, and the fix, never the data.

A source may also be partitioned: a directory (searched recursively; names starting with ``.``
or ``_`` are skipped, as Spark and Arrow do) or a glob of Parquet or CSV files. Every partition
must have the same columns and types; Hive-style folders (``year=2024/``) add their keys as
text columns. :meth:`Source.partitions` gives one single-file source per partition, so each can
be released by a different worker.
"""

from __future__ import annotations

import glob
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from flows.source_checks import MAX_COLUMNS, MAX_HEADER_BYTES, check_header, check_header_line
from privacy.errors import SourceError
from privacy.spec import SourceOptions, SourceSpec, glob_root, is_partitioned_path

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
    """An opened source: its path, format, schema (after inference) and how to read it.

    ``files`` are its partitions in a stable order (one file for a plain file source);
    ``constants`` are the Hive partition values of a single-partition source.
    """

    path: Path
    format: str
    options: SourceOptions
    schema: pa.Schema
    files: tuple[Path, ...] = ()
    constants: dict[str, str] = field(default_factory=dict)
    _column_types: dict[str, pa.DataType] = field(default_factory=dict, repr=False)
    _fingerprint: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.files:
            self.files = (self.path,)

    @property
    def name(self) -> str:
        """The file name, used to refer to the source in reports (never its contents)."""
        if self.is_partitioned:
            return f"{self.path.name}/" if "*" not in str(self.path) else str(self.path.name)
        return self.path.name

    @property
    def is_partitioned(self) -> bool:
        """Whether the source was given as a directory or glob of partition files."""
        return self.files != (self.path,)

    def partitions(self) -> list[Source]:
        """One single-file source per partition, sharing this source's schema."""
        if not self.is_partitioned:
            return [self]
        root = self.path if self.path.is_dir() else glob_root(self.path)
        return [
            replace(
                self,
                path=file,
                files=(file,),
                constants=_hive_values(file, root),
                _fingerprint=None,
            )
            for file in self.files
        ]

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Yield the source's rows as record batches of bounded size, in file order."""
        if self.is_partitioned:
            for partition in self.partitions():
                yield from partition.batches()
            return
        if self.format == "parquet":
            batches = _parquet_batches(self.path, self.schema, self.constants)
        else:
            batches = _csv_batches(self.path, self.options, self._column_types, self._file_schema())
        for batch in batches:
            yield _with_constants(batch, self.constants, self.schema)

    def head(self, n_rows: int) -> pa.Table:
        """Return the first ``n_rows`` rows."""
        taken: list[pa.RecordBatch] = []
        remaining = n_rows
        for batch in self.batches():
            taken.append(batch.slice(0, remaining))
            remaining -= min(remaining, batch.num_rows)
            if remaining == 0:
                break
        return pa.Table.from_batches(taken, schema=self.schema)

    def sample(self, n_rows: int) -> pa.Table:
        """The detection sample: ``n_rows`` rows stratified over the partitions.

        A partitioned source gives an equal share from each partition (from evenly spaced
        partitions when there are more partitions than rows wanted), so a column that is empty
        or different in the first partition is still seen. A Parquet file is sampled the same
        way over its row groups; a CSV file (which cannot be entered mid-way) gives its first
        rows.
        """
        parts = self.partitions()
        if len(parts) == 1:  # a file, or a folder holding one file
            only = parts[0]
            return only._row_group_sample(n_rows) if only.format == "parquet" else only.head(n_rows)
        chosen = (
            parts
            if len(parts) <= n_rows
            else [parts[round(i * (len(parts) - 1) / max(n_rows - 1, 1))] for i in range(n_rows)]
        )
        share = -(-n_rows // len(chosen))
        tables = [part.head(share) for part in chosen]
        return pa.concat_tables(tables).slice(0, n_rows)

    def _row_group_sample(self, n_rows: int) -> pa.Table:
        """``n_rows`` rows in equal shares from evenly spaced row groups of a Parquet file."""
        try:
            reader = pq.ParquetFile(self.path)
            groups = reader.metadata.num_row_groups
            if groups <= 1:
                return self.head(n_rows)
            chosen = sorted({round(i * (groups - 1) / max(min(groups, n_rows) - 1, 1))
                             for i in range(min(groups, n_rows))})  # fmt: skip
            share = -(-n_rows // len(chosen))
            names = [name for name in self.schema.names if name not in self.constants]
            tables = [
                reader.read_row_group(i, columns=names).slice(0, share).replace_schema_metadata()
                for i in chosen
            ]
        except (pa.ArrowInvalid, OSError) as exc:
            raise SourceError(f"{self.path}: Parquet data is corrupt ({_kind(exc)}).") from None
        batches = [
            _with_constants(batch, self.constants, self.schema)
            for table in tables
            for batch in table.to_batches()
        ]
        return pa.Table.from_batches(batches, schema=self.schema).slice(0, n_rows)

    def fingerprint(self) -> str:
        """SHA-256 identifying the exact input released, computed once per opened source.

        A plain file: the SHA-256 of its bytes, read in chunks. A partitioned source: the
        SHA-256 over each partition's relative path and SHA-256, in order, so adding,
        removing, renaming or changing any partition changes it. A refresh compares it with
        the last release's.
        """
        if self._fingerprint is None:
            if not self.is_partitioned:
                self._fingerprint = _file_sha256(self.path)
            else:
                root = self.path if self.path.is_dir() else glob_root(self.path)
                digest = hashlib.sha256()
                for file in self.files:
                    digest.update(f"{file.relative_to(root)}\0{_file_sha256(file)}\n".encode())
                self._fingerprint = digest.hexdigest()
        return self._fingerprint

    def _file_schema(self) -> pa.Schema:
        """The schema of the file's own columns (without Hive partition columns)."""
        if not self.constants:
            return self.schema
        return pa.schema([f for f in self.schema if f.name not in self.constants])


def spread_sample(files: list[Path], columns: list[str], n_rows: int) -> pa.Table:
    """``n_rows`` rows evenly spaced over Parquet ``files`` taken as one table, in order.

    Unlike :meth:`Source.sample`, rows are spread inside row groups too, so a value that
    starts late in a single-file output is still seen. Row groups holding no chosen row are
    skipped; one row group of ``columns`` is in memory at a time.
    """
    groups = []  # (file, row group, first global row, rows)
    total = 0
    for file in files:
        metadata = pq.ParquetFile(file).metadata
        for i in range(metadata.num_row_groups):
            rows = metadata.row_group(i).num_rows
            groups.append((file, i, total, rows))
            total += rows
    if total == 0 or n_rows <= 0:
        return pa.table({name: pa.array([], pa.null()) for name in columns}).slice(0, 0)
    wanted = sorted({(i * total) // min(n_rows, total) for i in range(min(n_rows, total))})
    pieces, cursor = [], 0
    for file, index, first, rows in groups:
        chosen = []
        while cursor < len(wanted) and wanted[cursor] < first + rows:
            chosen.append(wanted[cursor] - first)
            cursor += 1
        if chosen:
            group = pq.ParquetFile(file).read_row_group(index, columns=columns)
            pieces.append(group.take(pa.array(chosen, pa.int64())).replace_schema_metadata())
    return pa.concat_tables(pieces)


def open_source(spec: SourceSpec) -> Source:
    """Open ``spec``'s file (or partition files), settle the schema, check there are rows."""
    path = Path(spec.path)
    if is_partitioned_path(path):
        return _open_partitioned(path, spec)
    if not path.exists():
        raise SourceError(f"{path}: no such file. Check `source.path` (relative to the spec).")
    if not path.is_file():
        raise SourceError(f"{path}: not a file. `source.path` must name a CSV or Parquet file.")
    if spec.format == "parquet":
        return _open_parquet(path, spec.options)
    return _open_csv(path, spec.options)


def _open_partitioned(path: Path, spec: SourceSpec) -> Source:
    """Open a directory or glob of partition files; every partition must match the first."""
    files = partition_files(path, spec.format or "parquet")
    root = path if path.is_dir() else glob_root(path)
    if spec.format == "parquet":  # the first file gives the schema, even with no rows
        first = _open_parquet(files[0], spec.options, require_rows=False)
    else:
        first = _open_csv(files[0], spec.options)
    file_schema = first.schema
    keys = list(_hive_values(files[0], root))
    rows = 0
    for file in files:
        if list(_hive_values(file, root)) != keys:
            raise SourceError(
                f"{file}: its partition folders ({_hive_names(file, root)}) differ from "
                f"{files[0].relative_to(root)}'s; every partition needs the same folder keys."
            )
        if spec.format == "parquet":
            rows += _check_parquet_partition(file, file_schema, files[0])
        else:
            _check_csv_partition(file, spec.options, file_schema, files[0])
            rows += 1
    if rows == 0:
        raise SourceError(f"{path}: the partitions hold no rows; there is nothing to release.")
    clash = sorted(set(keys) & set(file_schema.names))
    if clash:
        raise SourceError(
            f"{files[0]}: the partition folder key `{clash[0]}` is also a column of the files; "
            "rename the folder key or the column."
        )
    schema = pa.schema([*file_schema, *(pa.field(key, pa.string()) for key in keys)])
    return Source(
        path=path,
        format=first.format,
        options=spec.options,
        schema=schema,
        files=tuple(files),
        _column_types=first._column_types,
    )


def partition_files(path: Path, fmt: str) -> list[Path]:
    """The partition files of a directory (recursive) or glob, sorted; fails if none."""
    suffixes = {".csv"} if fmt == "csv" else {".parquet", ".pq"}
    if path.is_dir():
        found = [
            p
            for p in path.rglob("*")
            if p.is_file()
            and p.suffix.lower() in suffixes
            and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
        ]
    else:
        found = [Path(p) for p in glob.glob(str(path), recursive=True) if Path(p).is_file()]
        found = [p for p in found if not p.name.startswith((".", "_"))]
    if not found:
        what = "directory" if path.is_dir() else "pattern"
        raise SourceError(
            f"{path}: the {what} holds no {fmt} partition files ({', '.join(sorted(suffixes))}). "
            "Check `source.path`, or set `source.format` to the files' format."
        )
    return sorted(found)


def _check_parquet_partition(file: Path, expected: pa.Schema, first: Path) -> int:
    """Refuse a Parquet partition whose columns differ from the first's; returns its rows."""
    try:
        metadata = pq.ParquetFile(file).metadata
        schema = metadata.schema.to_arrow_schema()
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(
            f"{file}: not a readable Parquet file ({_kind(exc)}). Remove or rewrite this partition."
        ) from None
    _check_same_columns(file, schema, expected, first)
    return metadata.num_rows


def _check_csv_partition(
    file: Path, options: SourceOptions, expected: pa.Schema, first: Path
) -> None:
    """Refuse a CSV partition whose header differs from the first's."""
    if file.stat().st_size == 0:
        raise SourceError(f"{file}: the partition is empty; a CSV needs a header row.")
    names = _csv_header(file, options)
    _check_same_columns(file, pa.schema([(n, pa.string()) for n in names]), expected, first,
                        compare_types=False)  # fmt: skip


def _check_same_columns(
    file: Path, schema: pa.Schema, expected: pa.Schema, first: Path, compare_types: bool = True
) -> None:
    """Name the first column where ``schema`` differs from ``expected`` (the first partition)."""
    for name in expected.names:
        if name not in schema.names:
            raise SourceError(
                f"{file}: column `{name}` is missing (it is in {first.name}). Every partition "
                "must have the same columns; rewrite this partition or remove it."
            )
    for name in schema.names:
        if name not in expected.names:
            raise SourceError(
                f"{file}: column `{name}` is not in {first.name}. Every partition must have "
                "the same columns; rewrite this partition or remove it."
            )
        if compare_types and not schema.field(name).type.equals(expected.field(name).type):
            raise SourceError(
                f"{file}: column `{name}` is {schema.field(name).type} here but "
                f"{expected.field(name).type} in {first.name}. Every partition must have the "
                "same types; rewrite this partition with the same type."
            )
    if schema.names != expected.names:
        raise SourceError(
            f"{file}: the columns are in a different order from {first.name}. Every partition "
            "must have the same columns in the same order; rewrite this partition."
        )


def _hive_values(file: Path, root: Path) -> dict[str, str]:
    """``key=value`` folders between ``root`` and ``file`` (Hive-style partition keys)."""
    try:
        folders = file.parent.relative_to(root).parts
    except ValueError:
        return {}
    return dict(part.split("=", 1) for part in folders if "=" in part)


def _hive_names(file: Path, root: Path) -> str:
    return ", ".join(_hive_values(file, root)) or "none"


def _with_constants(
    batch: pa.RecordBatch, constants: dict[str, str], schema: pa.Schema
) -> pa.RecordBatch:
    """Append a partition's Hive key columns to a batch of its file."""
    if not constants:
        return batch
    arrays = [*batch.columns, *(pa.array([v] * batch.num_rows, pa.string()) for v in
              constants.values())]  # fmt: skip
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _open_parquet(path: Path, options: SourceOptions, require_rows: bool = True) -> Source:
    try:
        metadata = pq.ParquetFile(path).metadata
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(
            f"{path}: not a readable Parquet file ({_kind(exc)}). Check that the file is "
            "complete, or set `source.format: csv` if it is text."
        ) from None
    if len(schema.names) > MAX_COLUMNS:
        raise SourceError(
            f"{path}: {len(schema.names)} columns, more than the {MAX_COLUMNS} a source may have."
        )
    _check_names(path, schema.names)
    if require_rows and metadata.num_rows == 0:
        raise SourceError(f"{path}: the table has no rows; there is nothing to release.")
    return Source(path=path, format="parquet", options=options, schema=schema)


def _parquet_batches(
    path: Path, schema: pa.Schema, constants: dict[str, str]
) -> Iterator[pa.RecordBatch]:
    names = [name for name in schema.names if name not in constants]
    try:
        for batch in pq.ParquetFile(path).iter_batches(
            batch_size=PARQUET_BATCH_ROWS, columns=names
        ):
            yield batch.replace_schema_metadata(None)
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
    """The header's names, refused if the header looks like data or breaks a limit."""
    check_header_line(path, options.skip_rows)
    bad_rows: list[tuple[int | None, int, int]] = []
    try:
        reader = _open_reader(path, options, {}, bad_rows, block_size=2 * MAX_HEADER_BYTES)
        names = list(reader.schema.names)
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError) as exc:
        raise _csv_error(path, exc, [], options, bad_rows) from None
    check_header(path, names)
    return names


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
    if "straddling" in text:
        return SourceError(
            f"{path}: a row is longer than {CSV_BLOCK_BYTES >> 20} MiB (or a quote is never "
            "closed). Fix the file, or check `source.options.quote_char`."
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
