"""`agentsess`: the command line for agents, scripts and people in a terminal.

Start-up is measured (bench/cli.py): agents call the CLI in loops. So this module imports only
click, and each command's module is loaded when that command runs or its help is shown.
"""

from __future__ import annotations

import click

from .. import __version__
from .base import AgentsessGroup
from .entry import VERSION_MESSAGE

# Every top-level command, in the order help lists them: name -> "module:attribute".
# To add one, add a line here; its module is imported only when the command is used.
COMMANDS = {
    "agents": "agentsess_tui.cli.agents:agents",
    "sessions": "agentsess_tui.cli.sessions:sessions",
    "messages": "agentsess_tui.cli.messages:messages",
    "memory": "agentsess_tui.cli.memory:memory",
    "sweep": "agentsess_tui.cli.maintenance:sweep",
    "verify-token": "agentsess_tui.cli.maintenance:verify_token",
    "tui": "agentsess_tui.cli.tui:tui",
    "serve": "agentsess_tui.cli.serve:serve",
    "mcp": "agentsess_tui.cli.mcp:mcp",
    "keys": "agentsess_tui.cli.keys:keys",
}

EPILOG = """\b
Exit codes:
   0  ok
   1  unexpected error (AGENTSESS_DEBUG=1 shows the traceback)
   2  usage error (unknown option, missing argument, confirmation needed)
   3  not found              (agent, session or memory id)
   4  invalid input          (malformed id, bad duration, oversized message, bad file)
   5  invalid policy         (a policy value out of range or inconsistent)
   6  already exists         (agent id taken, session id on import, export file)
   7  session expired        (resume it to write again)
   8  session ended          (resume it to write again)
   9  cannot extend          (the session is at its lifetime cap)
  10  token invalid          (malformed, forged, or for another session)
  11  token revoked          (from an earlier activation; the session was resumed)
  12  agent mismatch         (a token or session of another agent)
  13  database locked        (another process held the write lock too long)
  14  storage error          (the file is damaged, not a database, or not writable)
  15  backend error          (a chat backend failed)

\b
Environment:
  AGENTSESS_HOME             put every file (database, config, key) in this directory
  AGENTSESS_DB               database file (same as --db)
  AGENTSESS_TOKEN            session token for `memory remember`, `messages add`,
                             `sessions heartbeat` and `verify-token`
  AGENTSESS_BUSY_TIMEOUT_MS  how long a write waits for another process's lock
  AGENTSESS_DEBUG=1          show tracebacks of unexpected errors
  AGENTSESS_FAKE_NOW         testing aid only: freeze the clock at this ISO-8601 UTC time
"""


@click.group(
    cls=AgentsessGroup,
    lazy_commands=COMMANDS,
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--db",
    metavar="PATH",
    envvar="AGENTSESS_DB",
    show_envvar=True,
    help="Database file (default: agentsess.db in the data dir, or AGENTSESS_HOME).",
)
@click.version_option(__version__, "--version", prog_name="agentsess", message=VERSION_MESSAGE)
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Time-boxed AI agent sessions, their conversations and long-term memories.

    \b
    Quick start:
      agentsess agents add research-bot
      agentsess sessions new --agent research-bot --title "Literature review"
      agentsess messages add SESSION "Find papers on X"
      agentsess memory remember --agent research-bot "Prefers arXiv links"
      agentsess tui
    """
    from .context import Runtime  # the store's modules: not needed for --version or --help

    runtime = Runtime(db or None)
    ctx.obj = runtime
    ctx.call_on_close(runtime.close)


def run(argv: list[str] | None = None) -> None:
    """The console script `agentsess` (through `entry.main`)."""
    cli.main(args=argv, prog_name="agentsess")
