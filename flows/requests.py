"""Access requests: an analyst asks for a more detailed release; a steward decides, with a reason.

Requests live in the Shareable database (``flows/store.py``); opening and deciding one is also
written to the audit log (:mod:`flows.audit`). :func:`request_age_days` measures the clock
against the SLA (``SHAREABLE_REQUEST_SLA_DAYS``, default :data:`REQUEST_SLA_DAYS`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from flows import store
from flows.audit import audit
from flows.store import ensure_tables, get_engine
from privacy.errors import SourceError, SpecError

METADATA = sa.MetaData()

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

REQUEST_SLA_DAYS = 14
"""Default age after which an open access request is flagged as overdue."""


def engine(url: str | None = None) -> Engine:
    """The requests' engine, with their table created on first use."""
    return ensure_tables(METADATA, get_engine(url))


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
                created_at=store.utc_now(),
            )
        )
        return int(result.inserted_primary_key[0])

    request_id = store.run(METADATA, url, work)
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
    """Approve or deny an open request, with the steward's reason; the first decision wins.

    The decision is one conditional ``UPDATE ... WHERE status = 'open'``: of two concurrent
    decisions (an approve and a deny, on SQLite or PostgreSQL) exactly one changes the row;
    the other finds it decided and is refused.
    """
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
        changed = connection.execute(
            access_requests.update()
            .where(access_requests.c.id == request_id, access_requests.c.status == "open")
            .values(
                status=status,
                decided_at=store.utc_now(),
                decided_by=decided_by,
                decision_reason=reason.strip(),
            )
        ).rowcount
        if changed != 1:
            raise SpecError(
                f"request {request_id} was decided meanwhile by someone else; decisions are "
                "final. See `shareable requests --all`."
            )
        return dict(row._mapping)

    row = store.run(METADATA, url, work)
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
    return store.run(METADATA, url, lambda c: [dict(r._mapping) for r in c.execute(query)])


def request_age_days(request: dict[str, Any], now: dt.datetime | None = None) -> float:
    """Age of a request in days (until its decision, if decided)."""
    created = _aware(request["created_at"])
    end = _aware(request["decided_at"]) if request.get("decided_at") else (now or store.utc_now())
    return (end - created).total_seconds() / 86400


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
