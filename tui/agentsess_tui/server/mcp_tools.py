"""The MCP tools, one set for `agentsess mcp` (stdio) and `/mcp` on `agentsess serve`
(streamable HTTP, bearer key), built on the official `mcp` SDK's FastMCP.

Each MCP client connection keeps a *current session*: start_session or resume_session sets
it, and the other tools act on it unless given a session_id. Every core error becomes a tool
error whose text says what happened and what to call next, so the model can act on it (an
expired session: call resume_session or start_session).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.to_thread
from mcp.server.fastmcp import Context, FastMCP
from mcp.server.fastmcp.exceptions import ToolError

from ..core.errors import AgentsessError
from ..core.models import Session
from ..core.repo.keys import ApiKey, ApiKeys
from ..core.store import Store
from ..core.tokens import mask as mask_token
from .views import hit_view

T = TypeVar("T")
INSTRUCTIONS = (
    "agentsess: time-boxed sessions and long-term memories for this agent. Call "
    "start_session first (or resume_session), then add_message / remember / recall. Sessions "
    "expire: session_status says how long is left; extend_session adds time up to a cap."
)


@dataclass
class Connection:
    """What one MCP client connection remembers between calls."""

    session_id: str | None = None


class McpTools:
    def __init__(
        self,
        store: Store,
        *,
        default_agent: str | None = None,
        require_key: bool = False,
    ) -> None:
        self.store = store
        self.default_agent = default_agent
        self.require_key = require_key
        self.keys = ApiKeys(store.db, store.clock)
        self._connections: weakref.WeakKeyDictionary[Any, Connection] = weakref.WeakKeyDictionary()
        self._stdio = Connection()

    # -- plumbing ---------------------------------------------------------------------------

    def connection(self, ctx: Context[Any, Any, Any]) -> Connection:
        if not self.require_key:
            return self._stdio
        return self._connections.setdefault(ctx.session, Connection())

    def key(self, ctx: Context[Any, Any, Any]) -> ApiKey | None:
        """The API key of an HTTP call (checked again on every call: revocation is at once)."""
        if not self.require_key:
            return None
        request = ctx.request_context.request
        header = request.headers.get("authorization", "") if request is not None else ""
        scheme, _, value = header.partition(" ")
        record = self.keys.verify(value.strip()) if scheme.lower() == "bearer" else None
        if record is None:
            raise ToolError("The API key is unknown or revoked.")
        return record

    def agent(self, ctx: Context[Any, Any, Any], agent: str | None) -> str:
        key = self.key(ctx)
        name = agent or self.default_agent
        if name is None and key is not None and len(key.agents) == 1:
            name = key.agents[0]
        if name is None:
            raise ToolError("Say which agent: pass `agent` (this server has no default).")
        if key is not None and not key.allows(name):
            raise ToolError(f"This API key may not act for agent {name!r}.")
        return name

    def session(self, ctx: Context[Any, Any, Any], session_id: str | None) -> Session:
        """The named or current session, which must belong to an allowed agent."""
        sid = session_id or self.connection(ctx).session_id
        if sid is None:
            raise ToolError("No current session: call start_session or resume_session first.")
        session = self.store.get_session(sid)
        self.agent(ctx, session.agent_id)
        return session

    def view(self, session: Session) -> dict[str, Any]:
        now = self.store.now()
        view = session.to_dict(now)
        view["time_remaining_minutes"] = round(max(0, session.expires_at - now) / 60_000, 1)
        if view["phase"] == "expiring":
            view["warning"] = (
                f"This session expires in {view['time_remaining_minutes']} minutes; "
                "call extend_session to keep working in it."
            )
        return view


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A blocking store call off the event loop; core errors become tool errors."""
    try:
        return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs))
    except AgentsessError as exc:
        raise ToolError(f"{type(exc).__name__}: {exc}") from None


