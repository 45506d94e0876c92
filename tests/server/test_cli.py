"""`agentsess keys`, the bind rules of `agentsess serve`, and start-up staying light."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cli.helpers import Cli, shell
from fresh_python import run_python


def test_keys_create_ls_revoke(db_path: Path) -> None:
    run = Cli()
    created = run.ok("keys", "create", "laptop", "--agent", "bot", "--agent", "alpha")
    key = created.stdout.strip()
    assert key.startswith("ask_") and len(key) > 40
    assert "not shown again" in created.stderr
    # Only a hash is stored: the key appears nowhere in the database file.
    wal = Path(f"{db_path}-wal")
    raw = db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert key.encode() not in raw
    row = sqlite3.connect(db_path).execute("SELECT hash, agents FROM api_keys").fetchone()
    assert len(row[0]) == 64 and row[1] == '["alpha", "bot"]'

    listed = run.ok("keys", "ls").stdout
    assert "laptop" in listed and key[:10] in listed and key not in listed
    assert run.ok("keys", "ls", "--json").json()[0]["revoked_at"] is None
    again = run("keys", "create", "laptop")
    assert again.code == 6 and "already" in again.error_line
    assert run("keys", "create", "bad name!").code == 4
    assert run("keys", "create", "x", "--agent", "Not An Agent").code == 4

    assert "Revoked" in run.ok("keys", "revoke", "laptop").stdout
    assert run.ok("keys", "ls", "--json").json()[0]["revoked_at"] is not None
    assert run("keys", "revoke", "nope").code == 3


def test_serve_refuses_plain_http_beyond_loopback() -> None:
    outcome = shell("serve", "--host", "0.0.0.0", "--port", "1")
    assert outcome.code == 4
    assert "--tls-cert" in outcome.error_line and "--insecure-http" in outcome.error_line
    half = shell("serve", "--host", "0.0.0.0", "--tls-cert", __file__)
    assert half.code == 4 and "go together" in half.error_line


def test_mcp_needs_a_valid_agent() -> None:
    outcome = shell("mcp", "--agent", "Not Valid")
    assert outcome.code == 4 and "agent id" in outcome.error_line


def test_cli_start_up_does_not_import_the_server() -> None:
    code = (
        "import sys\n"
        "from agentsess_tui.cli.main import cli\n"
        "names = ('fastapi', 'starlette', 'uvicorn', 'mcp', 'agentsess_tui.server')\n"
        "print(','.join(sorted(m for m in names if m in sys.modules)))\n"
    )
    assert run_python(code) == ""


def test_server_never_imports_the_app() -> None:
    code = (
        "import sys\n"
        "import agentsess_tui.server.app, agentsess_tui.server.mcp_tools\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('agentsess_tui.app')"
        " or m.split('.')[0] == 'textual')))\n"
    )
    assert run_python(code) == ""
