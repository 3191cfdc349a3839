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


@dataclass
class Staging:
    """A hidden folder receiving one release's parts before validation and promotion."""

    dataset_dir: Path
    release_id: str
    schema: pa.Schema
    file_metadata: dict[str, str]
    parts: list[PartInfo] = field(default_factory=list)
    _writer: pq.ParquetWriter | None = field(default=None, repr=False)

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
        """Append a batch (one row group), starting a new part every ``PART_ROWS`` rows."""
        if batch.num_rows == 0:
            return
        if self._writer is None or self.parts[-1].rows >= PART_ROWS:
            self._close_part()
            name = f"part-{len(self.parts):05d}.parquet"
            self._writer = pq.ParquetWriter(
                self.path / name, self.schema, compression="zstd", write_statistics=True
            )
            self.parts.append(PartInfo(file=name, rows=0))
        self._writer.write_batch(batch.replace_schema_metadata(self.schema.metadata))
        self.parts[-1].rows += batch.num_rows

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
        """Close the last part and checksum every part; returns the parts."""
        self._close_part()
        if not self.parts:
            # An empty release still gets one part so readers see its schema.
            name = "part-00000.parquet"
            pq.write_table(self.schema.empty_table(), self.path / name, compression="zstd")
            self.parts.append(PartInfo(file=name, rows=0))
        for part in self.parts:
            part.sha256 = _sha256(self.path / part.file)
        return self.parts

    def discard(self) -> None:
        """Remove the staging folder and everything in it (failed or cancelled release)."""
        if self._writer is not None:
            try:
                self._writer.close()
            except Exception:  # noqa: BLE001 - closing a broken writer must not mask the cause
                pass
            self._writer = None
        shutil.rmtree(self.path, ignore_errors=True)
        if self.dataset_dir.is_dir() and not any(self.dataset_dir.iterdir()):
            self.dataset_dir.rmdir()

    def promote(self, manifest: dict[str, Any], extra_files: dict[str, str]) -> Path:
        """Write the manifest (with its version) and rename the folder to the next ``v<N>``.

        ``extra_files`` maps file names to text written beside the parts (e.g. README.md);
        the text may contain ``{version}``, filled with the version finally taken.
        """
        if self._writer is not None:
            raise InternalError("promote() called before finish()")
        for _ in range(100):
            version = (versions(self.dataset_dir) or [0])[-1] + 1
            manifest["version"] = version
            _write_json(self.path / "manifest.json", manifest)
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
            self._writer.close()
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
