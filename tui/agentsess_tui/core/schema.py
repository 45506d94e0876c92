"""The database schema, as ordered `sqlite_utils` migrations.

Each migration is a small function applied once, in its own transaction, and recorded in
`_sqlite_migrations`. Opening an up-to-date database only reads that table: sqlite-utils is
imported when something is pending, which keeps start-up fast.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from sqlite_utils import Database

    from .db import Database as CoreDatabase

MIGRATION_SET = "agentsess"


def m001_initial(db: Database) -> None:
    _run_script(
        db,
        """
        CREATE TABLE agents (
            id          TEXT PRIMARY KEY,
            name        TEXT NOT NULL,
            policy      TEXT NOT NULL DEFAULT '{}',   -- the agent's overrides only
            created_at  INTEGER NOT NULL
        );

        CREATE TABLE sessions (
            id               TEXT PRIMARY KEY,
            agent_id         TEXT NOT NULL REFERENCES agents(id),
            title            TEXT NOT NULL,
            state            TEXT NOT NULL CHECK (state IN ('active', 'expired', 'ended')),
            created_at       INTEGER NOT NULL,
            activated_at     INTEGER NOT NULL,
            last_activity_at INTEGER NOT NULL,
            expires_at       INTEGER NOT NULL,
            -- expires_at - warning: stored so the warning sweep is one indexed range scan.
            warn_at          INTEGER NOT NULL,
            -- activated_at + max lifetime: the hard cap, and the token's exp.
            cap_at           INTEGER NOT NULL,
            renewal_count    INTEGER NOT NULL DEFAULT 0,
            resume_count     INTEGER NOT NULL DEFAULT 0,
            warned_at        INTEGER,
            ended_at         INTEGER,
            end_reason       TEXT,
            token_jti        TEXT NOT NULL,
            -- a copy of policy.window_minutes: the sidebar's bar needs it for every row.
            window_minutes   INTEGER NOT NULL,
            policy           TEXT NOT NULL,
            metadata         TEXT NOT NULL DEFAULT '{}',
            CHECK (expires_at <= cap_at)
        );
        -- The sidebar's order (state, then time left) and the sweeps.
        CREATE INDEX sessions_state_expires ON sessions(state, expires_at);
        -- Steady-state sweeps touch only live sessions: tiny partial indexes.
        CREATE INDEX sessions_live_expires ON sessions(expires_at) WHERE state = 'active';
        CREATE INDEX sessions_live_unwarned ON sessions(warn_at)
            WHERE state = 'active' AND warned_at IS NULL;
        -- single_active looks up an agent's live sessions.
        CREATE INDEX sessions_agent_state ON sessions(agent_id, state);

        CREATE TABLE messages (
            id          INTEGER PRIMARY KEY,
            session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            role        TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
            content     TEXT NOT NULL,
            created_at  INTEGER NOT NULL,
            metadata    TEXT NOT NULL DEFAULT '{}'
        );
        -- Keyset paging of a transcript: last page and older pages in well under a millisecond.
        CREATE INDEX messages_session_id ON messages(session_id, id);

        CREATE TABLE memories (
            id          INTEGER PRIMARY KEY,
            agent_id    TEXT NOT NULL REFERENCES agents(id),
            -- origin session; NULL once that session is deleted (memories outlive sessions).
            session_id  TEXT REFERENCES sessions(id) ON DELETE SET NULL,
            type        TEXT NOT NULL,
            title       TEXT NOT NULL,
            content     TEXT NOT NULL,
            tags        TEXT NOT NULL DEFAULT '[]',
            confidence  REAL NOT NULL DEFAULT 0.8 CHECK (confidence BETWEEN 0 AND 1),
            status      TEXT NOT NULL DEFAULT 'active'
                        CHECK (status IN ('active', 'superseded', 'deleted')),
            created_at  INTEGER NOT NULL,
            updated_at  INTEGER NOT NULL
        );
        CREATE INDEX memories_agent_status ON memories(agent_id, status, id);
        -- Counting memories made in a session, and SET NULL on delete, without a table scan.
        CREATE INDEX memories_session ON memories(session_id);

        CREATE TABLE events (
            id          INTEGER PRIMARY KEY,
            session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            at          INTEGER NOT NULL,
            kind        TEXT NOT NULL,
            detail      TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_session ON events(session_id, id);
        """,
    )
    # Full-text search. External-content FTS5 tables kept in sync by triggers; prefix indexes so
    # search-as-you-type on 2–3 letters stays fast over a million memories.
    _run_script(
        db,
        """
        CREATE VIRTUAL TABLE memories_fts USING fts5(
            title, content, tags,
            content='memories', content_rowid='id',
            prefix='2 3', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER memories_fts_ai AFTER INSERT ON memories BEGIN
            INSERT INTO memories_fts(rowid, title, content, tags)
            VALUES (new.id, new.title, new.content, new.tags);
        END;
        CREATE TRIGGER memories_fts_ad AFTER DELETE ON memories BEGIN
            INSERT INTO memories_fts(memories_fts, rowid, title, content, tags)
            VALUES ('delete', old.id, old.title, old.content, old.tags);
        END;
        CREATE TRIGGER memories_fts_au AFTER UPDATE OF title, content, tags ON memories BEGIN
            INSERT INTO memories_fts(memories_fts, rowid, title, content, tags)
            VALUES ('delete', old.id, old.title, old.content, old.tags);
            INSERT INTO memories_fts(rowid, title, content, tags)
            VALUES (new.id, new.title, new.content, new.tags);
        END;

        CREATE VIRTUAL TABLE messages_fts USING fts5(
            content,
            content='messages', content_rowid='id',
            prefix='3', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
        END;
        CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content)
            VALUES ('delete', old.id, old.content);
        END;
        CREATE TRIGGER messages_fts_au AFTER UPDATE OF content ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content)
            VALUES ('delete', old.id, old.content);
            INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
        END;
        """,
    )


def _run_script(db: Database, script: str) -> None:
    """Run statements one by one: `executescript` would COMMIT the migration's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement.strip()[:60]}")


def m002_change_tracking(db: Database) -> None:
    """Let clients fetch only the sessions that changed since they last looked.

    Every insert or update of a session stamps it with the next value of one counter;
    deletions leave a tombstone. A client keeps the highest value it has seen and asks for
    what is newer: with 10,000 sessions and agents writing every second, reloading them all
    on each change would cost far more than the change.
    """
    _run_script(
        db,
        """
        ALTER TABLE sessions ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE change_log (
            id   INTEGER PRIMARY KEY CHECK (id = 1),
            seq  INTEGER NOT NULL
        );
        -- Sessions that exist already count as changed at stamp 1.
        INSERT INTO change_log (id, seq) VALUES (1, 1);
        UPDATE sessions SET change_seq = 1;
        CREATE TABLE deleted_sessions (
            id          TEXT PRIMARY KEY,
            change_seq  INTEGER NOT NULL
        );
        CREATE TRIGGER sessions_changed_ai AFTER INSERT ON sessions BEGIN
            UPDATE change_log SET seq = seq + 1 WHERE id = 1;
            UPDATE sessions SET change_seq = (SELECT seq FROM change_log WHERE id = 1)
            WHERE id = new.id;
            DELETE FROM deleted_sessions WHERE id = new.id;
        END;
        -- Statements that stamp change_seq themselves (the sweep's bulk updates) skip this.
        CREATE TRIGGER sessions_changed_au AFTER UPDATE ON sessions
        WHEN new.change_seq = old.change_seq BEGIN
            UPDATE change_log SET seq = seq + 1 WHERE id = 1;
            UPDATE sessions SET change_seq = (SELECT seq FROM change_log WHERE id = 1)
            WHERE id = new.id;
        END;
        CREATE TRIGGER sessions_changed_ad AFTER DELETE ON sessions BEGIN
            UPDATE change_log SET seq = seq + 1 WHERE id = 1;
            INSERT OR REPLACE INTO deleted_sessions (id, change_seq)
            VALUES (old.id, (SELECT seq FROM change_log WHERE id = 1));
        END;
        -- single_active looks sessions up by agent; state is checked on the few rows found.
        -- Leaving state out of this index spares every state change (and a mass expiry
        -- sweep) one index rewrite per row.
        DROP INDEX sessions_agent_state;
        CREATE INDEX sessions_agent ON sessions(agent_id);
        """,
    )


# The first character of a memory's agent token in the full-text index: a private-use code
# point, a letter to the tokenizer, which user queries never contain (fts_query drops it), so
# no word a user types can match an agent token.
AGENT_TOKEN_MARK = "\ue000"  # noqa: S105 (a tokenizer mark, not a password)


def agent_token(agent_id: str) -> str:
    """The single FTS token that stands for `agent_id` (the same as the SQL in m003)."""
    return AGENT_TOKEN_MARK + agent_id.encode().hex()


def m003_agent_in_memory_index(db: Database) -> None:
    """Index each memory's agent alongside its words, so an agent-filtered search lets FTS5
    intersect the agent's postings with the word's instead of walking every memory that holds
    a frequent word (`the` is in most of them) to find the agent's few.

    The index reads its rows from a view that adds the agent token; bm25 gives that column
    no weight, so ranking is as before.
    """
    _run_script(
        db,
        """
        DROP TRIGGER memories_fts_ai;
        DROP TRIGGER memories_fts_ad;
        DROP TRIGGER memories_fts_au;
        DROP TABLE memories_fts;
        CREATE VIEW memories_fts_source AS
            SELECT id, title, content, tags, char(57344) || lower(hex(agent_id)) AS agent
            FROM memories;
        CREATE VIRTUAL TABLE memories_fts USING fts5(
            title, content, tags, agent,
            content='memories_fts_source', content_rowid='id',
            prefix='2 3', tokenize='unicode61 remove_diacritics 2'
        );
        INSERT INTO memories_fts(memories_fts) VALUES ('rebuild');
        CREATE TRIGGER memories_fts_ai AFTER INSERT ON memories BEGIN
            INSERT INTO memories_fts(rowid, title, content, tags, agent)
            VALUES (new.id, new.title, new.content, new.tags,
                    char(57344) || lower(hex(new.agent_id)));
        END;
        CREATE TRIGGER memories_fts_ad AFTER DELETE ON memories BEGIN
            INSERT INTO memories_fts(memories_fts, rowid, title, content, tags, agent)
            VALUES ('delete', old.id, old.title, old.content, old.tags,
                    char(57344) || lower(hex(old.agent_id)));
        END;
        CREATE TRIGGER memories_fts_au AFTER UPDATE OF title, content, tags, agent_id ON memories
        BEGIN
            INSERT INTO memories_fts(memories_fts, rowid, title, content, tags, agent)
            VALUES ('delete', old.id, old.title, old.content, old.tags,
                    char(57344) || lower(hex(old.agent_id)));
            INSERT INTO memories_fts(rowid, title, content, tags, agent)
            VALUES (new.id, new.title, new.content, new.tags,
                    char(57344) || lower(hex(new.agent_id)));
        END;
        """,
    )


def m004_api_keys(db: Database) -> None:
    """API keys for `agentsess serve` and MCP over HTTP (core/repo/keys.py).

    Only a SHA-256 hash of each key is kept (a key is 256 random bits, so a plain hash cannot
    be brute-forced) with a short prefix that tells keys apart in `keys ls`. `agents` is a
    JSON list; empty means every agent. A revoked key keeps its row for audit.
    """
    _run_script(
        db,
        """
        CREATE TABLE api_keys (
            id          INTEGER PRIMARY KEY,
            name        TEXT NOT NULL UNIQUE,
            prefix      TEXT NOT NULL,
            hash        TEXT NOT NULL UNIQUE,
            agents      TEXT NOT NULL DEFAULT '[]',
            created_at  INTEGER NOT NULL,
            revoked_at  INTEGER
        );
        """,
    )


def m005_memory_vectors(db: Database) -> None:
    """Recall by meaning: a vector beside each memory (core/semantic/vectors.py).

    Vectors are tagged with the model (name and dimension) that made them: after a model
    change the old ones are ignored until `agentsess memory reindex` replaces them. The
    running sum and count per model give the mean that search subtracts. Editing a memory's
    words drops its vectors, so a stale vector never ranks new text; the next recall or a
    reindex makes new ones. Existing memories are indexed by `memory reindex` or, a couple of
    thousand at a time, by the recalls that need them: the migration itself is instant.
    """
    _run_script(
        db,
        """
        CREATE TABLE vector_models (
            id     INTEGER PRIMARY KEY,
            name   TEXT NOT NULL,
            dim    INTEGER NOT NULL CHECK (dim > 0),
            total  BLOB NOT NULL,              -- float64 sum of the stored unit vectors
            count  INTEGER NOT NULL DEFAULT 0,
            UNIQUE (name, dim)
        );
        -- One row per memory (a new model's vector replaces the old one). `seq` grows with
        -- every write, so a process holding the vectors in memory reads only newer rows.
        CREATE TABLE memory_vectors (
            seq        INTEGER PRIMARY KEY,
            memory_id  INTEGER NOT NULL UNIQUE REFERENCES memories(id) ON DELETE CASCADE,
            model_id   INTEGER NOT NULL REFERENCES vector_models(id),
            vec        BLOB NOT NULL               -- int8, one byte per dimension
        );
        -- What in-memory copies check before each search: `version` moves on every change,
        -- `removals` only when rows go away (then a copy is rebuilt, not extended).
        CREATE TABLE vector_state (
            id        INTEGER PRIMARY KEY CHECK (id = 1),
            version   INTEGER NOT NULL,
            removals  INTEGER NOT NULL
        );
        INSERT INTO vector_state (id, version, removals) VALUES (1, 0, 0);
        CREATE TRIGGER memory_vectors_ai AFTER INSERT ON memory_vectors BEGIN
            UPDATE vector_state SET version = version + 1 WHERE id = 1;
        END;
        CREATE TRIGGER memory_vectors_ad AFTER DELETE ON memory_vectors BEGIN
            UPDATE vector_state SET version = version + 1, removals = removals + 1 WHERE id = 1;
        END;
        CREATE TRIGGER memory_vectors_stale AFTER UPDATE OF title, content ON memories
        WHEN new.title IS NOT old.title OR new.content IS NOT old.content BEGIN
            DELETE FROM memory_vectors WHERE memory_id = new.id;
        END;
        -- The memory a near-duplicate replaced (consolidation), NULL for most.
        ALTER TABLE memories ADD COLUMN supersedes INTEGER REFERENCES memories(id)
            ON DELETE SET NULL;
        """,
    )


def m006_sidebar_listing(db: Database) -> None:
    """The sidebar at any size: counts, order and filter from indexes, never from every row.

    History (expired and ended sessions) is listed most recent first, ties by id: one partial
    index per state (and per agent, for the agent order) serves each run of the sidebar
    already sorted, so a page costs the same at a million sessions as at ten. Counts per agent
    and state are kept by triggers, so the header never counts rows. Titles, agents and ids
    are in a trigram full-text index: the filter's substring match is an index lookup.
    Each partial index costs one extra index write when a session expires or ends.
    """
    _run_script(
        db,
        """
        CREATE INDEX sessions_expired_recent ON sessions(expires_at DESC, id)
            WHERE state = 'expired';
        CREATE INDEX sessions_ended_recent ON sessions(ended_at DESC, id)
            WHERE state = 'ended';
        CREATE INDEX sessions_agent_expired ON sessions(agent_id, expires_at DESC, id)
            WHERE state = 'expired';
        CREATE INDEX sessions_agent_ended ON sessions(agent_id, ended_at DESC, id)
            WHERE state = 'ended';
        CREATE INDEX sessions_activity ON sessions(last_activity_at DESC, id);

        CREATE TABLE session_counts (
            agent_id  TEXT NOT NULL,
            state     TEXT NOT NULL,
            n         INTEGER NOT NULL,
            PRIMARY KEY (agent_id, state)
        ) WITHOUT ROWID;
        INSERT INTO session_counts (agent_id, state, n)
            SELECT agent_id, state, count(*) FROM sessions GROUP BY agent_id, state;
        CREATE TRIGGER sessions_count_ai AFTER INSERT ON sessions BEGIN
            INSERT INTO session_counts (agent_id, state, n) VALUES (new.agent_id, new.state, 1)
            ON CONFLICT (agent_id, state) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER sessions_count_ad AFTER DELETE ON sessions BEGIN
            UPDATE session_counts SET n = n - 1
            WHERE agent_id = old.agent_id AND state = old.state;
        END;
        CREATE TRIGGER sessions_count_au AFTER UPDATE OF state, agent_id ON sessions
        WHEN new.state IS NOT old.state OR new.agent_id IS NOT old.agent_id BEGIN
            UPDATE session_counts SET n = n - 1
            WHERE agent_id = old.agent_id AND state = old.state;
            INSERT INTO session_counts (agent_id, state, n) VALUES (new.agent_id, new.state, 1)
            ON CONFLICT (agent_id, state) DO UPDATE SET n = n + 1;
        END;

        CREATE VIRTUAL TABLE sessions_fts USING fts5(
            title, agent_id, id, content='sessions', tokenize='trigram'
        );
        INSERT INTO sessions_fts(sessions_fts) VALUES ('rebuild');
        CREATE TRIGGER sessions_fts_ai AFTER INSERT ON sessions BEGIN
            INSERT INTO sessions_fts(rowid, title, agent_id, id)
            VALUES (new.rowid, new.title, new.agent_id, new.id);
        END;
        CREATE TRIGGER sessions_fts_ad AFTER DELETE ON sessions BEGIN
            INSERT INTO sessions_fts(sessions_fts, rowid, title, agent_id, id)
            VALUES ('delete', old.rowid, old.title, old.agent_id, old.id);
        END;
        CREATE TRIGGER sessions_fts_au AFTER UPDATE OF title, agent_id ON sessions BEGIN
            INSERT INTO sessions_fts(sessions_fts, rowid, title, agent_id, id)
            VALUES ('delete', old.rowid, old.title, old.agent_id, old.id);
            INSERT INTO sessions_fts(rowid, title, agent_id, id)
            VALUES (new.rowid, new.title, new.agent_id, new.id);
        END;
        """,
    )


# The full-text indexes a write updates (through the triggers above).
TEXT_INDEXES = ("messages_fts", "memories_fts", "sessions_fts")


def m007_text_index_merges(db: Database) -> None:
    """No full-text merge inside a write: FTS5's automerge made every 64th write or so of a
    busy server wait 50–160 ms while it merged segments (bench/results/server.md). Long-
    running processes merge a little at a time instead (`Store.merge_text_indexes`); without
    them FTS5 still merges when 16 segments pile up on a level (its crisis merge)."""
    for table in TEXT_INDEXES:
        db.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)")  # noqa: S608 (fixed names)


