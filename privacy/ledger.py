"""The persistent privacy-budget ledger: every DP release is charged before it runs.

Two tables on :data:`LEDGER_METADATA` (created by the caller with ``flows.store.ensure_tables``;
``privacy/`` never imports ``flows/``, so every function takes a SQLAlchemy ``Engine``):

* ``dp_budgets`` - one row per dataset: its lifetime total (epsilon, delta), fixed by the first
  release's spec. A later spec with a different total is refused; a steward changes it only on
  purpose with :func:`set_total` (``shareable budget DATASET --set-total EPSILON[,DELTA]``).
* ``dp_charges`` - one row per release: release id, epsilon, delta, time, actor, spec hash and a
  status: ``charged`` (computation may be running), ``published``, or ``failed``.

:func:`charge` runs in ONE transaction that first locks the dataset's budget row
(``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite, which takes the
database's write lock), then sums the charges and inserts the new one or refuses with
:class:`~privacy.errors.BudgetExhausted`. Two releases racing for the last of a budget are
serialised by that lock: one wins, the other sees the first's charge and is refused.

Policy on failures (differential privacy accounts for what *may* have been computed): a charge
is made only after every check that needs no DP computation has passed, so a release refused
early costs nothing. Once charged, a release that fails before publishing is marked ``failed``
with :func:`mark_failed`, but its budget stays spent: noisy results may already exist in memory
or logs, and refunding would let a crash-and-retry loop average away the noise.
Amounts are stored as exact decimal text (see :class:`~privacy.budget.Budget`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from privacy.budget import Budget, refusal
from privacy.errors import BudgetExhausted, SpecError, StoreError

LEDGER_METADATA = sa.MetaData()
"""The ledger's tables (create them with ``flows.store.ensure_tables(LEDGER_METADATA)``)."""

