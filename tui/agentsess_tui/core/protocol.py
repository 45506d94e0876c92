"""`SessionStore`: what every store of agentsess offers, whatever holds the data.

The SQLite `Store` satisfies it (mypy checks an assignment in `store.py`; a test checks it at
run time too); a PostgreSQL store will satisfy the same protocol, so clients (CLI, app, agents,
server) that are written against it need no change. Times are epoch milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .clock import Clock
    from .config import Settings
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
    from .policy import Policy
    from .semantic.backfill import Backfilled


@runtime_checkable
class SessionStore(Protocol):
    path: Path
    clock: Clock
    settings: Settings

    # -- the store itself ------------------------------------------------------------------
    def now(self) -> int: ...
    @property
    def key(self) -> bytes: ...
    def close(self) -> None: ...
    def data_version(self) -> int: ...
    def integrity_check(self) -> str: ...

    # -- agents ----------------------------------------------------------------------------
    def add_agent(
        self, agent_id: str, name: str | None = None, policy: Mapping[str, Any] | None = None
    ) -> Agent: ...
    def ensure_agent(self, agent_id: str, name: str | None = None) -> Agent: ...
    def get_agent(self, agent_id: str) -> Agent: ...
    def list_agents(self) -> list[Agent]: ...
    def set_agent_policy(
        self, agent_id: str, changes: Mapping[str, Any] | None = None, unset: Iterable[str] = ()
    ) -> Agent: ...
    def effective_policy(
        self, agent_id: str, options: Mapping[str, Any] | None = None
    ) -> Policy: ...
    def preview_policy(self, agent_id: str, options: Mapping[str, Any] | None = None) -> Policy: ...

    # -- sessions --------------------------------------------------------------------------
    def get_session(self, session_id: str) -> Session: ...
    def list_sessions(
        self,
        *,
        state: str | None = None,
        agent_id: str | None = None,
        limit: int | None = None,
        phase: str | None = None,
    ) -> list[Session]: ...
    def iter_sessions(
        self,
        *,
        state: str | None = None,
        agent_id: str | None = None,
        limit: int | None = None,
        phase: str | None = None,
    ) -> Iterator[Session]: ...
    def list_sessions_page(
        self,
        *,
        agent_id: str | None = None,
        state: str | None = None,
        before_id: str | None = None,
        limit: int = 50,
    ) -> list[Session]: ...
    def count_sessions(self) -> int: ...
    def session_counts(self, session_id: str) -> dict[str, int]: ...
    def session_changes(self, since: int) -> tuple[list[Session], list[str], int]: ...
    def events(self, session_id: str) -> list[Event]: ...
    def create_session(
        self,
        agent_id: str,
        title: str | None = None,
        *,
        options: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        system_prompt: str | None = None,
        create_agent: bool = False,
    ) -> Activation: ...
    def extend_session(self, session_id: str, minutes: int | None = None) -> ExtendResult: ...
    def update_session_policy(self, session_id: str, changes: Mapping[str, Any]) -> Session: ...
    def heartbeat(self, session_id: str) -> Session: ...
    def end_session(
        self, session_id: str, reason: str = "ended by user", *, summarize: bool = False
    ) -> EndSummary: ...
    def resume_session(self, session_id: str) -> Activation: ...
    def clear_session(self, session_id: str) -> int: ...
    def delete_session(self, session_id: str) -> dict[str, int]: ...
    def rename_session(self, session_id: str, title: str) -> Session: ...
    def update_session_metadata(self, session_id: str, changes: Mapping[str, Any]) -> Session: ...
    def import_session(self, imported: SessionImport, *, new_id: bool = False) -> ImportResult: ...
    def sweep(self) -> SweepResult: ...
    def session_token(self, session_id: str) -> str: ...
    def verify_token(self, token: str, agent_id: str | None = None) -> Session: ...

    # -- messages --------------------------------------------------------------------------
    def add_message(
        self,
        session_id: str,
        content: str,
        role: str = "user",
        metadata: Mapping[str, Any] | None = None,
    ) -> Message: ...
    def update_message(
        self, message_id: int, content: str, metadata: Mapping[str, Any] | None = None
    ) -> Message: ...
    def messages(
        self,
        session_id: str,
        *,
        before_id: int | None = None,
        after_id: int | None = None,
        limit: int = 100,
    ) -> list[Message]: ...
    def count_messages(self, session_id: str) -> int: ...
    def search_messages(
        self, query: str, *, agent_id: str | None = None, limit: int = 20
    ) -> list[MessageHit]: ...

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
    ) -> Memory: ...
    def get_memory(self, memory_id: int) -> Memory: ...
    def list_memories(
        self,
        *,
        agent_id: str | None = None,
        type: str | None = None,
        status: str | None = "active",
        session_id: str | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[Memory]: ...
    def count_memories(
        self, *, agent_id: str | None = None, status: str | None = "active"
    ) -> int: ...
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
    ) -> Memory: ...
    def forget_memory(self, memory_id: int, *, purge: bool = False) -> Memory: ...
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
    ) -> list[MemoryHit]: ...
    def unindexed_memories(self) -> int: ...
    def reindex_memories(
        self, *, everything: bool = False, progress: Callable[[int], None] | None = None
    ) -> Backfilled: ...