def m008_change_index(db: Database) -> None:
    """The change feed reads only what changed. `sidebar_changes` asks for the sessions
    stamped after a given stamp, and without an index that read every row: 22 ms at 100,000
    sessions, in every open TUI, for each change another process made. A stamp only grows,
    so new entries go to the end of the index."""
    db.execute("CREATE INDEX sessions_change_seq ON sessions(change_seq)")


def m009_agent_history_by_expiry(db: Database) -> None:
    """The agent order's expired runs from an index of every session, not only the expired.

    A session that expires keeps its agent and its expiry, so an entry in an index of every
    session stays where it is. In the partial index of expired sessions (m006) each expiry
    was a new entry in its agent's part of the index: a mass expiry's chunk of 500 sessions,
    spread over the agents, wrote some 300 of its pages, half of the chunk's time (trials on a
    copy of bench/core.py's database: 100k overdue sessions in 6.8 s, 3.7 s with this). A
    page of an agent's expired run now skips that agent's live and ended sessions, whose
    state the table gives."""
    _run_script(
        db,
        """
        DROP INDEX sessions_agent_expired;
        CREATE INDEX sessions_agent_expires ON sessions(agent_id, expires_at DESC, id);
        """,
    )


def m010_bulk_expiry_counts(db: Database) -> None:
    """A mass expiry counts its sessions per agent once a chunk, not once a session.

    The per-agent state counts (m006) were kept by a trigger that ran two statements for each
    session changing state: ~3 ms of a 15 ms mass-expiry chunk of 500 (each statement timed
    apart on a copy of bench/core.py's database); the chunk's own two count statements take
    1.2 ms. Statements that
    stamp `change_seq` themselves, which only the sweep's bulk updates do and which already
    skip the per-row change trigger (m002), now skip this one too and adjust the counts with
    one statement per chunk (repo/sweep.py). Every other update still goes through it.

    `sessions_agent` (m002) goes: `sessions_agent_expires` (m009) starts with the agent too and
    serves the same lookups, so every new session wrote one index entry too many."""
    _run_script(
        db,
        """
        DROP TRIGGER sessions_count_au;
        CREATE TRIGGER sessions_count_au AFTER UPDATE OF state, agent_id ON sessions
        WHEN (new.state IS NOT old.state OR new.agent_id IS NOT old.agent_id)
            AND new.change_seq = old.change_seq BEGIN
            UPDATE session_counts SET n = n - 1
            WHERE agent_id = old.agent_id AND state = old.state;
            INSERT INTO session_counts (agent_id, state, n) VALUES (new.agent_id, new.state, 1)
            ON CONFLICT (agent_id, state) DO UPDATE SET n = n + 1;
        END;
        DROP INDEX sessions_agent;
        """,
    )


