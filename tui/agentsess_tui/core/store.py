"""The store: one SQLite file, every operation of the core, safe across threads and processes.

`Store` is a facade: each piece of state has one owner in `repo/` (agents, sessions and their
lifecycle, messages, memories, the sweep, the change feed, imports), built here and handed the
others it needs. It is the only public entry to the data, and it satisfies the `SessionStore`
protocol that other implementations (PostgreSQL next) satisfy too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .clock import Clock, SystemClock
from .config import Settings, resolve_paths
from .facade import forward
from .models import (
    Session,
)
from .repo.agents import AgentRepo
from .repo.changes import ChangeFeed
from .repo.imports import SessionImporter
from .repo.lifecycle import Lifecycle
from .repo.listing import ListingRepo
from .repo.memories import MemoryRepo
from .repo.messages import MessageRepo
from .repo.sessions import SessionRepo
from .repo.sweep import Sweeper
from .schema import open_current
from .sqlite_errors import translated, typed_errors
from .tokens import signing_key

if TYPE_CHECKING:
    pass


@typed_errors
class Store:
    """Agents, sessions (with their rules), messages, memories and events.

    Build one with `open_store()` (reads config and environment) or directly with a path, a
    clock and settings (what tests do). `readonly`: for commands that only read, so they work
    in a read-only directory (writes through such a store fail with StorageError).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Clock | None = None,
        settings: Settings | None = None,
        key: bytes | None = None,
        key_file: Path | None = None,
        on_upgrade: Callable[[list[str]], None] | None = None,
        readonly: bool = False,
    ) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self.settings = settings or Settings()
        self._key = key
        self._key_file = key_file
        self.db = open_current(self.path, self.settings.busy_timeout_ms, readonly, on_upgrade)
        db, clock_ = self.db, self.clock
        self._agents = AgentRepo(db, clock_, self.settings)
        self._sessions = SessionRepo(db, clock_)
        self._messages = MessageRepo(db, clock_, self._sessions)
        self._memories = MemoryRepo(db, clock_, self._agents, self._sessions, self.settings.recall)
        self._lifecycle = Lifecycle(
            db, clock_, self._agents, self._sessions, self._memories, lambda: self.key
        )
        self._sweeper = Sweeper(db, clock_)
        self._changes = ChangeFeed(db)
        self._listing = ListingRepo(db)
        self._importer = SessionImporter(db, clock_, self._agents, self._sessions)

    # -- the store itself ------------------------------------------------------------------

    def now(self) -> int:
        return self.clock.now_ms()

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = signing_key(self._key_file or resolve_paths().key_file)
        return self._key

    def close(self) -> None:
        self.db.close()

    data_version = forward("_changes", ChangeFeed.data_version)

    def integrity_check(self) -> str:
        return self.db.integrity_check()

    # -- agents ----------------------------------------------------------------------------

    add_agent = forward("_agents", AgentRepo.add_agent)
    ensure_agent = forward("_agents", AgentRepo.ensure_agent)
    get_agent = forward("_agents", AgentRepo.get_agent)
    list_agents = forward("_agents", AgentRepo.list_agents)
    set_agent_policy = forward("_agents", AgentRepo.set_agent_policy)
    effective_policy = forward("_agents", AgentRepo.effective_policy)
    preview_policy = forward("_agents", AgentRepo.preview_policy)

    # -- sessions --------------------------------------------------------------------------

    get_session = forward("_sessions", SessionRepo.get_session)
    list_sessions = forward("_sessions", SessionRepo.list_sessions)

    def iter_sessions(
        self,
        *,
        state: str | None = None,
        agent_id: str | None = None,
        limit: int | None = None,
        phase: str | None = None,
    ) -> Iterator[Session]:
        rows = self._sessions.iter_sessions(
            state=state, agent_id=agent_id, limit=limit, phase=phase
        )
        yield from translated(rows, self.path)

    list_sessions_page = forward("_sessions", SessionRepo.list_sessions_page)
    count_sessions = forward("_sessions", SessionRepo.count_sessions)
    session_counts = forward("_sessions", SessionRepo.session_counts)
    session_changes = forward("_changes", ChangeFeed.session_changes)
    events = forward("_sessions", SessionRepo.events)

    # -- the sidebar at any size (ListingRepo) ---------------------------------------------

    sidebar_start = forward("_listing", ListingRepo.sidebar_start)
    sidebar_changes = forward("_listing", ListingRepo.sidebar_changes)
    session_state_counts = forward("_listing", ListingRepo.session_state_counts)
    sidebar_page = forward("_listing", ListingRepo.sidebar_page)
    sidebar_offset = forward("_listing", ListingRepo.sidebar_offset)
    find_sessions = forward("_listing", ListingRepo.find_sessions)

    # -- a session's life (Lifecycle: the rules; SessionRepo: the rows) --------------------

    create_session = forward("_lifecycle", Lifecycle.create_session)
    extend_session = forward("_lifecycle", Lifecycle.extend_session)
    update_session_policy = forward("_lifecycle", Lifecycle.update_session_policy)
    heartbeat = forward("_lifecycle", Lifecycle.heartbeat)
    end_session = forward("_lifecycle", Lifecycle.end_session)
    resume_session = forward("_lifecycle", Lifecycle.resume_session)
    clear_session = forward("_sessions", SessionRepo.clear_session)
    delete_session = forward("_sessions", SessionRepo.delete_session)
    rename_session = forward("_sessions", SessionRepo.rename_session)
    update_session_metadata = forward("_sessions", SessionRepo.update_session_metadata)
    import_session = forward("_importer", SessionImporter.import_session)

    sweep = forward("_sweeper", Sweeper.sweep)
    merge_text_indexes = forward("_sweeper", Sweeper.merge_text_indexes)
    session_token = forward("_lifecycle", Lifecycle.session_token)
    verify_token = forward("_lifecycle", Lifecycle.verify_token)

    # -- messages --------------------------------------------------------------------------

    add_message = forward("_messages", MessageRepo.add_message)
    update_message = forward("_messages", MessageRepo.update_message)
    messages = forward("_messages", MessageRepo.messages)
    count_messages = forward("_messages", MessageRepo.count_messages)
    search_messages = forward("_messages", MessageRepo.search_messages)

    # -- memories --------------------------------------------------------------------------

    remember = forward("_memories", MemoryRepo.remember)
    get_memory = forward("_memories", MemoryRepo.get_memory)
    list_memories = forward("_memories", MemoryRepo.list_memories)
    count_memories = forward("_memories", MemoryRepo.count_memories)
    update_memory = forward("_memories", MemoryRepo.update_memory)
    forget_memory = forward("_memories", MemoryRepo.forget_memory)
    search_memories = forward("_memories", MemoryRepo.search_memories)
    unindexed_memories = forward("_memories", MemoryRepo.unindexed_memories)

    @property
    def recall_catch_up(self) -> int:
        return self._memories.recall_catch_up

    @recall_catch_up.setter
    def recall_catch_up(self, value: int) -> None:
        self._memories.recall_catch_up = max(0, value)

    index_memories = forward("_memories", MemoryRepo.index_memories)
    reindex_memories = forward("_memories", MemoryRepo.reindex_memories)
