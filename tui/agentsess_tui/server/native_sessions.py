"""Native API, sessions: `/agents/{agent}/sessions…`, shaped like Hector's, every core
operation of a session's lifecycle."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from ..core import transfer
from .auth import CallerDep, SessionTokenHeader, bound_session
from .schemas import ERROR_RESPONSES, AgentIn, EndIn, ExtendIn, ImportIn, PolicyFields, SessionIn
from .views import activation_view, extend_view, session_view, summary_view

router = APIRouter(responses=ERROR_RESPONSES)
SESSIONS = "/agents/{agent}/sessions"
ONE = SESSIONS + "/{session_id}"
StateFilter = Literal["active", "expiring", "expired", "ended"]


@router.get("/agents", tags=["agents"], summary="List agents")
def list_agents(who: CallerDep) -> dict[str, Any]:
    agents = [a.to_dict() for a in who.ctx.store.list_agents() if who.key.allows(a.id)]
    return {"agents": agents}


@router.post("/agents", status_code=201, tags=["agents"], summary="Create an agent")
def create_agent(who: CallerDep, body: AgentIn) -> dict[str, Any]:
    who.require_agent(body.id)
    policy = body.policy.given() if body.policy else None
    return who.ctx.store.add_agent(body.id, body.name, policy).to_dict()


@router.post(SESSIONS, status_code=201, tags=["sessions"], summary="Create a session")
def create_session(who: CallerDep, agent: str, body: SessionIn | None = None) -> dict[str, Any]:
    """A new activation: the response carries the session and its token (shown this once)."""
    who.require_agent(agent)
    body = body or SessionIn()
    store = who.ctx.store
    store.ensure_agent(agent)
    activation = store.create_session(
        agent,
        body.title,
        options=body.policy.given() if body.policy else None,
        metadata=body.metadata,
        system_prompt=body.system_prompt,
    )
    return activation_view(activation, store.now())


@router.get(SESSIONS, tags=["sessions"], summary="List sessions, newest first")
def list_sessions(
    who: CallerDep,
    agent: str,
    state: StateFilter | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[str | None, Query(description="Keyset cursor: next_cursor")] = None,
) -> dict[str, Any]:
    who.require_agent(agent)
    store = who.ctx.store
    store.get_agent(agent)
    rows = store.list_sessions_page(agent_id=agent, state=state, before_id=before, limit=limit)
    now = store.now()
    return {
        "sessions": [session_view(s, now) for s in rows],
        "next_cursor": rows[-1].id if len(rows) == limit else None,
    }


@router.get(ONE, tags=["sessions"], summary="Get a session")
def get_session(
    who: CallerDep, agent: str, session_id: str, token: SessionTokenHeader = None
) -> dict[str, Any]:
    session = bound_session(who, agent, session_id, token)
    store = who.ctx.store
    return {**session_view(session, store.now()), "counts": store.session_counts(session_id)}


@router.delete(ONE, tags=["sessions"], summary="Delete a session (its memories stay)")
def delete_session(
    who: CallerDep, agent: str, session_id: str, token: SessionTokenHeader = None
) -> dict[str, Any]:
    bound_session(who, agent, session_id, token, write=True)
    return {"deleted": session_id, **who.ctx.store.delete_session(session_id)}


@router.get(ONE + "/token", tags=["sessions"], summary="The current activation's token")
def session_token(who: CallerDep, agent: str, session_id: str) -> dict[str, Any]:
    bound_session(who, agent, session_id, None)
    return {"session_id": session_id, "session_token": who.ctx.store.session_token(session_id)}


@router.post(ONE + "/extend", tags=["sessions"], summary="Add time, up to the lifetime cap")
def extend_session(
    who: CallerDep,
    agent: str,
    session_id: str,
    body: ExtendIn | None = None,
    token: SessionTokenHeader = None,
) -> dict[str, Any]:
    bound_session(who, agent, session_id, token, write=True)
    store = who.ctx.store
    result = store.extend_session(session_id, body.minutes if body else None)
    return extend_view(result, store.now())


@router.post(ONE + "/heartbeat", tags=["sessions"], summary="Activity without a message")
def heartbeat(
    who: CallerDep, agent: str, session_id: str, token: SessionTokenHeader = None
) -> dict[str, Any]:
    bound_session(who, agent, session_id, token, write=True)
    store = who.ctx.store
    return session_view(store.heartbeat(session_id), store.now())


@router.post(ONE + "/resume", tags=["sessions"], summary="A new activation, conversation kept")
def resume_session(who: CallerDep, agent: str, session_id: str) -> dict[str, Any]:
    bound_session(who, agent, session_id, None)
    store = who.ctx.store
    return activation_view(store.resume_session(session_id), store.now())


@router.post(ONE + "/end", tags=["sessions"], summary="End a session; returns its summary")
def end_session(
    who: CallerDep,
    agent: str,
    session_id: str,
    body: EndIn | None = None,
    token: SessionTokenHeader = None,
) -> dict[str, Any]:
    bound_session(who, agent, session_id, token, write=True)
    store = who.ctx.store
    reason = body.reason if body and body.reason else "ended over HTTP"
    return summary_view(store.end_session(session_id, reason), store.now())


@router.post(ONE + "/clear", tags=["sessions"], summary="Delete messages except system ones")
def clear_session(
    who: CallerDep, agent: str, session_id: str, token: SessionTokenHeader = None
) -> dict[str, Any]:
    bound_session(who, agent, session_id, token, write=True)
    return {"session_id": session_id, "deleted": who.ctx.store.clear_session(session_id)}


@router.patch(ONE + "/policy", tags=["sessions"], summary="Change a live session's policy")
def update_policy(
    who: CallerDep,
    agent: str,
    session_id: str,
    body: PolicyFields,
    token: SessionTokenHeader = None,
) -> dict[str, Any]:
    bound_session(who, agent, session_id, token, write=True)
    store = who.ctx.store
    return session_view(store.update_session_policy(session_id, body.given()), store.now())


@router.get(ONE + "/export", tags=["transfer"], summary="Export a session")
def export_session(
    who: CallerDep, agent: str, session_id: str, format: Literal["json", "md", "toon"] = "json"
) -> dict[str, Any]:
    bound_session(who, agent, session_id, None)
    return {"format": format, "content": transfer.export_session(who.ctx.store, session_id, format)}


@router.post(SESSIONS + "/import", status_code=201, tags=["transfer"], summary="Import a session")
def import_session(who: CallerDep, agent: str, body: ImportIn) -> dict[str, Any]:
    import json

    who.require_agent(agent)
    store = who.ctx.store
    result = transfer.import_text(
        store, json.dumps(body.document), source="The document", agent_id=agent, new_id=body.new_id
    )
    return {
        "session": session_view(result.session, store.now()),
        "format": result.format,
        "messages": result.messages,
        "memories": result.memories,
        "events": result.events,
    }
