"""Routes compatible with elizaOS's Sessions API (`/api/messaging/sessions…`).

Its timeout config maps onto our policy: `timeoutMinutes` → window_minutes (an inactivity
timeout, so `autoRenew` defaults to true), `maxDurationMinutes` → max_lifetime_minutes,
`warningThresholdMinutes` → warning_minutes; elizaOS's defaults are 30, true, 720 and 5.
Its status codes hold: 404 unknown, 410 expired, 422 cannot renew, 400 for a timeout outside
5–1440 minutes (our policy's own range for a window).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from ..core.clock import MINUTE_MS, to_iso
from ..core.errors import SessionExpired
from ..core.models import Session, State
from .auth import Caller, CallerDep
from .schemas import ERROR_RESPONSES, MAX_ID, Strict

router = APIRouter(prefix="/api/messaging/sessions", responses=ERROR_RESPONSES, tags=["elizaos"])
DEFAULTS = {
    "window_minutes": 30,
    "auto_renew": True,
    "max_lifetime_minutes": 720,
    "warning_minutes": 5,
}


class TimeoutConfig(Strict):
    timeoutMinutes: int | None = Field(None, description="Inactivity timeout, 5–1440")
    autoRenew: bool | None = None
    maxDurationMinutes: int | None = None
    warningThresholdMinutes: int | None = None

    def policy(self) -> dict[str, Any]:
        fields = {
            "window_minutes": self.timeoutMinutes,
            "auto_renew": self.autoRenew,
            "max_lifetime_minutes": self.maxDurationMinutes,
            "warning_minutes": self.warningThresholdMinutes,
        }
        return {name: value for name, value in fields.items() if value is not None}


class CreateIn(Strict):
    agentId: str
    userId: str = Field(max_length=200)
    metadata: dict[str, Any] | None = None
    timeoutConfig: TimeoutConfig | None = None


class MessageIn(Strict):
    content: str
    metadata: dict[str, Any] | None = None


def _info(session: Session, now: int) -> dict[str, Any]:
    policy = session.policy
    meta = dict(session.metadata)
    return {
        "sessionId": session.id,
        "agentId": session.agent_id,
        "userId": (meta.get("elizaos") or {}).get("userId"),
        "status": str(session.phase(now)),
        "createdAt": to_iso(session.created_at),
        "lastActivity": to_iso(session.last_activity_at),
        "expiresAt": to_iso(session.expires_at),
        "metadata": meta,
        "timeoutConfig": {
            "timeoutMinutes": policy.window_minutes,
            "autoRenew": policy.auto_renew,
            "maxDurationMinutes": policy.max_lifetime_minutes,
            "warningThresholdMinutes": policy.warning_minutes,
        },
        "renewalCount": session.renewal_count,
        "timeRemaining": max(0, session.expires_at - now),
        "isNearExpiration": str(session.phase(now)) == "expiring",
    }


def _session(who: Caller, session_id: str) -> Session:
    """The session, for a key allowed its agent; an expired one is elizaOS's 410."""
    store = who.ctx.store
    session = store.get_session(session_id)
    who.require_agent(session.agent_id)
    if session.state != State.ENDED and not session.is_live(store.now()):
        raise SessionExpired(
            f"Session {session.id} expired at {to_iso(session.expires_at)}.",
            expired_at=session.expires_at,
            hint="Create a new session, or resume this one with the native API.",
        )
    return session


@router.get("/health", summary="Sessions health")
def health(who: CallerDep) -> dict[str, Any]:
    store = who.ctx.store
    active = store.list_sessions_page(state="active", limit=100_000)
    return {
        "status": "healthy",
        "activeSessions": sum(1 for s in active if who.key.allows(s.agent_id)),
        "timestamp": to_iso(store.now()),
    }


@router.post("", status_code=201, summary="Create a session")
def create(who: CallerDep, body: CreateIn) -> dict[str, Any]:
    who.require_agent(body.agentId)
    store = who.ctx.store
    options = {**DEFAULTS, **(body.timeoutConfig.policy() if body.timeoutConfig else {})}
    # elizaOS's warning default (5) must stay below a short window it allows (5).
    if "warning_minutes" not in (body.timeoutConfig.policy() if body.timeoutConfig else {}):
        options["warning_minutes"] = min(5, options["window_minutes"] - 1)
    store.preview_policy(body.agentId, options)  # a bad timeout is a 400 before anything
    store.ensure_agent(body.agentId)
    metadata = {**(body.metadata or {}), "elizaos": {"userId": body.userId}}
    activation = store.create_session(body.agentId, None, options=options, metadata=metadata)
    return _info(activation.session, store.now())


