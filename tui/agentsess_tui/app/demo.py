"""Sample data for `--demo`, the screenshots and the snapshot tests.

Built through the real core with a manual clock that walks from two days ago to `now`, so every
session reaches its phase by the rules (created, extended, expired, ended, resumed) and has a
true timeline.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core import ids
from ..core.clock import DAY_MS, HOUR_MS, MINUTE_MS, ManualClock
from ..core.store import Store

DEMO_SECRET = b"agentsess-demo-key-not-a-secret!"


def build_demo(path: Path, now: int, *, seed: int = 7) -> Store:
    """Create a demo database at `path` whose state is as of `now`; returns its store."""
    clock = ManualClock(now - 2 * DAY_MS)
    ids.use_random(random.Random(seed))  # noqa: S311 (repeatable demo ids, never tokens)
    try:
        store = Store(path, clock=clock, key=DEMO_SECRET)
        _populate(store, clock, now)
    finally:
        ids.use_random(None)
    return store


Step = tuple[int, Callable[[], object]]


def _populate(store: Store, clock: ManualClock, now: int) -> None:  # noqa: PLR0915 (a script)
    """Scripted history, replayed in time order (the clock only moves forward)."""
    store.add_agent("research-bot", "Research bot", {"auto_renew": True, "window_minutes": 240})
    store.add_agent("code-helper", "Code helper")
    store.add_agent("support-triage", "Support triage", {"window_minutes": 60})
    store.add_agent("planner", "Weekly planner")
    sid: dict[str, str] = {}
    steps: list[Step] = []

    def at(offset_ms: int, action: Callable[[], object]) -> None:
        steps.append((now + offset_ms, action))

    def create(key: str, agent: str, title: str, **kwargs: Any) -> Callable[[], object]:
        def run() -> None:
            sid[key] = store.create_session(agent, title, **kwargs).session.id

        return run

    def say(key: str, text: str, role: str = "user") -> Callable[[], object]:
        return lambda: store.add_message(sid[key], text, role=role)

    def remember(key: str, text: str, kind: str, **kwargs: Any) -> Callable[[], object]:
        return lambda: store.remember(text, session_id=sid[key], type=kind, **kwargs)

    # Two days ago: a planning session that was ended properly.
    at(-47 * HOUR_MS, create("planning", "planner", "Weekly planning"))
    at(-47 * HOUR_MS, say("planning", "Plan next week: release 2.0, hiring loop, on-call swap."))
    at(
        -47 * HOUR_MS + 2 * MINUTE_MS,
        say(
            "planning",
            "Here is a draft:\n\n1. **Mon–Tue**: release 2.0 freeze and QA\n"
            "2. **Wed**: hiring loop (3 interviews)\n3. **Thu**: on-call handover to Sam",
            "assistant",
        ),
    )
    at(
        -47 * HOUR_MS + 5 * MINUTE_MS,
        remember(
            "planning",
            "Release 2.0 ships on the 24th; code freeze two days before.",
            "commitment",
            tags=["release"],
        ),
    )
    at(-45 * HOUR_MS, lambda: store.end_session(sid["planning"], "plan agreed"))

    # An onboarding chat that expired, and was resumed 50 minutes ago.
    at(
        -30 * HOUR_MS,
        create("onboarding", "research-bot", "Onboarding questions", options={"auto_renew": False}),
    )
    at(-30 * HOUR_MS, say("onboarding", "Where are the design docs?"))
    at(
        -30 * HOUR_MS + MINUTE_MS,
        say("onboarding", "In `docs/design/`, start with `overview.md`.", "assistant"),
    )
    at(
        -30 * HOUR_MS + 2 * MINUTE_MS,
        remember(
            "onboarding",
            "Maya is the tech lead for the agent platform.",
            "relationship",
            tags=["people"],
        ),
    )
    at(-50 * MINUTE_MS, lambda: store.resume_session(sid["onboarding"]))
    at(-49 * MINUTE_MS, say("onboarding", "And who owns the memory store?"))

    # Yesterday: a support check that simply ran out of time.
    at(-24 * HOUR_MS, create("nightly", "support-triage", "Nightly data sync check"))
    at(-24 * HOUR_MS, say("nightly", "Check last night's sync logs for failures."))
    at(
        -24 * HOUR_MS + MINUTE_MS,
        say(
            "nightly",
            "3 jobs retried, 0 failed. The `orders` job took 41 min (usual: 12).",
            "assistant",
        ),
    )
    at(
        -24 * HOUR_MS + 2 * MINUTE_MS,
        remember(
            "nightly",
            "The orders sync job normally takes about 12 minutes.",
            "observation",
            tags=["ops", "sync"],
        ),
    )

    # A summary session, ended when done, with a learning from it.
    at(-20 * HOUR_MS, create("summary", "research-bot", "Paper summary: retrieval"))
    at(-20 * HOUR_MS, say("summary", "Summarise the retrieval-augmented generation survey."))
    at(
        -20 * HOUR_MS + MINUTE_MS,
        remember(
            "summary",
            "Chunks of 300–500 tokens retrieved best in our evaluation.",
            "learning",
            tags=["rag"],
        ),
    )
    at(-19 * HOUR_MS, lambda: store.end_session(sid["summary"], "done"))

    # A research session that auto-renews on activity and is busy right now.
    at(
        -6 * HOUR_MS,
        create(
            "research",
            "research-bot",
            "Literature review: agent memory",
            system_prompt="You are a careful research assistant. Cite sources.",
        ),
    )
    conversation = [
        ("user", "Find recent work on long-term memory for LLM agents."),
        (
            "assistant",
            "Three threads stand out:\n\n- **Retrieval over episodic logs** (MemGPT-style "
            "paging)\n- **Reflection summaries** written back as memories\n"
            "- **Typed memories** (facts, preferences, goals) with confidence\n\n"
            "Want a table comparing them?",
        ),
        ("user", "Yes, and remember that I prefer tables over prose."),
        (
            "assistant",
            "Remembered as a preference. Here is the comparison:\n\n"
            "| approach | recall | cost |\n|---|---|---|\n"
            "| paging | high | medium |\n| reflection | medium | low |\n"
            "| typed | high | low |",
        ),
        ("user", "Which one fits our agent best?"),
        ("assistant", "Typed memories: you already store preferences and facts separately."),
    ]
    for index, (role, text) in enumerate(conversation):
        at(-6 * HOUR_MS + index * 40 * MINUTE_MS, say("research", text, role))
    at(
        -5 * HOUR_MS,
        remember(
            "research",
            "Prefers tables over prose in summaries.",
            "preference",
            confidence=0.95,
            tags=["style"],
        ),
    )
    at(
        -4 * HOUR_MS,
        remember(
            "research",
            "Our agent stores typed memories: facts, preferences and goals are kept apart.",
            "fact",
            tags=["architecture"],
        ),
    )
    at(
        -3 * HOUR_MS,
        remember(
            "research",
            "Goal: pick a memory design for the agent platform by end of month.",
            "goal",
        ),
    )

    # A coding session about to expire (inside its warning period).
    at(-5 * HOUR_MS - 50 * MINUTE_MS, create("refactor", "code-helper", "Refactor auth module"))
    at(
        -5 * HOUR_MS - 50 * MINUTE_MS,
        say("refactor", "Split `auth.py` into token issuing and verification."),
    )
    at(
        -5 * HOUR_MS - 49 * MINUTE_MS,
        say(
            "refactor",
            "Plan:\n\n```python\n# auth/issue.py\ndef issue(agent, session): ...\n\n"
            "# auth/verify.py\ndef verify(token): ...\n```\n\nTests move with their code.",
            "assistant",
        ),
    )
    at(
        -5 * HOUR_MS - 48 * MINUTE_MS,
        remember(
            "refactor",
            "Always run the auth test suite before merging auth changes.",
            "instruction",
            tags=["auth", "tests"],
        ),
    )

    # A long-running coordination session, extended twice.
    at(
        -3 * HOUR_MS,
        create(
            "release",
            "planner",
            "Release 2.0 coordination",
            options={"window_minutes": 1440, "max_lifetime_minutes": 4320},
        ),
    )
    at(-3 * HOUR_MS, say("release", "Track blockers for 2.0 here."))
    at(-2 * HOUR_MS, lambda: store.extend_session(sid["release"], 360))
    at(-HOUR_MS, lambda: store.extend_session(sid["release"], 120))

    # A support ticket that expired 25 minutes ago.
    at(-85 * MINUTE_MS, create("refund", "support-triage", "Ticket #4821: refund request"))
    at(
        -85 * MINUTE_MS,
        say("refund", "Customer asks for a refund of order 99812 (damaged item)."),
    )
    at(
        -84 * MINUTE_MS,
        say(
            "refund", "Eligible: within 30 days, photo attached. Drafted the approval.", "assistant"
        ),
    )
    at(
        -83 * MINUTE_MS,
        remember(
            "refund",
            "Refunds within 30 days with a photo of the damage are approved without escalation.",
            "decision",
            tags=["refunds"],
        ),
    )

    # Python's sort is stable: steps at the same time keep their order.
    for when, action in sorted(steps, key=lambda step: step[0]):
        clock.set(max(clock.now_ms(), when))
        action()
    clock.set(now)
    store.sweep()