MIGRATIONS: list[Callable[[Database], None]] = [
    m001_initial,
    m002_change_tracking,
    m003_agent_in_memory_index,
    m004_api_keys,
    m005_memory_vectors,
    m006_sidebar_listing,
    m007_text_index_merges,
    m008_change_index,
    m009_agent_history_by_expiry,
    m010_bulk_expiry_counts,
]


def schema_version_code(version: str) -> int:
    """`1.2.3` as 1_002_003, the `PRAGMA user_version` a release writes with its schema, so
    an older release can say which version wrote a database it cannot use."""
    parts = [int(part) if part.isdigit() else 0 for part in version.split(".")[:3]]
    major, minor, patch = (parts + [0, 0, 0])[:3]
    return major * 1_000_000 + min(minor, 999) * 1000 + min(patch, 999)


def version_of_code(code: int) -> str | None:
    if code <= 0:
        return None
    return f"{code // 1_000_000}.{code // 1000 % 1000}.{code % 1000}"


def _our_version() -> str:
    from agentsess_tui import __version__

    return __version__


# Tables every agentsess database has once its first migration ran.
OUR_TABLES = {"_sqlite_migrations", "agents", "sessions", "messages", "memories", "events"}
# What this version reads from each table: an older or foreign layout is refused up front
# instead of failing later on a missing column.
REQUIRED_COLUMNS = {
    "agents": "id, name, policy, created_at",
    "sessions": "id, agent_id, title, state, created_at, activated_at, last_activity_at, "
    "expires_at, warn_at, cap_at, renewal_count, resume_count, warned_at, ended_at, "
    "end_reason, token_jti, window_minutes, policy, metadata, change_seq",
    "messages": "id, session_id, role, content, created_at, metadata",
    "memories": "id, agent_id, session_id, type, title, content, tags, confidence, status, "
    "created_at, updated_at, supersedes",
    "events": "id, session_id, at, kind, detail",
    "vector_models": "id, name, dim, total, count",
    "memory_vectors": "seq, memory_id, model_id, vec",
    "vector_state": "id, version, removals",
    "session_counts": "agent_id, state, n",
}


