"""The Shareable database: catalog, audit log and privacy-budget ledger share one database.

SQLite at ``$SHAREABLE_HOME/shareable.db`` by default; a shared deployment sets
``SHAREABLE_DB_URL`` (e.g. ``postgresql+psycopg2://user@host/db``) so several stewards and
scheduled runs use one catalog and one ledger. Modules that keep tables here define them on
their own ``MetaData`` and create them with :func:`ensure_tables`.
"""

from __future__ import annotations

import datetime as dt
import functools
import os

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from flows.settings import shareable_home
from privacy.errors import StoreError

DB_URL_ENV = "SHAREABLE_DB_URL"
SQLITE_BUSY_SECONDS = 30


def database_url() -> str:
    """``SHAREABLE_DB_URL``, or the SQLite file under ``SHAREABLE_HOME``."""
    return os.environ.get(DB_URL_ENV) or f"sqlite:///{shareable_home() / 'shareable.db'}"


def get_engine(url: str | None = None) -> Engine:
    """Return the (cached) engine for ``url`` (default: :func:`database_url`)."""
    return _engine(url or database_url())


@functools.cache
def _engine(url: str) -> Engine:
    try:
        if url.startswith("sqlite"):
            engine = sa.create_engine(
                url, connect_args={"timeout": SQLITE_BUSY_SECONDS}, poolclass=sa.pool.NullPool
            )
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = sa.create_engine(url, pool_pre_ping=True)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise StoreError(
            f"{DB_URL_ENV}: cannot use this database URL ({type(exc).__name__}). Use "
            "sqlite:///path/to/shareable.db or postgresql+psycopg2://user@host:port/db."
        ) from None
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def ensure_tables(metadata: sa.MetaData, engine: Engine | None = None) -> Engine:
    """Create ``metadata``'s tables if missing; turn database failures into a clear error."""
    engine = engine or get_engine()
    try:
        metadata.create_all(engine)
    except sa.exc.DatabaseError as exc:
        raise StoreError(describe_database_error(engine, exc)) from None
    return engine


def utc_now() -> dt.datetime:
    """The time stamps the catalog, audit log and requests record (timezone-aware UTC)."""
    return dt.datetime.now(dt.UTC)


def run(metadata: sa.MetaData, url: str | None, work):
    """Run ``work(connection)`` in one transaction on ``metadata``'s tables (created if missing).

    Database failures become :class:`~privacy.errors.StoreError` with a clear description.
    """
    engine = ensure_tables(metadata, get_engine(url))
    try:
        with engine.begin() as connection:
            return work(connection)
    except sa.exc.DatabaseError as exc:
        raise StoreError(describe_database_error(engine, exc)) from None


def describe_database_error(engine: Engine, exc: Exception) -> str:
    """A user-facing description of a database failure (no SQL parameters, no values)."""
    where = engine.url.render_as_string(hide_password=True)
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "busy" in text:
        fix = "another process holds the database; retry when it finishes"
    elif "not a database" in text or "malformed" in text or "corrupt" in text:
        fix = (
            "the database file is corrupt; restore it from backup, or move it aside to start "
            "an empty catalog and ledger (budget history would be lost)"
        )
    elif "could not connect" in text or "connection refused" in text:
        fix = f"the database server is unreachable; check {DB_URL_ENV}"
    else:
        fix = f"database error ({type(getattr(exc, 'orig', exc)).__name__})"
    return f"{where}: {fix}."
