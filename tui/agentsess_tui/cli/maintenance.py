"""`agentsess sweep` and `agentsess verify-token`: for cron jobs and agent wrappers."""

from __future__ import annotations

import click

from ..core.errors import InvalidInput
from .base import UsageProblem
from .context import Runtime, read_stdin, stdin_is_tty
from .describe import expiry_text, quoted
from .output import echo_json, iso, when

MAX_TOKEN_BYTES = 16 * 1024


@click.command("sweep")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def sweep(rt: Runtime, as_json: bool) -> None:
    """Expire every overdue session and warn every newly expiring one.

    Writes take care of expiry anyway; a sweep makes `ls` and other clients current.
    """
    result = rt.store.sweep()
    if as_json:
        echo_json(
            {
                "expired": result.expired,
                "warned": result.warned,
                "next_due_at": iso(result.next_due_at),
                "next_due_at_ms": result.next_due_at,
            }
        )
        return
    click.echo(f"Expired {len(result.expired)}: {', '.join(result.expired) or '-'}")
    click.echo(f"Warned  {len(result.warned)}: {', '.join(result.warned) or '-'}")
    click.echo(f"Next due {when(result.next_due_at)}")


@click.command("verify-token")
@click.argument("token", required=False, envvar="AGENTSESS_TOKEN", metavar="[TOKEN]")
@click.option("--agent", "agent_id", metavar="AGENT", help="It must belong to this agent.")
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@click.pass_obj
def verify_token(rt: Runtime, token: str | None, agent_id: str | None, as_json: bool) -> None:
    """Check a token: the session it is good for now, or why not (as the exit code).

    The token comes from the argument, AGENTSESS_TOKEN, or stdin.
    """
    if not token:
        if stdin_is_tty():
            raise UsageProblem("Give a token: as an argument, AGENTSESS_TOKEN, or on stdin.")
        token = read_stdin("token", MAX_TOKEN_BYTES)
    if not token.strip():
        raise InvalidInput("The token is empty.")
    session = rt.store.verify_token(token.strip(), agent_id=agent_id)
    now = rt.now()
    if as_json:
        echo_json({"valid": True, "session": session.to_dict(now)})
        return
    click.echo(
        f"Valid for session {session.id} {quoted(session.title)} (agent {session.agent_id}); "
        f"{expiry_text(session, now)}."
    )
