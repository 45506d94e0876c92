"""run_reply: the assistant message is written while it streams and survives cancels and failures.

The responder here is a small scripted one (a real implementation of the protocol); its steps
can look at the database between chunks, which is how the tests see what was saved when.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from agentsess_tui.agents import ChatBackendError, ReplyRequest, run_reply
from agentsess_tui.core import BackendError, Message, Session, SessionExpired, Store
from agentsess_tui.core.clock import ManualClock

Step = str | BaseException | Callable[[], Any]


class Scripted:
    """Yields strings, raises exceptions, runs callables: in order."""

    backend = "test"
    model = "scripted"

    def __init__(self, steps: list[Step]) -> None:
        self.steps = steps
        self.closed = False

    async def reply(self, request: ReplyRequest) -> AsyncIterator[str]:
        try:
            for step in self.steps:
                if isinstance(step, BaseException):
                    raise step
                if callable(step):
                    result = step()
                    if asyncio.iscoroutine(result):
                        await result
                    continue
                yield step
                await asyncio.sleep(0)
        finally:
            self.closed = True


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def ask(store: Store, session: Session, text: str = "Question?") -> ReplyRequest:
    store.add_message(session.id, text, role="user")
    return ReplyRequest(session=session, user_text=text)


def assistant(store: Store, session: Session) -> Message:
    replies = [m for m in store.messages(session.id) if m.role == "assistant"]
    assert len(replies) == 1
    return replies[0]


def test_the_reply_is_saved_while_it_streams_and_completed_at_the_end(
    store: Store, session: Session
) -> None:
    seen: list[tuple[str, bool]] = []

    def snapshot() -> None:
        reply = assistant(store, session)
        seen.append((reply.content, reply.metadata.get("incomplete", False)))

    responder = Scripted(["Hello", snapshot, " world", "!"])
    request = ask(store, session)
    message = asyncio.run(run_reply(store, session.id, responder, request, flush_interval=0))

    assert seen == [("Hello", True)]
    assert message.content == "Hello world!"
    stored = assistant(store, session)
    assert stored.content == "Hello world!"
    assert stored.metadata == {"backend": "test", "model": "scripted"}
    assert [m.role for m in store.messages(session.id)] == ["user", "assistant"]


def test_chunks_are_coalesced_between_flushes(store: Store, session: Session) -> None:
    clock = FakeMonotonic()
    saved: list[str] = []

    def at(seconds: float) -> Callable[[], None]:
        def step() -> None:
            saved.append(assistant(store, session).content)
            clock.now = seconds

        return step

    responder = Scripted(
        ["A", at(0.1), "B", at(0.2), "C", at(0.3), "D", at(0.4), "E", at(0.56), "F", at(0.6)]
    )
    request = ask(store, session)
    asyncio.run(
        run_reply(store, session.id, responder, request, flush_interval=0.25, monotonic=clock)
    )
    # Created at 0.0 with "A"; B (0.1) and C (0.2) wait; D at 0.3 flushes "ABCD"; E (0.4)
    # waits; F at 0.56 flushes; the end saves the rest.
    assert saved == ["A", "A", "A", "ABCD", "ABCD", "ABCDEF"]
    assert assistant(store, session).content == "ABCDEF"


def test_on_chunk_sees_every_chunk_sync_or_async(store: Store, session: Session) -> None:
    got: list[str] = []

    async def show(chunk: str) -> None:
        got.append(chunk)

    asyncio.run(
        run_reply(store, session.id, Scripted(["a ", "b"]), ask(store, session), on_chunk=show)
    )
    asyncio.run(
        run_reply(store, session.id, Scripted(["c"]), ask(store, session), on_chunk=got.append)
    )
    assert got == ["a ", "b", "c"]


def test_leading_whitespace_waits_for_real_text(store: Store, session: Session) -> None:
    seen: list[int] = []
    responder = Scripted(["\n", lambda: seen.append(len(store.messages(session.id))), "Hi"])
    message = asyncio.run(run_reply(store, session.id, responder, ask(store, session)))
    assert seen == [1]  # only the user's message: a blank message cannot be stored
    assert message.content == "\nHi"


def test_cancel_keeps_the_partial_reply_marked_cancelled(store: Store, session: Session) -> None:
    async def main() -> Scripted:
        started = asyncio.Event()
        forever = asyncio.Event()  # never set: the reply stalls after "a time"
        responder = Scripted(["Once upon ", "a time", started.set, forever.wait])
        task = asyncio.create_task(
            run_reply(store, session.id, responder, ask(store, session, "Story?"), flush_interval=9)
        )
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return responder

    responder = asyncio.run(main())
    assert responder.closed
    user, reply = store.messages(session.id)
    assert user.content == "Story?"
    assert reply.content == "Once upon a time"
    assert reply.metadata == {
        "backend": "test",
        "model": "scripted",
        "incomplete": True,
        "cancelled": True,
    }


def test_cancel_before_any_text_writes_nothing(store: Store, session: Session) -> None:
    async def main() -> None:
        started = asyncio.Event()
        task = asyncio.create_task(
            run_reply(
                store,
                session.id,
                Scripted([started.set, asyncio.Event().wait]),
                ask(store, session),
            )
        )
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert [m.role for m in store.messages(session.id)] == ["user"]


def test_backend_failure_keeps_the_users_message_and_the_partial_reply(
    store: Store, session: Session
) -> None:
    failure = ChatBackendError("The chat server broke.", reason="broken", hint="Retry.")
    responder = Scripted(["Half an ", "answer", failure])
    with pytest.raises(ChatBackendError) as caught:
        asyncio.run(
            run_reply(store, session.id, responder, ask(store, session, "Why?"), flush_interval=9)
        )
    assert caught.value is failure
    user, reply = store.messages(session.id)
    assert (user.role, user.content) == ("user", "Why?")
    assert reply.content == "Half an answer"
    assert reply.metadata["incomplete"] is True
    assert reply.metadata["error"] == "The chat server broke. Retry."
    assert "cancelled" not in reply.metadata


def test_backend_failure_before_any_text_leaves_only_the_users_message(
    store: Store, session: Session
) -> None:
    responder = Scripted([ChatBackendError("Refused.", reason="refused")])
    with pytest.raises(BackendError):
        asyncio.run(run_reply(store, session.id, responder, ask(store, session, "Hello?")))
    (user,) = store.messages(session.id)
    assert (user.role, user.content) == ("user", "Hello?")


def test_a_responder_that_says_nothing_is_an_error(store: Store, session: Session) -> None:
    with pytest.raises(ChatBackendError, match="without any reply text"):
        asyncio.run(run_reply(store, session.id, Scripted(["  "]), ask(store, session)))
    assert [m.role for m in store.messages(session.id)] == ["user"]


def test_a_reply_finishes_even_if_the_session_expired_meanwhile(
    store: Store, session: Session, clock: ManualClock
) -> None:
    request = ask(store, session)

    def expire() -> None:
        clock.advance(hours=7)

    message = asyncio.run(
        run_reply(store, session.id, Scripted(["Start", expire, " end"]), request)
    )
    assert message.content == "Start end"
    assert "incomplete" not in assistant(store, session).metadata


def test_no_reply_starts_in_an_expired_session(
    store: Store, session: Session, clock: ManualClock
) -> None:
    request = ask(store, session)
    clock.advance(hours=7)
    responder = Scripted(["Too late"])
    with pytest.raises(SessionExpired):
        asyncio.run(run_reply(store, session.id, responder, request))
    assert responder.closed
    assert [m.role for m in store.messages(session.id)] == ["user"]


def test_recalled_memories_are_recorded_on_the_reply(store: Store, session: Session) -> None:
    memory = store.remember("The deploy host is atlas", session_id=session.id)
    hit = store.search_memories("atlas", agent_id=session.agent_id)
    store.add_message(session.id, "Where do we deploy?", role="user")
    request = ReplyRequest(session=session, user_text="Where do we deploy?", memories=hit)
    asyncio.run(run_reply(store, session.id, Scripted(["On atlas."]), request))
    assert assistant(store, session).metadata["recalled_memories"] == [memory.id]