budgets = sa.Table(
    "dp_budgets",
    LEDGER_METADATA,
    sa.Column("dataset", sa.String(63), primary_key=True),
    sa.Column("epsilon_total", sa.String(80), nullable=False),
    sa.Column("delta_total", sa.String(80), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.Column("note", sa.String(500), nullable=True),
)

charges = sa.Table(
    "dp_charges",
    LEDGER_METADATA,
    sa.Column("charge_id", sa.String(32), primary_key=True),
    sa.Column("dataset", sa.String(63), sa.ForeignKey("dp_budgets.dataset"), nullable=False),
    sa.Column("release_id", sa.String(64), nullable=False),
    sa.Column("epsilon", sa.String(80), nullable=False),
    sa.Column("delta", sa.String(80), nullable=False),
    sa.Column("charged_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("spec_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("note", sa.String(500), nullable=True),
    sa.Index("ix_dp_charges_dataset", "dataset"),
)

STATUSES = ("charged", "published", "failed")
"""Charge statuses; every status counts as spent."""

DEFAULT_LOCK_TIMEOUT = 30.0
"""Seconds to wait for another release's lock on the ledger before giving up."""

SET_TOTAL_HINT = "shareable budget {dataset} --set-total EPSILON[,DELTA]"

T = TypeVar("T")


@dataclass(frozen=True)
class Charge:
    """One release's charge against a dataset's budget."""

    charge_id: str
    dataset: str
    release_id: str
    budget: Budget
    charged_at: dt.datetime
    actor: str
    spec_hash: str
    status: str
    version: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class Account:
    """A dataset's budget: total, what was spent, what remains, and every charge."""

    dataset: str
    total: Budget
    spent: Budget
    charges: tuple[Charge, ...]
    updated_at: dt.datetime | None = None
    updated_by: str | None = None

    @property
    def remaining(self) -> Budget:
        """Total minus spent (never negative: the ledger refuses overspending)."""
        eps, delta = self.total.difference(self.spent)
        return Budget(max(eps, 0), max(delta, 0))


def charge(
    engine: Engine,
    dataset: str,
    requested: Budget,
    total: Budget,
    *,
    release_id: str,
    actor: str,
    spec_hash: str,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> Charge:
    """Charge one release to ``dataset``'s budget, atomically, or refuse it.

    Args:
        engine: The catalog/ledger database (tables created beforehand).
        dataset: Dataset name.
        requested: What the release spends.
        total: The lifetime total the spec declares; recorded on the dataset's first charge,
            and compared with the recorded total afterwards.
        release_id: The release's id (also in its manifest).
        actor: Who runs the release.
        spec_hash: Fingerprint of the spec.
        lock_timeout: Seconds to wait for a concurrent release's lock.

    Returns:
        The recorded charge (status ``charged``).

    Raises:
        BudgetExhausted: The charge would exceed the total (the message gives Requested /
            Remaining / Difference).
        SpecError: The spec's total differs from the ledger's (say how to raise it).
        StoreError: The ledger is locked beyond ``lock_timeout``, corrupt or unreachable.

    """
    now = _now()

    def work(connection: Connection) -> Charge:
        row = _locked_budget_row(connection, dataset)
        if row is None:
            connection.execute(
                budgets.insert().values(
                    dataset=dataset,
                    epsilon_total=total.as_dict()["epsilon"],
                    delta_total=total.as_dict()["delta"],
                    created_at=now,
                    updated_at=now,
                    updated_by=actor,
                    note="set from the spec at the first release",
                )
            )
            recorded = total
        else:
            recorded = Budget.of(row.epsilon_total, row.delta_total)
        _refuse_if_over(dataset, recorded, total, _spent(connection, dataset), requested)
        charge_id = uuid.uuid4().hex
        values = requested.as_dict()
        connection.execute(
            charges.insert().values(
                charge_id=charge_id,
                dataset=dataset,
                release_id=release_id,
                epsilon=values["epsilon"],
                delta=values["delta"],
                charged_at=now,
                actor=actor,
                spec_hash=spec_hash,
                status="charged",
            )
        )
        return Charge(charge_id, dataset, release_id, requested, now, actor, spec_hash, "charged")

    return _write_transaction(engine, work, lock_timeout)


def check(engine: Engine, dataset: str, requested: Budget, total: Budget) -> None:
    """Refuse early, without locking or writing, a release that :func:`charge` would refuse.

    A fast courtesy before planning; :func:`charge` decides, under its lock.

    Raises:
        BudgetExhausted: The release would exceed the remaining budget.
        SpecError: The spec's total differs from the ledger's.
        StoreError: The ledger cannot be used.

    """
    account = get_account(engine, dataset)
    if account is not None:
        _refuse_if_over(dataset, account.total, total, account.spent, requested)


def _refuse_if_over(
    dataset: str, recorded: Budget, total: Budget, spent: Budget, requested: Budget
) -> None:
    if recorded != total:
        raise SpecError(
            f"dataset {dataset}: the spec's `dp.budget` ({total}) differs from the "
            f"lifetime total recorded in the budget ledger ({recorded}). The total is "
            "fixed at the first release; set `dp.budget` back to the recorded total, or "
            "have a steward change it on purpose with "
            f"`{SET_TOTAL_HINT.format(dataset=dataset)}`."
        )
    remaining_eps, remaining_delta = recorded.difference(spent)
    remaining = Budget(max(remaining_eps, 0), max(remaining_delta, 0))
    if not requested.fits_in(remaining):
        raise BudgetExhausted(
            f"dataset {dataset}: this release would exceed its privacy budget, so it was "
            f"refused before any computation and nothing was published or charged.\n"
            f"{refusal(requested, remaining)}\n"
            f"Total: {recorded}; spent so far: {spent}. Lower `dp.per_release`, or have a "
            f"steward raise the total with `{SET_TOTAL_HINT.format(dataset=dataset)}`."
        )


def mark_published(engine: Engine, charge_id: str, version: int) -> None:
    """Record that the charged release was published as ``v<version>``."""
    _set_status(engine, charge_id, "published", version=version)


def mark_failed(engine: Engine, charge_id: str, reason: str) -> None:
    """Record that the charged release failed before publishing; its budget stays spent.

    ``reason`` names the kind of failure (an error class), never a data value.
    """
    _set_status(engine, charge_id, "failed", note=reason[:500])


def set_total(engine: Engine, dataset: str, total: Budget, *, actor: str, note: str) -> Account:
    """A steward's deliberate change of a dataset's lifetime total (never below what is spent).

    Raises:
        SpecError: The new total is below what was already spent.
        StoreError: The ledger cannot be used.

    """
    now = _now()

    def work(connection: Connection) -> None:
        row = _locked_budget_row(connection, dataset)
        spent = _spent(connection, dataset)
        if not spent.fits_in(total):
            raise SpecError(
                f"dataset {dataset}: cannot set the total to {total}: {spent} is already spent "
                "and spent budget cannot be taken back."
            )
        values = {
            "epsilon_total": total.as_dict()["epsilon"],
            "delta_total": total.as_dict()["delta"],
            "updated_at": now,
            "updated_by": actor,
            "note": note[:500],
        }
        if row is None:
            connection.execute(budgets.insert().values(dataset=dataset, created_at=now, **values))
        else:
            connection.execute(
                budgets.update().where(budgets.c.dataset == dataset).values(**values)
            )

    _write_transaction(engine, work, DEFAULT_LOCK_TIMEOUT)
    account = get_account(engine, dataset)
    if account is None:  # pragma: no cover - just written
        raise StoreError(f"dataset {dataset}: the ledger lost the total just written.")
    return account


def get_account(engine: Engine, dataset: str) -> Account | None:
    """The dataset's budget account, or None if it never had a DP release."""

    def work(connection: Connection) -> Account | None:
        row = connection.execute(sa.select(budgets).where(budgets.c.dataset == dataset)).first()
        if row is None:
            return None
        rows = connection.execute(
            sa.select(charges)
            .where(charges.c.dataset == dataset)
            .order_by(charges.c.charged_at, charges.c.charge_id)
        ).all()
        history = tuple(_charge(r) for r in rows)
        spent = sum((c.budget for c in history), Budget.zero())
        return Account(
            dataset=dataset,
            total=Budget.of(row.epsilon_total, row.delta_total),
            spent=spent,
            charges=history,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )

    return _read(engine, work)


# --------------------------------------------------------------------------- internals


def _locked_budget_row(connection: Connection, dataset: str) -> Any:
    query = sa.select(budgets).where(budgets.c.dataset == dataset)
    if connection.dialect.name != "sqlite":
        query = query.with_for_update()
    return connection.execute(query).first()


def _spent(connection: Connection, dataset: str) -> Budget:
    rows = connection.execute(
        sa.select(charges.c.epsilon, charges.c.delta).where(charges.c.dataset == dataset)
    ).all()
    return sum((Budget.of(r.epsilon, r.delta) for r in rows), Budget.zero())


def _charge(row: Any) -> Charge:
    return Charge(
        charge_id=row.charge_id,
        dataset=row.dataset,
        release_id=row.release_id,
        budget=Budget.of(row.epsilon, row.delta),
        charged_at=row.charged_at,
        actor=row.actor,
        spec_hash=row.spec_hash,
        status=row.status,
        version=row.version,
        note=row.note,
    )


def _set_status(engine: Engine, charge_id: str, status: str, **values: Any) -> None:
    def work(connection: Connection) -> None:
        connection.execute(
            charges.update().where(charges.c.charge_id == charge_id).values(status=status, **values)
        )

    _write_transaction(engine, work, DEFAULT_LOCK_TIMEOUT)


@contextmanager
def _database_errors(engine: Engine) -> Iterator[None]:
    try:
        yield
    except sa.exc.DBAPIError as exc:
        raise StoreError(_describe(engine, exc)) from None


def _write_transaction(engine: Engine, work: Callable[[Connection], T], lock_timeout: float) -> T:
    """Run ``work`` in one write transaction that holds the ledger lock from its start."""
    with _database_errors(engine):
        if engine.dialect.name == "sqlite":
            return _sqlite_immediate(engine, work, lock_timeout)
        with engine.connect() as connection:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    milliseconds = max(1, int(lock_timeout * 1000))
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {milliseconds}")
                # Serialise the first charge of a dataset too (no row to lock yet): inserting
                # the budget row twice fails on the primary key and is retried once below.
                try:
                    with connection.begin_nested():
                        return work(connection)
                except sa.exc.IntegrityError:
                    pass
            with connection.begin():
                return work(connection)


def _sqlite_immediate(engine: Engine, work: Callable[[Connection], T], lock_timeout: float) -> T:
    """SQLite: ``BEGIN IMMEDIATE`` takes the write lock before the budget is read."""
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {max(1, int(lock_timeout * 1000))}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            result = work(connection)
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")
        return result


def _read(engine: Engine, work: Callable[[Connection], T]) -> T:
    with _database_errors(engine):
        with engine.connect() as connection:
            return work(connection)


def _describe(engine: Engine, exc: Exception) -> str:
    """Describe a database failure without SQL parameters or values."""
    where = engine.url.render_as_string(hide_password=True)
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "busy" in text or "lock timeout" in text:
        fix = (
            "the budget ledger is locked by another process (another release or a steward "
            "command); nothing was charged. Retry when it finishes"
        )
    elif "not a database" in text or "malformed" in text or "corrupt" in text:
        fix = (
            "the budget ledger database is corrupt; nothing was charged. Restore it from "
            "backup (moving it aside would forget every charge and reset the budget)"
        )
    elif "could not connect" in text or "connection refused" in text:
        fix = "the ledger's database server is unreachable; check SHAREABLE_DB_URL"
    else:
        fix = f"budget ledger database error ({type(getattr(exc, 'orig', exc)).__name__})"
    return f"{where}: {fix}."


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
