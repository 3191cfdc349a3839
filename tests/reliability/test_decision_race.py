"""An approve and a deny of the same request, at the same moment: exactly one decision stands."""

from __future__ import annotations

import os
import threading

import pytest

from flows import requests
from privacy.errors import ShareableError

TRIALS = int(os.environ.get("SHAREABLE_RELIABILITY_TRIALS", "25"))
"""Races per database (25 for CI; 100 with ``SHAREABLE_RELIABILITY_TRIALS=100``)."""


def race(request_id: int, url: str) -> list[str]:
    """Approve and deny ``request_id`` from two threads released together; returns winners."""
    barrier = threading.Barrier(2)
    won: list[str] = []

    def decide(approve: bool) -> None:
        barrier.wait()
        try:
            row = requests.decide_request(request_id, approve, "race", f"steward-{approve}", url)
        except ShareableError:
            return
        won.append(row["status"])

    threads = [threading.Thread(target=decide, args=(flag,)) for flag in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return won


def test_exactly_one_decision_wins(database_url: str) -> None:
    outcomes = []
    for trial in range(TRIALS):
        request_id = requests.open_request("visits", f"trial {trial}", "analyst", database_url)
        won = race(request_id, database_url)
        stored = [
            row["status"]
            for row in requests.list_requests(include_decided=True, url=database_url)
            if row["id"] == request_id
        ]
        assert len(won) == 1, f"trial {trial}: {len(won)} decisions succeeded"
        assert stored == won
        outcomes.append(won[0])
    assert set(outcomes) <= {"approved", "denied"}


def test_a_decided_request_is_final(database_url: str) -> None:
    request_id = requests.open_request("visits", "why", "analyst", database_url)
    requests.decide_request(request_id, True, "ok", "steward", database_url)
    with pytest.raises(ShareableError, match="already approved"):
        requests.decide_request(request_id, False, "no", "steward", database_url)
