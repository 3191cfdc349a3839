"""Publish a release atomically: stage, validate, then promote to ``<root>/<dataset>/v<N>/``.

Analysts only ever see complete, validated versions. Parts are written into a hidden staging
folder (``<root>/<dataset>/.staging-<release id>/``) beside the versions; promotion is one
``rename`` of that folder to the next free ``v<N>`` (retrying with ``N+1`` if a concurrent
release took ``N``), followed by an atomic update of the ``LATEST`` pointer. A failed or
interrupted release leaves at most a hidden staging folder, removed by :meth:`Staging.discard`
(or by :func:`remove_stale_staging` on a later run).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from privacy.errors import InternalError, OutputError

PART_ROWS = 1_000_000
"""Rows per ``part-*.parquet`` file; each incoming batch becomes one row group."""

STAGING_PREFIX = ".staging-"
STALE_STAGING_SECONDS = 24 * 3600
_VERSION = re.compile(r"^v(\d+)$")


def check_output_root(root: Path) -> None:
    """Fail early, before any work, if ``root`` cannot hold releases."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".write-test-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(
            f"{root}: the output directory is not writable ({_os_reason(exc)}). Choose another "
            "with `--output DIR` (or `output:` in the spec), or fix its permissions."
        ) from None


def versions(dataset_dir: Path) -> list[int]:
    """Published version numbers of a dataset, ascending."""
    if not dataset_dir.is_dir():
        return []
    found = (_VERSION.match(p.name) for p in dataset_dir.iterdir() if p.is_dir())
    return sorted(int(m.group(1)) for m in found if m)


@dataclass
class PartInfo:
    """One written Parquet part: file name, rows and SHA-256."""

    file: str
    rows: int
    sha256: str = ""


