"""`agentsess sessions …`: start, list and inspect sessions, and show their tokens.

The lifecycle actions (extend, end, resume, …) are in `session_actions`, files in
`session_files`; this module puts the group together in the order a session lives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click

from ..core import Session, Store
from ..core.errors import NotFound
from ..core.models import Event, Phase
from ..core.phases import time_left
from ..core.text import one_line
from ..core.tokens import mask
from .base import OrderedGroup
from .context import MAX_COUNT, Runtime, minutes
from .describe import (
    activation_json,
    describe_event,
    expiry_text,
    policy_summary,
    print_activation,
)
from .output import echo_json, echo_json_array, note, plural, table, when
from .session_actions import clear, end, extend, heartbeat, remove, resume

PHASES = [str(phase) for phase in Phase]
DEFAULT_LIMIT = 50


@click.group(cls=OrderedGroup)
def sessions() -> None:
    """Sessions: time-boxed windows with a token, a conversation and the agent's memories."""


@click.command("new")
@click.option("--agent", "agent_id", required=True, metavar="AGENT", help="The agent it is for.")
@click.option("--title", help="Title (default: 'Session <date time>').")
@click.option("--window", metavar="DURATION", help="Length of the activation, e.g. 2h (5m–24h).")
@click.option(
    "--auto-renew/--no-auto-renew", default=None, help="Slide expiry forward on activity."
)
@click.option("--max-lifetime", metavar="DURATION", help="Hard cap on extensions, e.g. 48h.")
@click.option("--warning", metavar="DURATION", help="Length of the expiring phase, e.g. 15m.")
@click.option("--step", metavar="DURATION", help="What `sessions extend` adds by default.")
@click.option(
    "--single-active/--no-single-active",
    default=None,
    help="End the agent's other live sessions when this one starts.",
)
@click.option("--system", "system_prompt", metavar="PROMPT", help="System prompt for replies.")
@click.option("--create-agent", is_flag=True, help="Create the agent if it does not exist.")
@click.option("--show-token", is_flag=True, help="Print the whole token (masked otherwise).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the session id.")
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@click.pass_obj
def new(
    rt: Runtime,
    agent_id: str,
    title: str | None,
    window: str | None,
    auto_renew: bool | None,
    max_lifetime: str | None,
    warning: str | None,
    step: str | None,
    single_active: bool | None,
    system_prompt: str | None,
    create_agent: bool,
    show_token: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Start a session for an agent: active for a window from now, with a new token.

    Durations: 90m, 2h, 1h30m, 1d, or bare minutes. Unset policy options come from the
    agent's policy, the config file and the defaults (6h window, 48h cap).

    \b
    Examples:
      agentsess sessions new --agent research-bot --title "Lit review" --window 2h
      SID=$(agentsess sessions new --agent research-bot -q)
    """
    options: dict[str, Any] = {}
    for option, field, value in (
        ("--window", "window_minutes", window),
        ("--max-lifetime", "max_lifetime_minutes", max_lifetime),
        ("--warning", "warning_minutes", warning),
        ("--step", "extend_step_minutes", step),
    ):
        if value is not None:
            options[field] = minutes(option, value)
    if auto_renew is not None:
        options["auto_renew"] = auto_renew
    if single_active is not None:
        options["single_active"] = single_active
    store = rt.store
    if not create_agent:
        require_agent(store, agent_id)
    activation = store.create_session(
        agent_id, title, options=options, system_prompt=system_prompt, create_agent=create_agent
    )
    now = rt.now()
    if quiet:
        click.echo(activation.session.id)
    elif as_json:
        echo_json(activation_json(activation, now, show_token))
    else:
        print_activation(activation, now, show_token, "Started")


def require_agent(store: Store, agent_id: str) -> None:
    try:
        store.get_agent(agent_id)
    except NotFound as exc:
        raise NotFound(
            exc.message,
            hint=f"Add it with `agentsess agents add {agent_id}`, or pass --create-agent.",
        ) from None


@click.command("ls")
@click.option("--state", type=click.Choice(PHASES), help="Only sessions in this phase.")
@click.option("--agent", "agent_id", metavar="AGENT", help="Only this agent's sessions.")
@click.option(
    "--limit",
    type=click.IntRange(0, MAX_COUNT),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="At most this many (0: all).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def list_sessions(
    rt: Runtime, state: str | None, agent_id: str | None, limit: int, as_json: bool
) -> None:
    """List sessions: expiring first, then active by time left, expired, ended."""
    store = rt.reader
    now = rt.now()
    if agent_id is not None:
        store.get_agent(agent_id)  # a typo should say so, not list nothing
    if as_json:  # streamed: `--limit 0` on 100k sessions holds one at a time (issue 10)
        listed = store.iter_sessions(
            phase=state, agent_id=agent_id, limit=None if limit == 0 else limit + 1
        )
        seen = 0

        def first(sessions: Iterator[Session]) -> Iterator[dict[str, Any]]:
            nonlocal seen
            for session in sessions:
                seen += 1
                if limit and seen > limit:
                    return
                yield session.to_dict(now)

        echo_json_array(first(listed))
        if limit and seen > limit:
            _say_more(limit)
        return
    found = store.list_sessions(
        phase=state, agent_id=agent_id, limit=None if limit == 0 else limit + 1
    )
    more = limit != 0 and len(found) > limit
    if more:
        found = found[:limit]
    if not found:
        note(
            "No sessions"
            + (f" in phase {state}" if state else "")
            + (f" for agent {agent_id}" if agent_id else "")
            + ". Start one with `agentsess sessions new --agent NAME`."
        )
    else:
        table(
            ["ID", "AGENT", "TITLE", "PHASE", "TIME LEFT", "RENEWALS"],
            [
                [
                    session.id,
                    session.agent_id,
                    one_line(session.title, 40),
                    str(session.phase(now)),
                    time_left(session, now),
                    str(session.renewal_count),
                ]
                for session in found
            ],
        )
    if more:
        _say_more(limit)


def _say_more(limit: int) -> None:
    note(f"(showing the first {limit}; use --limit N, or --limit 0 for all)")


@click.command("show")
@click.argument("session_id", metavar="SESSION")
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@click.pass_obj
def show(rt: Runtime, session_id: str, as_json: bool) -> None:
    """A session: phase, times, policy, counts, masked token and its timeline."""
    store = rt.reader
    session = store.get_session(session_id)
    counts = store.session_counts(session_id)
    events = store.events(session_id)
    now = rt.now()
    token = mask(store.session_token(session_id)) if session.is_live(now) else None
    if as_json:
        echo_json(
            {
                **session.to_dict(now),
                "token_masked": token,
                "counts": counts,
                "events": [event.to_dict() for event in events],
            }
        )
        return
    print_session(session, now, counts, token, events)


def print_session(
    session: Session,
    now: int,
    counts: dict[str, int],
    token: str | None,
    events: list[Event],
) -> None:
    rows = [
        ("Session", session.id),
        ("Title", one_line(session.title)),
        ("Agent", session.agent_id),
        ("Phase", f"{session.phase(now)} — {expiry_text(session, now)}"),
        ("Created", when(session.created_at)),
        ("Activated", when(session.activated_at)),
        ("Last activity", when(session.last_activity_at)),
        ("Lifetime cap", when(session.cap_at)),
        ("Renewals", f"{session.renewal_count}   Resumes: {session.resume_count}"),
    ]
    if session.ended_at is not None:
        rows.append(("Ended", f"{when(session.ended_at)} ({one_line(session.end_reason or '')})"))
    if token is not None:
        rows.append(("Token", f"{token}  (whole: `agentsess sessions token {session.id}`)"))
    prompt = (session.metadata.get("responder") or {}).get("system_prompt")
    if isinstance(prompt, str):
        rows.append(("System prompt", one_line(prompt, 70)))
    rows.append(
        (
            "Contents",
            f"{plural(counts['messages'], 'message')}, "
            f"{plural(counts['memories'], 'memory')} made in it, "
            f"{plural(counts['events'], 'event')}",
        )
    )
    rows.append(("Policy", policy_summary(session)))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label.ljust(width)}  {value}")
    click.echo("")
    click.echo("Timeline")
    for event in events:
        click.echo(f"  {when(event.at)}  {event.kind.ljust(10)}  {describe_event(event)}".rstrip())


@click.command("token")
@click.argument("session_id", metavar="SESSION")
@click.option("--json", "as_json", is_flag=True, help="Print {session_id, token} as JSON.")
@click.pass_obj
def token(rt: Runtime, session_id: str, as_json: bool) -> None:
    """Print the whole token of a live session (that is what this command is for).

    \b
    An agent process can then act with it instead of naming the session:
      export AGENTSESS_TOKEN=$(agentsess sessions token SESSION)
      agentsess messages add "Found three papers"
    """
    value = rt.store.session_token(session_id)
    if as_json:
        echo_json({"session_id": session_id, "token": value})
    else:
        click.echo(value)


sessions.add_command(new)
sessions.add_command(list_sessions)
sessions.add_command(show)
sessions.add_command(extend)
sessions.add_command(heartbeat)
sessions.add_command(end)
sessions.add_command(resume)
sessions.add_command(clear)
sessions.add_command(remove)
sessions.add_command(token)
# Loaded on use: the file formats import pydantic, which `ls` and the rest do not need.
sessions.add_lazy_command("export", "agentsess_tui.cli.session_files:export")
sessions.add_lazy_command("import", "agentsess_tui.cli.session_files:import_")
