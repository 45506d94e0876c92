"""What every responder shares: the request, the protocol, per-session settings, the factory.

A responder turns a `ReplyRequest` (the session, what the user just said, the recent
conversation and the memories recalled for it) into a reply, yielded in chunks by an async
generator. Cancelling the task that consumes it stops it and closes whatever it had open.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast, get_args

from agentsess_tui.core.config import ChatSettings
from agentsess_tui.core.errors import BackendError, InvalidInput
from agentsess_tui.core.models import Memory, MemoryHit, Message, Session
from agentsess_tui.core.store import Store
from agentsess_tui.core.text import one_line

from .recall import recall

if TYPE_CHECKING:
    import httpx

Backend = Literal["offline", "openai"]
BACKENDS: tuple[str, ...] = get_args(Backend)
# The keys a session may set under metadata["responder"]. Never an API key: metadata is
# exported, shown and copied around; keys live in config.toml or the environment only.
# `backend` and `base_url` are only requests: see `agents.hosts` (the user decides the host).
SESSION_KEYS = ("backend", "model", "base_url", "system_prompt")
OFFLINE_MODEL = "memory-agent"


def default_system_prompt(session: Session) -> str:
    return (
        f"You are the assistant in the session “{session.title}” of agent “{session.agent_id}”. "
        "Answer concisely in Markdown. Memories recalled from the agent's long-term memory "
        "are listed below when there are any; use them when they help and cite them by their "
        "number (#id). If you do not know something, say so."
    )


class ChatBackendError(BackendError):
    """A failed reply. `reason` says what kind of failure (for the UI and tests): refused,
    unreachable, auth, model, not_found, http, timeout, broken, malformed, incomplete, empty,
    config. `partial` is True when some of the reply had arrived before it failed."""

    def __init__(
        self, message: str, *, reason: str, hint: str | None = None, partial: bool = False
    ) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason
        self.partial = partial


@dataclass(frozen=True, slots=True)
class ReplyRequest:
    """Everything a responder needs for one reply, read from the store beforehand."""

    session: Session
    user_text: str
    """The user's message, already stored by the caller."""
    history: list[Message] = field(default_factory=list)
    """Up to N messages before the user's message, oldest first (N = context_messages)."""
    memories: list[MemoryHit] = field(default_factory=list)
    """Memories recalled for the user's message, best first."""
    system_prompt: str = ""


class Responder(Protocol):
    """Produces replies. `backend` and `model` are recorded on every reply message."""

    @property
    def backend(self) -> str: ...

    @property
    def model(self) -> str: ...

    def reply(self, request: ReplyRequest) -> AsyncIterator[str]:
        """An async generator of reply chunks. Failures raise `BackendError`."""
        ...


@dataclass(frozen=True, slots=True)
class ResponderSettings:
    """Chat settings for one session: config and environment, overlaid by the session's
    `metadata["responder"]` (backend, model, base_url, system_prompt)."""

    backend: Backend = "offline"
    base_url: str = "http://127.0.0.1:11434/v1"
    model: str = ""
    api_key: str | None = field(default=None, repr=False)
    system_prompt: str | None = None
    """The session's own system prompt; None means the default one."""
    context_messages: int = 20
    recall_limit: int = 5
    timeout_seconds: float = 60.0

    @classmethod
    def resolve(
        cls,
        chat: ChatSettings,
        session: Session | None = None,
        *,
        env: Mapping[str, str] | None = None,
        confirmed: Iterable[str] | None = None,
    ) -> ResponderSettings:
        """The user's settings, overlaid by what the session may choose.

        A session picks its system prompt, and its model among those the user allows
        (`[chat] model` and `allowed_models`; anything when neither is set). Its backend and
        base URL are requests (any agent can write them): a session's host is used only when
        the user allowed it
        (`[chat] allowed_base_urls`, or confirmed in the TUI: `confirmed`, by default read
        from the state file), and an offline user stays offline unless the session's host is
        allowed. The API key goes only to hosts from the user's configuration.
        """
        env = os.environ if env is None else env
        settings = cls(
            backend=chat.backend,
            base_url=chat.base_url,
            model=chat.model,
            api_key=chat.api_key or env.get("OPENAI_API_KEY") or None,
            context_messages=chat.context_messages,
            recall_limit=chat.recall_limit,
            timeout_seconds=chat.timeout_seconds,
        )
        if session is None:
            return settings
        overrides = session_responder(session)
        own = {
            key: value.strip()
            for key in ("model", "base_url", "system_prompt")
            if isinstance(value := overrides.get(key), str) and value.strip()
        }
        model = own.get("model", settings.model)
        settings = replace(
            settings,
            # A model the user does not allow is ignored, like a host (`allowed_models`).
            model=model if chat.allows_model(model) else settings.model,
            system_prompt=own.get("system_prompt", settings.system_prompt),
        )
        wanted = check_backend(overrides["backend"]) if "backend" in overrides else chat.backend
        if wanted == "offline":
            return replace(settings, backend="offline")
        url = own.get("base_url")
        if url is None and chat.backend == "openai":
            return settings  # the user's own backend and URL
        from .hosts import allowed, configured_hosts, confirmed_hosts, host_of

        host = host_of(url or chat.base_url)
        hosts = confirmed_hosts() if confirmed is None else frozenset(confirmed)
        if not allowed(host, chat, hosts):
            # Not the user's choice: ignore the request (the TUI offers to confirm it).
            return settings
        key = settings.api_key if host in configured_hosts(chat) else None
        return replace(settings, backend="openai", base_url=url or chat.base_url, api_key=key)

    def describe(self) -> str:
        """ "offline memory agent" or "OpenAI-compatible server at http://… (model llama3.2)"."""
        if self.backend == "offline":
            return "offline memory agent"
        model = f"model {self.model}" if self.model else "no model set"
        return f"OpenAI-compatible server at {self.base_url} ({model})"


