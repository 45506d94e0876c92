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
        SessionMatches,
        SidebarChanges,
        SidebarStart,
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
    def key(self) -> bytes:
        """The signing key, loaded on first use (AGENTSESS_SECRET or the key file). Operations
        that issue a token load it before they write, so a bad key file changes nothing."""

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""

    def data_version(self) -> int:
        """Changes when another connection commits: cheap to poll for live updates."""

    def integrity_check(self) -> str: ...

    # -- agents ----------------------------------------------------------------------------
    def add_agent(
        self, agent_id: str, name: str | None = None, policy: Mapping[str, Any] | None = None
    ) -> Agent: ...
    def ensure_agent(self, agent_id: str, name: str | None = None) -> Agent:
        """The agent, created with default policy if it does not exist yet."""

    def get_agent(self, agent_id: str) -> Agent: ...
    def list_agents(self) -> list[Agent]: ...
    def set_agent_policy(
        self, agent_id: str, changes: Mapping[str, Any] | None = None, unset: Iterable[str] = ()
    ) -> Agent:
        """Change an agent's overrides for sessions created from now on (a session keeps the
        policy it was created with, also when resumed)."""

    def effective_policy(self, agent_id: str, options: Mapping[str, Any] | None = None) -> Policy:
        """Defaults → config → environment → the agent's policy → these options."""

    def preview_policy(self, agent_id: str, options: Mapping[str, Any] | None = None) -> Policy:
        """The policy a new session would get, also for an agent that does not exist yet
        (it would be created with no overrides). Raises InvalidPolicy like creation would."""

    # -- sessions --------------------------------------------------------------------------
    def get_session(self, session_id: str) -> Session: ...
    def list_sessions(
        self,
        *,
        state: str | None = None,
        agent_id: str | None = None,
        limit: int | None = None,
        phase: str | None = None,
    ) -> list[Session]:
        """Sidebar order; `state`/`phase` filters read the clock (see SessionRepo)."""

    def iter_sessions(
        self,
        *,
        state: str | None = None,
        agent_id: str | None = None,
        limit: int | None = None,
        phase: str | None = None,
    ) -> Iterator[Session]:
        """`list_sessions` one at a time: for listings too long to hold (`sessions ls`)."""

    def list_sessions_page(
        self,
        *,
        agent_id: str | None = None,
        state: str | None = None,
        before_id: str | None = None,
        limit: int = 50,
    ) -> list[Session]:
        """Newest first, keyset-paged by id: pass the last id of a page as `before_id`."""

    def count_sessions(self) -> int: ...
    def session_counts(self, session_id: str) -> dict[str, int]:
        """Messages, memories made in it and events: for /status and `sessions show`."""

    def session_changes(self, since: int) -> tuple[list[Session], list[str], int]:
        """Sessions changed after stamp `since`, ids deleted since, and the next stamp."""

    def events(self, session_id: str) -> list[Event]:
        """The session's timeline, oldest first. Events are never edited."""

    def sidebar_start(self) -> SidebarStart:
        """Every live session, the counts per (agent, state) and the change stamp."""

    def sidebar_changes(self, since: int) -> SidebarChanges:
        """`session_changes` and the counts, in one read."""

    def session_state_counts(self) -> list[tuple[str, str, int]]:
        """(agent, state, sessions) from the maintained counter: no rows are counted."""

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
        """A page of history (`state` expired/ended) or of all sessions by activity (None)."""

    def sidebar_offset(
        self, session_id: str, state: str | None, *, agent_id: str | None = None
    ) -> int | None:
        """How many rows come before the session in the `sidebar_page` run given (None: it
        is not in that run, or does not exist)."""

    def find_sessions(self, text: str, limit: int = 1000) -> SessionMatches:
        """Sessions whose title, agent or id contains `text`, through the trigram index."""

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

    def extend_session(self, session_id: str, minutes: int | None = None) -> ExtendResult:
        """Add time to a live session, up to its lifetime cap; says how much was really added."""

    def update_session_policy(self, session_id: str, changes: Mapping[str, Any]) -> Session:
        """Change a live session's policy (a new window counts from now); a `renewed` event."""

    def heartbeat(self, session_id: str) -> Session:
        """Activity without a message: keeps an auto-renewing session alive."""

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

    def resume_session(self, session_id: str) -> Activation:
        """A new activation of an expired or ended session, keeping its conversation."""

    def clear_session(self, session_id: str) -> int:
        """Delete the conversation except system messages. Memories stay. Any state."""

    def delete_session(self, session_id: str) -> dict[str, int]:
        """Remove the session, its messages and events. Its memories stay (origin set NULL)."""

    def rename_session(self, session_id: str, title: str) -> Session: ...
    def update_session_metadata(self, session_id: str, changes: Mapping[str, Any]) -> Session:
        """Merge keys into the session's metadata (None removes a key). Any state."""

    def import_session(self, imported: SessionImport, *, new_id: bool = False) -> ImportResult:
        """Write a session read from a file, whole or not at all (see `transfer`)."""

    def sweep(self) -> SweepResult:
        """Write overdue sessions expired and warn newly expiring ones, in bounded chunks."""

    def merge_text_indexes(self, pages: int = 64) -> bool:
        """One bounded merge step of each full-text index (a long-running process calls it
        now and then, so writes never merge); True if there was work."""

    def session_token(self, session_id: str) -> str:
        """The token of the current activation (the same string every time)."""

    def verify_token(self, token: str, agent_id: str | None = None) -> Session:
        """The session a token is good for right now, or the precise reason it is not."""

    # -- messages --------------------------------------------------------------------------
    def add_message(
        self,
        session_id: str,
        content: str,
        role: str = "user",
        metadata: Mapping[str, Any] | None = None,
    ) -> Message:
        """Append a message to a live session; it counts as activity (auto-renew)."""

    def update_message(
        self, message_id: int, content: str, metadata: Mapping[str, Any] | None = None
    ) -> Message:
        """Replace a message's content (a reply being streamed in)."""

    def messages(
        self,
        session_id: str,
        *,
        before_id: int | None = None,
        after_id: int | None = None,
        limit: int = 100,
    ) -> list[Message]:
        """One page of a transcript in order (keyset paging), or everything after `after_id`."""

    def count_messages(self, session_id: str) -> int: ...
    def search_messages(
        self, query: str, *, agent_id: str | None = None, limit: int = 20
    ) -> list[MessageHit]:
        """Full-text search across every chat, best matches among the newest first."""

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
    ) -> list[Memory]:
        """Newest first, with the same filters as search."""

    def count_memories(self, *, agent_id: str | None = None, status: str | None = "active") -> int:
        """Memories with this status (None: every status)."""

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
    def forget_memory(self, memory_id: int, *, purge: bool = False) -> Memory:
        """Mark a memory deleted (kept for audit), or remove it for good with `purge`."""

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

    def unindexed_memories(self) -> int:
        """Memories the configured embedding model has no vector for yet."""

    @property
    def recall_catch_up(self) -> int:
        """How many memories without a vector a recall by meaning embeds first (2,000 by
        default; a server sets a few and calls `index_memories` in the background)."""

    @recall_catch_up.setter
    def recall_catch_up(self, value: int) -> None: ...

    def index_memories(self, limit: int) -> int:
        """Embed up to `limit` memories that have no vector of the configured model yet
        (oldest first); how many it embedded: fewer than `limit` means none is left (0 when
        recall by meaning is off)."""

    def reindex_memories(
        self, *, everything: bool = False, progress: Callable[[int], None] | None = None
    ) -> Backfilled:
        """Give memories vectors of the configured model (all of them with `everything`);
        `progress` hears how many were just indexed."""


if TYPE_CHECKING:
    from .store import Store

    # mypy proves the SQLite store satisfies the protocol every client is written against.
    def _satisfies(store: Store) -> SessionStore:
        return store
