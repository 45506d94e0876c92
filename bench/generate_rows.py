"""The rows of the core benchmark's database (bench/generate.py): the fixed time base, the
vocabulary and the policies, then the session, message and memory rows themselves,
bulk-inserted by `generate.build`.
"""

from __future__ import annotations

import itertools
import json
import random
import string
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from bulk import BATCH, BulkLoad, SessionRow

from agentsess_tui.core import ManualClock, Policy
from agentsess_tui.core.clock import DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS
from agentsess_tui.core.ids import new_session_id
from agentsess_tui.core.models import MEMORY_TYPES

if TYPE_CHECKING:
    from generate import Sizes

BENCH_NOW = ManualClock().now_ms()  # 2026-01-15T09:00:00Z, the tests' start time too
HISTORY_MS = 90 * DAY_MS

# The most frequent words are real ones, so the frequent-word queries look like what people type.
COMMON_WORDS = (
    "the of and to in is that for it with as was on be at by this have from or an but not are "
    "user agent data file project api should when use need will task test config error run "
    "model deploy release server review prefers wants likes team build code issue meeting"
).split()
TAGS = (
    "python rust infra deploy billing research ux docs security perf onboarding api "
    "customer internal urgent later idea bug design ops"
).split()
# Policies the active sessions are created with: defaults, a short auto-renewing idle timeout,
# a day-long window, and a tight one.
POLICY_VARIANTS: tuple[dict[str, Any], ...] = (
    {},
    {"window_minutes": 60, "auto_renew": True},
    {"window_minutes": 1440, "warning_minutes": 60},
    {"window_minutes": 30, "warning_minutes": 5, "max_lifetime_minutes": 240, "auto_renew": True},
)
END_REASONS = ("ended by user", "ended by user", "task finished", "agent finished")


class Words:
    """A Zipf-distributed vocabulary (s = 1): a few very frequent words, a long tail of rare
    ones, and syllable-built words so many share their first three letters."""

    def __init__(self, rng: random.Random, size: int) -> None:
        onsets = [*"bcdfghjklmnprstvwz", "br", "ch", "dr", "gr", "kr", "pl", "sh", "st", "tr"]
        vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou"]
        codas = ["", "", "", "n", "r", "s", "l", "m", "t", "x"]
        seen = set(COMMON_WORDS)
        words = list(COMMON_WORDS)
        while len(words) < size:
            word = "".join(
                rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))
            )
            if len(word) >= 3 and word not in seen:
                seen.add(word)
                words.append(word)
        self.words = words
        self.cum_weights = list(itertools.accumulate(1 / rank for rank in range(1, size + 1)))
        self.rng = rng

    def texts(self, lengths: Sequence[int]) -> list[str]:
        drawn = self.rng.choices(self.words, cum_weights=self.cum_weights, k=sum(lengths))
        out: list[str] = []
        pos = 0
        for n in lengths:
            text = " ".join(drawn[pos : pos + n])
            out.append(text[0].upper() + text[1:] + ".")
            pos += n
        return out


def session_rows(
    rng: random.Random, sizes: Sizes, agents: list[str]
) -> tuple[list[SessionRow], SessionRow]:
    # Some agents are much busier than others.
    agent_weights = [1 / (i + 1) ** 0.8 for i in range(len(agents))]
    policies = [Policy(**variant) for variant in POLICY_VARIANTS]
    rows: list[SessionRow] = []
    for index in range(sizes.sessions):
        agent_id = rng.choices(agents, agent_weights)[0]
        is_active = index < sizes.active
        # The first one, with the default policy, will hold the big transcript.
        policy = policies[rng.randrange(len(policies))] if 0 < index < sizes.active else policies[0]
        window = policy.window_minutes * MINUTE_MS
        cap_span = policy.max_lifetime_minutes * MINUTE_MS
        resumes = 0
        renewals = 0
        ended_at = end_reason = None
        if is_active:
            # Live now, with anything from a minute to a full window left.
            expires_at = BENCH_NOW + rng.randint(MINUTE_MS, window)
            activated_at = expires_at - window
            if policy.auto_renew and rng.random() < 0.7:
                renewals = rng.randint(1, 20)
                activated_at -= rng.randint(0, cap_span - window)
            created_at = activated_at
            if rng.random() < 0.2:
                resumes = rng.randint(1, 5)
                created_at -= rng.randint(HOUR_MS, 20 * DAY_MS)
            state = "active"
            end_at = BENCH_NOW
        else:
            created_at = BENCH_NOW - rng.randint(2 * DAY_MS, HISTORY_MS)
            activated_at = created_at
            if rng.random() < 0.1:
                resumes = 1
                activated_at += rng.randint(HOUR_MS, DAY_MS)
            expires_at = activated_at + window
            if rng.random() < 0.15:  # extended a few times
                expires_at = min(expires_at + rng.randint(1, 6) * HOUR_MS, activated_at + cap_span)
            if rng.random() < 0.72:
                state = "expired"
                end_at = expires_at
            else:
                state = "ended"
                ended_at = activated_at + rng.randint(MINUTE_MS, expires_at - activated_at)
                end_reason = rng.choice(END_REASONS)
                end_at = ended_at
        warn_at = expires_at - policy.warning_minutes * MINUTE_MS
        warned_at = warn_at + rng.randint(0, 900) * SECOND_MS if warn_at <= end_at else None
        if warned_at is not None and warned_at > end_at:
            warned_at = end_at
        rows.append(
            SessionRow(
                id=new_session_id(created_at),
                agent_id=agent_id,
                title=f"{rng.choice(COMMON_WORDS[20:]).title()} {rng.randint(1, 999)}",
                state=state,
                created_at=created_at,
                activated_at=activated_at,
                last_activity_at=rng.randint(activated_at, end_at),
                expires_at=expires_at,
                warn_at=warn_at,
                cap_at=activated_at + cap_span,
                renewal_count=renewals,
                resume_count=resumes,
                warned_at=warned_at,
                ended_at=ended_at,
                end_reason=end_reason,
                token_jti="".join(rng.choices(string.ascii_letters + string.digits, k=16)),
                window_minutes=policy.window_minutes,
                policy=policy.model_dump_json(),
                metadata="{}",
                end_at=end_at,
            )
        )
    # The big transcript belongs to a live session with the default policy that has been
    # resumed for a month: a person scrolls it in the TUI while an agent keeps logging to it.
    big = rows[0]
    big.created_at = BENCH_NOW - 30 * DAY_MS
    big.title = "Long-running agent log"
    big.resume_count = max(big.resume_count, 12)
    rows.sort(key=lambda s: s.created_at)  # rowid order is creation order, as in real use
    return rows, big


