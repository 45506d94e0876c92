"""`agentsess sessions extend|heartbeat|end|resume|clear|rm`: a session's lifecycle."""

from __future__ import annotations

import click

from ..core.durations import format_minutes, format_span
from ..core.phases import summary_line
from .context import Runtime, confirm, minutes, session_for
from .describe import activation_json, expiry_text, print_activation, quoted, session_result
from .output import echo_json, plural, when

TOKEN_OPTION = click.option(
    "--token",
    envvar="AGENTSESS_TOKEN",
    show_envvar=True,
    metavar="TOKEN",
    help="Act as the session this token belongs to (prefer the environment variable: "
    "arguments show up in `ps`).",
)


@click.command("extend")
@click.argument("session_id", metavar="SESSION")
@click.option("--by", metavar="DURATION", help="How much to add (default: the policy's step).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def extend(rt: Runtime, session_id: str, by: str | None, as_json: bool) -> None:
    """Add time to a live session, up to its lifetime cap.

    Says how much was really added: near the cap, less than asked.
    """
    # `--by ""` is a mistake, not "the default step" (only a missing --by is).
    result = rt.store.extend_session(session_id, None if by is None else minutes("--by", by))
    session = result.session
    now = rt.now()
    if as_json:
        echo_json(
            session_result(
                session,
                now,
                requested_minutes=result.requested_minutes,
                added_seconds=result.added_ms // 1000,
                capped=result.capped,
            )
        )
        return
    added = format_span(result.added_ms)
    if result.capped:
        click.echo(
            f"Extended {quoted(session.title)} by {added} of the "
            f"{format_minutes(result.requested_minutes)} asked: the lifetime cap "
            f"({format_minutes(session.policy.max_lifetime_minutes)}) stops it at "
            f"{when(session.cap_at)}."
        )
    else:
        click.echo(f"Extended {quoted(session.title)} by {added}.")
    click.echo(f"Now {expiry_text(session, now)}.")


@click.command("heartbeat")
@click.argument("session_id", metavar="[SESSION]", required=False)
@TOKEN_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@click.pass_obj
def heartbeat(rt: Runtime, session_id: str | None, token: str | None, as_json: bool) -> None:
    """Record activity without a message (keeps an auto-renewing session alive)."""
    store = rt.store
    target = session_for(rt, session_id, token)
    before = store.get_session(target)
    session = store.heartbeat(target)
    now = rt.now()
    renewed = session.expires_at > before.expires_at
    # An auto-renewing session whose renewal was cut short (or stopped) by the lifetime cap:
    # say so, or the caller believes the window slid.
    wanted = now + session.policy.window_minutes * 60_000
    capped = session.policy.auto_renew and session.expires_at == session.cap_at < wanted
    if as_json:
        echo_json(session_result(session, now, renewed=renewed, capped=capped))
        return
    if capped:
        what = (
            "Heartbeat renewed only up to the lifetime cap"
            if renewed
            else "Renewal stopped by the lifetime cap"
        )
        click.echo(
            f"{what} ({when(session.cap_at)}); activity recorded: "
            f"{quoted(session.title)} {expiry_text(session, now)}."
        )
        return
    what = "renewed" if renewed else "recorded"
    click.echo(f"Heartbeat {what}: {quoted(session.title)} {expiry_text(session, now)}.")


@click.command("end")
@click.argument("session_id", metavar="SESSION")
@click.option("--reason", default="ended by user", show_default=True, help="Why it ended.")
@click.option(
    "--summarize",
    is_flag=True,
    help="Also write a summary memory of it: the chat model's when one is configured, else "
    "extractive (from its memories and messages).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
def end(rt: Runtime, session_id: str, reason: str, summarize: bool, as_json: bool) -> None:
    """End a live session: its token dies; its conversation and memories are kept."""
    # The summary is written in the ending's transaction: it keeps the session as its
    # origin, and a session that cannot be ended gets none.
    text = None
    if summarize:
        from ..agents.summary import summary_for_end

        text = summary_for_end(rt.store, session_id)
    summary = rt.store.end_session(session_id, reason, summarize=summarize, summary_text=text)
    written = summary.summary
    extra = {} if written is None else {"summary_memory_id": written.id}
    if as_json:
        echo_json(
            session_result(
                summary.session,
                rt.now(),
                duration_seconds=summary.duration_ms // 1000,
                messages=summary.messages,
                memories=summary.memories,
                **extra,
            )
        )
        return
    click.echo(summary_line(summary))
    if written is not None:
        click.echo(f"Summary written as memory #{written.id}.")
    click.echo(f"Resume it later with `agentsess sessions resume {summary.session.id}`.")


@click.command("resume")
@click.argument("session_id", metavar="SESSION")
@click.option("--show-token", is_flag=True, help="Print the whole new token.")
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@click.pass_obj
def resume(rt: Runtime, session_id: str, show_token: bool, as_json: bool) -> None:
    """Start a new activation of an expired or ended session, keeping its conversation.

    The old token stops working. Resuming a live session changes nothing.
    """
    store = rt.store
    before = store.get_session(session_id)
    activation = store.resume_session(session_id)
    now = rt.now()
    changed = activation.session.token_jti != before.token_jti
    if as_json:
        document = activation_json(activation, now, show_token)
        document["resumed"] = changed
        echo_json(document)
    elif changed:
        print_activation(activation, now, show_token, "Resumed")
    else:
        click.echo(
            f"Session {quoted(before.title)} is live already; nothing changed "
            f"({expiry_text(activation.session, now)})."
        )


@click.command("clear")
@click.argument("session_id", metavar="SESSION")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def clear(rt: Runtime, session_id: str, yes: bool, as_json: bool) -> None:
    """Delete a session's messages, except system messages. Memories stay."""
    store = rt.store
    session = store.get_session(session_id)
    count = store.count_messages(session_id)
    confirm(
        f"Clear the conversation of {quoted(session.title)} ({plural(count, 'message')}; system "
        "messages and memories are kept)?",
        yes=yes,
    )
    deleted = store.clear_session(session_id)
    if as_json:
        echo_json({"session_id": session_id, "deleted_messages": deleted})
        return
    click.echo(f"Cleared {quoted(session.title)}: {plural(deleted, 'message')} deleted.")


@click.command("rm")
@click.argument("session_id", metavar="SESSION")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def remove(rt: Runtime, session_id: str, yes: bool, as_json: bool) -> None:
    """Delete a session, its messages and timeline. Its memories stay."""
    store = rt.store
    session = store.get_session(session_id)
    counts = store.session_counts(session_id)
    confirm(
        f"Delete session {quoted(session.title)}, its {plural(counts['messages'], 'message')} "
        f"and timeline? Memories made in it stay ({counts['memories']}).",
        yes=yes,
    )
    result = store.delete_session(session_id)
    if as_json:
        echo_json(
            {
                "session_id": session_id,
                "deleted_messages": result["messages"],
                "memories_kept": result["memories_kept"],
            }
        )
        return
    click.echo(
        f"Deleted {session_id} {quoted(session.title)}: {plural(result['messages'], 'message')}; "
        f"{plural(result['memories_kept'], 'memory')} kept."
    )
