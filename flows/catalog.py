"""The catalog: what datasets exist, their releases and guarantees, the audit log, requests.

Lives in the Shareable database (``flows/store.py``) beside the budget ledger. Everything
stored here is metadata: names, versions, counts, hashes, decisions and reasons; never a data
value. The audit log is append-only: this module has no function that changes or deletes an
entry, and on SQLite triggers refuse UPDATE and DELETE on it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from flows.store import describe_database_error, ensure_tables, get_engine
from privacy.errors import SourceError, SpecError, StoreError

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

audit_log = sa.Table(
    "audit_log",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("dataset", sa.String(63)),
    sa.Column("spec_hash", sa.String(64)),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text),
)

access_requests = sa.Table(
    "access_requests",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset", sa.String(63), nullable=False),
    sa.Column("requester", sa.String(200), nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("decision_reason", sa.Text),
)

_APPEND_ONLY = [
    sa.DDL(
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    ),
    sa.DDL(
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    ),
]
for _trigger in _APPEND_ONLY:
    sa.event.listen(audit_log, "after_create", _trigger.execute_if(dialect="sqlite"))

REQUEST_SLA_DAYS = 14
"""Default age after which an open access request is flagged as overdue."""

ACTIONS = (
    "release_started",
    "published",
    "up_to_date",
    "refused",
    "validation_failed",
    "failed",
    "budget_charged",
    "budget_total_set",
    "deployment_created",
    "retired",
    "request_opened",
    "request_approved",
    "request_denied",
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def engine(url: str | None = None) -> Engine:
    """The catalog's engine, with its tables created on first use."""
    return ensure_tables(METADATA, get_engine(url))


def _run(url: str | None, work):
    """Run ``work(connection)`` in one transaction; database failures become StoreError."""
    eng = engine(url)
    try:
        with eng.begin() as connection:
            return work(connection)
    except sa.exc.DatabaseError as exc:
        raise StoreError(describe_database_error(eng, exc)) from None


