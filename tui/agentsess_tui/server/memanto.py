"""Routes compatible with MEMANTO v2 (`/api/v2/…`): its clients work unchanged but for the
base URL and the key. The key goes in `Authorization: Bearer`, the activation's token in
`X-Session-Token`, as MEMANTO's own docs show."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ..core.clock import to_iso
from ..core.models import Session
from ..core.validate import MAX_TITLE_CHARS
from .auth import CallerDep, SessionTokenHeader, token_session
from .schemas import ERROR_RESPONSES
from .views import RecallMode, hit_view

QUERY_CONTENT_CHARS = 4000

router = APIRouter(prefix="/api/v2", responses=ERROR_RESPONSES, tags=["memanto"])


def _current(session: Session, now: int) -> dict[str, Any]:
    remaining_ms = max(0, session.expires_at - now)
    return {
        "session_id": session.id,
        "agent_id": session.agent_id,
        "status": str(session.phase(now)),
        "created_at": to_iso(session.activated_at),
        "expires_at": to_iso(session.expires_at),
        "time_remaining_minutes": round(remaining_ms / 60_000, 2),
        "time_remaining_seconds": remaining_ms // 1000,
        "renewal_count": session.renewal_count,
    }


@router.post("/agents/{agent}/activate", summary="Start a session (MEMANTO activate)")
def activate(
    who: CallerDep,
    agent: str,
    duration_hours: Annotated[float | None, Query(gt=0, le=24)] = None,
) -> dict[str, Any]:
    """A new session for the agent (created if new), with its JWT session token."""
    who.require_agent(agent)
    store = who.ctx.store
    store.ensure_agent(agent)
    options = {"window_minutes": round(duration_hours * 60)} if duration_hours else None
    activation = store.create_session(agent, None, options=options)
    now = store.now()
    return {
        **_current(activation.session, now),
        "session_token": activation.token,
        "token_type": "session",
    }


@router.post("/agents/{agent}/deactivate", summary="End the current session")
def deactivate(
    who: CallerDep,
    agent: str,
    summarize: Annotated[bool, Query(description="Write a summary memory")] = False,
    token: SessionTokenHeader = None,
) -> dict[str, Any]:
    session = token_session(who, token, agent)
    store = who.ctx.store
    summary = store.end_session(session.id, "deactivated", summarize=summarize)
    return {
        "session_id": session.id,
        "agent_id": agent,
        "status": "ended",
        "duration_minutes": round(summary.duration_ms / 60_000, 2),
        "messages": summary.messages,
        "memories_created": summary.memories,
        "summary_memory_id": None if summary.summary is None else summary.summary.id,
    }


@router.post("/agents/{agent}/remember", summary="Store a memory in the current session")
def remember(
    who: CallerDep,
    agent: str,
    # In a URL: the limits keep even a worst case (4-byte characters, percent-encoded: 12
    # bytes each) under the HTTP layer's 64 KiB. Longer memories: the native API's body.
    content: Annotated[str, Query(max_length=QUERY_CONTENT_CHARS)],
    type: Annotated[str, Query(max_length=32)] = "fact",
    title: Annotated[str | None, Query(max_length=MAX_TITLE_CHARS)] = None,
    tags: Annotated[str | None, Query(max_length=512, description="Comma-separated")] = None,
    confidence: Annotated[float, Query(ge=0, le=1)] = 0.8,
    token: SessionTokenHeader = None,
) -> dict[str, Any]:
    session = token_session(who, token, agent)
    memory = who.ctx.store.remember(
        content,
        session_id=session.id,
        agent_id=agent,
        type=type,
        title=title,
        tags=[t for t in (tags or "").split(",") if t.strip()],
        confidence=confidence,
    )
    return {"memory_id": memory.id, "status": "stored", "memory": memory.to_dict()}


@router.post("/agents/{agent}/recall", summary="Search the agent's memories")
@router.get(
    "/agents/{agent}/recall", summary="Search the agent's memories", operation_id="recall_get"
)
def recall(
    who: CallerDep,
    agent: str,
    query: Annotated[str, Query(max_length=1000)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    type: str | None = None,
    mode: Annotated[RecallMode, Query(description="keyword, semantic or hybrid")] = "hybrid",
    token: SessionTokenHeader = None,
) -> dict[str, Any]:
    token_session(who, token, agent)
    hits = who.ctx.store.search_memories(query, agent_id=agent, type=type, limit=limit, mode=mode)
    return {"query": query, "count": len(hits), "memories": [hit_view(h) for h in hits]}


@router.get("/session/current", summary="The session of X-Session-Token, with time left")
async def current(who: CallerDep, token: SessionTokenHeader = None) -> dict[str, Any]:
    # Two indexed reads and no write: cheaper on the loop than in a thread (see auth.caller).
    session = token_session(who, token)
    return _current(session, who.ctx.store.now())


@router.post("/session/extend", summary="Add hours to the session of X-Session-Token")
def extend(
    who: CallerDep,
    extend_hours: Annotated[float, Query(gt=0, le=336)] = 6,
    token: SessionTokenHeader = None,
) -> dict[str, Any]:
    session = token_session(who, token)
    store = who.ctx.store
    result = store.extend_session(session.id, max(1, round(extend_hours * 60)))
    now = store.now()
    return {
        **_current(result.session, now),
        "added_minutes": round(result.added_minutes, 2),
        "capped": result.capped,
    }
