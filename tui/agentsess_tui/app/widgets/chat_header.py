"""The line above the transcript: what this session is and how long it has left."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from ...core.durations import format_countdown
from ...core.models import Phase, Session
from ..safe import one_line
from .session_list import PHASE_MARK, time_label

PHASE_STYLE = {
    Phase.ACTIVE: "$success",
    Phase.EXPIRING: "$warning bold",
    Phase.EXPIRED: "$error",
    Phase.ENDED: "$text-muted",
}


def local_time(ms: int) -> str:
    """A time of day in the user's timezone; with the date when it is not today."""
    moment = datetime.fromtimestamp(ms / 1000).astimezone()
    return moment.strftime("%H:%M")


def local_datetime(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M")


class ChatHeader(Static):
    """Title · agent · state, then expiry, renewals and the masked token."""

    # No repaint of its own: the text changes, through update() without a layout pass.
    now: reactive[int] = reactive(0, repaint=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: Session | None = None
        self.masked_token: str | None = None
        self._shown = ""

    def show(self, session: Session | None, masked_token: str | None) -> None:
        self.session = session
        self.masked_token = masked_token
        content = self._content()
        self._shown = content.plain
        self.update(content)

    def watch_now(self) -> None:
        if self.session is not None:
            content = self._content()
            if content.plain != self._shown:
                self._shown = content.plain
                # Two fixed lines: a new countdown never changes the size (no layout pass).
                self.update(content, layout=False)

    def _content(self) -> Content:
        session = self.session
        if session is None:
            return Content.styled("No session selected", "$text-muted")
        now = self.now
        phase = session.phase(now)
        style = PHASE_STYLE[phase]
        token = self.masked_token or "—"
        first = Content.assemble(
            (one_line(session.title, 60), "bold"),
            ("  ·  ", "$text-muted"),
            (session.agent_id, "$secondary"),
            ("  ·  ", "$text-muted"),
            (f"{PHASE_MARK[phase]} {phase.value}", style),
            ("  ·  token ", "$text-muted"),
            (token, "$accent"),
        )
        if phase in (Phase.ACTIVE, Phase.EXPIRING):
            when = (
                f"expires {local_time(session.expires_at)} "
                f"({format_countdown(session.expires_at - now)} left)"
            )
        else:
            when = time_label(session, now)
            if phase is Phase.ENDED and session.end_reason:
                when += f" ({one_line(session.end_reason, 40)})"
        second = Content.assemble(
            (when, style),
            ("  ·  ", "$text-muted"),
            (f"{session.renewal_count} renewals, {session.resume_count} resumes", ""),
            ("  ·  ", "$text-muted"),
            (session.id, "$text-muted"),
        )
        return Content("\n").join([first, second])
