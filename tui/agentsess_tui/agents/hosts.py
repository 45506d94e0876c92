"""Which chat hosts a session may send its conversation to: only those the user chose.

A session's `metadata["responder"]["base_url"]` is data any agent can write (or an import can
carry in), so it is only a *request*. It takes effect when its host is in the user's own
configuration (`[chat] base_url`, `[chat] allowed_base_urls`) or the person confirmed it in the
TUI, which remembers confirmed hosts in the app's state file (mode 0600, in the data dir).
The user's API key goes only to hosts from the configuration, never to one only confirmed.

Headless on purpose: the TUI's dialog calls `pending_host` to show what a session asks for and
`confirm_host` once the person agreed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from agentsess_tui.core.config import ChatSettings, resolve_paths
from agentsess_tui.core.files import write_private
from agentsess_tui.core.text import one_line

if TYPE_CHECKING:
    from agentsess_tui.core.models import Session

STATE_KEY = "confirmed_chat_hosts"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_of(url: str) -> str | None:
    """`scheme://host[:port]`, lower-cased, default port dropped; None for anything that is
    not a plain http(s) URL (credentials in it, another scheme, a control character)."""
    if not isinstance(url, str) or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return (
        f"{scheme}://{host}"
        if port in (None, _DEFAULT_PORTS[scheme])
        else (f"{scheme}://{host}:{port}")
    )


def configured_hosts(chat: ChatSettings) -> frozenset[str]:
    """Hosts from the user's configuration: only these may receive the API key."""
    urls = [*chat.allowed_base_urls, chat.base_url]
    return frozenset(host for url in urls if (host := host_of(url)))


def default_state_file() -> Path:
    return resolve_paths().state_file


def _load(state_file: Path) -> dict[str, Any]:
    try:
        data = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def confirmed_hosts(state_file: Path | None = None) -> frozenset[str]:
    """Hosts the person confirmed in the TUI (empty when the state file is missing or bad)."""
    raw = _load(state_file or default_state_file()).get(STATE_KEY)
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(host for item in raw if isinstance(item, str) and (host := host_of(item)))


def confirm_host(state_file: Path | None, url: str) -> str:
    """Remember that the person allowed replies from `url`'s host; returns that host.

    Merges into the state file (other keys kept) with an atomic replace, mode 0600.
    """
    host = host_of(url)
    if host is None:
        from agentsess_tui.core.errors import InvalidInput

        raise InvalidInput(f"{one_line(url)!r} is not a plain http(s) base URL.")
    path = state_file or default_state_file()
    state = _load(path)
    hosts = set(confirmed_hosts(path)) | {host}
    state[STATE_KEY] = sorted(hosts)
    write_private(path, json.dumps(state))
    return host


@dataclass(frozen=True, slots=True)
class PendingHost:
    """A host a session asks replies to come from, which the user has not allowed yet."""

    url: str
    host: str
    session_id: str

    def describe(self) -> str:
        """One line for the confirmation dialog (already safe for a terminal)."""
        return (
            f"This session asks to send its conversation and recalled memories to "
            f"{one_line(self.host)} ({one_line(self.url)}). Your API key is never sent there."
        )


def allowed(host: str | None, chat: ChatSettings, confirmed: Iterable[str]) -> bool:
    """May replies come from `host`? The configured URL counts only for a user whose backend
    is openai: a session's `backend: openai` must not switch an offline user to it."""
    if host is None:
        return False
    if host in set(confirmed) or host in {host_of(url) for url in chat.allowed_base_urls}:
        return True
    return chat.backend == "openai" and host == host_of(chat.base_url)


def pending_host(
    session: Session, chat: ChatSettings, *, confirmed: Iterable[str] | None = None
) -> PendingHost | None:
    """What the TUI must ask the person before this session's replies go where it wants;
    None when nothing is pending (the session asks for nothing, or for an allowed host)."""
    from .base import session_responder

    own = session_responder(session)
    url = own.get("base_url")
    url = url.strip() if isinstance(url, str) and url.strip() else None
    if own.get("backend", chat.backend) != "openai":
        return None
    if url is None and chat.backend == "openai":
        return None  # the user's own URL
    target = url or chat.base_url
    host = host_of(target)
    if host is None:
        return None  # not a usable URL: never used, nothing to confirm
    if allowed(host, chat, confirmed_hosts() if confirmed is None else confirmed):
        return None
    return PendingHost(url=target, host=host, session_id=session.id)
