"""Slash commands typed in the chat: the store-only ones run headlessly in
`agentsess_tui.agents`; navigation, confirmation and files are done here. Output appears in
the transcript as a note, never as an error dialog."""

from __future__ import annotations

import os
from pathlib import Path

from textual import work

from ...agents.commands import SlashCommand, export_format, parse_slash, suggest
from ...core.errors import AgentsessError, InvalidInput
from ...core.models import Session
from ...core.phases import time_left
from ...core.text import one_line
from ..widgets.chat_rows import Note
from ..widgets.session_list import SessionList
from ..widgets.transcript import Transcript
from .chat_actions import ChatActions


class SlashCommands(ChatActions):
    def handle_input(self, session_id: str, text: str) -> None:
        command = parse_slash(text)
        if command is None:
            self.send_text(session_id, text)
            return
        self.query_one("#chat-input").value = ""  # type: ignore[attr-defined]
        spec = command.spec
        if spec is None:
            self.add_note(suggest(command.name))
        elif spec.needs_app:
            handler = getattr(self, f"_slash_{spec.name}")
            handler(session_id, command.args)
        else:
            self.run_store_command(session_id, command)

    def add_note(self, markdown: str, title: str = "") -> None:
        self.run_worker(self.query_one(Transcript).add_row(Note(markdown, title=title)))

    @work(thread=True, exit_on_error=False, group="slash")
    def run_store_command(self, session_id: str, command: SlashCommand) -> None:
        from ...agents.actions import run_command  # the offline agent, loaded on first use

        try:
            result = run_command(
                self.agentsess.store, session_id, command, self.agentsess.settings.chat
            )
        except AgentsessError as error:
            self.ui(self.add_note, f"**{error.title}.** {error}")
            self.ui(self.poll_changes)
            return
        if result is not None:
            self.ui(self.add_note, result.text)
            if result.session is not None or result.memory is not None:
                self.ui(self._after_write)
                self.ui(self.query_one("#memories").reload)  # type: ignore[attr-defined]

    # -- commands the app performs ---------------------------------------------------------

    def _slash_sessions(self, session_id: str, args: str) -> None:
        sessions = self.visible_sessions
        lines = [
            f"- **{one_line(s.title, 50)}** · {s.agent_id} · {time_left(s, self.now)}"
            for s in sessions[:20]
        ]
        more = f"\n\n…and {len(sessions) - 20} more." if len(sessions) > 20 else ""
        self.add_note(
            "\n".join(lines) + more + "\n\nThe sidebar has the focus: ↑/↓ to move, enter to open.",
            title=f"{len(sessions)} sessions",
        )
        self.query_one(SessionList).focus()

    def _slash_new(self, session_id: str, args: str) -> None:
        if not args:
            self.action_new_session()
            return
        session = self.sessions_by_id.get(session_id)
        if session is None:
            return
        self.create_for_agent(session, args)

    @work(thread=True, exit_on_error=False, group="write")
    def create_for_agent(self, like: Session, title: str) -> None:
        """/new title: a session for the same agent, with the same responder settings."""
        store = self.agentsess.store
        metadata = {"responder": like.metadata["responder"]} if "responder" in like.metadata else {}
        try:
            activation = store.create_session(like.agent_id, title, metadata=metadata)
        except AgentsessError as error:
            self.ui(self.add_note, f"**{error.title}.** {error}")
            return
        from ...core.tokens import mask

        self.ui(self._created, activation.session, mask(activation.token), activation.superseded)

    def _slash_resume(self, session_id: str, args: str) -> None:
        target = self.find_session(args) if args else self.sessions_by_id.get(session_id)
        if target is None:
            return
        self.resume_session(target.id)
        self.jump_to(target.id)

    def find_session(self, query: str) -> Session | None:
        """By id, exact title, or a unique part of a title; otherwise say what matched."""
        needle = query.strip().lower()
        sessions = list(self.sessions_by_id.values())
        for rule in (
            lambda s: s.id.lower() == needle,
            lambda s: s.title.lower() == needle,
            lambda s: s.id.lower().endswith(needle) or s.title.lower().startswith(needle),
            lambda s: needle in s.title.lower(),
        ):
            found = [s for s in sessions if rule(s)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                names = "\n".join(f"- {one_line(s.title, 50)} (`{s.id}`)" for s in found[:10])
                self.add_note(f"Several sessions match “{query}”; be more precise:\n\n{names}")
                return None
        self.add_note(f"No session matches “{query}”. /sessions lists them.")
        return None

    def _slash_end(self, session_id: str, args: str) -> None:
        if self.query_one(SessionList).select_id(session_id):
            self.action_end()

    def _slash_clear(self, session_id: str, args: str) -> None:
        if self.query_one(SessionList).select_id(session_id):
            self.action_clear()

    def _slash_export(self, session_id: str, args: str) -> None:
        try:
            fmt = export_format(args)
        except InvalidInput as error:
            self.add_note(f"**{error.title}.** {error}")
            return
        self.export_to_file(session_id, fmt)

    @work(thread=True, exit_on_error=False, group="export")
    def export_to_file(self, session_id: str, fmt: str) -> None:
        from ...core.transfer import default_filename, export_session

        store = self.agentsess.store
        try:
            text = export_session(store, session_id, fmt)  # type: ignore[arg-type]
            name = default_filename(store.get_session(session_id), fmt)  # type: ignore[arg-type]
            path = write_new_file(Path.cwd(), name, text)
        except AgentsessError as error:
            self.ui(self.add_note, f"**{error.title}.** {error}")
            return
        except OSError as error:
            self.ui(self.add_note, f"**Cannot write the export.** {error}")
            return
        self.ui(self.add_note, f"Exported to `{path}` ({len(text):,} characters).")


def write_new_file(directory: Path, name: str, text: str) -> Path:
    """Write `text` to a file that did not exist (never overwrite); readable only by the user."""
    stem, dot, suffix = name.partition(".")
    for attempt in range(1000):
        candidate = directory / (name if attempt == 0 else f"{stem}-{attempt}{dot}{suffix}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        return candidate
    raise OSError(f"too many exports named {name} in {directory}")
