"""Publish a release atomically: stage, validate, then promote to ``<root>/<dataset>/v<N>/``.

Analysts only ever see complete, validated versions. Parts are written into a private staging
folder outside the dataset's folder, ``<root>/.staging/<dataset>.<release id>/`` (the
``.staging`` folder and each staging folder are mode 0700, every file in them 0600: staged
parts are unvalidated and may hold raw values). The staging folder's owner holds an exclusive
``flock`` on ``<dataset>.<release id>.lock`` beside it for as long as it lives. Promotion
opens the permissions to the process's umask and is one ``rename`` of that folder to the next
free ``v<N>`` (retrying with ``N+1`` if a concurrent release took ``N``), followed by an update
of the ``LATEST`` pointer under a lock. A failed release leaves nothing (:meth:`Staging.discard`);
a killed one leaves a private staging folder whose lock nobody holds, removed by
:func:`remove_stale_staging` at the start of the next run of that dataset.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
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

STAGING_DIR = ".staging"
"""The private folder of every staging folder under an output root."""

STAGING_PREFIX = ".staging-"
"""Staging folders of earlier Shareable versions, inside the dataset's folder."""

_LOCKS: dict[Path, int] = {}
"""Open lock files of this process's live staging folders (never pickled to workers)."""
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
            private_file(self.folder / name)
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
        """Create the private staging folder for a new release of ``dataset`` under ``root``."""
        release_id = uuid.uuid4().hex
        try:
            folder = staging_root(root) / f"{dataset}.{release_id}"
            _lock(folder)
            folder.mkdir(mode=0o700)
        except OSError as exc:
            raise OutputError(
                f"{root}: cannot create the staging folder ({_os_reason(exc)}). "
                "Choose another output with `--output DIR` or fix its permissions."
            ) from None
        metadata = {f"shareable.{k}": v for k, v in file_metadata.items()}
        metadata["shareable.release_id"] = release_id
        return cls(root / dataset, release_id, schema.with_metadata(metadata), metadata)

    @property
    def path(self) -> Path:
        """The staging folder."""
        return staging_root(self.dataset_dir.parent, create=False) / (
            f"{self.dataset_dir.name}.{self.release_id}"
        )

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
        private_file(self.path / name)
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
            private_file(self.path / name)
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
        _unlock(self.path)

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
        self.dataset_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(100):
            version = max((versions(self.dataset_dir) or [0])[-1], after) + 1
            if callable(manifest):
                (self.path / "manifest.json").write_text(manifest(version), "utf8")
            else:
                _write_json(self.path / "manifest.json", {**manifest, "version": version})
            for name, text in extra_files.items():
                (self.path / name).write_text(text.replace("{version}", str(version)), "utf8")
            _open_to_readers(self.path)
            target = self.dataset_dir / f"v{version}"
            try:
                os.rename(self.path, target)
            except OSError as exc:
                if exc.errno in (errno.EEXIST, errno.ENOTEMPTY) or target.exists():
                    continue  # a concurrent release took this version; take the next
                raise OutputError(
                    f"{target}: cannot publish ({_os_reason(exc)}); nothing was published."
                ) from None
            _unlock(self.path)
            write_latest(self.dataset_dir, version)
            return target
        raise OutputError(f"{self.dataset_dir}: could not find a free version number.")

    def _close_part(self) -> None:
        if self._writer is not None:
            self.parts.extend(self._writer.close())
            self._writer = None


def staging_root(root: Path, create: bool = True) -> Path:
    """``<root>/.staging``, private to the owner (mode 0700), created if missing."""
    folder = root / STAGING_DIR
    if create:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if folder.stat().st_mode & 0o077:
            folder.chmod(0o700)
    return folder


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 (a writer then opens it without widening it)."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))


def remove_stale_staging(root: Path, dataset: str) -> int:
    """Delete ``dataset``'s staging folders left by killed runs; returns how many.

    A staging folder is stale when no process holds its lock (its owner died: a crash,
    ``kill -9``, a power cut); a live concurrent release keeps its own. Staging folders of
    earlier Shareable versions (``<root>/<dataset>/.staging-*``, no lock) are removed too.
    """
    removed = 0
    folder = root / STAGING_DIR
    if folder.is_dir():
        for child in sorted(folder.glob(f"{glob_escape(dataset)}.*")):
            if child.suffix == ".lock" or not child.is_dir():
                continue
            if _try_claim(child):
                shutil.rmtree(child, ignore_errors=True)
                _unlock(child)
                removed += 1
        for lock in folder.glob(f"{glob_escape(dataset)}.*.lock"):
            if not lock.with_suffix("").exists() and _try_claim(lock.with_suffix("")):
                _unlock(lock.with_suffix(""))
    legacy = root / dataset
    if legacy.is_dir():
        for child in legacy.iterdir():
            if child.name.startswith(STAGING_PREFIX) and child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
                removed += 1
    return removed


def glob_escape(text: str) -> str:
    """``text`` with glob metacharacters escaped."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def write_latest(dataset_dir: Path, version: int, force: bool = False) -> None:
    """Point ``LATEST`` at ``v<version>`` unless a newer version already claimed it.

    Read, compare and replace happen under an exclusive ``flock`` (on an empty file of the
    private staging folder, out of analysts' view), so two concurrent releases cannot leave it
    at the older one; the replace is atomic (a reader sees the old or the new pointer, never
    a partial one). ``force`` sets it even if lower (the
    next run's reconciliation, when the newer version it named is gone).
    """
    lock_file = staging_root(dataset_dir.parent) / f".LATEST-{dataset_dir.name}.lock"
    lock = os.open(lock_file, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        latest = dataset_dir / "LATEST"
        try:
            current = int(latest.read_text().strip().lstrip("v"))
        except (OSError, ValueError):
            current = 0
        if version < current and not force:
            return
        temporary = dataset_dir / f".LATEST-{uuid.uuid4().hex}"
        temporary.write_text(f"v{version}\n")
        os.replace(temporary, latest)
    finally:
        os.close(lock)


def read_latest(dataset_dir: Path) -> int | None:
    """The version ``LATEST`` names, or None."""
    try:
        return int((dataset_dir / "LATEST").read_text().strip().lstrip("v"))
    except (OSError, ValueError):
        return None


def _lock(folder: Path) -> None:
    """Create and hold ``folder``'s lock file (for the life of the staging folder)."""
    handle = os.open(folder.with_name(folder.name + ".lock"), os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(handle, fcntl.LOCK_EX)
    _LOCKS[folder] = handle


def _try_claim(folder: Path) -> bool:
    """Take ``folder``'s lock if nobody holds it (its owner is gone)."""
    path = folder.with_name(folder.name + ".lock")
    try:
        handle = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        return False
    _LOCKS[folder] = handle
    return True


def _unlock(folder: Path) -> None:
    """Remove and release ``folder``'s lock file."""
    handle = _LOCKS.pop(folder, None)
    folder.with_name(folder.name + ".lock").unlink(missing_ok=True)
    if handle is not None:
        os.close(handle)


def _open_to_readers(folder: Path) -> None:
    """Give a validated staging folder the permissions of a published one (the umask's)."""
    mask = os.umask(0)
    os.umask(mask)
    for child in folder.iterdir():
        child.chmod(0o666 & ~mask)
    folder.chmod(0o777 & ~mask)


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
