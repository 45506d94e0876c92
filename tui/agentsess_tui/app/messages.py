"""Typed messages: what thread workers and panes post upward, and what the screen routes.

Workers never touch widgets; they post one of these (see `workers.py`) and an `@on(...)`
handler on the UI thread updates what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from ..core.errors import AgentsessError
from ..core.models import Memory, Session, SessionMatches, SidebarChanges
from ..core.models import Message as ChatMessage

if TYPE_CHECKING:
    from .session_rows import PageRequest


class StoreFailed(Message):
    """A store call failed; the app shows it as a notification."""

    def __init__(self, error: AgentsessError) -> None:
        super().__init__()
        self.error = error


class SessionsChanged(Message):
    """Sessions changed since stamp `since`, and the counts (one `sidebar_changes` read).

    A later read from the same or an earlier stamp holds everything this one does, so a
    queued one is replaced instead of applied twice (polls can overlap under load).
    """

    def __init__(self, since: int, changes: SidebarChanges) -> None:
        super().__init__()
        self.since = since
        self.changes = changes

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SessionsChanged) and self.since <= message.since


class RowsPaged(Message):
    """A page of the sidebar's history, as asked for by `request`."""

    def __init__(self, request: PageRequest, rows: list[Session]) -> None:
        super().__init__()
        self.request = request
        self.rows = rows


class FilterMatched(Message):
    """What the filter `needle` matched outside the live sessions (`Store.find_sessions`)."""

    def __init__(self, needle: str, found: SessionMatches) -> None:
        super().__init__()
        self.needle = needle
        self.found = found


class Swept(Message):
    """A sweep ran: when the next one is due, and whether it changed anything."""

    def __init__(self, next_due: int | None, changed: bool) -> None:
        super().__init__()
        self.next_due = next_due
        self.changed = changed


@dataclass(frozen=True)
class Notice:
    """A notification to show (plain text; the app sanitizes and never parses markup)."""

    title: str
    text: str


class SessionWritten(Message):
    """Our own write landed: what to tell the user, and the session as it now is."""

    def __init__(
        self,
        notice: Notice | None,
        session: Session | None = None,
        masked_token: str | None = None,
        *,
        select: bool = False,
        reopen: str | None = None,
    ) -> None:
        super().__init__()
        self.notice = notice
        self.session = session
        self.masked_token = masked_token
        self.select = select  # select the session in the sidebar once it is listed
        self.reopen = reopen  # a session whose transcript changed under us: load it again


class WriteRefused(Message):
    """A write failed in a way that changes what is shown (reload, then explain)."""

    def __init__(self, error: AgentsessError) -> None:
        super().__init__()
        self.error = error


@dataclass(frozen=True)
class Page:
    """A window of a transcript, and whether more exists on either side."""

    messages: list[ChatMessage]
    has_older: bool
    has_newer: bool
    around: int | None


class TranscriptLoaded(Message):
    def __init__(self, session: Session, masked_token: str | None, page: Page, request: int):
        super().__init__()
        self.session = session
        self.masked_token = masked_token
        self.page = page
        self.request = request


class OlderLoaded(Message):
    def __init__(self, session_id: str, messages: list[ChatMessage], has_older: bool) -> None:
        super().__init__()
        self.session_id = session_id
        self.messages = messages
        self.has_older = has_older


class NewerLoaded(Message):
    def __init__(self, session_id: str, messages: list[ChatMessage]) -> None:
        super().__init__()
        self.session_id = session_id
        self.messages = messages


class MessageSent(Message):
    """A typed message is stored: clear the box, start the reply."""

    def __init__(self, message: ChatMessage) -> None:
        super().__init__()
        self.message = message


class SendRefused(Message):
    """The session is not live: the text stays, resuming is offered."""

    def __init__(self, session_id: str, text: str, error: AgentsessError) -> None:
        super().__init__()
        self.session_id = session_id
        self.text = text
        self.error = error


class ReplyFailed(Message):
    """A reply could not be produced (the responder or the store refused)."""

    def __init__(self, session_id: str, error: AgentsessError) -> None:
        super().__init__()
        self.session_id = session_id
        self.error = error


class NoteReady(Message):
    """Text for the transcript (a slash command's output or its error)."""

    def __init__(self, markdown: str, title: str = "", *, wrote: bool = False) -> None:
        super().__init__()
        self.markdown = markdown
        self.title = title
        self.wrote = wrote  # the command changed the store: reload what is shown


class MemoriesLoaded(Message):
    def __init__(self, agent_id: str | None, rows: list[tuple[Memory, str, str]]) -> None:
        """`agent_id`: None for every agent's. `rows`: each memory, its search snippet and
        why it matched ("" when listed)."""
        super().__init__()
        self.agent_id = agent_id
        self.rows = rows


class MemoryWritten(Message):
    def __init__(self, notice: Notice) -> None:
        super().__init__()
        self.notice = notice