class PartWriter:
    """Writes one unit of work's rows as ``part-*.parquet`` files in a staging folder.

    Each batch becomes one row group; a new file starts every ``max_rows`` rows. Parts are
    named ``part-<k>.parquet`` for a release written as one unit (``unit=None``), and
    ``part-<unit>-<k>.parquet`` for one unit of several (a partition released by a worker),
    so writers never collide and names sort in source order. :meth:`close` returns the parts
    written, with their SHA-256.
    """

    def __init__(
        self, folder: Path, schema: pa.Schema, unit: int | None = None, max_rows: int | None = None
    ) -> None:
        self.folder = folder
        self.schema = schema
        self.unit = unit
        self.max_rows = max_rows if max_rows is not None else PART_ROWS
        self.parts: list[PartInfo] = []
        self._writer: pq.ParquetWriter | None = None

    def write(self, batch: pa.RecordBatch) -> None:
        """Append a batch, starting a new part file when the current one is full."""
        if batch.num_rows == 0:
            return
        if self._writer is None or self.parts[-1].rows >= self.max_rows:
            self._close_file()
            k = len(self.parts)
            name = f"part-{k:05d}" if self.unit is None else f"part-{self.unit:05d}-{k:03d}"
            name += ".parquet"
            self._writer = pq.ParquetWriter(
                self.folder / name, self.schema, compression="zstd", write_statistics=True
            )
            self.parts.append(PartInfo(file=name, rows=0))
        self._writer.write_batch(batch.replace_schema_metadata(self.schema.metadata))
        self.parts[-1].rows += batch.num_rows

    def close(self) -> list[PartInfo]:
        """Close the open file and checksum every part written."""
        self._close_file()
        for part in self.parts:
            if not part.sha256:
                part.sha256 = _sha256(self.folder / part.file)
        return self.parts

    def abort(self) -> None:
        """Close the open file without checksums (the staging folder is being discarded)."""
        try:
            self._close_file()
        except Exception:  # noqa: BLE001 - closing a broken writer must not mask the cause
            self._writer = None

    def _close_file(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()


@dataclass
class Staging:
    """A hidden folder receiving one release's parts before validation and promotion."""

    dataset_dir: Path
    release_id: str
    schema: pa.Schema
    file_metadata: dict[str, str]
    parts: list[PartInfo] = field(default_factory=list)
    _writer: PartWriter | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls, root: Path, dataset: str, schema: pa.Schema, file_metadata: dict[str, str]
    ) -> Staging:
        """Create the staging folder for a new release of ``dataset`` under ``root``."""
        dataset_dir = root / dataset
        release_id = uuid.uuid4().hex
        try:
            (dataset_dir / f"{STAGING_PREFIX}{release_id}").mkdir(parents=True)
        except OSError as exc:
            raise OutputError(
                f"{dataset_dir}: cannot create the staging folder ({_os_reason(exc)}). "
                "Choose another output with `--output DIR` or fix its permissions."
            ) from None
        metadata = {f"shareable.{k}": v for k, v in file_metadata.items()}
        metadata["shareable.release_id"] = release_id
        return cls(dataset_dir, release_id, schema.with_metadata(metadata), metadata)

    @property
    def path(self) -> Path:
        """The staging folder."""
        return self.dataset_dir / f"{STAGING_PREFIX}{self.release_id}"

    @property
    def rows(self) -> int:
        """Rows written so far."""
        return sum(part.rows for part in self.parts)

    def write(self, batch: pa.RecordBatch) -> None:
        """Append a batch (one row group) from this process (the release as one unit).

        Workers releasing partitions in parallel use :meth:`part_writer` instead and hand
        their parts back with :meth:`add_parts`.
        """
        if self._writer is None:
            self._writer = PartWriter(self.path, self.schema, max_rows=PART_ROWS)
        self._writer.write(batch)

    def part_writer(self, unit: int | None, max_rows: int | None = None) -> PartWriter:
        """A writer for one unit of work (e.g. one partition) into this staging folder.

        ``unit=None`` when the release is a single unit (plain ``part-<k>.parquet`` names).
        """
        return PartWriter(self.path, self.schema, unit=unit, max_rows=max_rows)

    def add_parts(self, parts: list[PartInfo]) -> None:
        """Record parts written by :meth:`part_writer` writers (in any process)."""
        self.parts.extend(parts)

    def write_file(self, name: str, table: pa.Table) -> PartInfo:
        """Write a whole table as the Parquet file ``name`` (e.g. one file per DP query).

        The file carries the staging's ``shareable.*`` metadata and is listed in :attr:`parts`
        (checksummed by :meth:`finish`) like a ``part-*.parquet`` file.
        """
        if self._writer is not None:
            raise InternalError("write_file() called while a part-*.parquet file is open")
        if not name.endswith(".parquet") or "/" in name or name.startswith("."):
            raise InternalError(f"write_file(): {name!r} is not a plain .parquet file name")
        metadata = {**(table.schema.metadata or {}), **self.file_metadata}
        pq.write_table(
            table.replace_schema_metadata(metadata), self.path / name, compression="zstd"
        )
        part = PartInfo(file=name, rows=table.num_rows)
        self.parts.append(part)
        return part

    def finish(self) -> list[PartInfo]:
        """Close the last part and checksum every part; returns the parts in name order."""
        self._close_part()
        self.parts.sort(key=lambda part: part.file)
        if not self.parts:
            # An empty release still gets one part so readers see its schema.
            name = "part-00000.parquet"
            pq.write_table(self.schema.empty_table(), self.path / name, compression="zstd")
            self.parts.append(PartInfo(file=name, rows=0))
        for part in self.parts:
            if not part.sha256:
                part.sha256 = _sha256(self.path / part.file)
        return self.parts

    def discard(self) -> None:
        """Remove the staging folder and everything in it (failed or cancelled release)."""
        if self._writer is not None:
            self._writer.abort()
            self._writer = None
        shutil.rmtree(self.path, ignore_errors=True)
        if self.dataset_dir.is_dir() and not any(self.dataset_dir.iterdir()):
            self.dataset_dir.rmdir()

    def promote(
        self,
        manifest: dict[str, Any] | Callable[[int], str],
        extra_files: dict[str, str],
        after: int = 0,
    ) -> Path:
        """Write the manifest (with its version) and rename the folder to the next ``v<N>``.

        ``manifest`` is the manifest's data (its ``version`` is filled in), or a function that
        gives its JSON text for a version (``lambda v: manifest.published_as(v).to_json()``).
        ``extra_files`` maps file names to text written beside the parts (e.g. README.md);
        the text may contain ``{version}``, filled with the version finally taken. The version
        is above every ``v<N>`` folder and above ``after`` (the catalog's last version here).
        """
        if self._writer is not None:
            raise InternalError("promote() called before finish()")
        for _ in range(100):
            version = max((versions(self.dataset_dir) or [0])[-1], after) + 1
            if callable(manifest):
                (self.path / "manifest.json").write_text(manifest(version), "utf8")
            else:
                _write_json(self.path / "manifest.json", {**manifest, "version": version})
            for name, text in extra_files.items():
                (self.path / name).write_text(text.replace("{version}", str(version)), "utf8")
            target = self.dataset_dir / f"v{version}"
            try:
                os.rename(self.path, target)
            except OSError as exc:
                if exc.errno in (errno.EEXIST, errno.ENOTEMPTY) or target.exists():
                    continue  # a concurrent release took this version; take the next
                raise OutputError(
                    f"{target}: cannot publish ({_os_reason(exc)}); nothing was published."
                ) from None
            _write_latest(self.dataset_dir, version)
            return target
        raise OutputError(f"{self.dataset_dir}: could not find a free version number.")

    def _close_part(self) -> None:
        if self._writer is not None:
            self.parts.extend(self._writer.close())
            self._writer = None


def remove_stale_staging(dataset_dir: Path, older_than: float = STALE_STAGING_SECONDS) -> int:
    """Delete staging folders left by interrupted runs; returns how many were removed."""
    if not dataset_dir.is_dir():
        return 0
    removed = 0
    cutoff = time.time() - older_than
    for child in dataset_dir.iterdir():
        if child.name.startswith(STAGING_PREFIX) and child.stat().st_mtime < cutoff:
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
    return removed


def _write_latest(dataset_dir: Path, version: int) -> None:
    """Point ``LATEST`` at ``v<version>`` unless a newer version already claimed it."""
    latest = dataset_dir / "LATEST"
    try:
        current = int(latest.read_text().strip().lstrip("v"))
    except (OSError, ValueError):
        current = 0
    if version < current:
        return
    temporary = dataset_dir / f".LATEST-{uuid.uuid4().hex}"
    temporary.write_text(f"v{version}\n")
    os.replace(temporary, latest)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", "utf8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
