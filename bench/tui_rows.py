"""The rows of the TUI benchmark's database (bench/tui_data.py): the fixed time base, the two
benchmark sessions at the top of the sidebar and the words the filter looks for, then the
session, message and memory rows themselves, bulk-inserted by `tui_data.build`.
"""

from __future__ import annotations

import random
import string
from typing import TYPE_CHECKING, Any

from bulk import BATCH, BulkLoad, SessionRow

from agentsess_tui.core import ManualClock, Policy
from agentsess_tui.core.clock import DAY_MS, HOUR_MS, MINUTE_MS
from agentsess_tui.core.ids import new_session_id
from agentsess_tui.core.models import MEMORY_TYPES

if TYPE_CHECKING:
    from tui_data import Sizes

GEN_NOW = ManualClock().now_ms()  # 2026-01-15T09:00:00Z
HISTORY_MS = 60 * DAY_MS

FIRST_TITLE = "Bench: first row"
BIG_TITLE = "Bench: 100k-message transcript"
# The last message of each: unique words the benchmark waits for in the terminal output.
FIRST_LAST_TEXT = "zebra-first-row-last-message"
BIG_LAST_TEXT = "quokka-big-session-last-message"
FIRST_MESSAGES = 30
# The filter benchmark's words: about 100 history titles hold the rare one at every size.
RARE_WORD = "walrus"
FREQUENT_WORD = "review"
RARE_TITLES = 100
EXPIRING_EXTRA = 8  # expiring sessions listed right below the two benchmark rows

# Policies of the other active sessions (hours left, so they stay below the two top rows).
ACTIVE_POLICIES: tuple[dict[str, Any], ...] = (
    {},
    {"window_minutes": 180, "auto_renew": True},
    {"window_minutes": 1440, "warning_minutes": 60},
)
TOP_POLICY: dict[str, Any] = {"warning_minutes": 60}


class Text:
    """Cheap filler text: a pool of sentences from syllable-built words, drawn at random."""

    def __init__(self, rng: random.Random) -> None:
        onsets = [*"bcdfghjklmnprstvwz", "br", "ch", "st", "tr"]
        vowels = ["a", "e", "i", "o", "u", "ai", "ou"]
        codas = ["", "", "n", "r", "s", "l", "t"]
        common = "the of and to in is that for it with agent data file task test run code".split()
        words = common + [
            "".join(
                rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                for _ in range(rng.choice((1, 2, 2, 3)))
            )
            for _ in range(6_000)
        ]
        self.sentences = []
        for _ in range(20_000):
            text = " ".join(
                rng.choices(words, k=max(2, min(90, int(rng.lognormvariate(2.5, 0.7)))))
            )
            self.sentences.append(text[0].upper() + text[1:] + ".")
        self.rng = rng

    def pick(self) -> str:
        return self.sentences[self.rng.randrange(len(self.sentences))]


