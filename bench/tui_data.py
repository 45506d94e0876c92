"""The TUI benchmark's database: 10,000 sessions and 1,000,000 messages at `--scale 1`.

Up to `--scale 100` (1,000,000 sessions) only the history grows: messages, memories and live
sessions stay at their scale-1 sizes, as for a support team whose bot opens a session per
ticket. About 100 history titles hold the rare word `walrus` at every scale (the filter
benchmark); a quarter start with `Review` (a frequent word).

One session holds 100,000 messages. The sidebar's default order (expiring first, then by expiry)
puts two known sessions on top: row 1, a short chat, and row 2, the 100k-message one, so the
benchmark reaches it with one arrow key. Every active session's countdown ticks; a handful are
in the expiring phase (already warned, so no start-up toasts), the rest have hours left.

The schema comes from the real migrations (a `Store` opens the new file); rows are bulk-inserted
with raw `executemany`, with the FTS triggers dropped during the load and the indexes rebuilt
with FTS5's `rebuild` (then the triggers are recreated from the SQL the migration stored).

Times are generated relative to a fixed `GEN_NOW`, and the file is cached under `bench/data/`
keyed by `DATA_VERSION`, the schema's migrations and the scale (a new migration means a new
file: rows inserted under the old schema would miss what its triggers maintain). Each
benchmark run works on a copy whose times are moved by `now - GEN_NOW` (`working_copy`), so
the cached file never goes stale and never changes.

    python bench/tui_data.py [--scale 0.01 … 100] [--rebuild]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sqlite3
import string
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bulk import (
    BATCH,
    SESSION_COLUMNS,
    BulkLoad,
    Dataset,
    SessionRow,
    cached_build,
    remove_db,
    timeline,
)

from agentsess_tui.core import ManualClock, Policy, Store
from agentsess_tui.core.clock import DAY_MS, HOUR_MS, MINUTE_MS
from agentsess_tui.core.ids import new_session_id, use_random
from agentsess_tui.core.models import MEMORY_TYPES
from agentsess_tui.core.schema import MIGRATIONS

# Bump when the generated data changes shape: old cached files are then ignored.
DATA_VERSION = 3
GEN_NOW = ManualClock().now_ms()  # 2026-01-15T09:00:00Z
DATA_DIR = Path(__file__).resolve().parent / "data"
HISTORY_MS = 60 * DAY_MS

FIRST_TITLE = "Bench: first row"
BIG_TITLE = "Bench: 100k-message transcript"
# The last message of each: unique words the benchmark waits for in the terminal output.
FIRST_LAST_TEXT = "zebra-first-row-last-message"
BIG_LAST_TEXT = "quokka-big-session-last-message"
FIRST_MESSAGES = 30
MAX_SCALE = 100
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
SESSION_TIME_COLUMNS = (
    "created_at",
    "activated_at",
    "last_activity_at",
    "expires_at",
    "warn_at",
    "cap_at",
    "warned_at",
    "ended_at",
)


@dataclass(frozen=True)
class Sizes:
    scale: float
    agents: int
    sessions: int
    active: int
    messages: int
    big_session_messages: int
    memories: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        if not 0 < scale <= MAX_SCALE:
            raise SystemExit(f"--scale must be in (0, {MAX_SCALE}], got {scale}")
        sessions = max(20, round(10_000 * scale))
        # Beyond scale 1 only the history grows.
        small = min(scale, 1.0)
        messages = max(400, round(1_000_000 * small))
        return cls(
            scale=scale,
            agents=max(4, min(40, round(40 * small**0.5))),
            sessions=sessions,
            active=max(EXPIRING_EXTRA + 4, min(sessions // 2, round(300 * small))),
            messages=messages,
            big_session_messages=min(messages // 2, max(100, round(100_000 * small))),
            memories=max(50, round(20_000 * small)),
        )

    @property
    def tag(self) -> str:
        return f"tui-v{DATA_VERSION}-{schema_tag()}-s{self.scale:g}".replace(".", "_")


def schema_tag() -> str:
    """Short fingerprint of the migrations the current code applies."""
    names = ",".join(migration.__name__ for migration in MIGRATIONS)
    return (
        f"m{len(MIGRATIONS)}{hashlib.sha1(names.encode(), usedforsecurity=False).hexdigest()[:6]}"
    )


def ensure_dataset(
    data_dir: Path,
    scale: float,
    *,
    rebuild: bool = False,
    log: Callable[[str], None] = print,
) -> Dataset:
    """The cached database for `scale`, built first when missing (or when `rebuild`)."""
    sizes = Sizes.for_scale(scale)
    return cached_build(
        data_dir / f"{sizes.tag}.db",
        data_dir / f"{sizes.tag}.json",
        lambda path: build(path, sizes, log),
        rebuild=rebuild,
        log=log,
    )


def working_copy(dataset: Dataset, dest: Path, now_ms: int) -> float:
    """Copy the cached file to `dest` and move every time by `now - GEN_NOW`.

    Returns the seconds it took. Runs write to the copy (sweeps, the external-write test),
    never to the cache.
    """
    started = time.perf_counter()
    remove_db(dest)
    shutil.copyfile(dataset.path, dest)
    delta = now_ms - GEN_NOW
    conn = sqlite3.connect(dest, isolation_level=None)
    # Rewriting every message row through the WAL would double the work: rollback journal off
    # for this one-off rewrite of a throw-away copy, WAL again afterwards (the app needs it).
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    # At a million sessions the UPDATE moves entries of several indexes at random: with the
    # default 2 MB cache it rewrote tens of GB; the whole file fits in this cache.
    conn.execute("PRAGMA cache_size = -2000000")
    conn.execute("BEGIN")
    moved = ", ".join(f"{c} = {c} + :d" for c in SESSION_TIME_COLUMNS)
    conn.execute(f"UPDATE sessions SET {moved}", {"d": delta})  # noqa: S608 (fixed names)
    conn.execute("UPDATE agents SET created_at = created_at + :d", {"d": delta})
    conn.execute("UPDATE events SET at = at + :d", {"d": delta})
    conn.execute("UPDATE messages SET created_at = created_at + :d", {"d": delta})
    conn.execute(
        "UPDATE memories SET created_at = created_at + :d, updated_at = updated_at + :d",
        {"d": delta},
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    return time.perf_counter() - started


# -- building ----------------------------------------------------------------------------------


class _Text:
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


def build(path: Path, sizes: Sizes, log: Callable[[str], None]) -> dict[str, Any]:
    rng = random.Random(20260115)
    use_random(random.Random(7))  # reproducible session ids
    t0 = time.perf_counter()

    def step(what: str) -> None:
        log(f"  {time.perf_counter() - t0:6.1f} s  {what}")

    log(f"building {path.name}: {sizes}")
    store = Store(path, clock=ManualClock(GEN_NOW - HISTORY_MS - DAY_MS), key=b"bench" * 8)
    agents = [f"agent-{i:02d}" for i in range(sizes.agents)]
    for agent_id in agents:
        store.add_agent(agent_id, f"Bench agent {agent_id[6:]}")
    store.close()
    step(f"schema and {len(agents)} agents through the Store")

    load = BulkLoad(path)
    conn = load.conn

    sessions = _sessions(rng, sizes, agents)
    first, big = sessions[0], sessions[1]
    load.insert("sessions", SESSION_COLUMNS, [s.values for s in sessions])
    load.insert("events", "session_id, at, kind, detail", timeline(sessions))
    step(f"{len(sessions)} sessions and their events")

    text = _Text(rng)
    _insert_messages(load, rng, text, sizes, sessions, first, big)
    step(f"{sizes.messages} messages")
    _insert_memories(load, rng, text, sizes, sessions)
    step(f"{sizes.memories} memories")
    load.finish(step)
    conn.execute("ANALYZE")
    counts = {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in ("agents", "sessions", "messages", "memories", "events")
    }
    counts["active_sessions"] = conn.execute(
        "SELECT count(*) FROM sessions WHERE state = 'active'"
    ).fetchone()[0]
    counts["big_session_messages"] = conn.execute(
        "SELECT count(*) FROM messages WHERE session_id = ?", (big.id,)
    ).fetchone()[0]
    conn.close()
    use_random(None)
    return {
        "data_version": DATA_VERSION,
        "schema": [migration.__name__ for migration in MIGRATIONS],
        "scale": sizes.scale,
        "gen_now": GEN_NOW,
        "sizes": asdict(sizes),
        "counts": counts,
        "first_session": {"id": first.id, "title": first.title, "last_text": FIRST_LAST_TEXT},
        "big_session": {"id": big.id, "title": big.title, "last_text": BIG_LAST_TEXT},
        "filter": {"rare": RARE_WORD, "frequent": FREQUENT_WORD},
    }


def _sessions(rng: random.Random, sizes: Sizes, agents: list[str]) -> list[SessionRow]:
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


def _insert_messages(
    load: BulkLoad,
    rng: random.Random,
    text: _Text,
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


def _insert_memories(
    load: BulkLoad,
    rng: random.Random,
    text: _Text,
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    dataset = ensure_dataset(args.data_dir, args.scale, rebuild=args.rebuild)
    print(json.dumps({"path": str(dataset.path), **dataset.info}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
