"""The catalog: what datasets exist, their releases and guarantees.

Lives in the Shareable database (``flows/store.py``) beside the audit log (``flows/audit.py``),
access requests (``flows/requests.py``) and the budget ledger. A release is recorded from its
typed :class:`~flows.manifest.Manifest`. Everything stored here is metadata: names, versions,
counts, hashes; never a data value.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from flows import store
from flows.manifest import Manifest
from flows.store import ensure_tables, get_engine
from privacy.errors import SourceError

METADATA = sa.MetaData()

datasets = sa.Table(
    "catalog_datasets",
    METADATA,
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("description", sa.Text),
    sa.Column("steward", sa.String(200)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

releases = sa.Table(
    "catalog_releases",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset", sa.String(63), sa.ForeignKey("catalog_datasets.name"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("release_id", sa.String(32), nullable=False, unique=True),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("method", sa.String(40), nullable=False),
    sa.Column("guarantees", sa.Text, nullable=False),
    sa.Column("rows", sa.BigInteger, nullable=False),
    sa.Column("columns", sa.Text, nullable=False),
    sa.Column("source_sha256", sa.String(64)),
    sa.Column("spec_hash", sa.String(64)),
    sa.Column("actor", sa.String(200)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="published"),
    sa.UniqueConstraint("path", name="uq_catalog_release_path"),
)


def engine(url: str | None = None) -> Engine:
    """The catalog's engine, with its tables created on first use."""
    return ensure_tables(METADATA, get_engine(url))


