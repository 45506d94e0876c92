"""The main screen: sessions sidebar, chat pane, memory inspector.

Blocking store calls run in thread workers and answer with messages or `call_from_thread`;
the per-second tick only updates `now` (countdowns are derived, never queried). Other
processes' writes are noticed by polling `PRAGMA data_version`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Input, Static, TextArea

from ..widgets.chat_header import ChatHeader
from ..widgets.memory_inspector import MemoryInspector
from ..widgets.session_list import SessionList
from ..widgets.transcript import Transcript
from ..widgets.welcome import Welcome
from .live import POLL_SECONDS
from .memory_actions import MemoryActions
from .slash import SlashCommands

if TYPE_CHECKING:
    pass

# Actions that act on the selected session, and what each needs.
NEEDS_SESSION = {"clear", "delete", "add_memory", "open", "previous_session", "next_session"}
NEEDS_LIVE = {"extend", "extend_by", "end", "copy_token"}
NEEDS_DEAD = {"resume"}
# Single-key actions that cannot fire while a text field has focus: hide them from the footer.
LETTER_ACTIONS = (
    NEEDS_SESSION
    | NEEDS_LIVE
    | NEEDS_DEAD
    | {
        "new_session",
        "filter",
        "sort",
        "toggle_memories",
        "previous_session",
        "next_session",
        "help",
        "quit",
    }
)


class MainScreen(SlashCommands, MemoryActions):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "n",
            "new_session",
            "New",
            id="new_session",
            tooltip="Create a session: agent, title, window, auto-renew, responder",
        ),
        Binding(
            "r",
            "resume",
            "Resume",
            id="resume",
            tooltip="Start a new window for an expired or ended session (new token)",
        ),
        Binding(
            "e",
            "extend",
            "Extend",
            id="extend",
            tooltip="Add the session's extend step (its policy, 1h by default)",
        ),
        Binding(
            "E",
            "extend_by",
            "Extend by…",
            id="extend_by",
            tooltip="Extend by a duration you type: 90m, 2h, 1h30m",
        ),
        Binding(
            "x",
            "end",
            "End",
            id="end",
            tooltip="End the session now; its token dies, memories stay (asks first)",
        ),
        Binding(
            "c",
            "clear",
            "Clear",
            id="clear",
            tooltip="Delete the conversation except system messages (asks first)",
        ),
        Binding(
            "d",
            "delete",
            "Delete",
            id="delete",
            tooltip="Delete the session and its history; memories stay (asks first)",
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            id="filter",
            tooltip="Filter sessions by title, agent or id",
        ),
        Binding(
            "s",
            "sort",
            "Sort",
            id="sort",
            tooltip="Cycle the order: expiry, recent activity, agent",
        ),
        Binding(
            "m",
            "toggle_memories",
            "Memories",
            id="toggle_memories",
            tooltip="Show or hide the memory inspector",
        ),
        Binding(
            "a",
            "add_memory",
            "Add memory",
            id="add_memory",
            tooltip="Add a memory for the selected session's agent",
        ),
        Binding(
            "y",
            "copy_token",
            "Copy token",
            id="copy_token",
            tooltip="Copy the session token to the clipboard (it is shown masked)",
        ),
        Binding(
            "left_square_bracket",
            "previous_session",
            "Prev",
            id="previous_session",
            tooltip="Select the previous session",
            key_display="[",
        ),
        Binding(
            "right_square_bracket",
            "next_session",
            "Next",
            id="next_session",
            tooltip="Select the next session",
            key_display="]",
        ),
        Binding(
            "question_mark",
            "help",
            "Help",
            id="help",
            tooltip="All keys, slash commands and what the colours mean",
            key_display="?",
        ),
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave agentsess-tui"),
        Binding(
            "escape",
            "cancel_reply",
            "Stop reply",
            id="cancel_reply",
            tooltip="Stop the reply that is streaming in; what arrived is kept",
        ),
        Binding(
            "ctrl+r",
            "retry_reply",
            "Retry reply",
            id="retry_reply",
            tooltip="Ask the responder again after a failed reply",
        ),
        Binding(
            "escape",
            "back",
            "Back",
            id="back",
            tooltip="Leave the text field and return to the session list",
        ),
    ]

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The first frame already lists sessions: a screenful is read right here (a few ms).
        self.now = self.agentsess.clock.now_ms()
        session_list = SessionList(self.first_screenful(), self.now, id="sessions")
        self._first_empty = not session_list.sessions
        yield Header(icon="◷")
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield Input(placeholder="Filter: title, agent or id", id="filter")
                yield session_list.data_bind(MainScreen.now)
                yield Static(self.status_text(session_list), id="sidebar-status")
            with Vertical(id="chat"):
                yield ChatHeader(id="chat-header").data_bind(MainScreen.now)
                yield Transcript(id="transcript")
                yield Static("", id="chat-notice")
                yield Input(
                    placeholder="Message…  (enter sends, /help for commands)", id="chat-input"
                )
                yield Welcome(id="welcome")
            yield MemoryInspector(id="memories").data_bind(MainScreen.now)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter").display = False
        self.query_one("#memories").display = False
        self.query_one("#chat-notice").display = False
        self.query_one("#welcome").display = self._first_empty
        for widget_id in ("#chat-header", "#transcript", "#chat-input"):
            self.query_one(widget_id).display = not self._first_empty
        self.query_one(SessionList).focus()
        for field in self.query(Input):
            field.cursor_blink = self.agentsess.blink
        self.set_interval(1.0, self.tick)
        self._poll_timer = self.set_interval(POLL_SECONDS, self.poll_changes)
        first = self.query_one(SessionList).highlighted
        if first is not None:
            self.open_session(first.id)
        # The full list (10,000 sessions take ~0.1 s of CPU to load) waits for the first frame,
        # which shows a screenful already: a worker started now would hold the GIL against it.
        self.call_after_refresh(self.reload_sessions)
        self.call_after_refresh(self.run_sweep)

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in LETTER_ACTIONS and isinstance(self.focused, Input | TextArea):
            return False
        if action == "back":
            return not isinstance(self.focused, SessionList)
        if action == "cancel_reply":
            return self.is_replying(self.open_session_id)
        if action == "retry_reply":
            return (self.open_session_id or "") in self._failed
        session = self.selected
        if action in NEEDS_SESSION | NEEDS_LIVE | NEEDS_DEAD:
            if session is None:
                return False
            live = session.is_live(self.now)
            if action in NEEDS_LIVE:
                return live
            if action in NEEDS_DEAD:
                return not live
        return True

    def action_back(self) -> None:
        if (
            self.query_one("#filter", Input).has_focus
            and not self.query_one("#filter", Input).value
        ):
            self.query_one("#filter").display = False
        self.query_one(SessionList).focus()

    def action_previous_session(self) -> None:
        self.query_one(SessionList).cursor -= 1

    def action_next_session(self) -> None:
        self.query_one(SessionList).cursor += 1

    def action_open(self) -> None:
        self.query_one(SessionList).action_open()

    def action_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        filter_input.display = True
        filter_input.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(SessionList).set_filter(event.value)
        self._update_status()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(SessionList).focus()

    def action_sort(self) -> None:
        mode = self.query_one(SessionList).cycle_sort()
        self._update_status()
        self.notify(f"Sorted by {mode}", timeout=2)

    def action_toggle_memories(self) -> None:
        inspector = self.query_one(MemoryInspector)
        inspector.display = not inspector.display
        self.set_class(inspector.display, "-memories-open")
        if inspector.display:
            inspector.build()
            session = self.selected
            inspector.show_agent(session.agent_id if session else None)
            inspector.reload()
            inspector.query_one("#memory-search", Input).focus()
        else:
            self.query_one(SessionList).focus()

    def action_help(self) -> None:
        self.agentsess.action_show_help()

    async def action_quit(self) -> None:
        self.app.exit()
