"""What changed since a client last looked: the session change stamps (schema.m002)."""

from __future__ import annotations

from ..db import Database
from ..models import Session
from ..rows import SESSIONS, session_from_row


class ChangeFeed:
    def __init__(self, db: Database) -> None:
        self.db = db

    def session_changes(self, since: int) -> tuple[list[Session], list[str], int]:
        """Sessions created or changed after stamp `since`, ids deleted since, and the stamp
        to ask with next time. One read transaction, so the three agree."""
        with self.db.read() as conn:
            seq = int(conn.execute("SELECT seq FROM change_log WHERE id = 1").fetchone()[0])
            # Rows become sessions as they are read: no second copy of 10k rows in memory.
            sessions = [
                session_from_row(row)
                for row in conn.execute(
                    f"SELECT {SESSIONS.columns} FROM sessions WHERE change_seq > ?",  # noqa: S608
                    (since,),
                )
            ]
            deleted = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM deleted_sessions WHERE change_seq > ?", (since,)
                )
            ]
        return sessions, deleted, seq

    def data_version(self) -> int:
        """Changes when another connection commits: cheap to poll for live updates."""
        return self.db.data_version()
