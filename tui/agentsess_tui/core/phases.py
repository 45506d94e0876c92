"""What a session's phase is at a moment, and the rules that follow from it.

One place for each rule that the core, the CLI, the app and the server all need: the phase
(derived on every read: an active session past its expiry reads as expired whether or not a
sweep has written it), the "time left" text, the sidebar order and when a phase next changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .durations import format_ago, format_countdown, format_span
from .models import Phase, State

if TYPE_CHECKING:
    from .models import EndSummary, Session

PHASE_RANK = {Phase.EXPIRING: 0, Phase.ACTIVE: 1, Phase.EXPIRED: 2, Phase.ENDED: 3}


def phase(session: Session, now: int) -> Phase:
    if session.state == State.ENDED:
        return Phase.ENDED
    if session.state == State.EXPIRED or session.expires_at <= now:
        return Phase.EXPIRED
    if now >= session.warn_at:
        return Phase.EXPIRING
    return Phase.ACTIVE


def is_live(session: Session, now: int) -> bool:
    """Writes are allowed: active and not past its expiry."""
    return session.state == State.ACTIVE and session.expires_at > now


def time_left(session: Session, now: int) -> str:
    """'5:59:12' while live ('2d 3h' beyond a day), 'expired 3m ago' or 'ended 2h ago' after."""
    current = phase(session, now)
    if current is Phase.ENDED:
        return f"ended {format_ago(now - (session.ended_at or now))}"
    if current is Phase.EXPIRED:
        return f"expired {format_ago(now - session.expires_at)}"
    return format_countdown(session.expires_at - now)


def sort_key(session: Session, now: int) -> tuple[int, int, str]:
    """The sidebar order: expiring, then active by time left, then expired and ended, the
    most recent first; ties by id. `SIDEBAR_ORDER_SQL` is the same rule for the database."""
    current = phase(session, now)
    if current is Phase.ENDED:
        return (3, -(session.ended_at or 0), session.id)
    if current is Phase.EXPIRED:
        return (2, -session.expires_at, session.id)
    return (PHASE_RANK[current], session.expires_at, session.id)


# The same order as `sort_key`, for `ORDER BY` (`:now` bound to the current time).
SIDEBAR_ORDER_SQL = (
    "CASE WHEN state = 'ended' THEN 3 "
    "WHEN state = 'expired' OR expires_at <= :now THEN 2 "
    "WHEN warn_at <= :now THEN 0 ELSE 1 END, "
    "CASE WHEN state = 'ended' THEN -ended_at "
    "WHEN state = 'expired' OR expires_at <= :now THEN -expires_at "
    "ELSE expires_at END, id"
)


def activity_key(session: Session) -> tuple[int, str]:
    """The "activity" order: most recent activity first, ties by id."""
    return (-session.last_activity_at, session.id)


# History as the sidebar lists it, page by page: every run is `<column> DESC, id` over a
# partial index (schema.m006), the same order as `sort_key` gives those sessions.
HISTORY_COLUMN = {State.EXPIRED: "expires_at", State.ENDED: "ended_at"}
ACTIVITY_COLUMN = "last_activity_at"


def listing_key(session: Session, column: str) -> tuple[int, str]:
    """Where a session sits in a run ordered by `column DESC, id` (the keyset cursor)."""
    value = getattr(session, column)
    return (-(value or 0), session.id)


# Sessions in each phase as people see it, for `WHERE` (`:now` bound): an active session past its
# expiry is expired at once, whether or not a sweep has written it yet.
PHASE_WHERE_SQL = {
    Phase.ACTIVE: "state = 'active' AND expires_at > :now AND warn_at > :now",
    Phase.EXPIRING: "state = 'active' AND expires_at > :now AND warn_at <= :now",
    Phase.EXPIRED: "(state = 'expired' OR (state = 'active' AND expires_at <= :now))",
    Phase.ENDED: "state = 'ended'",
}
# By state, honestly: `active` means live (its expiring phase included), `expired` includes
# the overdue sessions no sweep has turned yet.
STATE_WHERE_SQL = {
    State.ACTIVE: "state = 'active' AND expires_at > :now",
    State.EXPIRED: PHASE_WHERE_SQL[Phase.EXPIRED],
    State.ENDED: PHASE_WHERE_SQL[Phase.ENDED],
}


def next_boundary(session: Session, now: int) -> int | None:
    """When this session's phase next changes by time alone (None: never)."""
    if not is_live(session, now):
        return None
    return session.warn_at if now < session.warn_at else session.expires_at


def next_due(session: Session, now: int) -> int | None:
    """When a sweep next has work for this session: its one-time warning, then its expiry."""
    if session.state != State.ACTIVE:
        return None
    if session.warned_at is None and session.warn_at > now:
        return session.warn_at
    return session.expires_at


def earliest(times: Iterable[int | None]) -> int | None:
    """The first of some times, ignoring None."""
    return min((t for t in times if t is not None), default=None)


def local_when(ms: int, now: int, *, zone: bool = False) -> str:
    """The one way a moment is shown to a person: local time, the date too when it is not
    today ("14:10", "2026-12-03 08:35"), and the zone (`zone`) where the text may be read
    elsewhere (/status, error messages). Machine output (--json, exports) stays ISO."""
    from datetime import datetime  # here: importing the core stays cheap

    moment = datetime.fromtimestamp(ms / 1000).astimezone()
    today = datetime.fromtimestamp(now / 1000).astimezone().date()
    text = moment.strftime("%H:%M" if moment.date() == today else "%Y-%m-%d %H:%M")
    return f"{text} {moment.strftime('%Z')}" if zone else text


def counts_text(session: Session) -> str:
    """Renewals and resumes as the header and /status say them. A renewal is every write
    that slid an auto-renewing session's expiry (the rule in repo/sessions.activity), so it
    is named for what it counts."""
    renewed = session.renewal_count
    resumed = session.resume_count
    slid = f"expiry slid by {renewed} {'write' if renewed == 1 else 'writes'}"
    if not session.auto_renew and not renewed:
        slid = "no auto-renew"
    return f"{slid}, resumed {resumed} {'time' if resumed == 1 else 'times'}"


def summary_line(summary: EndSummary) -> str:
    """What ending a session says: how long it ran and what it holds."""
    return (
        f"Ended {summary.session.title!r} after {format_span(summary.duration_ms)}: "
        f"{summary.messages} messages, {summary.memories} memories made in it (kept)."
    )