def session_responder(session: Session) -> dict[str, Any]:
    """The session's own responder settings (a copy; unknown keys dropped)."""
    raw = session.metadata.get("responder")
    if not isinstance(raw, Mapping):
        return {}
    return {key: raw[key] for key in SESSION_KEYS if key in raw}


def check_backend(value: object) -> Backend:
    if value not in BACKENDS:
        raise InvalidInput(
            f"{value!r} is not a chat backend.",
            hint="Use /backend offline (the built-in memory agent) or /backend openai.",
        )
    return cast(Backend, value)


def update_responder_settings(store: Store, session_id: str, **changes: str | None) -> Session:
    """Change the session's responder settings (backend, model, base_url, system_prompt).

    An empty string or None removes the session's own value, so config applies again.
    Blocking; works in any session state.
    """
    unknown = sorted(set(changes) - set(SESSION_KEYS))
    if unknown:
        raise InvalidInput(
            f"Cannot store {', '.join(unknown)} in a session's responder settings.",
            hint="API keys belong in config.toml [chat] or AGENTSESS_API_KEY, never in a session."
            if "api_key" in unknown
            else f"Use one of: {', '.join(SESSION_KEYS)}.",
        )
    if changes.get("backend"):
        check_backend(changes["backend"])
    url = changes.get("base_url")
    if url and url.strip():
        from .hosts import host_of

        if host_of(url) is None:
            raise InvalidInput(
                f"{one_line(url, 80)!r} is not a usable base URL.",
                hint="Give a plain http(s) URL without credentials, e.g. http://127.0.0.1:11434/v1.",
            )
    current = session_responder(store.get_session(session_id))
    for key, value in changes.items():
        if value is None or not value.strip():
            current.pop(key, None)
        else:
            current[key] = value.strip()
    return store.update_session_metadata(session_id, {"responder": current or None})


def responder_for(
    session: Session,
    chat_settings: ChatSettings,
    store: Store,
    *,
    env: Mapping[str, str] | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> Responder:
    """The responder the session is set up for (config, environment, session metadata).

    `http_client`: an httpx.AsyncClient the app keeps open (and closes on exit) so replies
    reuse connections; without one, each OpenAI-compatible reply opens its own.
    """
    settings = ResponderSettings.resolve(chat_settings, session, env=env)
    if settings.backend == "openai":
        # Imported here: httpx is only needed (and only worth its import time) when used.
        from .openai_compat import OpenAICompatResponder

        return OpenAICompatResponder(settings, client=http_client)
    from .offline import OfflineMemoryAgent

    return OfflineMemoryAgent(store)


def build_request(
    store: Store, session_id: str, user_text: str, settings: ResponderSettings
) -> ReplyRequest:
    """Read what a reply needs (blocking: run it in a thread worker).

    The user's message is normally stored already; it is not repeated in the history.
    """
    session = store.get_session(session_id)
    limit = settings.context_messages
    history = store.messages(session_id, limit=limit + 1) if limit > 0 else []
    if history and history[-1].role == "user" and history[-1].content == user_text:
        history = history[:-1]
    history = history[-limit:] if limit > 0 else []
    memories = recall(store, user_text, agent_id=session.agent_id, limit=settings.recall_limit)
    return ReplyRequest(
        session=session,
        user_text=user_text,
        history=history,
        memories=memories,
        system_prompt=settings.system_prompt or default_system_prompt(session),
    )


def memory_ids(memories: list[MemoryHit] | list[Memory]) -> list[int]:
    return [item.memory.id if isinstance(item, MemoryHit) else item.id for item in memories]
