"""The built-in offline memory agent: no network, no model, the same answer every time.

It is what a newcomer talks to first, so every reply shows the memory model at work: what was
stored, as which type and why; which memories an answer comes from; how to see them all.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator

from agentsess_tui.core.models import MEMORY_TYPES, Memory
from agentsess_tui.core.store import Store

from . import mdtext
from .base import OFFLINE_MODEL, ReplyRequest
from .intents import Intent, detect_type, parse_intent
from .recall import keywords, recall

# How many memories an answer or a "related" list shows.
ANSWER_LIMIT = 5
# Longer memories are shortened in a reply (the inspector shows them whole).
QUOTE_CHARS = 1000
_CHUNK = re.compile(r"\S+\s*|\s+")


def word_chunks(text: str) -> Iterator[str]:
    """The text in word-sized pieces (each word with the space after it); they join back
    to exactly the text."""
    return (match.group(0) for match in _CHUNK.finditer(text))


class OfflineMemoryAgent:
    """Remembers what it is told, recalls by full-text search, and says which memories it used."""

    backend = "offline"
    model = OFFLINE_MODEL

    def __init__(self, store: Store) -> None:
        self.store = store

    async def reply(self, request: ReplyRequest) -> AsyncIterator[str]:
        # The store may wait on another process's lock: never block the event loop on it.
        text = await asyncio.to_thread(self.compose, request)
        for chunk in word_chunks(text):
            yield chunk
            await asyncio.sleep(0)  # a point where cancelling the consumer stops us

    def compose(self, request: ReplyRequest) -> str:
        """The whole reply as Markdown (blocking: may store a memory)."""
        intent = parse_intent(request.user_text)
        agent_id = request.session.agent_id
        if intent.kind == "remember":
            return self._remember(request.session.id, intent)
        if intent.kind == "help":
            return self._help(agent_id)
        if intent.kind == "question":
            return self._answer(agent_id, intent.text)
        return self._chat(agent_id, intent.text)

    # -- the four kinds of reply -----------------------------------------------------------

    def _remember(self, session_id: str, intent: Intent) -> str:
        return remember_reply(self.store, session_id, intent.text, intent.type)[1]

    def _answer(self, agent_id: str, question: str) -> str:
        words = keywords(question)
        if not words:
            return self._recent(agent_id)
        searched = ", ".join(f"*{mdtext.escape(word)}*" for word in words)
        hits = recall(self.store, question, agent_id=agent_id, limit=ANSWER_LIMIT)
        if not hits:
            return (
                f"I have no memory about that (searched agent `{agent_id}`'s memories for "
                f"{searched}).\n\nTell me — “remember that …” — and I will know next time, in "
                "every session of this agent."
            )
        best, others = hits[0], hits[1:]
        parts = [
            f"From memory {mdtext.memory_label(best.memory)}:",
            _quote(best.memory.content),
        ]
        if others:
            parts.append("Also related:\n" + "\n".join(mdtext.hit_line(hit) for hit in others))
        used = ", ".join(f"#{hit.memory.id}" for hit in hits)
        parts.append(f"Memories used: {used} (searched for {searched}).")
        return "\n\n".join(parts)

    def _chat(self, agent_id: str, text: str) -> str:
        hits = recall(self.store, text, agent_id=agent_id, limit=ANSWER_LIMIT)
        parts = [
            "I'm the built-in **offline memory agent**: I don't write free-form answers — I keep "
            "what you ask me to remember and find it again."
        ]
        if hits:
            parts.append(
                "Memories that look related to what you said:\n"
                + "\n".join(mdtext.hit_line(hit) for hit in hits)
            )
        else:
            total = self.store.count_memories(agent_id=agent_id)
            parts.append(f"No memory of agent `{agent_id}` looks related (it has {total} in all).")
        parts.append(
            "Say “remember that …” to store something, ask a question to recall it, or type "
            "`/help` for the commands (`/backend openai` connects a language model)."
        )
        return "\n\n".join(parts)

    def _help(self, agent_id: str) -> str:
        total = self.store.count_memories(agent_id=agent_id)
        return (
            "Hi! I'm the built-in **offline memory agent** — no network, no language model. "
            f"I keep long-term memories for agent `{agent_id}`; they outlive every session.\n\n"
            "- **Store:** “remember that I prefer short answers”, or "
            "`/remember preference short answers`. I pick the type from the wording: "
            "preference, goal, instruction, decision, commitment, relationship, or fact.\n"
            "- **Recall:** ask a question (“what do I prefer?”) or `/recall tea`.\n"
            "- **Browse:** press **m** for the memory inspector.\n\n"
            f"Agent `{agent_id}` has {total} {'memory' if total == 1 else 'memories'} so far. "
            "Type `/help` for every command; `/backend openai` connects a language model "
            "(Ollama, llama.cpp, vLLM, LM Studio, OpenAI)."
        )

    def _recent(self, agent_id: str) -> str:
        recent = self.store.list_memories(agent_id=agent_id, limit=ANSWER_LIMIT)
        if not recent:
            return (
                f"I don't remember anything for agent `{agent_id}` yet. Tell me something with "
                "“remember that …”."
            )
        total = self.store.count_memories(agent_id=agent_id)
        lines = "\n".join(_memory_line(memory) for memory in recent)
        return (
            f"The newest of agent `{agent_id}`'s {total} "
            f"{'memory' if total == 1 else 'memories'}:\n{lines}\n\n"
            "Ask about a topic to search them, or press **m** for the memory inspector."
        )


def remember_reply(
    store: Store, session_id: str, content: str, type: str | None = None
) -> tuple[Memory | None, str]:
    """Store a memory made in the session (type detected unless given) and say what happened:
    the type and why, the id, and how to find it again. Blocking. Nothing to store → usage."""
    if not content.strip():
        return None, (
            "What should I remember? Say “remember that …” or use `/remember [type] text`, "
            "for example:\n\n"
            "- remember that I prefer short answers\n"
            "- `/remember instruction Always cite sources`\n\n"
            f"Types: {', '.join(MEMORY_TYPES)}."
        )
    guess = detect_type(content)
    # Through consolidation: a near-duplicate of one of the agent's memories supersedes it.
    memory = store.remember(
        content.strip(), session_id=session_id, type=type or guess.type, embed=True
    )
    if type:
        why = "as you asked"
    elif guess.cue:
        why = f"because it says “{mdtext.inline(guess.cue, 40)}”"
    else:
        why = "the type for plain statements (choose another with `/remember TYPE …`)"
    topic = _topic(content, guess.cue)
    ask = f"“what do you know about {mdtext.inline(topic, 40)}?”" if topic else "a question"
    replaced = (
        ""
        if memory.supersedes is None
        else f"It replaces **#{memory.supersedes}**, which said nearly the same (now "
        "superseded, still kept). "
    )
    return memory, (
        f"Remembered as {_article(memory.type)} **{memory.type}** (**#{memory.id}**), "
        f"{why}:\n\n{_quote(memory.content)}\n\n{replaced}"
        f"It belongs to agent `{memory.agent_id}` and outlives this session. Ask me about "
        f"it — {ask} — or press **m** to see it in the memory inspector."
    )


def _topic(content: str, cue: str | None) -> str | None:
    """A word to ask about in the example question: the first keyword not in the type cue,
    spelt as in the memory ("Anna", not "anna")."""
    skip = set(keywords(cue or ""))
    for word in keywords(content):
        if word not in skip:
            match = re.search(rf"\b{re.escape(word)}\b", content, re.IGNORECASE)
            return match.group(0) if match else word
    return None


def _memory_line(memory: Memory) -> str:
    return f"- {mdtext.memory_label(memory)}: {mdtext.inline(memory.content, 120)}"


def _quote(content: str) -> str:
    if len(content) <= QUOTE_CHARS:
        return mdtext.quote(content)
    shortened = mdtext.quote(content[: QUOTE_CHARS - 1] + "…")
    return shortened + "\n\n(Shortened here; the memory inspector shows all of it.)"


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
