"""Running the chat commands that need only the store (headless, blocking).

The TUI runs these in a thread worker and shows the Markdown text as an info row; commands
marked `needs_app` (sessions, new, resume, end, clear, export) are its own to execute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from agentsess_tui.core.config import ChatSettings
from agentsess_tui.core.durations import format_countdown, format_minutes, format_span
from agentsess_tui.core.errors import InvalidInput
from agentsess_tui.core.models import Memory, MemoryHit, Phase, Session
from agentsess_tui.core.phases import counts_text, local_when
from agentsess_tui.core.store import Store

from . import mdtext
from .base import (
    BACKENDS,
    ResponderSettings,
    check_backend,
    session_responder,
    update_responder_settings,
)
from .commands import RESET_WORD, SlashCommand, extend_minutes, help_text, suggest
from .hosts import confirm_host, pending_host
from .intents import split_type
from .offline import remember_reply
from .recall import keywords, recall

RECALL_LIMIT = 10


@dataclass(frozen=True, slots=True)
class CommandResult:
    text: str
    """Markdown to show in the transcript (not stored as a message)."""
    session: Session | None = None
    """The session after the command, when it changed it."""
    memory: Memory | None = None
    """The memory the command stored (/remember)."""


def run_command(
    store: Store,
    session_id: str,
    command: SlashCommand,
    chat: ChatSettings,
    *,
    env: Mapping[str, str] | None = None,
) -> CommandResult | None:
    """Execute a store-only command; None when the app must (the spec says `needs_app`).

    Unknown commands raise InvalidInput with a suggestion; core errors (an expired session,
    a bad duration) propagate with their own messages.
    """
    spec = command.spec
    if spec is None:
        raise InvalidInput(suggest(command.name))
    if spec.needs_app:
        return None
    args = command.args
    if spec.name == "help":
        return CommandResult(help_text())
    session = store.get_session(session_id)
    if spec.name == "status":
        counts = store.session_counts(session_id)
        settings = ResponderSettings.resolve(chat, session, env=env)
        return CommandResult(status_text(session, counts, store.now(), settings))
    if spec.name == "remember":
        kind, content = split_type(args)
        memory, text = remember_reply(store, session_id, content, kind)
        return CommandResult(text, memory=memory)
    if spec.name == "recall":
        return CommandResult(recall_text(store, session.agent_id, args))
    if spec.name == "extend":
        result = store.extend_session(session_id, extend_minutes(args))
        left = format_countdown(result.session.remaining_ms(store.now()))
        capped = " (capped by the session's lifetime limit)" if result.capped else ""
        return CommandResult(
            f"Extended by {format_span(result.added_ms)}{capped}: {left} left.",
            session=result.session,
        )
    return _responder_command(store, session, spec.name, args, chat, env)


def _responder_command(
    store: Store,
    session: Session,
    name: str,
    args: str,
    chat: ChatSettings,
    env: Mapping[str, str] | None,
) -> CommandResult:
    current = ResponderSettings.resolve(chat, session, env=env)
    value = args.strip()
    if not value:
        shown = {
            "backend": f"Replies come from the {current.describe()}. Choose with "
            f"`/backend {'|'.join(BACKENDS)}`.",
            "model": f"Model: `{current.model or '(none set)'}`. Set it with `/model NAME`; "
            f"`/model {RESET_WORD}` goes back to the configured one.",
            "system": "System prompt: "
            + (
                f"this session's own —\n\n{mdtext.quote(current.system_prompt)}"
                if current.system_prompt
                else "the default one."
            )
            + f"\n\nSet it with `/system PROMPT`; `/system {RESET_WORD}` goes back to the default.",
        }
        return CommandResult(shown[name])
    new: str | None = None
    if name == "backend":
        updated = update_responder_settings(store, session.id, backend=check_backend(value))
        if value == "openai" and "base_url" not in session_responder(updated):
            # The person typed this in the TUI about the URL of their own configuration:
            # that is their confirmation (a session's own URL needs the dialog).
            confirm_host(None, chat.base_url)
    else:
        key = "model" if name == "model" else "system_prompt"
        new = None if value.lower() == RESET_WORD else value
        updated = update_responder_settings(store, session.id, **{key: new})
    settings = ResponderSettings.resolve(chat, updated, env=env)
    text = f"Replies in this session now come from the {settings.describe()}."
    if name == "system":
        text = (
            "This session now uses its own system prompt."
            if settings.system_prompt
            else "This session now uses the default system prompt."
        )
    pending = pending_host(updated, chat)
    if pending is not None:
        text = (
            f"Replies stay with the {settings.describe()}: {pending.describe()} "
            "Confirm that host in the session's responder settings first."
        )
    elif name == "model" and new is not None and not chat.allows_model(new):
        text = (
            f"Replies keep using `{settings.model}`: `{new}` is not among the models you "
            "allow. Add it to `allowed_models` in the [chat] section of config.toml."
        )
    elif settings.backend == "openai" and not settings.model:
        text += " No model is set yet: choose one with `/model NAME`."
    elif settings.backend == "offline" and name == "model":
        text = (
            f"Model set to `{settings.model}`; it is used once the session switches to "
            "`/backend openai`."
        )
    return CommandResult(text, session=updated)


def status_text(
    session: Session, counts: Mapping[str, int], now: int, settings: ResponderSettings
) -> str:
    """What /status shows, as Markdown."""
    phase = session.phase(now)
    if phase in (Phase.ACTIVE, Phase.EXPIRING):
        when = (
            f"{format_countdown(session.remaining_ms(now))} left "
            f"(expires {_time(session.expires_at, now)})"
        )
    elif phase == Phase.EXPIRED:
        when = f"expired {_time(session.expires_at, now)}; `/resume` starts a new window"
    else:
        when = f"ended {_time(session.ended_at, now)} ({session.end_reason}); `/resume` reopens it"
    policy = session.policy
    renew = "on" if policy.auto_renew else "off"
    messages, memories = counts.get("messages", 0), counts.get("memories", 0)
    prompt = "its own" if settings.system_prompt else "default"
    return "\n".join(
        [
            f"**{mdtext.inline(session.title)}** (`{session.id}`) · agent `{session.agent_id}`",
            "",
            f"- State: **{phase}** — {when}",
            f"- Created {_time(session.created_at, now)} · last activity "
            f"{_time(session.last_activity_at, now)}",
            f"- Window {format_minutes(session.window_minutes)} · auto-renew {renew} · "
            f"{counts_text(session)}",
            f"- {messages} {_plural(messages, 'message')} · {memories} "
            f"{_plural(memories, 'memory', 'memories')} made here · "
            f"{counts.get('events', 0)} {_plural(counts.get('events', 0), 'event')}",
            f"- Replies: {mdtext.escape(settings.describe())} · system prompt: {prompt}",
        ]
    )


def recall_text(store: Store, agent_id: str, query: str, limit: int = RECALL_LIMIT) -> str:
    """What /recall shows: the agent's memories for the query, best first (blocking)."""
    if not keywords(query):
        return "Recall what? Give some words to search for, e.g. `/recall tea`."
    hits: list[MemoryHit] = recall(store, query, agent_id=agent_id, limit=limit)
    searched = mdtext.inline(query, 60)
    if not hits:
        return (
            f"No memory of agent `{agent_id}` matches *{searched}*. Store one with "
            "`/remember [type] text`."
        )
    count = f"{len(hits)} {_plural(len(hits), 'memory', 'memories')}"
    lines = "\n".join(mdtext.hit_line(hit) for hit in hits)
    return f"{count} for *{searched}*, best first:\n\n{lines}"


def _time(ms: int | None, now: int) -> str:
    return "?" if ms is None else local_when(ms, now, zone=True)


def _plural(count: int, one: str, many: str | None = None) -> str:
    return one if count == 1 else (many or one + "s")
