"""The audit log: who did what, when, to which dataset, with what outcome.

Lives in the Shareable database (``flows/store.py``) beside the catalog and the budget ledger.
It is append-only: this module has no function that changes or deletes an entry, and
triggers refuse UPDATE and DELETE (SQLite) and UPDATE, DELETE and TRUNCATE (PostgreSQL; created
with the table, so a database created by an earlier Shareable needs them added by hand).
``detail`` holds names, versions, counts and reasons, never a data value.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from flows import store
from flows.store import ensure_tables, get_engine

METADATA = sa.MetaData()

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

_APPEND_ONLY_POSTGRESQL = [
    sa.DDL(
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
    ),
    sa.DDL(
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    ),
]
for _trigger in _APPEND_ONLY_POSTGRESQL:
    sa.event.listen(audit_log, "after_create", _trigger.execute_if(dialect="postgresql"))

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
    "reconciled",
    "request_opened",
    "request_approved",
    "request_denied",
)


def engine(url: str | None = None) -> Engine:
    """The audit log's engine, with its table created on first use."""
    return ensure_tables(METADATA, get_engine(url))


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
        "at": store.utc_now(),
        "actor": actor,
        "action": action,
        "dataset": dataset,
        "spec_hash": spec_hash,
        "outcome": outcome,
        "detail": detail,
    }
    store.run(METADATA, url, lambda c: c.execute(audit_log.insert().values(**row)))


def audit_entries(
    dataset: str | None = None, limit: int = 100, url: str | None = None
) -> list[dict[str, Any]]:
    """Most recent audit entries first, optionally for one dataset."""
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if dataset:
        query = query.where(audit_log.c.dataset == dataset)
    return store.run(METADATA, url, lambda c: [dict(r._mapping) for r in c.execute(query)])