def audit(
    action: str,
    outcome: str,
    *,
    actor: str,
    dataset: str | None = None,
    spec_hash: str | None = None,
    detail: str | None = None,
    url: str | None = None,
) -> None:
    """Append one entry to the audit log (``detail`` must hold no data value)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    row = {
        "at": _now(),
        "actor": actor,
        "action": action,
        "dataset": dataset,
        "spec_hash": spec_hash,
        "outcome": outcome,
        "detail": detail,
    }
    _run(url, lambda c: c.execute(audit_log.insert().values(**row)))


def audit_entries(
    dataset: str | None = None, limit: int = 100, url: str | None = None
) -> list[dict[str, Any]]:
    """Most recent audit entries first, optionally for one dataset."""
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if dataset:
        query = query.where(audit_log.c.dataset == dataset)
    return _run(url, lambda c: [dict(r._mapping) for r in c.execute(query)])


def record_release(
    manifest: dict[str, Any],
    path: Path,
    *,
    steward: str | None = None,
    description: str | None = None,
    url: str | None = None,
) -> None:
    """Add a published release (from its manifest) to the catalog."""
    now = _now()

    def work(connection) -> None:
        exists = connection.execute(
            sa.select(datasets.c.name).where(datasets.c.name == manifest["dataset"])
        ).first()
        values = {"updated_at": now}
        if steward:
            values["steward"] = steward
        if description:
            values["description"] = description
        if exists:
            connection.execute(
                datasets.update().where(datasets.c.name == manifest["dataset"]).values(**values)
            )
        else:
            connection.execute(
                datasets.insert().values(name=manifest["dataset"], created_at=now, **values)
            )
        connection.execute(
            releases.insert().values(
                dataset=manifest["dataset"],
                version=manifest["version"],
                release_id=manifest["release_id"],
                path=str(path),
                method=manifest["method"],
                guarantees=json.dumps(manifest.get("guarantees", {}), sort_keys=True),
                rows=manifest.get("rows_out", 0),
                columns=json.dumps([c["name"] for c in manifest.get("columns", [])]),
                source_sha256=manifest.get("source", {}).get("sha256"),
                spec_hash=manifest.get("spec_hash"),
                actor=manifest.get("actor"),
                created_at=now,
            )
        )

    _run(url, work)


def mark_retired(path: Path, url: str | None = None) -> None:
    """Mark a release whose folder was removed by a ``retain:`` policy."""
    _run(
        url,
        lambda c: c.execute(
            releases.update().where(releases.c.path == str(path)).values(status="retired")
        ),
    )


@dataclass(frozen=True)
class CatalogEntry:
    """One dataset with its latest published release."""

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

    return _run(url, work)


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

    return _run(url, work)


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

    row = _run(url, work)
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


def describe_guarantees(method: str, guarantees: dict[str, Any]) -> str:
    """One line a reader understands: Safe Harbor / k and l / epsilon and delta."""
    if method == "safe_harbor":
        return "HIPAA Safe Harbor"
    if method == "k_anonymity":
        text = f"k-anonymity k={guarantees.get('k')}"
        if guarantees.get("l"):
            text += f", l-diversity l={guarantees['l']}"
        return text
    if method == "dp_aggregates":
        text = f"differential privacy epsilon={guarantees.get('epsilon')}"
        if guarantees.get("delta"):
            text += f", delta={guarantees['delta']}"
        return text
    return method


# Access requests ---------------------------------------------------------------------------


def open_request(dataset: str, purpose: str, requester: str, url: str | None = None) -> int:
    """Record an analyst's request for a more detailed release; returns its id."""
    if not purpose.strip():
        raise SpecError(
            "--purpose is required: say what the data is for and why the default "
            "release is not enough."
        )

    def work(connection) -> int:
        result = connection.execute(
            access_requests.insert().values(
                dataset=dataset,
                requester=requester,
                purpose=purpose.strip(),
                status="open",
                created_at=_now(),
            )
        )
        return int(result.inserted_primary_key[0])

    request_id = _run(url, work)
    audit(
        "request_opened",
        "open",
        actor=requester,
        dataset=dataset,
        detail=f"request {request_id}",
        url=url,
    )
    return request_id


def decide_request(
    request_id: int, approve: bool, reason: str, decided_by: str, url: str | None = None
) -> dict[str, Any]:
    """Approve or deny an open request, with the steward's reason."""
    if not reason.strip():
        raise SpecError("--reason is required: the requester and the audit log need to know why.")
    status = "approved" if approve else "denied"

    def work(connection):
        row = connection.execute(
            sa.select(access_requests).where(access_requests.c.id == request_id)
        ).first()
        if row is None:
            raise SourceError(f"no access request {request_id}; see `shareable requests --all`.")
        if row._mapping["status"] != "open":
            raise SpecError(
                f"request {request_id} is already {row._mapping['status']}; decisions are final."
            )
        connection.execute(
            access_requests.update()
            .where(access_requests.c.id == request_id)
            .values(
                status=status,
                decided_at=_now(),
                decided_by=decided_by,
                decision_reason=reason.strip(),
            )
        )
        return dict(row._mapping)

    row = _run(url, work)
    audit(
        f"request_{status}",
        status,
        actor=decided_by,
        dataset=row["dataset"],
        detail=f"request {request_id}",
        url=url,
    )
    return {**row, "status": status}


def list_requests(include_decided: bool = False, url: str | None = None) -> list[dict[str, Any]]:
    """Access requests, oldest first (open ones only unless ``include_decided``)."""
    query = sa.select(access_requests).order_by(access_requests.c.created_at)
    if not include_decided:
        query = query.where(access_requests.c.status == "open")
    return _run(url, lambda c: [dict(r._mapping) for r in c.execute(query)])


def request_age_days(request: dict[str, Any], now: dt.datetime | None = None) -> float:
    """Age of a request in days (until its decision, if decided)."""
    created = _aware(request["created_at"])
    end = _aware(request["decided_at"]) if request.get("decided_at") else (now or _now())
    return (end - created).total_seconds() / 86400


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
