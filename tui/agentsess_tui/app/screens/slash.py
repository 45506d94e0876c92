"""Slash commands typed in the chat: the store-only ones run headlessly in
`agentsess_tui.agents`; navigation, confirmation and files are done here. Output appears in
the transcript as a note (`NoteReady`), never as an error dialog. A plain class the main
screen owns."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ...agents.commands import (
    EXPORT_FORMATS,
    SlashCommand,
    export_format,
    parse_slash,
    suggest,
)
from ...core.errors import AgentsessError, InvalidInput
from ...core.models import Session
from ...core.phases import time_left
from ...core.text import one_line
from ..messages import NoteReady
from ..workers import run_store_call
from .session_actions import created

if TYPE_CHECKING:
    from ...core.transfer import Format
    from .main import MainScreen


def as_note(error: AgentsessError) -> NoteReady:
    return NoteReady(f"**{error.title}.** {error}")


class SlashCommands:
    def __init__(self, screen: MainScreen) -> None:
        self._screen = screen
        self._handlers: dict[str, Callable[[str, str], None]] = {
            "sessions": self._sessions,
            "new": self._new,
            "resume": self._resume,
            "end": self._end,
            "clear": self._clear,
            "export": self._export,
        }

    def handle(self, session_id: str, text: str) -> bool:
        """Run `text` if it is a slash command; False when it is a plain message."""
        command = parse_slash(text)
        if command is None:
            return False
        chat = self._screen.chat
        spec = command.spec
        if spec is None:
            chat.add_note(suggest(command.name))
        elif spec.needs_app:
            self._handlers[spec.name](session_id, command.args)
        else:
            self._run_in_store(session_id, command)
        return True

    def _note(self, markdown: str, title: str = "") -> None:
        self._screen.chat.add_note(markdown, title)

    def _run_in_store(self, session_id: str, command: SlashCommand) -> None:
        from ...agents.actions import run_command  # the offline agent, loaded on first use

        app = self._screen.agentsess

        def run() -> NoteReady | None:
            result = run_command(app.store, session_id, command, app.settings.chat)
            if result is None:
                return None
            wrote = result.session is not None or result.memory is not None
            return NoteReady(result.text, wrote=wrote)

        def failed(error: AgentsessError) -> NoteReady:
            note = as_note(error)
            note.wrote = True  # the refusal may come from a changed session: show it as it is
            return note

        run_store_call(self._screen.chat, run, lambda note: note, group="slash", failed=failed)

    # -- commands the app performs ---------------------------------------------------------

    def _sessions(self, session_id: str, args: str) -> None:
        screen = self._screen
        sessions = screen.visible_sessions[:20]
        count = screen.visible_count
        lines = [
            f"- **{one_line(s.title, 50)}** · {s.agent_id} · {time_left(s, screen.now)}"
            for s in sessions
        ]
        more = f"\n\n…and {count - len(sessions)} more." if count > len(sessions) else ""
        self._note(
            "\n".join(lines) + more + "\n\nThe focus stays here: escape goes to the sidebar (↑/↓ "
            "to move, enter to open).",
            title=f"{count} sessions",
        )

    def _new(self, session_id: str, args: str) -> None:
        if not args:
            self._screen.actions.new()
            return
        like = self._screen.sessions_by_id.get(session_id)
        if like is None:
            return
        # /new title: a session for the same agent, with the same responder settings.
        store = self._screen.agentsess.store
        metadata = {"responder": like.metadata["responder"]} if "responder" in like.metadata else {}
        run_store_call(
            self._screen,
            lambda: store.create_session(like.agent_id, args, metadata=metadata),
            created,
            group="write",
            failed=as_note,
        )

    def _resume(self, session_id: str, args: str) -> None:
        screen = self._screen
        target = self.find_session(args) if args else screen.sessions_by_id.get(session_id)
        if target is None:
            return
        screen.actions.resume(target.id)
        screen.jump_to(target.id, focus=False)  # the typing stays in the chat

    def exports_dir(self) -> Path:
        app = self._screen.agentsess
        configured = app.settings.ui.exports_dir
        if configured:
            return Path(configured).expanduser()
        paths = app.paths
        if paths is None:
            from ...core.config import resolve_paths

            paths = resolve_paths()
        return paths.exports_dir

    def find_session(self, query: str) -> Session | None:
        """By id, exact title, or a unique part of a title; otherwise say what matched."""
        needle = query.strip().lower()
        held = dict(self._screen.sessions_by_id)
        if needle:  # and the history no page holds: the filter's index (bounded)
            try:
                found = self._screen.agentsess.store.find_sessions(needle, 200).sessions
            except AgentsessError:
                found = []
            held.update((s.id, s) for s in found if s.id not in held)
        sessions = list(held.values())
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
                self._note(f"Several sessions match “{query}”; be more precise:\n\n{names}")
                return None
        self._note(f"No session matches “{query}”. /sessions lists them.")
        return None

    def _end(self, session_id: str, args: str) -> None:
        if self._screen.sidebar.session_list.select_id(session_id):
            self._screen.action_end()

    def _clear(self, session_id: str, args: str) -> None:
        if self._screen.sidebar.session_list.select_id(session_id):
            self._screen.action_clear()

    def _export(self, session_id: str, args: str) -> None:
        """`/export [format] [path]`: into the exports directory (never the directory the
        app was started in, under `make run` the git checkout); a relative path is taken
        from there, a directory gets the default name, an existing file is never replaced."""
        words = args.split(maxsplit=1)
        fmt_word = words[0] if words and words[0].lower() in {*EXPORT_FORMATS, "markdown"} else ""
        where = args.strip()[len(fmt_word) :].strip()
        try:
            # export_format checks the value against the formats the core writes.
            fmt = cast("Format", export_format(fmt_word or _format_of(where)))
        except InvalidInput as error:
            self._note(f"**{error.title}.** {error}")
            return
        store = self._screen.agentsess.store
        base = self.exports_dir()

        def export() -> NoteReady:
            from ...core.files import private_dir
            from ...core.transfer import default_filename, export_session

            text = export_session(store, session_id, fmt)
            target = base / Path(where).expanduser() if where else base
            try:
                if where and not target.is_dir():
                    directory, name = target.parent, target.name
                else:
                    directory, name = target, default_filename(store.get_session(session_id), fmt)
                private_dir(directory)
                path = write_new_file(directory, name, text)
            except (OSError, AgentsessError) as error:
                return NoteReady(f"**Cannot write the export.** {one_line(str(error))}")
            return NoteReady(f"Exported to `{path.resolve()}` ({len(text):,} characters).")

        run_store_call(self._screen.chat, export, lambda note: note, group="export", failed=as_note)


def _format_of(path: str) -> str:
    """The format a file name asks for (`notes.json`), Markdown otherwise."""
    suffix = Path(path).suffix.lstrip(".").lower()
    return suffix if suffix in EXPORT_FORMATS else "md"


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
