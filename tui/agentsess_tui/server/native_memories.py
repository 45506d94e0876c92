"""Native API, an agent's long-term memories: remember, recall (the CLI's filters), get,
edit, forget."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from ..core.models import Memory
from .auth import Caller, CallerDep, SessionTokenHeader, bound_session
from .errors import ApiError
from .schemas import ERROR_RESPONSES, MAX_ID, MemoryIn, MemoryPatch
from .views import RecallMode, hit_view, memory_view

router = APIRouter(responses=ERROR_RESPONSES, tags=["memories"])
MEMORIES = "/agents/{agent}/memories"
Status = Literal["active", "superseded", "deleted"]
MemoryId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _own_memory(who: Caller, agent: str, memory_id: MemoryId) -> Memory:
    who.require_agent(agent)
    memory = who.ctx.store.get_memory(memory_id)
    if memory.agent_id != agent:
        raise ApiError(404, "not_found", f"Agent {agent!r} has no memory {memory_id}.")
    return memory


@router.post(MEMORIES, status_code=201, summary="Remember something")
def remember(
    who: CallerDep, agent: str, body: MemoryIn, token: SessionTokenHeader = None
) -> dict[str, Any]:
    """Made inside a session (`session_id`, or the session of X-Session-Token), the session
    must be live and the memory keeps it as its origin."""
    who.require_agent(agent)
    session_id = body.session_id
    if token or session_id:
        if session_id is None:
            session_id = who.ctx.store.verify_token(token.strip() if token else "", agent).id
        bound_session(who, agent, session_id, token, write=True)
    memory = who.ctx.store.remember(
        body.content,
        agent_id=agent,
        session_id=session_id,
        type=body.type,
        title=body.title,
        tags=body.tags,
        confidence=body.confidence,
    )
    return memory_view(memory)


@router.get(MEMORIES, summary="Recall (with q) or list memories, newest first")
def recall(
    who: CallerDep,
    agent: str,
    q: Annotated[str | None, Query(max_length=1000, description="What to recall")] = None,
    mode: Annotated[RecallMode, Query(description="keyword, semantic or hybrid")] = "hybrid",
    type: str | None = None,
    status: Status = "active",
    session: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="List: ids below this")
    ] = None,
) -> dict[str, Any]:
    who.require_agent(agent)
    store = who.ctx.store
    if q is not None and q.strip():
        hits = store.search_memories(
            q,
            agent_id=agent,
            type=type,
            status=status,
            session_id=session,
            limit=limit,
            mode=mode,
        )
        return {"memories": [hit_view(h) for h in hits]}
    rows = store.list_memories(
        agent_id=agent, type=type, status=status, session_id=session, before_id=before, limit=limit
    )
    return {
        "memories": [memory_view(m) for m in rows],
        "next_cursor": rows[-1].id if len(rows) == limit else None,
    }


@router.get(MEMORIES + "/{memory_id}", summary="Get a memory")
def get_memory(who: CallerDep, agent: str, memory_id: MemoryId) -> dict[str, Any]:
    return memory_view(_own_memory(who, agent, memory_id))


@router.patch(MEMORIES + "/{memory_id}", summary="Edit a memory")
def edit_memory(
    who: CallerDep, agent: str, memory_id: MemoryId, body: MemoryPatch
) -> dict[str, Any]:
    _own_memory(who, agent, memory_id)
    changes = body.model_dump(exclude_none=True)
    return memory_view(who.ctx.store.update_memory(memory_id, **changes))


@router.delete(MEMORIES + "/{memory_id}", summary="Forget a memory (purge: remove for good)")
def forget_memory(
    who: CallerDep, agent: str, memory_id: MemoryId, purge: bool = False
) -> dict[str, Any]:
    _own_memory(who, agent, memory_id)
    return memory_view(who.ctx.store.forget_memory(memory_id, purge=purge))
