"""The sessions the app knows, kept current from change batches: a plain class, no Textual.

It owns the session map, the change stamp, the warnings already announced and when the next
sweep is due; it turns each batch from `Store.session_changes` into the notices a person
should see (the one-time warning, an expiry), with the rules of `core/phases.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ..core.durations import format_countdown
from ..core.models import Session
from ..core.phases import earliest, next_due
from ..core.text import one_line


@dataclass(frozen=True)
class FeedNotice:
    title: str
    text: str
    severity: Literal["warning", "error"]


@dataclass(frozen=True)
class Batch:
    """What one applied change batch means for the screen."""

    first: bool  # the first full load
    notices: list[FeedNotice] = field(default_factory=list)


class LiveFeed:
    """The live (active) sessions only: history is the sidebar's rows, paged, never all."""

    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}
        self.seq = 0
        self.loaded_once = False
        self.next_due: int | None = None
        self._warned_seen: set[tuple[str, int]] = set()

    def start(self, live: Iterable[Session], seq: int) -> None:
        """The live sessions at stamp `seq` (read before the first frame)."""
        self.sessions = {session.id: session for session in live if session.state == "active"}
        self.seq = seq
        # Warnings already given before we started are not news.
        for session in self.sessions.values():
            if session.warned_at is not None:
                self._warned_seen.add((session.id, session.warned_at))

    def put(self, session: Session) -> None:
        """A session as our own write or a read left it (newer than what was listed)."""
        if session.state == "active":
            self.sessions[session.id] = session
        else:
            self.sessions.pop(session.id, None)

    def apply(self, changed: list[Session], deleted: list[str], seq: int, now: int) -> Batch | None:
        """Apply a batch; None when it is older than what is already applied (the first
        batch is always applied: it tells the screen the list is complete)."""
        if seq < self.seq or (seq == self.seq and self.loaded_once):
            return None
        self.seq = seq
        first = not self.loaded_once
        previous = {s.id: self.sessions[s.id] for s in changed if s.id in self.sessions}
        for session_id in deleted:
            self.sessions.pop(session_id, None)
        for session in changed:
            self.put(session)
        notices = self._notices(previous, changed, now, first)
        self.loaded_once = True
        self.next_due = earliest(next_due(s, now) for s in self.sessions.values())
        return Batch(first, notices)

    def swept(self, due: int | None) -> None:
        self.next_due = due

    def sweep_due(self, now: int) -> bool:
        return self.next_due is not None and now >= self.next_due

    def _notices(
        self, previous: dict[str, Session], sessions: list[Session], now: int, first: bool
    ) -> list[FeedNotice]:
        """The one-time warning and expiry, whoever set them (not for the first load)."""
        notices: list[FeedNotice] = []
        for session in sessions:
            if session.warned_at is not None:
                key = (session.id, session.warned_at)
                if key not in self._warned_seen:
                    self._warned_seen.add(key)
                    if not first and session.state == "active":
                        left = format_countdown(session.expires_at - now)
                        notices.append(
                            FeedNotice(
                                "Session expiring",
                                f"“{one_line(session.title, 40)}” expires in {left}. "
                                "Press e to extend or E to choose how long.",
                                "warning",
                            )
                        )
            old = previous.get(session.id)
            was_active = old is not None and old.state == "active"
            if not first and was_active and session.state == "expired":
                notices.append(
                    FeedNotice(
                        "Session expired",
                        f"“{one_line(session.title, 40)}” expired. Press r to resume it.",
                        "error",
                    )
                )
        return notices
