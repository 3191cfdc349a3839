"""Actors, purposes and reasons are shown as plain text: never rich markup, never escapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

HOSTILE = ["[/evil]", "[bold red]x[/]", "\x1b[2J\x1b[31mred", "[link=file:///etc]y[/link]"]


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHAREABLE_DB_URL", f"sqlite:///{tmp_path / 'shareable.db'}")
    monkeypatch.setenv("SHAREABLE_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "400")  # rich wraps table cells to the terminal width


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_actor_and_purpose_do_not_break_audit_or_requests(text: str) -> None:
    runner = CliRunner()
    opened = runner.invoke(app, ["request", "visits", "--purpose", text, "--actor", text])
    assert opened.exit_code == 0, opened.output
    denied = runner.invoke(app, ["deny", "1", "--reason", text, "--actor", text])
    assert denied.exit_code == 0, denied.output
    for command in (["audit"], ["requests", "--all"]):
        shown = runner.invoke(app, command)
        assert shown.exit_code == 0, shown.output
        assert "\x1b" not in shown.output  # no escape sequence reaches the terminal
        if text.startswith("["):
            assert text.split("]")[0] in shown.output  # the markup is shown as written
