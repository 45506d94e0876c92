"""Command palette providers: jump to any session by fuzzy title, agent or id; search every
chat; and every action of the selected session, wherever the focus is.

Palette prompts and help are rendered as markup by Textual, so session data goes in as
`Content` (display) or through `escape` (help text), never as raw markup strings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

from ..core.errors import AgentsessError
from ..core.models import Session
from ..core.phases import time_left
from ..core.search import plain_snippet
from ..core.text import one_line
from .widgets.row_painter import PHASE_MARK

if TYPE_CHECKING:
    from .screens.main import MainScreen

# Keys that make no sense as a command (the palette itself is the way back and to help).
NOT_COMMANDS = {"back", "help", "quit"}


def highlighted(matcher: Matcher, candidate: str) -> Content:
    """Like `Matcher.highlight`, but the candidate is plain text, never markup."""
    content = Content(candidate)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    for offset in offsets:
        if not candidate[offset].isspace():
            content = content.stylize("bold underline $accent", offset, offset + 1)
    return content


class SessionCommands(Provider):
    """“Open session …” for every session; matched fuzzily on title, agent and id."""

    def _main(self) -> MainScreen | None:
        from .screens.main import MainScreen

        screen = self.screen
        return screen if isinstance(screen, MainScreen) else None

    def _open(self, session_id: str) -> None:
        main = self._main()
        if main is not None:
            main.jump_to(session_id)

    def _help(self, session: Session, now: int) -> str:
        phase = session.phase(now)
        return escape(
            f"{PHASE_MARK[phase]} {phase.value} · {session.agent_id} · {time_left(session, now)}"
        )

    async def discover(self) -> Hits:
        main = self._main()
        if main is None:
            return
        for session in main.visible_sessions[:15]:
            yield DiscoveryHit(
                Content(f"Open session: {one_line(session.title, 60)}"),
                partial(self._open, session.id),
                text=f"Open session: {session.title}",
                help=self._help(session, main.now),
            )

    async def search(self, query: str) -> Hits:
        main = self._main()
        if main is None:
            return
        matcher = self.matcher(query)
        # The sessions held (live, listed) and what the filter's index finds in the rest:
        # fuzzy matching every session of a long history would scan it on each key.
        sessions = dict(main.sessions_by_id)
        needle = query.strip()
        if needle:
            try:
                found = await asyncio.to_thread(main.agentsess.store.find_sessions, needle, 200)
            except AgentsessError:
                found = None
            if found is not None:
                sessions.update((s.id, s) for s in found.sessions if s.id not in sessions)
        for session in list(sessions.values()):
            candidate = f"{one_line(session.title, 60)} · {session.agent_id} · {session.id}"
            score = matcher.match(candidate)
            if score > 0:
                yield Hit(
                    score,
                    highlighted(matcher, candidate),
                    partial(self._open, session.id),
                    text=f"Open session {session.title}",
                    help=self._help(session, main.now),
                )


class MessageSearchCommands(Provider):
    """Search across every chat (full-text over messages): jump to the session and message."""

    def _main(self) -> MainScreen | None:
        from .screens.main import MainScreen

        screen = self.screen
        return screen if isinstance(screen, MainScreen) else None

    def _open(self, session_id: str, message_id: int) -> None:
        main = self._main()
        if main is not None:
            main.jump_to_message(session_id, message_id)

    async def search(self, query: str) -> Hits:
        main = self._main()
        if main is None or len(query.strip()) < 3:
            return
        store = main.agentsess.store
        try:
            hits = await asyncio.to_thread(store.search_messages, query, limit=12)
        except AgentsessError:
            return
        for rank, hit in enumerate(hits):
            message = hit.message
            snippet = one_line(plain_snippet(hit.snippet), 70)
            yield Hit(
                # Below the session matches, best first.
                0.5 - rank / 100,
                Content.assemble(
                    ("Message in ", "$text-muted"),
                    (one_line(hit.session_title, 40), "bold"),
                    (f": {snippet}", ""),
                ),
                partial(self._open, message.session_id, message.id),
                text=f"Message in {hit.session_title}: {snippet}",
                help=escape(f"{message.role} · {hit.agent_id} · message #{message.id}"),
            )


def session_actions(main: MainScreen) -> list[tuple[str, str, Callable[[], Any]]]:
    """(name, help, run) for each action the main screen can do now, as its keys would.

    Unlike the keys, these do not depend on the focus: a letter key cannot act while the chat
    box has focus, but the palette can (from the chat box, `extend` found nothing before).
    """
    from .screens.keys import NEEDS_DEAD, NEEDS_LIVE, NEEDS_SESSION, is_explainer
    from .screens.main import MainScreen

    session = main.selected
    now = main.now
    found: list[tuple[str, str, Callable[[], Any]]] = []
    for binding in MainScreen.BINDINGS:
        if (
            not isinstance(binding, Binding)
            or binding.action in NOT_COMMANDS
            or is_explainer(binding)
        ):
            continue
        action = binding.action
        if action in NEEDS_SESSION | NEEDS_LIVE | NEEDS_DEAD:
            if session is None:
                continue
            if action in NEEDS_LIVE and not session.is_live(now):
                continue
            if action in NEEDS_DEAD and session.is_live(now):
                continue
        elif action in ("cancel_reply", "retry_reply") and not main.check_action(action, ()):
            continue
        key = binding.key_display or binding.key
        found.append(
            (binding.description, f"{binding.tooltip}  ({key})", getattr(main, f"action_{action}"))
        )
    if session is not None:
        found.append(
            (
                "Responder settings…",
                "Who replies in the selected session: backend, model, server, system prompt",
                main.action_responder_settings,
            )
        )
        if session.is_live(now):
            found.append(
                (
                    "Show token…",
                    "The whole token of the selected session, to select and copy by hand",
                    partial(show_token, main),
                )
            )
    return found


def show_token(main: MainScreen) -> None:
    """The token dialog: the fallback when the terminal ignored the clipboard request."""
    from .screens.session_dialogs import TokenModal

    session = main.selected
    if session is None:
        return
    try:
        token = main.agentsess.store.session_token(session.id)
    except AgentsessError as error:
        main.agentsess.show_error(error)
        return
    main.app.push_screen(TokenModal(session, token))


class SessionActionCommands(Provider):
    """Every action of the selected session (and the main screen's other keys) as commands."""

    def _main(self) -> MainScreen | None:
        from .screens.main import MainScreen

        screen = self.screen
        return screen if isinstance(screen, MainScreen) else None

    async def discover(self) -> Hits:
        main = self._main()
        if main is None:
            return
        for name, help_text, run in session_actions(main):
            yield DiscoveryHit(Content(name), run, text=name, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        main = self._main()
        if main is None:
            return
        matcher = self.matcher(query)
        for name, help_text, run in session_actions(main):
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, highlighted(matcher, name), run, text=name, help=escape(help_text))
