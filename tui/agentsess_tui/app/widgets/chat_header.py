"""The line above the transcript: what this session is and how long it has left."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from ...core.models import Phase, Session
from ...core.phases import counts_text, local_when, time_left
from ...core.text import one_line
from .row_painter import PHASE_MARK

PHASE_STYLE = {
    Phase.ACTIVE: "$success",
    Phase.EXPIRING: "$warning bold",
    Phase.EXPIRED: "$error",
    Phase.ENDED: "$text-muted",
}


class ChatHeader(Static):
    """Title · agent · state, then expiry, renewals and the masked token."""

    # No repaint of its own: the text changes, through update() without a layout pass.
    now: reactive[int] = reactive(0, repaint=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: Session | None = None
        self.masked_token: str | None = None
        self._shown: tuple[Phase, str] | None = None

    def show(self, session: Session | None, masked_token: str | None) -> None:
        self.session = session
        self.masked_token = masked_token
        self.update(self._content())

    def watch_now(self, now: int) -> None:
        # Time left is shown to the minute (to the second in the last one): the sidebar row
        # has the ticking countdown. Repainted every second, this line would pull the whole
        # transcript into each frame with the sidebar's countdowns, a third of idle CPU.
        if self.session is not None and self._when(self.session, now) != self._shown:
            # Two fixed lines: a new time never changes the size (no layout pass).
            self.update(self._content(), layout=False)

    def _when(self, session: Session, now: int) -> tuple[Phase, str]:
        """The phase and the time line: what a tick may change."""
        phase = session.phase(now)
        if phase in (Phase.ACTIVE, Phase.EXPIRING):
            # The countdown itself is the sidebar's (one format, ticking there): here the
            # moment, which changes only when the session does.
            return phase, f"expires {local_when(session.expires_at, now)}"
        when = time_left(session, now)
        if phase is Phase.ENDED and session.end_reason:
            when += f" ({one_line(session.end_reason, 40)})"
        return phase, when

    def _content(self) -> Content:
        session = self.session
        if session is None:
            self._shown = None
            return Content.styled("No session selected", "$text-muted")
        self._shown = phase, when = self._when(session, self.now)
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
        second = Content.assemble(
            (when, style),
            ("  ·  ", "$text-muted"),
            (counts_text(session), ""),
            ("  ·  ", "$text-muted"),
            (session.id, "$text-muted"),
        )
        return Content("\n").join([first, second])