def build_mcp(tools: McpTools) -> FastMCP[Any]:  # noqa: PLR0915 (one block per tool)
    server: FastMCP[Any] = FastMCP("agentsess", instructions=INSTRUCTIONS, log_level="WARNING")
    store = tools.store

    @server.tool()
    async def start_session(
        ctx: Context[Any, Any, Any], title: str | None = None, agent: str | None = None
    ) -> dict[str, Any]:
        """Start a new session for the agent (created if new) and make it the current one.
        Returns the session with its expiry; the token is kept by the server."""
        name = tools.agent(ctx, agent)
        await call(store.ensure_agent, name)
        activation = await call(store.create_session, name, title)
        tools.connection(ctx).session_id = activation.session.id
        return {**tools.view(activation.session), "token": mask_token(activation.token)}

    @server.tool()
    async def session_status(
        ctx: Context[Any, Any, Any], session_id: str | None = None
    ) -> dict[str, Any]:
        """The current (or named) session: state, phase, expiry and minutes left, with a
        warning when it is about to expire."""
        return tools.view(await call(tools.session, ctx, session_id))

    @server.tool()
    async def extend_session(
        ctx: Context[Any, Any, Any], minutes: int | None = None, session_id: str | None = None
    ) -> dict[str, Any]:
        """Add minutes (default: the session's extend step) to a live session, up to its
        lifetime cap; says how much was really added."""
        session = await call(tools.session, ctx, session_id)
        result = await call(store.extend_session, session.id, minutes)
        return {
            **tools.view(result.session),
            "added_minutes": result.added_minutes,
            "capped": result.capped,
        }

    @server.tool()
    async def heartbeat(
        ctx: Context[Any, Any, Any], session_id: str | None = None
    ) -> dict[str, Any]:
        """Activity without a message: keeps an auto-renewing session alive."""
        session = await call(tools.session, ctx, session_id)
        return tools.view(await call(store.heartbeat, session.id))

    @server.tool()
    async def end_session(
        ctx: Context[Any, Any, Any], reason: str | None = None, session_id: str | None = None
    ) -> dict[str, Any]:
        """End the current (or named) session. Memories are kept. Returns a summary."""
        session = await call(tools.session, ctx, session_id)
        summary = await call(store.end_session, session.id, reason or "ended over MCP")
        connection = tools.connection(ctx)
        if connection.session_id == session.id:
            connection.session_id = None
        return {
            "session": tools.view(summary.session),
            "duration_minutes": round(summary.duration_ms / 60_000, 1),
            "messages": summary.messages,
            "memories": summary.memories,
        }

    @server.tool()
    async def resume_session(ctx: Context[Any, Any, Any], session_id: str) -> dict[str, Any]:
        """Start a new window for an expired or ended session (its conversation is kept)
        and make it the current one."""
        session = await call(tools.session, ctx, session_id)
        activation = await call(store.resume_session, session.id)
        tools.connection(ctx).session_id = session.id
        return {**tools.view(activation.session), "token": mask_token(activation.token)}

    @server.tool()
    async def list_sessions(
        ctx: Context[Any, Any, Any],
        state: str | None = None,
        limit: int = 20,
        agent: str | None = None,
    ) -> dict[str, Any]:
        """The agent's sessions, newest first; state: active, expiring, expired or ended."""
        name = tools.agent(ctx, agent)
        rows = await call(
            store.list_sessions_page, agent_id=name, state=state, limit=max(1, min(limit, 200))
        )
        return {"sessions": [tools.view(s) for s in rows]}

    @server.tool()
    async def remember(
        ctx: Context[Any, Any, Any],
        content: str,
        type: str = "fact",
        title: str | None = None,
        tags: list[str] | None = None,
    ) -> dict[str, Any]:
        """Store a long-term memory in the current session (it outlives the session).
        type: fact, preference, goal, decision, artifact, learning, event, instruction,
        relationship, context, observation, commitment or error."""
        session = await call(tools.session, ctx, None)
        memory = await call(
            store.remember,
            content,
            session_id=session.id,
            type=type,
            title=title,
            tags=tags or [],
        )
        return memory.to_dict()

    @server.tool()
    async def recall(
        ctx: Context[Any, Any, Any],
        query: str,
        type: str | None = None,
        limit: int = 10,
        agent: str | None = None,
        mode: str = "hybrid",
    ) -> dict[str, Any]:
        """Search the agent's memories, best first: by words and meaning (`hybrid`), or
        `keyword` or `semantic` alone; each memory says why it matched."""
        name = tools.agent(ctx, agent)
        hits = await call(
            store.search_memories,
            query,
            agent_id=name,
            type=type,
            limit=max(1, min(limit, 100)),
            mode=mode,
        )
        return {"memories": [hit_view(hit) for hit in hits]}

    @server.tool()
    async def forget(
        ctx: Context[Any, Any, Any], memory_id: int, agent: str | None = None
    ) -> dict[str, Any]:
        """Forget a memory (marked deleted, kept for audit)."""
        name = tools.agent(ctx, agent)
        memory = await call(store.get_memory, memory_id)
        if memory.agent_id != name:
            raise ToolError(f"Agent {name!r} has no memory {memory_id}.")
        return (await call(store.forget_memory, memory_id)).to_dict()

    @server.tool()
    async def add_message(
        ctx: Context[Any, Any, Any], content: str, role: str = "assistant"
    ) -> dict[str, Any]:
        """Log a message in the current session's conversation (activity: renews an
        auto-renewing session). role: user, assistant, system or tool."""
        session = await call(tools.session, ctx, None)
        message = await call(store.add_message, session.id, content, role)
        return {
            "message": message.to_dict(),
            "session": tools.view(await call(store.get_session, session.id)),
        }

    return server
