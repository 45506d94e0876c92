"""`agentsess tui` hands its options to the app."""

from __future__ import annotations

import pytest

import agentsess_tui.app.main

from .helpers import Cli


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record what the app was started with instead of taking over the terminal."""
    calls: list[list[str]] = []

    def fake_main(argv: list[str] | None = None) -> int:
        calls.append(list(argv or []))
        return 3 if "--demo" in (argv or []) else 0

    monkeypatch.setattr(agentsess_tui.app.main, "main", fake_main)
    return calls


def test_tui_passes_db_theme_and_demo(run: Cli, launched: list[list[str]]) -> None:
    run.ok("--db", "/tmp/x.db", "tui", "--theme", "agentsess-light")
    assert launched == [["--db", "/tmp/x.db", "--theme", "agentsess-light"]]
    out = run("tui", "--demo")
    assert launched[-1] == ["--demo"]
    assert out.code == 3  # the app's exit code is ours


def test_tui_uses_agentsess_db(run: Cli, launched: list[list[str]]) -> None:
    run.ok("tui", env={"AGENTSESS_DB": "/tmp/y.db"})
    assert launched == [["--db", "/tmp/y.db"]]
