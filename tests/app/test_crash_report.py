"""Issue 10: a crash report shown to the user carries no local variables (tokens, ids)."""

from __future__ import annotations

import pytest

from agentsess_tui.app.app import AgentsessApp


async def test_a_crash_report_shows_no_locals(
    app: AgentsessApp, capfd: pytest.CaptureFixture[str]
) -> None:
    secret_local = "activation-jti-SECRET-0123"

    def crash() -> None:
        token_here = secret_local
        raise RuntimeError(f"boom {len(token_here)}")

    with pytest.raises(RuntimeError, match="boom"):
        async with app.run_test(size=(80, 24)) as pilot:
            app.call_later(crash)
            await pilot.pause()
    captured = capfd.readouterr()
    report = captured.out + captured.err
    assert "RuntimeError" in report and "boom" in report
    assert secret_local not in report