def session_rows(rng: random.Random, sizes: Sizes, agents: list[str]) -> list[SessionRow]:
    """The two benchmark rows first, then the other active ones, then the history."""
    rows: list[SessionRow] = []

    def live(title: str, agent_id: str, left_ms: int, variant: dict[str, Any]) -> SessionRow:
        policy = Policy(**variant)
        window = policy.window_minutes * MINUTE_MS
        expires_at = GEN_NOW + left_ms
        activated_at = expires_at - window
        renewals = 0
        if policy.auto_renew and rng.random() < 0.6:
            renewals = rng.randint(1, 12)
            activated_at -= rng.randint(0, policy.max_lifetime_minutes * MINUTE_MS - window)
        created_at = activated_at - (rng.randint(HOUR_MS, 10 * DAY_MS) if rng.random() < 0.2 else 0)
        warn_at = expires_at - policy.warning_minutes * MINUTE_MS
        return SessionRow(
            id=new_session_id(created_at),
            agent_id=agent_id,
            title=title,
            state="active",
            created_at=created_at,
            activated_at=activated_at,
            last_activity_at=rng.randint(activated_at, GEN_NOW),
            expires_at=expires_at,
            warn_at=warn_at,
            cap_at=activated_at + policy.max_lifetime_minutes * MINUTE_MS,
            renewal_count=renewals,
            resume_count=1 if created_at != activated_at else 0,
            # Expiring ones were warned already: no start-up toasts, no sweep writes.
            warned_at=min(GEN_NOW, warn_at + rng.randint(0, 60_000))
            if warn_at <= GEN_NOW
            else None,
            ended_at=None,
            end_reason=None,
            token_jti=_jti(rng),
            window_minutes=policy.window_minutes,
            policy=policy.model_dump_json(),
            end_at=GEN_NOW,
        )

    # Expiring (40 and 41 minutes left, warning 60 min): the top two rows for the whole run.
    rows.append(live(FIRST_TITLE, agents[0], 40 * MINUTE_MS, TOP_POLICY))
    rows.append(live(BIG_TITLE, agents[1], 41 * MINUTE_MS, TOP_POLICY))
    for index in range(EXPIRING_EXTRA):
        left = (42 + index) * MINUTE_MS + rng.randint(0, 59_000)
        rows.append(live(f"Expiring soon {index + 1}", rng.choice(agents), left, TOP_POLICY))
    # The other active sessions: 2 h or more left, so none turns expiring during a run.
    for index in range(sizes.active - len(rows)):
        variant = ACTIVE_POLICIES[index % len(ACTIVE_POLICIES)]
        window = Policy(**variant).window_minutes * MINUTE_MS
        left = rng.randint(2 * HOUR_MS, max(2 * HOUR_MS, window - 10 * MINUTE_MS))
        title = f"Active {rng.choice(('review', 'deploy', 'research', 'triage'))} {index + 1}"
        rows.append(live(title, rng.choice(agents), left, variant))

    default = Policy()
    window = default.window_minutes * MINUTE_MS
    rare_every = max(2, (sizes.sessions - len(rows)) // RARE_TITLES)
    while len(rows) < sizes.sessions:
        created_at = GEN_NOW - rng.randint(DAY_MS, HISTORY_MS)
        expires_at = created_at + window
        warn_at = expires_at - default.warning_minutes * MINUTE_MS
        ended = rng.random() < 0.3
        ended_at = created_at + rng.randint(MINUTE_MS, window - MINUTE_MS) if ended else None
        stop = ended_at if ended_at is not None else expires_at
        rows.append(
            SessionRow(
                id=new_session_id(created_at),
                agent_id=rng.choice(agents),
                title=f"Refund {RARE_WORD} {len(rows) + 1}"
                if len(rows) % rare_every == 0
                else f"{rng.choice(('Chat', 'Job', 'Review', 'Notes'))} {len(rows) + 1}",
                state="ended" if ended else "expired",
                created_at=created_at,
                activated_at=created_at,
                last_activity_at=rng.randint(created_at, stop),
                expires_at=expires_at,
                warn_at=warn_at,
                cap_at=created_at + default.max_lifetime_minutes * MINUTE_MS,
                renewal_count=0,
                resume_count=0,
                warned_at=warn_at if warn_at <= stop else None,
                ended_at=ended_at,
                end_reason="ended by user" if ended else None,
                token_jti=_jti(rng),
                window_minutes=default.window_minutes,
                policy=default.model_dump_json(),
                end_at=stop,
            )
        )
    return rows


def _jti(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits, k=16))


MESSAGE_COLUMNS = "session_id, role, content, created_at"
ROLES = ("user", "assistant", "assistant", "tool", "user")


def insert_messages(
    load: BulkLoad,
    rng: random.Random,
    text: Text,
    sizes: Sizes,
    sessions: list[SessionRow],
    first: SessionRow,
    big: SessionRow,
) -> None:
    others = sessions[2:]
    weights = [rng.lognormvariate(0, 1) for _ in others]
    spread = sizes.messages - sizes.big_session_messages - FIRST_MESSAGES
    owners = rng.choices(others, weights, k=spread)
    owners += [big] * (sizes.big_session_messages - 1)
    owners += [first] * (FIRST_MESSAGES - 1)
    # Chats interleave in time and ids follow time, as in real use.
    stamped = sorted(
        (rng.randint(s.created_at, max(s.created_at, s.end_at - 120_000)), s.id) for s in owners
    )
    del owners
    for start in range(0, len(stamped), BATCH):
        chunk = stamped[start : start + BATCH]
        rows = [(sid, rng.choice(ROLES), text.pick(), at) for at, sid in chunk]
        load.insert("messages", MESSAGE_COLUMNS, rows)
    # The last message of each benchmark row: the newest ids, unique text, a user's plain text.
    load.insert(
        "messages",
        MESSAGE_COLUMNS,
        [
            (first.id, "user", f"{FIRST_LAST_TEXT} (end of the short chat)", GEN_NOW - 60_000),
            (big.id, "user", f"{BIG_LAST_TEXT} (end of 100k messages)", GEN_NOW - 30_000),
        ],
    )


def insert_memories(
    load: BulkLoad,
    rng: random.Random,
    text: Text,
    sizes: Sizes,
    sessions: list[SessionRow],
) -> None:
    rows = []
    for _ in range(sizes.memories):
        origin = rng.choice(sessions)
        content = text.pick()
        at = rng.randint(origin.created_at, origin.end_at)
        title = content if len(content) <= 50 else content[:49] + "…"
        rows.append(
            (
                origin.agent_id,
                origin.id,
                rng.choice(MEMORY_TYPES),
                title,
                content,
                "[]",
                round(rng.uniform(0.3, 1.0), 2),
                "active",
                at,
                at,
            )
        )
    rows.sort(key=lambda r: r[8])
    load.insert(
        "memories",
        "agent_id, session_id, type, title, content, tags, confidence, status, created_at, "
        "updated_at",
        rows,
    )
