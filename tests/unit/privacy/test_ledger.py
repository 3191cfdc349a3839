"""The budget ledger on SQLite and PostgreSQL: charges, refusals, totals, races, bad databases."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.store import ensure_tables, get_engine
from privacy import ledger
from privacy.budget import Budget
from privacy.errors import BudgetExhausted, SpecError, StoreError

REPO = Path(__file__).resolve().parents[3]
TOTAL = Budget.of(2.0)


@pytest.fixture
def engine(database_url: str):
    engine = ensure_tables(ledger.LEDGER_METADATA, get_engine(database_url))
    yield engine
    engine.dispose()


def spend(engine, epsilon, dataset: str = "ds", total: Budget = TOTAL, **kwargs) -> ledger.Charge:
    return ledger.charge(
        engine,
        dataset,
        Budget.of(epsilon),
        total,
        release_id=kwargs.pop("release_id", "r"),
        actor="tester",
        spec_hash="h" * 64,
        **kwargs,
    )


def test_charges_until_exhausted(engine) -> None:
    first = spend(engine, 1.0, release_id="r1")
    spend(engine, 0.7, release_id="r2")
    with pytest.raises(BudgetExhausted, match="Requested: epsilon=0.5"):
        ledger.check(engine, "ds", Budget.of(0.5), TOTAL)  # the early, lock-free check
    ledger.check(engine, "ds", Budget.of(0.3), TOTAL)
    with pytest.raises(BudgetExhausted) as refused:
        spend(engine, 0.5, release_id="r3")
    message = str(refused.value)
    assert "Requested: epsilon=0.5" in message
    assert "Remaining: epsilon=0.3" in message and "Difference: epsilon=-0.2" in message
    spend(engine, 0.3, release_id="r4")  # exactly the rest: no float drift
    account = ledger.get_account(engine, "ds")
    assert account is not None and account.spent == TOTAL and account.remaining == Budget.zero()
    assert [c.release_id for c in account.charges] == ["r1", "r2", "r4"]
    assert first.status == "charged" and account.charges[0].actor == "tester"


def test_statuses_and_failed_charges_stay_spent(engine) -> None:
    published = spend(engine, 0.5, release_id="ok")
    failed = spend(engine, 0.5, release_id="broken")
    ledger.mark_published(engine, published.charge_id, 1)
    ledger.mark_failed(engine, failed.charge_id, "ValidationFailed")
    account = ledger.get_account(engine, "ds")
    assert [(c.status, c.version, c.note) for c in account.charges] == [
        ("published", 1, None),
        ("failed", None, "ValidationFailed"),
    ]
    assert account.spent == Budget.of(1.0)


def test_a_different_total_is_refused_until_a_steward_sets_it(engine) -> None:
    spend(engine, 1.0)
    with pytest.raises(SpecError, match=r"differs from the lifetime total.*--set-total"):
        spend(engine, 1.0, total=Budget.of(5.0))
    with pytest.raises(SpecError, match="already spent"):
        ledger.set_total(engine, "ds", Budget.of(0.5), actor="steward", note="lower")
    account = ledger.set_total(engine, "ds", Budget.of(5.0), actor="steward", note="approved")
    assert account.total == Budget.of(5.0) and account.updated_by == "steward"
    spend(engine, 1.0, total=Budget.of(5.0))
    assert ledger.get_account(engine, "ds").spent == Budget.of(2.0)


def test_datasets_are_separate_and_unknown_is_none(engine) -> None:
    spend(engine, 2.0, dataset="a")
    spend(engine, 2.0, dataset="b")
    assert ledger.get_account(engine, "never") is None


def test_delta_is_accounted(engine) -> None:
    total = Budget.of(2.0, 1e-6)
    ledger.charge(
        engine, "ds", Budget.of(0.1, 6e-7), total, release_id="a", actor="t", spec_hash="h"
    )
    with pytest.raises(BudgetExhausted, match=r"Difference: epsilon=1.8, delta=-0.0000002"):
        ledger.charge(
            engine, "ds", Budget.of(0.1, 6e-7), total, release_id="b", actor="t", spec_hash="h"
        )


RACER = textwrap.dedent(
    """
    import sys, time
    from flows.store import ensure_tables, get_engine
    from privacy import ledger
    from privacy.budget import Budget
    from privacy.errors import BudgetExhausted

    url, start_at, name = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    engine = ensure_tables(ledger.LEDGER_METADATA, get_engine(url))
    read_spent = ledger._spent

    def slow_spent(connection, dataset):  # widen the window between reading and writing
        spent = read_spent(connection, dataset)
        time.sleep(0.4)
        return spent

    ledger._spent = slow_spent
    while time.time() < start_at:
        time.sleep(0.001)
    try:
        ledger.charge(engine, "race", Budget.of(0.6), Budget.of(1.0), release_id=name,
                      actor=name, spec_hash="h")
        print("WON")
    except BudgetExhausted:
        print("REFUSED")
    """
)


@pytest.mark.parametrize("history", ["fresh dataset", "last of a budget"])
def test_two_processes_cannot_both_spend_the_last_of_a_budget(
    engine, database_url: str, history: str
) -> None:
    if history == "last of a budget":
        ledger.charge(
            engine,
            "race",
            Budget.of(0.4),
            Budget.of(1.0),
            release_id="earlier",
            actor="t",
            spec_hash="h",
        )
    start_at = time.time() + 1.5
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, database_url, str(start_at), f"p{i}"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outcomes = []
    for racer in racers:
        out, err = racer.communicate(timeout=60)
        assert racer.returncode == 0, err[-2000:]
        outcomes.append(out.strip())
    assert sorted(outcomes) == ["REFUSED", "WON"]
    account = ledger.get_account(engine, "race")
    assert account.spent.fits_in(account.total)
    assert len([c for c in account.charges if c.release_id.startswith("p")]) == 1


def test_locked_ledger_is_a_clear_store_error(engine, database_url: str) -> None:
    spend(engine, 0.5)
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        release = holder.rollback
    else:
        connection = engine.connect()
        transaction = connection.begin()
        connection.execute(
            sa.select(ledger.budgets).where(ledger.budgets.c.dataset == "ds").with_for_update()
        )

        def release() -> None:
            transaction.rollback()
            connection.close()

    try:
        with pytest.raises(StoreError, match=r"ledger is locked by another process.*nothing"):
            spend(engine, 0.5, lock_timeout=0.3)
    finally:
        release()
    assert ledger.get_account(engine, "ds").spent == Budget.of(0.5)  # nothing charged


def test_corrupt_ledger_file_is_a_clear_store_error(tmp_path: Path) -> None:
    path = tmp_path / "shareable.db"
    path.write_bytes(b"this is not a database, just bytes " * 200)
    url = f"sqlite:///{path}"
    with pytest.raises(StoreError, match=r"corrupt"):
        ensure_tables(ledger.LEDGER_METADATA, get_engine(url))
    with pytest.raises(StoreError, match=r"budget ledger database is corrupt.*nothing was charged"):
        spend(get_engine(url), 0.5)
