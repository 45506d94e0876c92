"""The chat pane: the open session's header, transcript, notice line and input.

It owns which session is open (`open_id`), that session as last read, its masked token and the
transcript's paging; replies are run by its `Replies`. Typed text goes up as `ChatPane.Submitted`
(the screen routes slash commands); everything it loads comes back as messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from ...agents import as_message
from ...core.errors import AgentsessError, SessionEnded, SessionExpired
from ...core.models import Session
from ...core.text import visible
from ...core.tokens import mask
from ..messages import (
    MessageSent,
    NewerLoaded,
    NoteReady,
    OlderLoaded,
    Page,
    ReplyFailed,
    SendRefused,
    SessionWritten,
    StoreFailed,
    TranscriptLoaded,
)
from ..widgets.chat_header import ChatHeader
from ..widgets.chat_input import ChatInput, History
from ..widgets.chat_rows import Note
from ..widgets.transcript import FIRST_PAGE, NEWER_PAGE, PAGE_SIZE, Transcript
from ..widgets.welcome import Welcome
from ..workers import run_store_call
from . import chat_keys
from .replies import PendingReply, Replies, show_failure

if TYPE_CHECKING:
    from ..app import AgentsessApp

CHAT_WIDGETS = ("#chat-header", "#transcript", "#chat-input")
MAX_NOTES = 20  # notes kept to show again after a reload of the open session


class ChatPane(Vertical):
    BINDINGS: ClassVar[list[BindingType]] = chat_keys.CHAT_BINDINGS
    # Bound from the screen's `now`, and on to the header's time left.
    now: reactive[int] = reactive(0, repaint=False)

    class Submitted(Message):
        """Text typed into the open session (a message or a slash command)."""

        def __init__(self, session_id: str, text: str) -> None:
            super().__init__()
            self.session_id = session_id
            self.text = text

    def __init__(self, now: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(ChatPane.now, now)
        self.open_id: str | None = None
        self.session: Session | None = None  # the open session, as last read
        self._tokens: dict[str, str | None] = {}
        # Only the latest request may fill the transcript (loads finish in any order).
        self._request = 0
        self.replies = Replies(self)
        self._histories: dict[str, History] = {}
        # The notes (command output) of the open session, shown again when its transcript is
        # reloaded: a reload that lands after a command's answer must not wipe the answer.
        self._notes: list[tuple[str, str]] = []
        self._notes_for: str | None = None

    @property
    def agentsess(self) -> AgentsessApp:
        return cast("AgentsessApp", self.app)

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def chat_input(self) -> ChatInput:
        return self.query_one(ChatInput)

    def compose(self) -> ComposeResult:
        yield ChatHeader(id="chat-header").data_bind(ChatPane.now)
        yield Transcript(id="transcript")
        yield Static("", id="chat-notice")
        yield ChatInput(
            placeholder="Message…  (enter sends, ctrl+j new line, /help)",
            id="chat-input",
        )
        yield Welcome(id="welcome")

    def on_mount(self) -> None:
        self.query_one("#chat-notice").display = False

    def show_empty(self, empty: bool) -> None:
        """No sessions at all: the welcome text instead of the chat."""
        self.query_one(Welcome).display = empty
        for widget_id in CHAT_WIDGETS:
            self.query_one(widget_id).display = not empty

    # -- the chat's own keys (chat_keys.py) -----------------------------------------------

    def action_regenerate(self) -> None:
        chat_keys.regenerate(self)

    def action_edit_last(self) -> None:
        chat_keys.edit_last(self)

    def action_copy_reply(self) -> None:
        chat_keys.copy_reply(self)

    def action_copy_code(self) -> None:
        chat_keys.copy_code(self)

    # -- the open session ------------------------------------------------------------------

    def open(self, session_id: str, session: Session | None, around: int | None = None) -> None:
        """Show a session: its last page, or the page around a message."""
        if session_id == self.open_id and around is None:
            return
        if session_id != self._notes_for:  # another session: its notes are not this one's
            self._notes, self._notes_for = [], session_id
        self.open_id = session_id
        self.session = session
        self.chat_input.sent = self._histories.setdefault(session_id, History())
        self._refresh_header()
        self.hide_notice()
        self._load(session_id, around)

    def _load(self, session_id: str, around: int | None) -> None:
        """Fill the transcript with the last page or the page around a message; a newer
        request makes this one's answer stale."""
        self._request += 1
        request = self._request
        store = self.agentsess.store

        def load() -> TranscriptLoaded:
            half = PAGE_SIZE // 2
            if around is None:
                older = store.messages(session_id, limit=FIRST_PAGE + 1)
                newer = []
            else:
                older = store.messages(session_id, before_id=around + 1, limit=half + 1)
                newer = store.messages(session_id, after_id=around, limit=half)
            read = store.get_session(session_id)
            token = mask(store.session_token(session_id)) if read.is_live(store.now()) else None
            keep = FIRST_PAGE if around is None else half
            page = Page(older[-keep:] + newer, len(older) > keep, len(newer) == half, around)
            return TranscriptLoaded(read, token, page, request)

        run_store_call(self, load, lambda loaded: loaded, group="transcript")

    def reopen(self, session_id: str) -> None:
        """Load the session again (its history changed under us)."""
        if self.open_id == session_id:
            self.open_id = None
            self.open(session_id, self.session)

    def session_changed(self, session: Session | None) -> None:
        """The open session as the latest list has it (None: it was deleted)."""
        if session is None:
            self.open_id = self.session = None
        else:
            self.session = session
        self._refresh_header()

    def show_no_match(self, needle: str) -> None:
        """The filter lists no session: the chat shows none (not the last one, unlisted)."""
        self._request += 1  # a load under way is for a session no longer listed
        self.open_id = self.session = None
        self._refresh_header()
        self.hide_notice()
        text = f"No session matches '{visible(needle)}'. Escape clears the filter."
        self.call_later(self.transcript.show_text, text)

    def remember_token(self, session_id: str, masked: str | None) -> None:
        self._tokens[session_id] = masked

    @on(TranscriptLoaded)
    async def _loaded(self, event: TranscriptLoaded) -> None:
        if event.request != self._request:
            return
        session, page = event.session, event.page
        self.session = session
        self._tokens[session.id] = event.masked_token
        self._refresh_header()
        transcript = self.transcript
        await transcript.show(
            session.id, page.messages, page.has_older, page.has_newer, point_at=page.around
        )
        for markdown, title in self._notes:
            await transcript.add_row(Note(markdown, title=title))
        history = self._histories.setdefault(session.id, History())
        if not history.entries:  # what was sent before this run: the user's messages shown
            history.entries = [m.content for m in page.messages if m.role == "user"]
        if not page.has_newer:
            await self.replies.restore(session.id, page.messages)  # a failed reply stays

    def _refresh_header(self) -> None:
        session = self.session
        token = self._tokens.get(session.id) if session else None
        if session is not None and not session.is_live(self.now):
            token = None
        self.query_one(ChatHeader).show(session, token)

    # -- paging ----------------------------------------------------------------------------

    @on(Transcript.NeedOlder)
    def _need_older(self, event: Transcript.NeedOlder) -> None:
        session_id, before_id = event.session_id, event.before_id
        run_store_call(
            self,
            lambda: self.agentsess.store.messages(
                session_id, before_id=before_id, limit=PAGE_SIZE + 1
            ),
            lambda got: OlderLoaded(session_id, got[-PAGE_SIZE:], len(got) > PAGE_SIZE),
            group="transcript-older",
        )

    @on(Transcript.NeedNewer)
    def _need_newer(self, event: Transcript.NeedNewer) -> None:
        self.load_newer(event.session_id, event.after_id)

    @on(Transcript.NeedLatest)
    def _need_latest(self, event: Transcript.NeedLatest) -> None:
        # end in a window short of the newest message (after a jump): the last page replaces it.
        if event.session_id == self.open_id:
            self._load(event.session_id, None)

    def refresh_messages(self) -> None:
        """Something was committed: fetch what follows the last message shown."""
        if self.open_id is not None and self.transcript.session_id == self.open_id:
            self.load_newer(self.open_id, self.transcript.last_id or 0)

    def load_newer(self, session_id: str, after: int) -> None:
        """Messages that arrived after the last one shown (ours or another process's)."""
        run_store_call(
            self,
            lambda: self.agentsess.store.messages(session_id, after_id=after, limit=NEWER_PAGE),
            lambda got: NewerLoaded(session_id, got) if got else None,
            group="transcript-newer",
        )

    @on(OlderLoaded)
    async def _older(self, event: OlderLoaded) -> None:
        if event.session_id == self.open_id:
            await self.transcript.prepend(event.messages, event.has_older)

    @on(NewerLoaded)
    async def _newer(self, event: NewerLoaded) -> None:
        if event.session_id == self.open_id:
            await self.transcript.append(event.messages)

    @on(ReplyFailed)
    async def _reply_failed(self, event: ReplyFailed) -> None:
        await show_failure(self, event)

    # -- notes and the notice line ---------------------------------------------------------

    def add_note(self, markdown: str, title: str = "") -> None:
        # Through the pane's queue, like the transcript loads, so the two never interleave.
        self.post_message(NoteReady(markdown, title))

    @on(NoteReady)
    async def _note(self, event: NoteReady) -> None:
        # Bubbles on: the screen reloads on writes.
        if self.open_id is None:
            return
        self._notes = [*self._notes[-(MAX_NOTES - 1) :], (event.markdown, event.title)]
        await self.transcript.add_row(Note(event.markdown, title=event.title))

    def show_notice(self, text: str) -> None:
        notice = self.query_one("#chat-notice", Static)
        notice.update(Content(visible(text)))
        notice.display = True

    def hide_notice(self) -> None:
        self.query_one("#chat-notice").display = False

    # -- sending ---------------------------------------------------------------------------

    @on(ChatInput.Submitted)
    def _submitted(self, event: ChatInput.Submitted) -> None:
        event.stop()
        if self.open_id is None:
            self.chat_input.restore(event.text)
            return
        self.post_message(self.Submitted(self.open_id, event.text))

    def send_text(self, session_id: str, text: str) -> None:
        """A message typed in the chat (not a slash command)."""
        if self.replies.is_replying(session_id):
            self.chat_input.restore(text)
            self.notify(
                "A reply is still coming: wait for it, or press escape to stop it. Your message "
                "is back in the box.",
                title="Replying",
                severity="warning",
            )
            return
        content = as_message(text)

        def refused(error: AgentsessError) -> Message:
            if isinstance(error, SessionExpired | SessionEnded):
                return SendRefused(session_id, content, error)
            return StoreFailed(error)

        run_store_call(
            self,
            lambda: self.agentsess.store.add_message(session_id, content, role="user"),
            MessageSent,
            group="send",
            failed=refused,
        )

    @on(MessageSent)
    def _sent(self, event: MessageSent) -> None:
        # Bubbles on: the screen reloads the sidebar (activity renews the session).
        message = event.message
        chat_input = self.chat_input
        if chat_input.text.strip() and as_message(chat_input.text) == message.content:
            chat_input.clear()  # the text given back after a refusal, now sent after all
        self.hide_notice()
        self.replies.start(PendingReply(message.session_id, message.content, message.id))

    @on(SendRefused)
    def _refused(self, event: SendRefused) -> None:
        """The text stays in the box; say why it was not sent and offer to resume."""
        from ..screens.modals import confirm

        message = event.error.message
        session_id, text = event.session_id, event.text
        self.chat_input.restore(as_typed(text))
        self.show_notice(f"{message} Your message was not sent and is still in the box.")
        confirm(
            self.app,
            "Session is not active",
            f"{message}\n\nResume it (a new window and token; the conversation is kept) and "
            "send your message?",
            "Resume and send",
            lambda: self._resume_and_send(session_id, text),
            danger=False,
        )

    def _resume_and_send(self, session_id: str, text: str) -> None:
        store = self.agentsess.store

        def resume_and_send() -> list[Message]:
            activation = store.resume_session(session_id)
            message = store.add_message(session_id, text, role="user")
            return [
                SessionWritten(None, activation.session, mask(activation.token)),
                MessageSent(message),
            ]

        run_store_call(self, resume_and_send, lambda messages: messages, group="write")


def as_typed(content: str) -> str:
    """The prompt that sends `content` (the inverse of `as_message`: `/x` was typed `//x`)."""
    return f"/{content}" if content.lstrip().startswith("/") else content
