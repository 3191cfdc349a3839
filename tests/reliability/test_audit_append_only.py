"""The audit log refuses changes on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flows import audit


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"],
)
def test_entries_cannot_be_changed(database_url: str, statement: str) -> None:
    audit.audit("refused", "SpecError", actor="erin", dataset="visits", url=database_url)
    engine = audit.engine(database_url)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as c:
        c.execute(sa.text(statement))
    assert [row["actor"] for row in audit.audit_entries("visits", 10, url=database_url)] == ["erin"]
