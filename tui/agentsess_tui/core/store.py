"""The store: one SQLite file, every operation of the core, safe across threads and processes.

`Store` is a facade: each piece of state has one owner in `repo/` (agents, sessions and their
lifecycle, messages, memories, the sweep, the change feed, imports), built here and handed the
others it needs. It is the only public entry to the data, and it satisfies the `SessionStore`
protocol that other implementations (PostgreSQL next) satisfy too.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .clock import Clock, SystemClock
from .config import Paths, Settings, database_path, load_settings, resolve_paths
from .db import Database, storage_errors, translate
from .errors import StorageError
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
    SweepResult,
)
from .repo.agents import AgentRepo
from .repo.changes import ChangeFeed
from .repo.imports import SessionImporter
from .repo.lifecycle import Lifecycle
from .repo.memories import MemoryRepo
from .repo.messages import MessageRepo
from .repo.sessions import SessionRepo
from .repo.sweep import Sweeper
from .schema import ensure_schema
from .tokens import load_key

if TYPE_CHECKING:
    from .policy import Policy
    from .protocol import SessionStore
    from .semantic.backfill import Backfilled

T = TypeVar("T")


def _typed_errors(cls: type[T]) -> type[T]:
    """Every public method turns sqlite3 errors into our typed errors, naming the file."""
    for name, value in list(vars(cls).items()):
        if callable(value) and not name.startswith("_"):
            setattr(cls, name, storage_errors(value))
    return cls


@_typed_errors
class Store:
    """Agents, sessions (with their rules), messages, memories and events.

    Build one with `open_store()` (reads config and environment) or directly with a path, a
    clock and settings (what tests do).
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
    ) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self.settings = settings or Settings()
        self._key = key
        self._key_file = key_file
        self.db = Database(self.path, self.settings.busy_timeout_ms)
        try:
            ensure_schema(self.db.conn(), on_upgrade)
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from None
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
        self._importer = SessionImporter(db, clock_, self._agents, self._sessions)

    # -- the store itself ------------------------------------------------------------------

    def now(self) -> int:
        return self.clock.now_ms()

    @property
    def key(self) -> bytes:
        """The signing key, loaded on first use (AGENTSESS_SECRET or the key file). Operations
        that issue a token load it before they write, so a bad key file changes nothing."""
        if self._key is None:
            key_file = self._key_file or resolve_paths().key_file
            try:
                self._key = load_key(key_file)
            except OSError as exc:  # unreadable: a directory, no permission, a full disk
                raise StorageError(
                    f"Cannot read or create the key file {key_file} ({exc.strerror or exc}).",
                    hint="Check its permissions, or set AGENTSESS_SECRET.",
                ) from None
        return self._key

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        self.db.close()

    def data_version(self) -> int:
        """Changes when another connection commits: cheap to poll for live updates."""
        return self._changes.data_version()

    def integrity_check(self) -> str:
        return self.db.integrity_check()

    # -- agents ----------------------------------------------------------------------------

    def add_agent(
        self, agent_id: str, name: str | None = None, policy: Mapping[str, Any] | None = None
    ) -> Agent:
        return self._agents.add_agent(agent_id, name, policy)

    def ensure_agent(self, agent_id: str, name: str | None = None) -> Agent:
        """The agent, created with default policy if it does not exist yet."""
        return self._agents.ensure_agent(agent_id, name)

    def get_agent(self, agent_id: str) -> Agent:
        return self._agents.get_agent(agent_id)

    def list_agents(self) -> list[Agent]:
        return self._agents.list_agents()

    def set_agent_policy(
        self, agent_id: str, changes: Mapping[str, Any] | None = None, unset: Iterable[str] = ()
    ) -> Agent:
        """Change an agent's overrides for sessions created from now on (a session keeps the
        policy it was created with, also when resumed)."""
        return self._agents.set_agent_policy(agent_id, changes, unset)

    def effective_policy(self, agent_id: str, options: Mapping[str, Any] | None = None) -> Policy:
        """Defaults → config → environment → the agent's policy → these options."""
        return self._agents.effective_policy(agent_id, options)

    def preview_policy(self, agent_id: str, options: Mapping[str, Any] | None = None) -> Policy:
        """The policy a new session would get, also for an agent that does not exist yet
        (it would be created with no overrides). Raises InvalidPolicy like creation would."""
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
        """Sidebar order; `state`/`phase` filters read the clock (see SessionRepo)."""
        return self._sessions.list_sessions(
            state=state, agent_id=agent_id, limit=limit, phase=phase
        )

    def list_sessions_page(
        self,
        *,
        agent_id: str | None = None,
        state: str | None = None,
        before_id: str | None = None,
        limit: int = 50,
    ) -> list[Session]:
        """Newest first, keyset-paged by id: pass the last id of a page as `before_id`."""
        return self._sessions.list_sessions_page(
            agent_id=agent_id, state=state, before_id=before_id, limit=limit
        )

    def count_sessions(self) -> int:
        return self._sessions.count_sessions()

    def session_counts(self, session_id: str) -> dict[str, int]:
        """Messages, memories made in it and events: for /status and `sessions show`."""
        return self._sessions.session_counts(session_id)

    def session_changes(self, since: int) -> tuple[list[Session], list[str], int]:
        """Sessions changed after stamp `since`, ids deleted since, and the next stamp."""
        return self._changes.session_changes(since)

    def events(self, session_id: str) -> list[Event]:
        """The session's timeline, oldest first. Events are never edited."""
        return self._sessions.events(session_id)

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
        """Start a new session: active, a full window from now, a new token."""
        return self._lifecycle.create_session(
            agent_id,
            title,
            options=options,
            metadata=metadata,
            system_prompt=system_prompt,
            create_agent=create_agent,
        )

    def extend_session(self, session_id: str, minutes: int | None = None) -> ExtendResult:
        """Add time to a live session, up to its lifetime cap; says how much was really added."""
        return self._lifecycle.extend_session(session_id, minutes)

    def update_session_policy(self, session_id: str, changes: Mapping[str, Any]) -> Session:
        """Change a live session's policy (a new window counts from now); a `renewed` event."""
        return self._lifecycle.update_session_policy(session_id, changes)

    def heartbeat(self, session_id: str) -> Session:
        """Activity without a message: keeps an auto-renewing session alive."""
        return self._lifecycle.heartbeat(session_id)

    def end_session(
        self,
        session_id: str,
        reason: str = "ended by user",
        *,
        summarize: bool = False,
        summary_text: str | None = None,
    ) -> EndSummary:
        """Deactivate: state ended, token dead. Memories are untouched. With `summarize`, a
        summary memory of it is written in the same transaction (`EndSummary.summary`): the
        extractive one, or `summary_text` (a chat model's, made before the ending)."""
        return self._lifecycle.end_session(
            session_id, reason, summarize=summarize, summary_text=summary_text
        )

    def resume_session(self, session_id: str) -> Activation:
        """A new activation of an expired or ended session, keeping its conversation."""
        return self._lifecycle.resume_session(session_id)

    def clear_session(self, session_id: str) -> int:
        """Delete the conversation except system messages. Memories stay. Any state."""
        return self._sessions.clear_session(session_id)

    def delete_session(self, session_id: str) -> dict[str, int]:
        """Remove the session, its messages and events. Its memories stay (origin set NULL)."""
        return self._sessions.delete_session(session_id)

    def rename_session(self, session_id: str, title: str) -> Session:
        return self._sessions.rename_session(session_id, title)

    def update_session_metadata(self, session_id: str, changes: Mapping[str, Any]) -> Session:
        """Merge keys into the session's metadata (None removes a key). Any state."""
        return self._sessions.update_session_metadata(session_id, changes)

    def import_session(self, imported: SessionImport, *, new_id: bool = False) -> ImportResult:
        """Write a session read from a file, whole or not at all (see `transfer`)."""
        return self._importer.import_session(imported, new_id=new_id)

    def sweep(self) -> SweepResult:
        """Write overdue sessions expired and warn newly expiring ones, in bounded chunks."""
        return self._sweeper.sweep()

    def session_token(self, session_id: str) -> str:
        """The token of the current activation (the same string every time)."""
        return self._lifecycle.session_token(session_id)

    def verify_token(self, token: str, agent_id: str | None = None) -> Session:
        """The session a token is good for right now, or the precise reason it is not."""
        return self._lifecycle.verify_token(token, agent_id)

    # -- messages --------------------------------------------------------------------------

    def add_message(
        self,
        session_id: str,
        content: str,
        role: str = "user",
        metadata: Mapping[str, Any] | None = None,
    ) -> Message:
        """Append a message to a live session; it counts as activity (auto-renew)."""
        return self._messages.add_message(session_id, content, role, metadata)

    def update_message(
        self, message_id: int, content: str, metadata: Mapping[str, Any] | None = None
    ) -> Message:
        """Replace a message's content (a reply being streamed in)."""
        return self._messages.update_message(message_id, content, metadata)

    def messages(
        self,
        session_id: str,
        *,
        before_id: int | None = None,
        after_id: int | None = None,
        limit: int = 100,
    ) -> list[Message]:
        """One page of a transcript in order (keyset paging), or everything after `after_id`."""
        return self._messages.messages(
            session_id, before_id=before_id, after_id=after_id, limit=limit
        )

    def count_messages(self, session_id: str) -> int:
        return self._messages.count_messages(session_id)

    def search_messages(
        self, query: str, *, agent_id: str | None = None, limit: int = 20
    ) -> list[MessageHit]:
        """Full-text search across every chat, best matches among the newest first."""
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
        """Store a memory for an agent (inside a live session, it counts as activity). With
        `embed`, its vector too, and a near-duplicate of the agent's is superseded."""
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
        """Newest first, with the same filters as search."""
        return self._memories.list_memories(
            agent_id=agent_id,
            type=type,
            status=status,
            session_id=session_id,
            before_id=before_id,
            limit=limit,
        )

    def count_memories(self, *, agent_id: str | None = None, status: str | None = "active") -> int:
        """Memories with this status (None: every status)."""
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
        """Mark a memory deleted (kept for audit), or remove it for good with `purge`."""
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
        """Full-text search ranked by bm25 among the newest matching memories; `mode`
        `semantic` ranks by meaning, `hybrid` fuses both (each hit says why it matched)."""
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
        """Memories the configured embedding model has no vector for yet."""
        return self._memories.unindexed_memories()

    def reindex_memories(
        self, *, everything: bool = False, progress: Callable[[int], None] | None = None
    ) -> Backfilled:
        """Give memories vectors of the configured model (all of them with `everything`);
        `progress` hears how many were just indexed."""
        return self._memories.reindex_memories(everything=everything, progress=progress)


if TYPE_CHECKING:
    # mypy proves the SQLite store satisfies the protocol every client is written against.
    def _satisfies(store: Store) -> SessionStore:
        return store


# What clients print when `open_store` upgrades an existing database.
UPGRADE_NOTICE = "Upgrading {path} to this version's schema (once; big memory banks take a minute)…"


def open_store(
    db: str | os.PathLike[str] | None = None,
    *,
    clock: Clock | None = None,
    settings: Settings | None = None,
    paths: Paths | None = None,
    on_upgrade: Callable[[Path], None] | None = None,
) -> Store:
    """The store the user configured: `db` beats AGENTSESS_DB and config, then the default.

    `on_upgrade(path)` is called before an existing database is upgraded to this version's
    schema (a one-time step that can take a while), so a client can say so.
    """
    paths = paths or resolve_paths()
    settings = settings or load_settings(paths)
    path: Path = database_path(settings, paths, db)
    return Store(
        path,
        clock=clock,
        settings=settings,
        key_file=paths.key_file,
        on_upgrade=None if on_upgrade is None else lambda _pending: on_upgrade(path),
    )
