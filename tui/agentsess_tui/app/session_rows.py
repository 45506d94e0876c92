"""The sidebar's rows at any size: a plain class, no Textual, no database.

The list is a sequence of runs. Live sessions (and a filter's matches) are few and held whole;
history is a run per state (per agent in the agent order) whose length comes from the
maintained counts and whose rows are fetched a page at a time, only where the person looks.
A page is asked for by keyset from a loaded neighbour (scrolling), or by offset from the
nearer end (a jump: `end`, the scrollbar). Pages of a history that changed stay on screen,
marked stale, until their fresh copy arrives.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..core.models import Session, State
from ..core.phases import ACTIVITY_COLUMN, HISTORY_COLUMN, activity_key, listing_key, sort_key
from ..core.search import session_matches

PAGE = 100
# Pages kept beside the live sessions: about 4,000 rows, whatever the history's size.
KEEP_PAGES = 40
SORT_MODES = ("expiry", "activity", "agent")
HISTORY = (State.EXPIRED.value, State.ENDED.value)


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of the list: `rows` in memory, or `length` rows of one indexed listing."""

    length: int
    rows: tuple[Session, ...] | None = None
    state: str | None = None
    agent_id: str | None = None


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What `Store.sidebar_page` is asked for one page; `generation` drops stale answers."""

    generation: int
    state: str | None
    agent_id: str | None
    page: int
    offset: int
    limit: int
    after: tuple[int, str] | None
    from_end: bool

    @property
    def key(self) -> tuple[str | None, str | None, int]:
        return (self.state, self.agent_id, self.page)


def order_key(mode: str, now: int) -> Callable[[Session], tuple[object, ...]]:
    """The Python sort of a mode, for the rows held in memory (same rules as the indexes)."""
    if mode == "activity":
        return activity_key
    if mode == "agent":
        return lambda s: (s.agent_id, sort_key(s, now))
    return lambda s: sort_key(s, now)


class SessionRows:
    def __init__(self, mode: str = SORT_MODES[0]) -> None:
        self.mode = mode
        self.live: dict[str, Session] = {}
        self.counts: dict[tuple[str, str], int] = {}
        self.needle = ""
        # A filter's matches outside the live sessions, and whether they are all of them.
        self.matches: list[Session] | None = None
        self.complete = True
        self.generation = 0
        self.runs: list[Run] = []
        self._starts: list[int] = []
        self._length = 0
        self._pages: dict[tuple[str | None, str | None, int], list[Session]] = {}
        self._stale: dict[tuple[str | None, str | None, int], list[Session]] = {}
        self._pending: set[tuple[str | None, str | None, int]] = set()

    # -- what the database said ------------------------------------------------------------

    def set_counts(self, counts: Iterable[tuple[str, str, int]]) -> None:
        self.counts = {(agent, state): n for agent, state, n in counts}

    def set_live(self, sessions: Iterable[Session]) -> None:
        self.live = {s.id: s for s in sessions if s.state == State.ACTIVE}

    def changed(self, changed: list[Session], deleted: list[str]) -> bool:
        """A change batch (after `set_counts`): True when the history moved, so its pages
        are refetched (kept on screen meanwhile). Live sessions are updated here."""
        history = self.mode == "activity" and bool(changed or deleted)
        for session_id in deleted:
            was_live = self.live.pop(session_id, None) is not None
            history = history or not was_live
        for session in changed:
            if session.state == State.ACTIVE:
                self.live[session.id] = session
            else:
                self.live.pop(session.id, None)
                history = True
        if history:
            self.invalidate()
        return history

    def invalidate(self) -> None:
        self.generation += 1
        self._stale.update(self._pages)
        self._pages = {}
        self._pending.clear()

    def put(self, request: PageRequest, rows: list[Session]) -> bool:
        """A page arrived; False when it answers an older generation (dropped)."""
        if request.generation != self.generation:
            return False
        self._pending.discard(request.key)
        self._pages[request.key] = rows
        self._stale.pop(request.key, None)
        while len(self._pages) > KEEP_PAGES:
            del self._pages[next(iter(self._pages))]
        while len(self._stale) > KEEP_PAGES:
            del self._stale[next(iter(self._stale))]
        return True

    # -- the list --------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """Every session in the database (from the counts)."""
        return sum(self.counts.values())

    @property
    def filtered(self) -> bool:
        return bool(self.needle)

    def set_filter(self, needle: str, matches: list[Session] | None, complete: bool) -> None:
        """`needle` lowercased; `matches` from `Store.find_sessions` (None: not yet asked)."""
        self.needle = needle
        self.matches = matches
        self.complete = complete

    def layout(self, now: int) -> None:
        """The runs for the mode, filter and data now (pages are kept: keyed by listing)."""
        key = order_key(self.mode, now)
        live = sorted(self.live.values(), key=key)
        runs: list[Run] = []
        if self.needle:
            found = {s.id: s for s in self.matches or () if s.state != State.ACTIVE}
            found.update((s.id, s) for s in live if self._match(s))
            rows = sorted(found.values(), key=key)
            runs.append(Run(len(rows), tuple(rows)))
        elif self.mode == "activity":
            runs.append(Run(self.total))
        elif self.mode == "agent":
            agents = sorted({agent for agent, _ in self.counts} | {s.agent_id for s in live})
            by_agent: dict[str, list[Session]] = {}
            for session in live:
                by_agent.setdefault(session.agent_id, []).append(session)
            for agent in agents:
                mine = by_agent.get(agent, [])
                runs.append(Run(len(mine), tuple(mine)))
                runs.extend(
                    Run(self.counts.get((agent, state), 0), state=state, agent_id=agent)
                    for state in HISTORY
                )
        else:
            runs.append(Run(len(live), tuple(live)))
            for state in HISTORY:
                length = sum(n for (_, s), n in self.counts.items() if s == state)
                runs.append(Run(length, state=state))
        self.runs = [run for run in runs if run.length > 0]
        self._starts = []
        start = 0
        for run in self.runs:
            self._starts.append(start)
            start += run.length
        self._length = start

    def _match(self, session: Session) -> bool:
        return session_matches(session.title, session.agent_id, session.id, self.needle)

    def __len__(self) -> int:
        return self._length

    def row(self, index: int) -> Session | None:
        """The session at `index`, None while its page is not loaded."""
        if not 0 <= index < self._length:
            return None
        at = bisect.bisect_right(self._starts, index) - 1
        run, offset = self.runs[at], index - self._starts[at]
        if run.rows is not None:
            return run.rows[offset]
        page, within = divmod(offset, PAGE)
        key = (run.state, run.agent_id, page)
        rows = self._pages.get(key) or self._stale.get(key)
        if rows is None or within >= len(rows):
            return None
        session = rows[within]
        return self.live.get(session.id, session)

    def prefix(self, limit: int) -> list[Session]:
        """The first rows, up to `limit` or the first one not loaded."""
        rows: list[Session] = []
        for index in range(min(limit, self._length)):
            session = self.row(index)
            if session is None:
                break
            rows.append(session)
        return rows

    def index_of(self, session_id: str) -> int | None:
        """Where a session is listed, if its row is loaded."""
        for at, run in enumerate(self.runs):
            if run.rows is not None:
                for offset, session in enumerate(run.rows):
                    if session.id == session_id:
                        return self._starts[at] + offset
                continue
            for page in (self._pages, self._stale):
                for (state, agent, number), rows in page.items():
                    if state != run.state or agent != run.agent_id:
                        continue
                    for offset, session in enumerate(rows):
                        if session.id == session_id:
                            return self._starts[at] + number * PAGE + offset
        return None

    def run_of(self, session: Session) -> tuple[int, Run] | None:
        """The paged run that lists `session` in this layout, and its place among the runs
        (None: its run is in memory, or a filter applies)."""
        if self.needle:
            return None
        for at, run in enumerate(self.runs):
            if run.rows is not None:
                continue
            if run.state is None or (
                run.state == session.state and run.agent_id in (None, session.agent_id)
            ):
                return at, run
        return None

    def run_start(self, at: int, run: Run) -> int | None:
        """Where run `at` starts, if it is still `run` (the layout may have changed since)."""
        if at < len(self.runs) and self.runs[at] == run:
            return self._starts[at]
        return None

    def known(self) -> Iterable[Session]:
        """Every session held (live, matches and loaded pages), for lookups by id."""
        yield from self.live.values()
        yield from self.matches or ()
        for pages in (self._stale, self._pages):
            for rows in pages.values():
                yield from rows

    # -- what to fetch ---------------------------------------------------------------------

    def wanted(self, top: int, bottom: int) -> list[PageRequest]:
        """Pages that rows `top`..`bottom` (a screen, plus a margin) need and nobody asked
        for yet; they are marked asked."""
        requests: list[PageRequest] = []
        top, bottom = max(0, top), min(self._length, bottom)
        for at, run in enumerate(self.runs):
            start = self._starts[at]
            if run.rows is not None or start >= bottom or start + run.length <= top:
                continue
            first = max(0, top - start) // PAGE
            last = (min(run.length, bottom - start) - 1) // PAGE
            for page in range(first, last + 1):
                key = (run.state, run.agent_id, page)
                if key in self._pages or key in self._pending:
                    continue
                self._pending.add(key)
                requests.append(self._request(run, page))
        return requests

    def _request(self, run: Run, page: int) -> PageRequest:
        column = ACTIVITY_COLUMN if run.state is None else HISTORY_COLUMN[State(run.state)]
        limit = min(PAGE, run.length - page * PAGE)
        before = self._pages.get((run.state, run.agent_id, page - 1))
        after = self._pages.get((run.state, run.agent_id, page + 1))
        keyed: tuple[int, str] | None = None
        offset, from_end = 0, False
        if before is not None and len(before) == PAGE:
            keyed = listing_key(before[-1], column)
        elif after:
            keyed, from_end = listing_key(after[0], column), True
        elif page * PAGE > run.length // 2:
            offset, from_end = run.length - page * PAGE - limit, True
        else:
            offset = page * PAGE
        return PageRequest(
            self.generation, run.state, run.agent_id, page, offset, limit, keyed, from_end
        )
