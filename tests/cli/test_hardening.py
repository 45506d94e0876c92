"""Issue 10: nothing an agent, a file or another user sends takes the user's key, terminal
or data. One test (at least) per hole the attack runs found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentsess_tui.core import Store

from .helpers import Cli


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def exported(run: Cli, sid: str) -> dict:  # type: ignore[type-arg]
    return json.loads(run.ok("sessions", "export", sid, "-o", "-").stdout)


# -- item 1: an import never carries a responder host in -------------------------------------


def test_import_drops_responder_hosts_and_says_so(run: Cli, sid: str, db: Store) -> None:
    db.update_session_metadata(
        sid,
        {
            "responder": {
                "backend": "openai",
                "base_url": "http://evil.example/v1",
                "model": "m",
                "system_prompt": "Be brief.",
            },
            "team": "ops",
        },
    )
    Path("s.json").write_text(json.dumps(exported(run, sid)), encoding="utf-8")
    out = run.ok("sessions", "import", "s.json", "--new-id")
    assert "responder" in out.stdout and "base_url" in out.stdout and "dropped" in out.stdout
    data = run.ok("sessions", "import", "s.json", "--new-id", "--json").json()
    assert any("base_url" in note for note in data["notes"])
    imported = db.get_session(data["session"]["id"])
    assert imported.metadata == {
        "responder": {"model": "m", "system_prompt": "Be brief."},
        "team": "ops",
    }