def insert_rows(load: BulkLoad, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    columns = {
        "sessions": "id, agent_id, title, state, created_at, activated_at, last_activity_at, "
        "expires_at, warn_at, cap_at, renewal_count, resume_count, warned_at, ended_at, "
        "end_reason, token_jti, window_minutes, policy, metadata",
        "events": "session_id, at, kind, detail",
        "messages": "session_id, role, content, created_at",
        "memories": "agent_id, session_id, type, title, content, tags, confidence, status, "
        "created_at, updated_at",
    }[table]
    load.insert(table, columns, rows)


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_messages(
    load: BulkLoad,
    rng: random.Random,
    words: Words,
    sizes: Sizes,
    sessions: list[SessionRow],
    big: SessionRow,
) -> None:
    # The rest spread over all sessions, some chats much longer than others.
    weights = [rng.lognormvariate(0, 1) for _ in sessions]
    owners = rng.choices(sessions, weights, k=sizes.messages - sizes.big_session_messages)
    owners += [big] * sizes.big_session_messages
    # Messages of all chats interleave in time, and ids follow time.
    stamped = sorted((rng.randint(s.created_at, s.end_at), s.id) for s in owners)
    del owners
    roles = ("user", "assistant", "assistant", "tool", "system")
    for chunk in _chunks(stamped):
        lengths = [max(2, min(120, int(rng.lognormvariate(2.6, 0.7)))) for _ in chunk]
        texts = words.texts(lengths)
        rows = [
            (session_id, rng.choice(roles), text, at)
            for (at, session_id), text in zip(chunk, texts, strict=True)
        ]
        insert_rows(load, "messages", rows)


def insert_memories(
    load: BulkLoad,
    rng: random.Random,
    words: Words,
    sizes: Sizes,
    sessions: list[SessionRow],
    agents: list[str],
) -> None:
    by_agent: dict[str, list[SessionRow]] = {agent_id: [] for agent_id in agents}
    for s in sessions:
        by_agent[s.agent_id].append(s)
    agent_weights = [1 / (i + 1) ** 0.8 for i in range(len(agents))]
    plan: list[tuple[int, str, str | None]] = []
    for agent_id in rng.choices(agents, agent_weights, k=sizes.memories):
        own = by_agent[agent_id]
        if own and rng.random() < 0.75:
            origin = rng.choice(own)
            plan.append((rng.randint(origin.created_at, origin.end_at), agent_id, origin.id))
        else:
            plan.append((BENCH_NOW - rng.randint(0, HISTORY_MS), agent_id, None))
    # By time, then agent; a tie there (likely at 1M sessions) must not compare None with str.
    plan.sort(key=lambda item: (item[0], item[1], item[2] or ""))
    type_weights = [8, 4, 2, 2, 2, 3, 3, 2, 1, 3, 5, 1, 1][: len(MEMORY_TYPES)]
    for chunk in _chunks(plan):
        lengths = [rng.randint(6, 40) for _ in chunk]
        texts = words.texts(lengths)
        rows = []
        for (at, agent_id, session_id), text in zip(chunk, texts, strict=True):
            title = (
                words.texts([rng.randint(2, 6)])[0][:-1]
                if rng.random() < 0.2
                else (text if len(text) <= 50 else text[:49] + "…")
            )
            tags = json.dumps(rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2, 3))))
            roll = rng.random()
            status = "active" if roll < 0.92 else "superseded" if roll < 0.97 else "deleted"
            rows.append(
                (
                    agent_id,
                    session_id,
                    rng.choices(MEMORY_TYPES, type_weights)[0],
                    title,
                    text,
                    tags,
                    round(rng.uniform(0.3, 1.0), 2),
                    status,
                    at,
                    at,
                )
            )
        insert_rows(load, "memories", rows)
