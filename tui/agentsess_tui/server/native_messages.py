"""Native API, a session's conversation: add, page (before/after ids), reply, stream (SSE)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from ..core.errors import AgentsessError
from .auth import CallerDep, SessionTokenHeader, bound_session
from .errors import body as error_body
from .errors import from_core
from .native_sessions import ONE
from .replies import reply_to
from .schemas import ERROR_RESPONSES, MAX_ID, MessageIn

router = APIRouter(responses=ERROR_RESPONSES, tags=["messages"])
MESSAGES = ONE + "/messages"


@router.get(MESSAGES, summary="A page of the conversation, in order")
def list_messages(
    who: CallerDep,
    agent: str,
    session_id: str,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Messages before this id")
    ] = None,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="Messages after this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    token: SessionTokenHeader = None,
) -> dict[str, Any]:
    bound_session(who, agent, session_id, token)
    rows = who.ctx.store.messages(session_id, before_id=before, after_id=after, limit=limit)
    return {
        "messages": [m.to_dict() for m in rows],
        "has_more": len(rows) == limit,
        "first_id": rows[0].id if rows else None,
        "last_id": rows[-1].id if rows else None,
    }


@router.post(MESSAGES, status_code=201, summary="Add a message (and ask for a reply)")
async def add_message(
    who: CallerDep,
    agent: str,
    session_id: str,
    body: MessageIn,
    token: SessionTokenHeader = None,
) -> dict[str, Any]:
    """Stores the message (activity on the session). With `reply: true`, or Hector's
    `{"message": …}`, the session's responder answers and the reply is returned too."""
    store = who.ctx.store
    session = await run_in_threadpool(bound_session, who, agent, session_id, token, write=True)
    text = body.text()
    message = await run_in_threadpool(store.add_message, session_id, text, body.role, body.metadata)
    result: dict[str, Any] = {"message": message.to_dict()}
    if body.wants_reply():
        reply = await reply_to(store, session, text)
        result["reply"] = reply.to_dict()
    return result


@router.post(
    MESSAGES + "/stream",
    summary="Add a user message and stream the reply as server-sent events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_message(
    who: CallerDep,
    agent: str,
    session_id: str,
    body: MessageIn,
    token: SessionTokenHeader = None,
) -> StreamingResponse:
    """Events: `message` (the stored user message), `delta` (`{"text": …}` per chunk),
    `done` (the stored reply) or `error` (`{"error": {…}}`; the partial reply is kept)."""
    store = who.ctx.store
    session = await run_in_threadpool(bound_session, who, agent, session_id, token, write=True)
    text = body.text()
    message = await run_in_threadpool(store.add_message, session_id, text, body.role, body.metadata)

    async def events() -> AsyncIterator[str]:
        yield _event("message", message.to_dict())
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        task = asyncio.create_task(reply_to(store, session, text, on_chunk=queue.put_nowait))
        task.add_done_callback(lambda _t: queue.put_nowait(None))
        while (chunk := await queue.get()) is not None:
            yield _event("delta", {"text": chunk})
        try:
            reply = await task
        except AgentsessError as exc:
            yield _event("error", error_body(from_core(exc)))
            return
        yield _event("done", reply.to_dict())

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


def _event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
