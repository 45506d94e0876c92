"""Jumping to a message: the hit is shown and marked inside the full, pageable transcript."""

from __future__ import annotations

from textual.pilot import Pilot

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.widgets.message_view import MessageView
from agentsess_tui.app.widgets.transcript import Transcript
from agentsess_tui.core import Message, Store

from .helpers import settle
from .test_chat import wait_for_hit

SIZE = (120, 40)
COUNT = 400  # more than two NEWER_PAGEs after the hit


def long_history(store: Store, agent: str) -> list[Message]:
    session = store.create_session(agent, "Long history").session
    for index in range(COUNT):
        text = "the zeppelin arrives at dawn" if index == 30 else f"routine message {index}"
        store.add_message(session.id, text)
    return store.messages(session.id, limit=COUNT)


async def jump_to_zeppelin(pilot: Pilot[None]) -> Transcript:
    await settle(pilot)
    await pilot.press("ctrl+p")
    await pilot.press(*"zeppelin")
    await wait_for_hit(pilot, "Message in")
    await pilot.press("enter")
    await settle(pilot)
    return pilot.app.screen.query_one(Transcript)


def shown_ids(transcript: Transcript) -> list[int]:
    return [view.message.id for view in transcript.query(MessageView)]


def on_screen(transcript: Transcript) -> list[int]:
    region = transcript.content_region
    return [v.message.id for v in transcript.query(MessageView) if v.region.overlaps(region)]


async def test_the_hit_is_marked_on_screen_and_the_keys_page_the_transcript(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    messages = long_history(store, agent)
    hit = messages[30]
    async with app.run_test(size=SIZE) as pilot:
        transcript = await jump_to_zeppelin(pilot)
        assert app.focused is transcript  # the keys act on the transcript, not the sidebar
        found = transcript.query(".-found")
        assert [view.message.id for view in found if isinstance(view, MessageView)] == [hit.id]
        assert hit.id in on_screen(transcript)
        assert transcript.has_newer and shown_ids(transcript)[-1] < messages[-1].id

        # pgdn walks on past the window: later messages are fetched as the bottom is reached.
        for _ in range(60):
            await pilot.press("pagedown")
            await settle(pilot)
            if not transcript.has_newer and messages[-1].id in on_screen(transcript):
                break
        ids = shown_ids(transcript)
        assert ids == sorted(ids) and len(set(ids)) == len(ids)  # in order, nothing twice
        assert ids[-1] == messages[-1].id
        assert messages[-1].id in on_screen(transcript)
        # Every message from the window's start to the end, none skipped.
        assert ids == [m.id for m in messages if m.id >= ids[0]]


async def test_end_shows_the_newest_messages_after_a_jump(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    messages = long_history(store, agent)
    async with app.run_test(size=SIZE) as pilot:
        transcript = await jump_to_zeppelin(pilot)
        assert messages[-1].id not in shown_ids(transcript)
        await pilot.press("end")
        await settle(pilot)
        assert not transcript.has_newer
        assert messages[-1].id in on_screen(transcript)
        assert shown_ids(transcript)[-1] == messages[-1].id
        # Following the conversation again: a new message shows at the bottom.
        session_id = messages[0].session_id
        other = Store(store.path, clock=store.clock)  # another connection, like the CLI
        new = other.add_message(session_id, "a fresh message after the jump")
        other.close()
        app.screen.pulse.poll()  # type: ignore[attr-defined]  # what the 0.5 s poll does
        await settle(pilot)
        assert new.id in on_screen(transcript)


async def test_pageup_at_the_top_of_a_jump_window_fetches_older_messages(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    messages = long_history(store, agent)
    async with app.run_test(size=SIZE) as pilot:
        transcript = await jump_to_zeppelin(pilot)
        assert transcript.has_older
        for _ in range(30):
            await pilot.press("pageup")
            await settle(pilot)
            if messages[0].id in on_screen(transcript):
                break
        assert shown_ids(transcript)[0] == messages[0].id
        assert not transcript.has_older
