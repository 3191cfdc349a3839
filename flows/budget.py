"""The privacy-budget ledger seen from releases and stewards: charge, report, set the total.

A DP release is charged with :func:`charge_release` (one locked transaction, before anything
is computed). ``shareable budget DATASET``: :func:`budget_report` reads the ledger
(:mod:`privacy.ledger`) in the catalog database;
:func:`render_budget` turns the report into text for the terminal. A steward changes a
dataset's lifetime total only on purpose, with :func:`set_budget_total`
(``shareable budget DATASET --set-total EPSILON[,DELTA] --reason TEXT``).
"""

from __future__ import annotations

import os

from sqlalchemy.engine import Engine

from flows import audit
from flows.inputs import ReleaseInputs
from flows.store import ensure_tables, get_engine
from privacy import ledger
from privacy.budget import Budget
from privacy.dp.plan import DpPlan
from privacy.errors import SpecError

LOCK_TIMEOUT_ENV = "SHAREABLE_LEDGER_LOCK_TIMEOUT"
"""Seconds a release waits for another's lock on the budget ledger (default 30)."""


def ledger_engine() -> Engine:
    """The catalog database with the ledger's tables in place."""
    return ensure_tables(ledger.LEDGER_METADATA, get_engine())


def lock_timeout() -> float:
    """Seconds to wait for the ledger lock (``SHAREABLE_LEDGER_LOCK_TIMEOUT``, default 30)."""
    try:
        return float(os.environ.get(LOCK_TIMEOUT_ENV) or ledger.DEFAULT_LOCK_TIMEOUT)
    except ValueError:
        return ledger.DEFAULT_LOCK_TIMEOUT


def charge_release(inputs: ReleaseInputs, plan: DpPlan, release_id: str) -> ledger.Charge:
    """Charge the release's ``per_release`` budget to the dataset, or refuse it."""
    charge = ledger.charge(
        ledger_engine(),
        inputs.spec.dataset,
        plan.per_release,
        plan.total,
        release_id=release_id,
        actor=inputs.actor,
        spec_hash=inputs.spec.fingerprint(),
        lock_timeout=lock_timeout(),
    )
    spent = plan.per_release.as_dict()
    audit.audit(
        "budget_charged",
        "charged",
        actor=inputs.actor,
        dataset=inputs.spec.dataset,
        spec_hash=inputs.spec.fingerprint(),
        detail=f"charge {charge.charge_id}: epsilon {spent['epsilon']}, delta {spent['delta']}",
    )
    return charge


def budget_report(dataset: str, url: str | None = None) -> ledger.Account:
    """The budget account of ``dataset`` (total, spent, remaining, charges).

    Raises:
        SpecError: The dataset never had a DP release (no budget recorded).
        StoreError: The ledger database cannot be used.

    """
    account = ledger.get_account(_engine(url), dataset)
    if account is None:
        raise SpecError(
            f"dataset {dataset}: no privacy budget is recorded; a budget is set by the first "
            "`method: dp_aggregates` release (or `shareable budget DATASET --set-total`)."
        )
    return account


def set_budget_total(
    dataset: str,
    epsilon: float | str,
    delta: float | str = 0,
    *,
    actor: str,
    reason: str,
    url: str | None = None,
) -> ledger.Account:
    """A steward's deliberate change of ``dataset``'s lifetime total (never below spent).

    The next release's spec must then declare the same ``dp.budget``.
    """
    try:
        total = Budget.of(epsilon, delta)
    except ValueError as exc:
        raise SpecError(f"--set-total: {exc}") from None
    if total.epsilon <= 0:
        raise SpecError("--set-total: epsilon must be greater than 0.")
    if not reason.strip():
        raise SpecError("--set-total needs a --reason (it is recorded in the ledger).")
    account = ledger.set_total(_engine(url), dataset, total, actor=actor, note=reason)
    audit.audit(
        "budget_total_set",
        "set",
        actor=actor,
        dataset=dataset,
        detail=f"total epsilon {epsilon}, delta {delta}: {reason.strip()}",
        url=url,
    )
    return account


def render_budget(account: ledger.Account) -> str:
    """Text for the terminal: total, spent, remaining and one line per charge."""
    total, spent = account.total.as_dict(), account.spent.as_dict()
    remaining = account.remaining.as_dict()
    lines = [
        f"Privacy budget of {account.dataset}",
        f"  total      epsilon {total['epsilon']:<12} delta {total['delta']}",
        f"  spent      epsilon {spent['epsilon']:<12} delta {spent['delta']}",
        f"  remaining  epsilon {remaining['epsilon']:<12} delta {remaining['delta']}",
    ]
    if account.updated_by:
        lines.append(f"  total last set by {account.updated_by} at {_time(account.updated_at)}")
    lines += ["", f"Charges ({len(account.charges)}):"]
    if not account.charges:
        lines.append("  (none)")
    header = (
        f"  {'charged at':<20} {'epsilon':<12} {'delta':<12} {'status':<10} {'version':<8} "
        f"{'actor':<16} release"
    )
    if account.charges:
        lines.append(header)
    for item in account.charges:
        amount = item.budget.as_dict()
        version = f"v{item.version}" if item.version is not None else "-"
        status = item.status + (f" ({item.note})" if item.status == "failed" and item.note else "")
        lines.append(
            f"  {_time(item.charged_at):<20} {amount['epsilon']:<12} {amount['delta']:<12} "
            f"{status:<10} {version:<8} {item.actor:<16} {item.release_id}"
        )
    if any(c.status == "failed" for c in account.charges):
        lines += [
            "",
            "Failed releases stay charged: their noisy results may have been computed.",
        ]
    return "\n".join(lines)


def _engine(url: str | None):
    return ensure_tables(ledger.LEDGER_METADATA, get_engine(url))


def _time(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "-"