@router.get("", summary="List active sessions")
def list_sessions(who: CallerDep) -> dict[str, Any]:
    store = who.ctx.store
    now = store.now()
    rows = [
        s
        for s in store.list_sessions_page(state="active", limit=10_000)
        if who.key.allows(s.agent_id)
    ]
    return {
        "sessions": [_info(s, now) for s in rows],
        "total": len(rows),
        "stats": {"totalSessions": len(rows), "activeSessions": len(rows)},
    }


@router.get("/{sessionId}", summary="Get session information")
async def get(who: CallerDep, sessionId: str) -> dict[str, Any]:
    # One indexed read: on the loop, as auth.caller.
    return _info(_session(who, sessionId), who.ctx.store.now())


@router.post("/{sessionId}/messages", status_code=201, summary="Send a message")
def send(who: CallerDep, sessionId: str, body: MessageIn) -> dict[str, Any]:
    _session(who, sessionId)
    store = who.ctx.store
    before = store.get_session(sessionId)
    message = store.add_message(sessionId, body.content, "user", body.metadata)
    after = store.get_session(sessionId)
    now = store.now()
    return {
        "id": message.id,
        "content": message.content,
        "authorId": (after.metadata.get("elizaos") or {}).get("userId"),
        "createdAt": to_iso(message.created_at),
        "metadata": message.metadata,
        "sessionStatus": {
            "expiresAt": to_iso(after.expires_at),
            "renewalCount": after.renewal_count,
            "wasRenewed": after.renewal_count > before.renewal_count,
            "isNearExpiration": str(after.phase(now)) == "expiring",
        },
    }


@router.get("/{sessionId}/messages", summary="Message history")
def history(
    who: CallerDep,
    sessionId: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID, description="A message id")] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="A message id")] = None,
) -> dict[str, Any]:
    store = who.ctx.store
    session = store.get_session(sessionId)
    who.require_agent(session.agent_id)
    rows = store.messages(sessionId, before_id=before, after_id=after, limit=limit)
    return {
        "messages": [
            {
                "id": m.id,
                "content": m.content,
                "role": m.role,
                "isAgent": m.role == "assistant",
                "createdAt": to_iso(m.created_at),
                "metadata": m.metadata,
            }
            for m in rows
        ],
        "hasMore": len(rows) == limit,
        "cursors": {
            "before": rows[0].id if rows else None,
            "after": rows[-1].id if rows else None,
        },
    }


@router.post("/{sessionId}/renew", summary="Renew: a full timeout from now, up to the cap")
def renew(who: CallerDep, sessionId: str) -> dict[str, Any]:
    session = _session(who, sessionId)
    store = who.ctx.store
    now = store.now()
    wanted = now + session.policy.window_minutes * MINUTE_MS - session.expires_at
    if wanted > 0:
        # Our extend adds to the expiry and fails at the cap: elizaOS's 422.
        session = store.extend_session(sessionId, max(1, math.ceil(wanted / MINUTE_MS))).session
    else:
        session = store.heartbeat(sessionId)
    return _info(session, store.now())


@router.patch("/{sessionId}/timeout", summary="Update the timeout configuration")
def update_timeout(who: CallerDep, sessionId: str, body: TimeoutConfig) -> dict[str, Any]:
    _session(who, sessionId)
    store = who.ctx.store
    return _info(store.update_session_policy(sessionId, body.policy()), store.now())


@router.post("/{sessionId}/heartbeat", summary="Keep the session alive")
def heartbeat(who: CallerDep, sessionId: str) -> dict[str, Any]:
    _session(who, sessionId)
    store = who.ctx.store
    return _info(store.heartbeat(sessionId), store.now())


@router.delete("/{sessionId}", summary="End the session (its history is kept)")
def end(who: CallerDep, sessionId: str) -> dict[str, Any]:
    _session(who, sessionId)
    who.ctx.store.end_session(sessionId, "ended over the elizaOS API")
    return {"success": True, "message": f"Session {sessionId} ended"}