@dataclass(frozen=True)
class ReleaseRecord:
    """The catalog's facts of one published release (from its manifest)."""

    dataset: str
    version: int
    release_id: str
    method: str
    guarantees: dict[str, Any]
    rows: int
    columns: list[str]
    source_sha256: str | None
    spec_hash: str | None
    actor: str | None

    @classmethod
    def of(cls, manifest: Manifest) -> ReleaseRecord:
        """The record of a typed manifest (which has its version)."""
        return cls(
            dataset=manifest.dataset,
            version=manifest.version,
            release_id=manifest.release_id,
            method=manifest.method,
            guarantees=manifest.guarantees.as_dict(),
            rows=manifest.rows_out,
            columns=_contents(manifest),
            source_sha256=manifest.source.sha256,
            spec_hash=manifest.spec_hash,
            actor=manifest.actor,
        )

    @classmethod
    def read(cls, folder: Path) -> ReleaseRecord | None:
        """The record of the published folder's ``manifest.json``; None if it is not one.

        Used to catalog a version that a crash left published but not recorded.
        """
        try:
            data = json.loads((folder / "manifest.json").read_text("utf8"))
            record = cls(
                dataset=str(data["dataset"]),
                version=int(data["version"]),
                release_id=str(data["release_id"]),
                method=str(data["method"]),
                guarantees=dict(data["guarantees"]),
                rows=int(data["rows_out"]),
                columns=(
                    [str(p.get("query") or p["file"]) for p in data["parts"]]
                    if data.get("dp")
                    else [str(c["name"]) for c in data["columns"]]
                ),
                source_sha256=(data.get("source") or {}).get("sha256"),
                spec_hash=data.get("spec_hash"),
                actor=data.get("actor"),
            )
            parts = [str(part["file"]) for part in data["parts"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        if not parts or not all((folder / name).is_file() for name in parts):
            return None
        return record


def record_release(
    manifest: Manifest | ReleaseRecord,
    path: Path,
    *,
    steward: str | None = None,
    description: str | None = None,
    url: str | None = None,
) -> bool:
    """Add a published release (from its manifest, with its version) to the catalog.

    Idempotent: a release already recorded (same ``release_id``) is left as it is, so a
    retried or repeated record step never fails. Returns whether a row was added.
    """
    record = manifest if isinstance(manifest, ReleaseRecord) else ReleaseRecord.of(manifest)
    now = store.utc_now()

    def work(connection) -> bool:
        known = connection.execute(
            sa.select(releases.c.id).where(releases.c.release_id == record.release_id)
        ).first()
        if known:
            return False
        exists = connection.execute(
            sa.select(datasets.c.name).where(datasets.c.name == record.dataset)
        ).first()
        values = {"updated_at": now}
        if steward:
            values["steward"] = steward
        if description:
            values["description"] = description
        if exists:
            connection.execute(
                datasets.update().where(datasets.c.name == record.dataset).values(**values)
            )
        else:
            connection.execute(
                datasets.insert().values(name=record.dataset, created_at=now, **values)
            )
        connection.execute(
            releases.insert().values(
                dataset=record.dataset,
                version=record.version,
                release_id=record.release_id,
                path=str(path),
                method=record.method,
                guarantees=json.dumps(record.guarantees, sort_keys=True),
                rows=record.rows,
                columns=json.dumps(record.columns),
                source_sha256=record.source_sha256,
                spec_hash=record.spec_hash,
                actor=record.actor,
                created_at=now,
            )
        )
        return True

    return store.run(METADATA, url, work)


def recorded_paths(dataset_dir: Path, url: str | None = None) -> set[str]:
    """Paths of every release the catalog records in ``dataset_dir`` (any status)."""
    folder = Path(dataset_dir).resolve()

    def work(connection) -> set[str]:
        rows = connection.execute(
            sa.select(releases.c.path).where(releases.c.dataset == folder.name)
        )
        return {p for (p,) in rows if Path(p).parent == folder}

    return store.run(METADATA, url, work)


def mark_retired(path: Path, url: str | None = None) -> None:
    """Mark a release whose folder was removed by a ``retain:`` policy."""
    store.run(
        METADATA,
        url,
        lambda c: c.execute(
            releases.update().where(releases.c.path == str(path)).values(status="retired")
        ),
    )


@dataclass(frozen=True)
class CatalogEntry:
    """One dataset with its latest published release.

    ``columns`` lists a row-level release's columns, or a DP release's query tables.
    """

    dataset: str
    steward: str | None
    description: str | None
    version: int
    method: str
    guarantees: dict[str, Any]
    rows: int
    columns: list[str]
    created_at: dt.datetime
    path: str
    releases: int


def list_datasets(url: str | None = None) -> list[CatalogEntry]:
    """Every dataset with a published release, with its latest version's facts."""

    def work(connection) -> list[CatalogEntry]:
        latest = (
            sa.select(
                releases.c.dataset,
                sa.func.max(releases.c.version).label("version"),
                sa.func.count().label("n"),
            )
            .where(releases.c.status == "published")
            .group_by(releases.c.dataset)
            .subquery()
        )
        query = (
            sa.select(releases, datasets.c.steward, datasets.c.description, latest.c.n)
            .join(
                latest,
                sa.and_(
                    releases.c.dataset == latest.c.dataset, releases.c.version == latest.c.version
                ),
            )
            .join(datasets, datasets.c.name == releases.c.dataset)
            .where(releases.c.status == "published")
            .order_by(releases.c.dataset)
        )
        return [_entry(row._mapping) for row in connection.execute(query)]

    return store.run(METADATA, url, work)


def last_recorded_version(dataset_dir: Path, url: str | None = None) -> int:
    """The highest version the catalog records in ``dataset_dir`` (0 if none).

    Publishing takes the next version after both this and the folders on disk, so a version
    removed by hand is never published again under the same number (an analyst may have
    cited it, and the catalog still describes it).
    """
    folder = Path(dataset_dir).resolve()

    def work(connection) -> int:
        rows = connection.execute(
            sa.select(releases.c.version, releases.c.path).where(releases.c.dataset == folder.name)
        )
        return max((v for v, p in rows if Path(p).parent == folder), default=0)

    return store.run(METADATA, url, work)


def find_release(dataset: str, version: int | None = None, url: str | None = None) -> CatalogEntry:
    """The catalog entry of ``dataset`` at ``version`` (default: latest published)."""

    def work(connection):
        published = (
            sa.select(sa.func.count())
            .select_from(releases)
            .where(releases.c.dataset == dataset, releases.c.status == "published")
            .scalar_subquery()
        )
        query = (
            sa.select(releases, datasets.c.steward, datasets.c.description, published.label("n"))
            .join(datasets, datasets.c.name == releases.c.dataset)
            .where(releases.c.dataset == dataset, releases.c.status == "published")
            .order_by(releases.c.version.desc())
        )
        if version is not None:
            query = query.where(releases.c.version == version)
        return connection.execute(query).first()

    row = store.run(METADATA, url, work)
    if row is None:
        known = [entry.dataset for entry in list_datasets(url)]
        what = f"version {version} of `{dataset}`" if version else f"a release of `{dataset}`"
        raise SourceError(
            f"the catalog has no {what}. Known datasets: {', '.join(known) or 'none yet'}. "
            "See `shareable catalog`."
        )
    return _entry(row._mapping)


def _entry(row) -> CatalogEntry:
    return CatalogEntry(
        dataset=row["dataset"],
        steward=row["steward"],
        description=row["description"],
        version=row["version"],
        method=row["method"],
        guarantees=json.loads(row["guarantees"]),
        rows=row["rows"],
        columns=json.loads(row["columns"]),
        created_at=row["created_at"],
        path=row["path"],
        releases=row["n"],
    )


def _contents(manifest: Manifest) -> list[str]:
    """What the catalog lists as a release's contents: its columns, or a DP release's queries."""
    if manifest.dp is not None:
        return [part.query or part.file for part in manifest.parts]
    return [c.name for c in manifest.columns]


def describe_contents(entry: CatalogEntry) -> tuple[str, str]:
    """The "rows" and "columns" cells of a catalog listing (a DP release: tables and queries)."""
    if entry.method == "dp_aggregates":
        return f"DP tables: {len(entry.columns)} files", "queries " + ", ".join(entry.columns)
    return f"{entry.rows:,}", str(len(entry.columns))


def describe_guarantees(method: str, guarantees: dict[str, Any]) -> str:
    """One line a reader understands: Safe Harbor / k and l / epsilon and delta."""
    if method == "safe_harbor":
        if guarantees.get("free_text_redacted"):
            text = ", ".join(guarantees["free_text_redacted"])
            return f"HIPAA Safe Harbor except redacted text ({text})"
        return "HIPAA Safe Harbor"
    if method == "k_anonymity":
        text = f"k-anonymity k={guarantees.get('k')}"
        if guarantees.get("l"):
            text += f", l-diversity l={guarantees['l']}"
        return text
    if method == "dp_aggregates":
        text = f"differential privacy epsilon={guarantees.get('epsilon')}"
        if guarantees.get("delta") not in (None, "", "0", 0):
            text += f", delta={guarantees['delta']}"
        return text
    return method
