"""The store: one SQLite file, every operation of the core, safe across threads and processes.

`Store` is a facade: each piece of state has one owner in `repo/` (agents, sessions and their
lifecycle, messages, memories, the sweep, the change feed, imports), built here and handed the
others it needs. It is the only public entry to the data, and it satisfies the `SessionStore`
protocol that other implementations (PostgreSQL next) satisfy too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clock import Clock, SystemClock
from .config import Settings, resolve_paths
from .sqlite_errors import translated, typed_errors
from .models import (
    Activation,
    Agent,
    EndSummary,
    Event,
    ExtendResult,
    ImportResult,
    Memory,
    MemoryHit,
    Message,
    MessageHit,
    Session,
    SessionImport,
    SessionMatches,
    SidebarChanges,
    SidebarStart,
    SweepResult,
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
from .tokens import signing_key

if TYPE_CHECKING:
    from .policy import Policy
    from .semantic.backfill import Backfilled


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

    def data_version(self) -> int:
        return self._changes.data_version()

    def integrity_check(self) -> str:
        return self.db.integrity_check()

    # -- agents ----------------------------------------------------------------------------

    def add_agent(
        self, agent_id: str, name: str | None = None, policy: Mapping[str, Any] | None = None
    ) -> Agent:
        return self._agents.add_agent(agent_id, name, policy)

    def ensure_agent(self, agent_id: str, name: str | None = None) -> Agent:
        return self._agents.ensure_agent(agent_id, name)

    def get_agent(self, agent_id: str) -> Agent:
        return self._agents.get_agent(agent_id)

    def list_agents(self) -> list[Agent]:
        return self._agents.list_agents()

    def set_agent_policy(
        self, agent_id: str, changes: Mapping[str, Any] | None = None, unset: Iterable[str] = ()
    ) -> Agent:
        return self._agents.set_agent_policy(agent_id, changes, unset)

    def effective_policy(self, agent_id: str, options: Mapping[str, Any] | None = None) -> Policy:
        return self._agents.effective_policy(agent_id, options)

    def preview_policy(self, agent_id: str, options: Mapping[str, Any] | None = None) -> Policy:
        return self._agents.preview_policy(agent_id, options)

    # -- sessions --------------------------------------------------------------------------

    def get_session(self, session_id: str) -> Session:
        return self._sessions.get_session(session_id)

    def list_sessions(
        self,
        *,
        state: str | None = None,
        agent_id: str | None = None,
        limit: int | None = None,
        phase: str | None = None,
    ) -> list[Session]:
        return self._sessions.list_sessions(
            state=state, agent_id=agent_id, limit=limit, phase=phase
        )

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

    def list_sessions_page(
        self,
        *,
        agent_id: str | None = None,
        state: str | None = None,
        before_id: str | None = None,
        limit: int = 50,
    ) -> list[Session]:
        return self._sessions.list_sessions_page(
            agent_id=agent_id, state=state, before_id=before_id, limit=limit
        )

    def count_sessions(self) -> int:
        return self._sessions.count_sessions()

    def session_counts(self, session_id: str) -> dict[str, int]:
        return self._sessions.session_counts(session_id)

    def session_changes(self, since: int) -> tuple[list[Session], list[str], int]:
        return self._changes.session_changes(since)

    def events(self, session_id: str) -> list[Event]:
        return self._sessions.events(session_id)

    # -- the sidebar at any size (ListingRepo) ---------------------------------------------

    def sidebar_start(self) -> SidebarStart:
        return self._listing.sidebar_start()

    def sidebar_changes(self, since: int) -> SidebarChanges:
        return self._listing.sidebar_changes(since)

    def session_state_counts(self) -> list[tuple[str, str, int]]:
        return self._listing.session_state_counts()

    def sidebar_page(
        self,
        state: str | None,
        *,
        agent_id: str | None = None,
        offset: int = 0,
        limit: int = 100,
        after: tuple[int, str] | None = None,
        from_end: bool = False,
    ) -> list[Session]:
        return self._listing.sidebar_page(
            state, agent_id=agent_id, offset=offset, limit=limit, after=after, from_end=from_end
        )

    def sidebar_offset(
        self, session_id: str, state: str | None, *, agent_id: str | None = None
    ) -> int | None:
        return self._listing.sidebar_offset(session_id, state, agent_id=agent_id)

    def find_sessions(self, text: str, limit: int = 1000) -> SessionMatches:
        return self._listing.find_sessions(text, limit)

    def create_session(
        self,
        agent_id: str,
        title: str | None = None,
        *,
        options: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        system_prompt: str | None = None,
        create_agent: bool = False,
    ) -> Activation:
        return self._lifecycle.create_session(
            agent_id,
            title,
            options=options,
            metadata=metadata,
            system_prompt=system_prompt,
            create_agent=create_agent,
        )

    def extend_session(self, session_id: str, minutes: int | None = None) -> ExtendResult:
        return self._lifecycle.extend_session(session_id, minutes)

    def update_session_policy(self, session_id: str, changes: Mapping[str, Any]) -> Session:
        return self._lifecycle.update_session_policy(session_id, changes)

    def heartbeat(self, session_id: str) -> Session:
        return self._lifecycle.heartbeat(session_id)

    def end_session(
        self,
        session_id: str,
        reason: str = "ended by user",
        *,
        summarize: bool = False,
        summary_text: str | None = None,
    ) -> EndSummary:
        return self._lifecycle.end_session(
            session_id, reason, summarize=summarize, summary_text=summary_text
        )

    def resume_session(self, session_id: str) -> Activation:
        return self._lifecycle.resume_session(session_id)

    def clear_session(self, session_id: str) -> int:
        return self._sessions.clear_session(session_id)

    def delete_session(self, session_id: str) -> dict[str, int]:
        return self._sessions.delete_session(session_id)

    def rename_session(self, session_id: str, title: str) -> Session:
        return self._sessions.rename_session(session_id, title)

    def update_session_metadata(self, session_id: str, changes: Mapping[str, Any]) -> Session:
        return self._sessions.update_session_metadata(session_id, changes)

    def import_session(self, imported: SessionImport, *, new_id: bool = False) -> ImportResult:
        return self._importer.import_session(imported, new_id=new_id)

    def sweep(self) -> SweepResult:
        return self._sweeper.sweep()

    def merge_text_indexes(self, pages: int = 64) -> bool:
        return self._sweeper.merge_text_indexes(pages)

    def session_token(self, session_id: str) -> str:
        return self._lifecycle.session_token(session_id)

    def verify_token(self, token: str, agent_id: str | None = None) -> Session:
        return self._lifecycle.verify_token(token, agent_id)

    # -- messages --------------------------------------------------------------------------

    def add_message(
        self,
        session_id: str,
        content: str,
        role: str = "user",
        metadata: Mapping[str, Any] | None = None,
    ) -> Message:
        return self._messages.add_message(session_id, content, role, metadata)

    def update_message(
        self, message_id: int, content: str, metadata: Mapping[str, Any] | None = None
    ) -> Message:
        return self._messages.update_message(message_id, content, metadata)

    def messages(
        self,
        session_id: str,
        *,
        before_id: int | None = None,
        after_id: int | None = None,
        limit: int = 100,
    ) -> list[Message]:
        return self._messages.messages(
            session_id, before_id=before_id, after_id=after_id, limit=limit
        )

    def count_messages(self, session_id: str) -> int:
        return self._messages.count_messages(session_id)

    def search_messages(
        self, query: str, *, agent_id: str | None = None, limit: int = 20
    ) -> list[MessageHit]:
        return self._messages.search_messages(query, agent_id=agent_id, limit=limit)

    # -- memories --------------------------------------------------------------------------

    def remember(
        self,
        content: str,
        *,
        agent_id: str | None = None,
        session_id: str | None = None,
        type: str = "fact",
        title: str | None = None,
        tags: Iterable[str] = (),
        confidence: float = 0.8,
        embed: bool = False,
    ) -> Memory:
        return self._memories.remember(
            content,
            agent_id=agent_id,
            session_id=session_id,
            type=type,
            title=title,
            tags=tags,
            confidence=confidence,
            embed=embed,
        )

    def get_memory(self, memory_id: int) -> Memory:
        return self._memories.get_memory(memory_id)

    def list_memories(
        self,
        *,
        agent_id: str | None = None,
        type: str | None = None,
        status: str | None = "active",
        session_id: str | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[Memory]:
        return self._memories.list_memories(
            agent_id=agent_id,
            type=type,
            status=status,
            session_id=session_id,
            before_id=before_id,
            limit=limit,
        )

    def count_memories(self, *, agent_id: str | None = None, status: str | None = "active") -> int:
        return self._memories.count_memories(agent_id=agent_id, status=status)

    def update_memory(
        self,
        memory_id: int,
        *,
        content: str | None = None,
        title: str | None = None,
        type: str | None = None,
        tags: Iterable[str] | None = None,
        confidence: float | None = None,
        status: str | None = None,
    ) -> Memory:
        return self._memories.update_memory(
            memory_id,
            content=content,
            title=title,
            type=type,
            tags=tags,
            confidence=confidence,
            status=status,
        )

    def forget_memory(self, memory_id: int, *, purge: bool = False) -> Memory:
        return self._memories.forget_memory(memory_id, purge=purge)

    def search_memories(
        self,
        query: str,
        *,
        agent_id: str | None = None,
        type: str | None = None,
        status: str | None = "active",
        session_id: str | None = None,
        limit: int = 20,
        mode: str = "keyword",
    ) -> list[MemoryHit]:
        return self._memories.search_memories(
            query,
            agent_id=agent_id,
            type=type,
            status=status,
            session_id=session_id,
            limit=limit,
            mode=mode,
        )

    def unindexed_memories(self) -> int:
        return self._memories.unindexed_memories()

    @property
    def recall_catch_up(self) -> int:
        return self._memories.recall_catch_up

    @recall_catch_up.setter
    def recall_catch_up(self, value: int) -> None:
        self._memories.recall_catch_up = max(0, value)

    def index_memories(self, limit: int) -> int:
        return self._memories.index_memories(limit)

    def reindex_memories(
        self, *, everything: bool = False, progress: Callable[[int], None] | None = None
    ) -> Backfilled:
        return self._memories.reindex_memories(everything=everything, progress=progress)
