"""The main screen: composes the three panes and routes their messages.

The sidebar owns the sessions (its `LiveFeed`), the chat pane the open session, the memory
pane the memories shown; `SessionActions` and `SlashCommands` perform what keys and commands
ask, and `Pulse` keeps `now` (bound to every pane), the sweep and the `PRAGMA data_version`
poll that notices other processes' commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Input, TextArea

from ...core.errors import AgentsessError
from ...core.models import Session
from ..messages import (
    MessageSent,
    NoteReady,
    SendRefused,
    SessionWritten,
    Swept,
    WriteRefused,
)
from ..panes.chat import ChatPane
from ..panes.memories import MemoryInspector
from ..panes.sidebar import Sidebar
from ..widgets.key_footer import KeyFooter
from ..widgets.session_list import SessionList
from .handoff import HandOff
from .keys import LETTER_ACTIONS, MAIN_BINDINGS, MAIN_ORDER, NEEDS_DEAD, NEEDS_LIVE, NEEDS_SESSION
from .pulse import Pulse
from .session_actions import SessionActions
from .slash import SlashCommands

if TYPE_CHECKING:
    from ..app import AgentsessApp


# Narrower than this, the memory inspector takes the chat's place instead of squeezing it
# (at 120 columns beside the sidebar and the inspector the chat had 42 columns, at 80 had 14).
INSPECTOR_BESIDE_CHAT_MIN = 140


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = MAIN_BINDINGS
    # Bound to the panes that show time; the screen itself draws nothing with it.
    now: reactive[int] = reactive(0, repaint=False)

    def __init__(self) -> None:
        super().__init__()
        self.actions = SessionActions(self)
        self.slash = SlashCommands(self)
        self.handoff = HandOff(self)  # keys typed just after enter on the list wait for the chat
        self.pulse = Pulse(self)  # `now`, the sweep, other processes' commits

    @property
    def agentsess(self) -> AgentsessApp:
        return cast("AgentsessApp", self.app)

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one(Sidebar)

    @property
    def chat(self) -> ChatPane:
        return self.query_one(ChatPane)

    @property
    def memories(self) -> MemoryInspector:
        return self.query_one(MemoryInspector)

    def compose(self) -> ComposeResult:
        app = self.agentsess
        self.now = app.clock.now_ms()
        sidebar = Sidebar(app, self.now, id="sidebar")
        self._first_empty = not sidebar.session_list.sessions
        yield Header(icon="◷")
        with Horizontal(id="body"):
            yield sidebar.data_bind(MainScreen.now)
            yield ChatPane(self.now, id="chat").data_bind(MainScreen.now)
            yield MemoryInspector(id="memories").data_bind(MainScreen.now)
        yield KeyFooter()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < INSPECTOR_BESIDE_CHAT_MIN, "-memories-replace")

    def on_mount(self) -> None:
        app = self.agentsess
        self.set_class(app.size.width < INSPECTOR_BESIDE_CHAT_MIN, "-memories-replace")
        self.memories.display = False
        self.chat.show_empty(self._first_empty)
        self.sidebar.session_list.focus()
        for field in self.query(Input):
            field.cursor_blink = app.blink
        for area in self.query(TextArea):
            area.cursor_blink = app.blink
        self.set_interval(app.delays.tick, self.pulse.tick)
        self.set_interval(app.delays.poll, self.pulse.poll)
        first = self.sidebar.selected
        if first is not None:
            self.open_session(first.id)
        # The full list (10,000 sessions take ~0.1 s of CPU to load) waits for the first frame,
        # which shows a screenful already: a worker started now would hold the GIL against it.
        self.call_after_refresh(self.sidebar.reload)
        self.call_after_refresh(self.pulse.sweep)

    # -- what the panes and the commands read ----------------------------------------------

    @property
    def selected(self) -> Session | None:
        return self.sidebar.selected

    @property
    def sessions_by_id(self) -> Mapping[str, Session]:
        """Live sessions, the rows loaded in the sidebar and the open one (not all history)."""
        return self.sidebar.sessions_by_id

    @property
    def visible_sessions(self) -> list[Session]:
        """The first rows of the sidebar (as far as they are loaded)."""
        return self.sidebar.session_list.sessions

    @property
    def visible_count(self) -> int:
        return self.sidebar.session_list.count

    def is_replying(self, session_id: str | None) -> bool:
        return self.chat.replies.is_replying(session_id)

    @on(Swept)
    def _swept(self, event: Swept) -> None:
        self.pulse.swept(event)

    # -- routing ---------------------------------------------------------------------------

    @on(Sidebar.Listed)
    def _listed(self, event: Sidebar.Listed) -> None:
        sessions = self.sessions_by_id
        chat = self.chat
        chat.show_empty(not self.sidebar.session_list.total)
        if chat.open_id in sessions:
            chat.session_changed(sessions[chat.open_id or ""])
        elif chat.open_id is not None:
            chat.session_changed(None)
        selected = self.selected
        if chat.open_id is None and selected is not None:
            self.open_session(selected.id)
        self.refresh_bindings()
        if event.batch.first:
            self.agentsess.first_load_shown()

    @on(Input.Changed, "#filter")
    def _filtered(self) -> None:
        # After the sidebar re-listed: the chat shows a session that is listed.
        # Once the keys pause: a word typed into the filter would open a session per key.
        listed = {session.id for session in self.visible_sessions}
        selected = self.selected
        if self.chat.open_id not in listed and selected is not None:
            self.sidebar.follow(selected.id, wait=True)

    @on(Sidebar.Filtered)
    def _filter_answered(self, event: Sidebar.Filtered) -> None:
        # Nothing listed: the chat shows no session rather than one the list no longer has.
        if event.empty:
            self.chat.show_no_match(event.needle)
        else:
            self._filtered()

    @on(SessionList.Highlighted)
    def _highlighted(self) -> None:
        self.refresh_bindings()

    @on(Sidebar.Chosen)
    def _chosen(self, event: Sidebar.Chosen) -> None:
        self.open_session(event.session_id)

    @on(SessionList.Opened)
    def _opened(self, event: SessionList.Opened) -> None:
        self.open_session(event.session.id)
        self.chat.chat_input.focus()
        # `focus` goes through the app's queue: the held keys follow it there.
        self.app.call_later(self.handoff.release, self.app)

    @on(SessionWritten)
    def _written(self, event: SessionWritten) -> None:
        if event.notice is not None:
            self.notify(event.notice.text, title=event.notice.title, markup=False)
        if event.session is not None and event.masked_token is not None:
            self.chat.remember_token(event.session.id, event.masked_token)
        if event.select and event.session is not None:
            self.sidebar.select_when_listed(event.session.id)
        if event.reopen is not None:
            self.chat.reopen(event.reopen)
        self.pulse.after_write()

    @on(WriteRefused)
    def _refused(self, event: WriteRefused) -> None:
        self.agentsess.show_error(event.error)
        self.pulse.poll()

    @on(MessageSent)
    @on(SendRefused)
    def _chat_wrote(self) -> None:
        self.pulse.poll()

    @on(NoteReady)
    def _note(self, event: NoteReady) -> None:
        if event.wrote:
            self.pulse.after_write()
            self.memories.reload()

    @on(ChatPane.Submitted)
    def _submitted(self, event: ChatPane.Submitted) -> None:
        if not self.slash.handle(event.session_id, event.text):
            self.chat.send_text(event.session_id, event.text)

    def open_session(self, session_id: str, around: int | None = None) -> None:
        """Show a session in the chat pane: its last page, or the page around a message."""
        if session_id == self.chat.open_id and around is None:
            return
        session = self.sessions_by_id.get(session_id)
        if session is None:  # history not in the loaded pages: one lookup by id
            try:
                session = self.agentsess.store.get_session(session_id)
            except AgentsessError:
                session = None
        self.sidebar.pin(session)
        self.sidebar.session_list.open_id = session_id
        self.chat.open(session_id, session, around)
        self.memories.show_agent(session.agent_id if session else None)

    def jump_to(self, session_id: str, *, focus: bool = True) -> None:
        """Select and open a session, clearing a filter that would hide it; `focus`: the
        session list takes the focus (never from a command typed in the chat)."""
        self.sidebar.jump_to(session_id, focus=focus)
        self.open_session(session_id)

    def jump_to_message(self, session_id: str, message_id: int) -> None:
        """From a search hit: select the session and show the page around the message."""
        self.jump_to(session_id)
        self.open_session(session_id, around=message_id)
        self.chat.transcript.focus()  # the keys page the transcript around the hit

    # -- keys ------------------------------------------------------------------------------

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        # Textual moves a [keymap]-remapped key to the end, where the footer cuts it off:
        # the main keys keep their place (the focused widget's own keys stay first).
        bindings = super().active_bindings
        return dict(
            sorted(bindings.items(), key=lambda item: MAIN_ORDER.get(item[1].binding.id, -1))
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in LETTER_ACTIONS and isinstance(self.focused, Input | TextArea):
            return False
        if action == "back":
            return not isinstance(self.focused, SessionList) or self.sidebar.filter_shown
        if action == "cancel_reply":
            return self.is_replying(self.chat.open_id)
        if action == "retry_reply":
            return self.chat.replies.has_failed(self.chat.open_id)
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

    def _with_selected(self, act: Callable[[Session], object]) -> None:
        session = self.selected
        if session is not None:
            act(session)

    def action_new_session(self) -> None:
        self.actions.new()

    def action_extend(self) -> None:
        self._with_selected(self.actions.extend)

    def action_extend_by(self) -> None:
        self._with_selected(self.actions.extend_by)

    def action_resume(self) -> None:
        if self.selected is not None:
            self.actions.resume(self.selected.id)

    def action_explain(self, action: str) -> None:
        self._with_selected(lambda session: self.actions.explain(session, action))

    def action_end(self) -> None:
        self._with_selected(self.actions.end)

    def action_clear(self) -> None:
        self._with_selected(self.actions.clear)

    def action_delete(self) -> None:
        self._with_selected(self.actions.delete)

    def action_copy_token(self) -> None:
        self._with_selected(self.actions.copy_token)

    def action_responder_settings(self) -> None:
        self._with_selected(self.actions.responder_settings)

    def action_add_memory(self) -> None:
        if self.selected is not None:
            self.memories.add_for(self.selected.agent_id)

    def action_cancel_reply(self) -> None:
        self.chat.replies.cancel(self.chat.open_id)

    def action_retry_reply(self) -> None:
        self.chat.replies.retry(self.chat.open_id)

    def action_back(self) -> None:
        inspector = self.memories
        focused = self.focused
        if inspector.display and focused is not None and inspector in focused.ancestors:
            if isinstance(focused, Input):
                inspector.focus_list()  # out of the search, still in the inspector
                return
            if inspector.replaces_chat:
                self.action_toggle_memories()  # back to the chat it covers
                return
        self.sidebar.back()

    def action_previous_session(self) -> None:
        self.sidebar.session_list.cursor -= 1

    def action_next_session(self) -> None:
        self.sidebar.session_list.cursor += 1

    def action_open(self) -> None:
        self.sidebar.session_list.action_open()

    def action_filter(self) -> None:
        focused = self.focused
        if focused is not None and self.memories in focused.ancestors:
            self.memories.focus_search()  # `/` searches where the cursor is (lazygit)
        else:
            self.sidebar.show_filter()

    def action_sort(self) -> None:
        self.notify(f"Sorted by {self.sidebar.cycle_sort()}", timeout=2)

    def action_toggle_memories(self) -> None:
        inspector = self.memories
        inspector.display = not inspector.display
        self.set_class(inspector.display, "-memories-open")
        if inspector.display:
            inspector.build()
            session = self.selected
            inspector.show_agent(session.agent_id if session else None)
            inspector.reload()
            # The list, not the search box: a second `m` closes again instead of typing m.
            inspector.focus_list()
        else:
            self.sidebar.session_list.focus()

    def action_help(self) -> None:
        self.agentsess.action_show_help()

    async def action_quit(self) -> None:
        self.app.exit()
