"""The offline memory agent through a real store: remember, recall, cite, stay honest."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agentsess_tui.agents import (
    OfflineMemoryAgent,
    ResponderSettings,
    build_request,
    detect_type,
    parse_intent,
    run_reply,
)
from agentsess_tui.agents.offline import word_chunks
from agentsess_tui.core import ManualClock, Session, Store


def say(store: Store, session: Session, text: str) -> str:
    """What the user sees after typing `text`: the stored user message, then the reply."""
    store.add_message(session.id, text, role="user")
    settings = ResponderSettings.resolve(store.settings.chat, session)
    request = build_request(store, session.id, text, settings)
    reply = asyncio.run(run_reply(store, session.id, OfflineMemoryAgent(store), request))
    assert reply.metadata == {"backend": "offline", "model": "memory-agent"} | (
        {"recalled_memories": [hit.memory.id for hit in request.memories]}
        if request.memories
        else {}
    )
    return reply.content


# -- remembering -------------------------------------------------------------------------------


def test_remember_supersedes_a_near_duplicate_and_says_so(store: Store, session: Session) -> None:
    """/remember goes through consolidation: a restatement replaces the older memory."""
    first_reply = say(store, session, "/remember I prefer tea over coffee")
    assert "replaces" not in first_reply
    (old,) = store.list_memories(agent_id=session.agent_id)
    reply = say(store, session, "/remember I prefer tea over coffee.")
    new = store.list_memories(agent_id=session.agent_id)[0]
    assert new.supersedes == old.id
    assert store.get_memory(old.id).status == "superseded"
    assert f"It replaces **#{old.id}**" in reply
    different = say(store, session, "/remember The office printer is on floor 2")
    assert "replaces" not in different


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("remember that I prefer tea over coffee", "I prefer tea over coffee"),
        ("Remember: I prefer tea over coffee", "I prefer tea over coffee"),
        ("please remember I prefer tea over coffee", "I prefer tea over coffee"),
        ("Please remember that I prefer tea over coffee", "I prefer tea over coffee"),
        ("Can you remember that I prefer tea over coffee?", "I prefer tea over coffee"),
        ("don't forget that I prefer tea over coffee", "I prefer tea over coffee"),
        ("/remember I prefer tea over coffee", "I prefer tea over coffee"),
    ],
)
def test_ways_to_ask_it_to_remember(
    store: Store, session: Session, text: str, content: str
) -> None:
    reply = say(store, session, text)
    (memory,) = store.list_memories(agent_id=session.agent_id)
    assert (memory.content, memory.type, memory.session_id) == (content, "preference", session.id)
    assert reply.startswith(f"Remembered as a **preference** (**#{memory.id}**)")
    assert "“I prefer”" in reply  # the words that decided the type
    assert "press **m**" in reply and "memory inspector" in reply


def test_slash_remember_with_an_explicit_type(store: Store, session: Session) -> None:
    reply = say(store, session, "/remember decision Postgres for the event store")
    (memory,) = store.list_memories(agent_id=session.agent_id)
    assert (memory.type, memory.content) == ("decision", "Postgres for the event store")
    assert reply.startswith(f"Remembered as a **decision** (**#{memory.id}**), as you asked")


def test_a_plain_statement_is_a_fact_and_the_reply_says_how_to_choose(
    store: Store, session: Session
) -> None:
    reply = say(store, session, "remember that the office wifi is called Nebula-5")
    (memory,) = store.list_memories(agent_id=session.agent_id)
    assert memory.type == "fact"
    assert "`/remember TYPE …`" in reply


def test_content_is_stored_exactly_and_shown_as_text(store: Store, session: Session) -> None:
    content = "the *deploy* key is in [vault](x) — `prod/**` # not a heading"
    reply = say(store, session, f"remember that {content}")
    (memory,) = store.list_memories(agent_id=session.agent_id)
    assert memory.content == content
    # Markdown in the memory is escaped in the reply, so it shows as typed.
    assert r"\*deploy\*" in reply and r"\[vault\](x)" in reply and r"\`prod/\*\*\`" in reply


def test_remember_with_nothing_explains_how(store: Store, session: Session) -> None:
    reply = say(store, session, "remember")
    assert "What should I remember?" in reply and "/remember [type] text" in reply
    assert store.list_memories(agent_id=session.agent_id) == []


TYPE_TABLE = [
    ("I prefer dark roast coffee", "preference", "I prefer"),
    ("I like short answers", "preference", "I like"),
    ("I don't like meetings before ten", "preference", "I don't like"),
    ("I don’t like meetings before ten", "preference", "I don’t like"),
    ("My favourite editor is Helix", "preference", "My favourite"),
    ("My goal is to run a marathon in May", "goal", "My goal"),
    ("I want to learn Rust this year", "goal", "I want to"),
    ("We aim to ship the beta in March", "goal", "We aim to"),
    ("Always answer in British English", "instruction", "Always"),
    ("Never deploy on Fridays", "instruction", "Never"),
    ("Don't ever commit secrets", "instruction", "Don't ever"),
    ("make sure to run the tests before pushing", "instruction", "make sure"),
    ("remember to water the plants", "instruction", "remember to"),
    ("We decided to use SQLite for storage", "decision", "We decided"),
    ("Let's go with the blue logo", "decision", "Let's go with"),
    ("I will send the report by Friday", "commitment", "I will"),
    ("I promise to review the PR", "commitment", "I promise"),
    ("Send the invoice by Friday", "commitment", "by Friday"),
    ("Anna is my manager", "relationship", "is my manager"),
    ("Tom is my colleague on the data team", "relationship", "is my colleague"),
    ("Sara is my wife", "relationship", "is my wife"),
    ("My manager is Anna", "relationship", "My manager is"),
    ("The office is in Berlin", "fact", None),
    ("Revenue grew by 5% last quarter", "fact", None),
    ("I never eat meat", "fact", None),
]


@pytest.mark.parametrize(("text", "kind", "cue"), TYPE_TABLE)
def test_type_detection(text: str, kind: str, cue: str | None) -> None:
    guess = detect_type(text)
    assert (guess.type, guess.cue) == (kind, cue)


def test_detected_types_reach_the_store(store: Store, session: Session) -> None:
    for text, _, _ in TYPE_TABLE[::4]:
        say(store, session, f"remember that {text}")
    stored = [(m.content, m.type) for m in reversed(store.list_memories(agent_id="bot"))]
    assert stored == [(text, kind) for text, kind, _ in TYPE_TABLE[::4]]


# -- recalling ---------------------------------------------------------------------------------


def test_remember_then_recall_round_trip(store: Store, session: Session) -> None:
    say(store, session, "remember that I prefer green tea in the afternoon")
    say(store, session, "remember that the build server is called atlas")
    tea = store.list_memories(agent_id="bot", type="preference")[0]

    reply = say(store, session, "What kind of tea do I like?")
    assert reply.startswith(f"From memory **#{tea.id}** · preference · “I prefer green tea")
    assert "> I prefer green tea in the afternoon" in reply
    assert f"Memories used: #{tea.id} (searched for *kind*, *tea*, *like*)." in reply
    assert "atlas" not in reply


def test_recall_across_sessions_of_the_same_agent(store: Store, session: Session) -> None:
    say(store, session, "remember that Anna is my manager")
    store.end_session(session.id)
    later = store.create_session("bot", "Next day").session
    reply = say(store, later, "who is my manager?")
    assert "Anna is my manager" in reply and "relationship" in reply


def test_other_agents_memories_are_not_recalled(store: Store, session: Session) -> None:
    store.add_agent("other", "Other bot")
    store.remember("The launch code is banana", agent_id="other")
    reply = say(store, session, "what is the launch code?")
    assert "banana" not in reply
    assert reply.startswith("I have no memory about that")
    assert "remember that" in reply


def test_an_answer_lists_the_other_related_memories(store: Store, session: Session) -> None:
    for text in (
        "the staging database is on atlas",
        "atlas reboots every Sunday",
        "the production database is on zeus",
    ):
        say(store, session, f"remember that {text}")
    reply = say(store, session, "where is the staging database?")
    first, second, third = reversed(store.list_memories(agent_id="bot"))
    assert reply.startswith(f"From memory **#{first.id}**")
    assert "Also related:" in reply and f"**#{third.id}**" in reply
    assert "**database**" in reply  # the matched word is highlighted in the snippet
    assert f"Memories used: #{first.id}, #{third.id}" in reply
    assert f"#{second.id}" not in reply


@pytest.mark.parametrize("text", ["recall atlas", "what do you know about atlas?"])
def test_recall_phrases(store: Store, session: Session, text: str) -> None:
    say(store, session, "remember that atlas is the build server")
    reply = say(store, session, text)
    assert reply.startswith("From memory **#1**") and "(searched for *atlas*)" in reply


def test_what_do_you_remember_lists_the_newest(store: Store, session: Session) -> None:
    assert "I don't remember anything for agent `bot` yet" in say(
        store, session, "what do you remember?"
    )
    say(store, session, "remember that the sky is blue")
    reply = say(store, session, "what do you remember?")
    assert "The newest of agent `bot`'s 1 memory" in reply and "**#1** · fact" in reply


# -- anything else -----------------------------------------------------------------------------


def test_unrelated_chat_is_honest_and_shows_relevant_memories(
    store: Store, session: Session
) -> None:
    say(store, session, "remember that atlas is the build server")
    reply = say(store, session, "atlas has been slow all morning")
    assert "offline memory agent" in reply
    assert "Memories that look related" in reply and "**#1** · fact" in reply
    assert "**atlas**" in reply

    reply = say(store, session, "The weather is lovely today")
    assert "No memory of agent `bot` looks related (it has 1 in all)." in reply
    assert "remember that" in reply and "/help" in reply


def test_greeting_explains_the_memory_model(store: Store, session: Session) -> None:
    reply = say(store, session, "hello")
    assert "offline memory agent" in reply
    assert "remember that" in reply and "/recall" in reply and "**m**" in reply
    assert "Agent `bot` has 0 memories so far" in reply


def test_replies_are_deterministic(tmp_path: Path) -> None:
    script = [
        "hi",
        "remember that I prefer tea",
        "/remember goal ship v1 in March",
        "what do I prefer?",
        "when do we ship?",
        "nice weather",
    ]

    def conversation(name: str) -> list[str]:
        store = Store(tmp_path / f"{name}.db", clock=ManualClock("2026-01-15T09:00:00Z"))
        store.add_agent("bot", "Bot")
        session = store.create_session("bot", "Chat").session
        try:
            return [say(store, session, text) for text in script]
        finally:
            store.close()

    assert conversation("one") == conversation("two")


def test_reply_streams_in_word_chunks(store: Store, session: Session) -> None:
    store.add_message(session.id, "hello", role="user")
    settings = ResponderSettings.resolve(store.settings.chat, session)
    request = build_request(store, session.id, "hello", settings)
    agent = OfflineMemoryAgent(store)

    async def chunks() -> list[str]:
        return [chunk async for chunk in agent.reply(request)]

    got = asyncio.run(chunks())
    assert "".join(got) == agent.compose(request)
    assert len(got) > 20 and all(len(chunk.split()) == 1 for chunk in got)


def test_word_chunks_join_back_exactly() -> None:
    text = "  Two  spaces,\n\nnew lines\tand tabs "
    assert "".join(word_chunks(text)) == text


def test_cancelling_an_offline_reply_keeps_the_part_shown(store: Store, session: Session) -> None:
    store.add_message(session.id, "hello", role="user")
    settings = ResponderSettings.resolve(store.settings.chat, session)
    request = build_request(store, session.id, "hello", settings)

    async def main() -> None:
        seen: list[str] = []
        three = asyncio.Event()

        def on_chunk(chunk: str) -> None:
            seen.append(chunk)
            if len(seen) == 3:
                three.set()

        task = asyncio.create_task(
            run_reply(
                store,
                session.id,
                OfflineMemoryAgent(store),
                request,
                on_chunk=on_chunk,
                flush_interval=0,
            )
        )
        await three.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    reply = store.messages(session.id)[-1]
    assert reply.content.startswith("Hi! I'm the")
    assert len(reply.content.split()) < 10
    assert reply.metadata["cancelled"] is True and reply.metadata["incomplete"] is True


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Do you remember my favourite colour?", "question"),
        ("remember when we met?", "question"),
        ("What is my goal", "question"),
        ("recall tea", "question"),
        ("hello", "help"),
        ("What can you do?", "help"),
        ("Remembering things is hard", "chat"),
        ("notes are in the drive", "chat"),
        ("note that the drive is full", "remember"),
        ("The deploy went fine", "chat"),
    ],
)
def test_intents(text: str, kind: str) -> None:
    assert parse_intent(text).kind == kind


# -- recall by meaning -------------------------------------------------------------------------


def test_the_offline_agent_answers_by_meaning(store: Store, session: Session) -> None:
    """No word of the question is in the memory: the meaning finds it, and the reply and the
    OpenAI responder's context (build_request) name it."""
    diet = store.remember("I'm vegetarian: no meat or fish for me.", session_id=session.id)
    store.remember("The printer on the second floor jams on Mondays.", session_id=session.id)
    reply = say(store, session, "What food should I avoid ordering for the user?")
    assert f"#{diet.id}" in reply
    assert "vegetarian" in reply
    settings = ResponderSettings.resolve(store.settings.chat, session)
    request = build_request(store, session.id, "which dishes are off the menu for me?", settings)
    assert request.memories[0].memory.id == diet.id
    assert request.memories[0].why.startswith("meaning")