def check_compatible(conn: sqlite3.Connection, path: object) -> None:
    """Refuse, before anything is written (not even the switch to WAL), a database this
    version must not touch: another program's, one with our table names but no agentsess
    migrations, or one a newer agentsess wrote (it has migrations this version lacks)."""
    from .errors import StorageError

    tables = {
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    if not tables:
        return  # a new database
    pick = "Pick a new or agentsess database file with --db or AGENTSESS_DB."
    try:
        names = applied_names(conn) if tables >= OUR_TABLES else set()
    except sqlite3.OperationalError:  # a `_sqlite_migrations` that is not sqlite-utils'
        names = set()
    if not names:
        example = sorted(tables - OUR_TABLES or tables)[0]
        raise StorageError(
            f"{path} is an SQLite database of another program (it has tables such as "
            f"{example!r}); agentsess leaves it untouched.",
            hint=pick,
        )
    unknown = sorted(names - {fn.__name__ for fn in MIGRATIONS})
    if unknown:
        code = int(conn.execute("PRAGMA user_version").fetchone()[0])
        writer = version_of_code(code)
        newer = writer and code > schema_version_code(_our_version())
        by = f"agentsess {writer}" if newer else "a newer agentsess"
        raise StorageError(
            f"{path} was written by {by}, newer than this agentsess {_our_version()} "
            f"(its schema has {unknown[0]}); it was left untouched.",
            hint=f"Upgrade agentsess to use it, or {pick[0].lower()}{pick[1:]}",
        )


def check_columns(conn: sqlite3.Connection, path: object) -> None:
    """Every column this version reads exists (preparing the statements reads no rows)."""
    from .errors import StorageError

    if path is None:  # name the file: "which database?" comes first with several in use
        path = next(
            (row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"), ""
        )
        path = path or "The database"

    for table, columns in REQUIRED_COLUMNS.items():
        try:
            conn.execute(f"SELECT {columns} FROM {table} LIMIT 0")  # noqa: S608 (constants)
        except sqlite3.OperationalError as exc:
            raise StorageError(
                f"{path} has an incompatible agentsess schema ({table}: {exc}).",
                hint="It was changed by hand or by another program; move it aside and start "
                "a new database, or pick another file with --db.",
            ) from None


def open_current(
    path: Path,
    busy_timeout_ms: int,
    readonly: bool,
    on_upgrade: Callable[[list[str]], None] | None,
) -> CoreDatabase:
    """The database at `path` with this version's schema. `readonly` opens it `mode=ro`
    unless an upgrade is pending: the one-time upgrade writes, so it opens as usual for it."""
    from .db import Database as Opened
    from .sqlite_errors import translate

    db = Opened(path, busy_timeout_ms, readonly=readonly)
    try:
        if db.readonly and not {fn.__name__ for fn in MIGRATIONS} <= applied_names(db.conn()):
            db.close()
            db = Opened(path, busy_timeout_ms)
        ensure_schema(db.conn(), on_upgrade, path)
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    return db


def applied_names(conn: sqlite3.Connection) -> set[str]:
    try:
        rows = conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,)
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return set()
        raise
    return {row[0] for row in rows}


def ensure_schema(
    conn: sqlite3.Connection,
    on_upgrade: Callable[[list[str]], None] | None = None,
    path: object = None,
) -> None:
    """Apply pending migrations under one `BEGIN IMMEDIATE` (safe with concurrent openers).

    `on_upgrade` hears the pending migrations' names first when an existing database is
    upgraded (re-indexing a million memories takes half a minute), not when one is created.
    """
    wanted = {fn.__name__ for fn in MIGRATIONS}
    applied = applied_names(conn)
    if wanted <= applied:
        check_columns(conn, path)
        return
    if applied and on_upgrade is not None:
        on_upgrade([fn.__name__ for fn in MIGRATIONS if fn.__name__ not in applied])
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for fn in MIGRATIONS:
        migrations()(fn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Inside our transaction sqlite-utils nests each migration in a savepoint.
        migrations.apply(Database(conn, execute_plugins=False))
        conn.execute(f"PRAGMA user_version = {schema_version_code(_our_version())}")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    check_columns(conn, path)
