"""Sessions and their events in words, for people (JSON output uses the models' to_dict)."""

from __future__ import annotations

from typing import Any

import click

from ..core import Activation, Session
from ..core.durations import format_countdown, format_minutes, format_span
from ..core.models import Event, Phase
from ..core.phases import time_left
from ..core.text import one_line
from ..core.tokens import mask
from .output import plural, when, yes_no


def quoted(title: str) -> str:
    return f'"{one_line(title, 60)}"'


def expiry_text(session: Session, now: int) -> str:
    """'expires in 5:59:12 (2026-01-15 15:00:00 UTC)', 'expired 3m ago (…)', 'ended 2h ago'."""
    phase = session.phase(now)
    if phase == Phase.ENDED:
        return f"{time_left(session, now)} ({when(session.ended_at)})"
    if phase == Phase.EXPIRED:
        return f"{time_left(session, now)} ({when(session.expires_at)})"
    return f"expires in {format_countdown(session.remaining_ms(now))} ({when(session.expires_at)})"


def policy_summary(session: Session) -> str:
    policy = session.policy
    return (
        f"window {format_minutes(policy.window_minutes)} · "
        f"auto-renew {yes_no(policy.auto_renew)} · "
        f"max lifetime {format_minutes(policy.max_lifetime_minutes)} · "
        f"warning {format_minutes(policy.warning_minutes)} · "
        f"step {format_minutes(policy.extend_step_minutes)} · "
        f"single active {yes_no(policy.single_active)}"
    )


def describe_event(event: Event) -> str:
    """One line about an event; unknown details (imported files) as key=value pairs."""
    detail = dict(event.detail)
    parts: list[str] = []
    if event.kind == "created" and "window_minutes" in detail:
        parts.append(f"window {format_minutes(_int(detail.pop('window_minutes')))}")
    if event.kind in ("extended", "renewed") and "added_ms" in detail:
        parts.append(f"+{format_span(_int(detail.pop('added_ms')))}")
        requested = detail.pop("requested_minutes", None)
        capped = detail.pop("capped", False)
        if capped and requested is not None:
            parts.append(f"of {format_minutes(_int(requested))} asked, stopped by the cap")
        elif capped:
            parts.append("stopped by the cap")
    if event.kind == "resumed" and "previous_state" in detail:
        parts.append(f"was {detail.pop('previous_state')}")
    if event.kind == "cleared" and "deleted" in detail:
        parts.append(f"{plural(_int(detail.pop('deleted')), 'message')} deleted")
    if event.kind == "superseded" and "by" in detail:
        parts.append(f"by {detail.pop('by')}")
    if event.kind == "imported" and "format" in detail:
        parts.append(f"from a {detail.pop('format')} file")
        original = detail.pop("original_id", None)
        if original:
            parts.append(f"original id {original}")
    if "expires_at" in detail and isinstance(detail["expires_at"], int):
        parts.append(f"expires {when(detail.pop('expires_at'))}")
    parts += [f"{key}={value}" for key, value in detail.items()]
    return one_line(", ".join(str(part) for part in parts), 100)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def activation_json(activation: Activation, now: int, show_token: bool) -> dict[str, Any]:
    """A session with its token: masked unless asked for, under a key that says which."""
    document: dict[str, Any] = {
        "session": activation.session.to_dict(now),
        "token_masked": mask(activation.token),
        "superseded": activation.superseded,
    }
    if show_token:
        document["token"] = activation.token
    return document


def print_activation(activation: Activation, now: int, show_token: bool, verb: str) -> None:
    session = activation.session
    click.echo(f"{verb} session {session.id} {quoted(session.title)} (agent {session.agent_id}).")
    click.echo(f"  Expires  {expiry_text(session, now).removeprefix('expires ')}")
    click.echo(f"  Cap      {when(session.cap_at)} (this activation ends by then at the latest)")
    if show_token:
        click.echo(f"  Token    {activation.token}")
    else:
        click.echo(
            f"  Token    {mask(activation.token)}  (whole: `agentsess sessions token "
            f"{session.id}`, or --show-token)"
        )
    for other in activation.superseded:
        click.echo(f"  Ended {other}: single_active allows one live session per agent.")


def session_result(session: Session, now: int, **extra: Any) -> dict[str, Any]:
    """JSON of an action's result: the session as it is now, and what the action did."""
    return {"session": session.to_dict(now), **extra}
