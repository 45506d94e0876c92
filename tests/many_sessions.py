"""A history of a few thousand sessions for the sidebar's paging tests.

Three sessions are made through the public store API (one per agent); the rest are copies of
them written by one `INSERT … SELECT` into the real schema, so every trigger the store relies
on (change stamps, counts, the title index) runs as for any other write, in well under a
second instead of a minute of single creations. Expired and ended ones at distinct times,
with ties; titles "Ticket <n> <city>" (a few frequent words) and "Ticket 777 Quokka" once.
"""

from __future__ import annotations

from agentsess_tui.core import ManualClock, Store

AGENTS = ("support-bot", "triage", "billing")
CITIES = ("Lisbon", "Oslo", "Lima", "Zürich")
RARE_TITLE = "Ticket 777 Quokka"


def many_sessions(store: Store, clock: ManualClock, count: int, live: int = 12) -> None:
    """`count` history sessions (every fourth ended, the rest expired) then `live` live ones."""
    seeds = [store.create_session(agent, "seed", create_agent=True).session for agent in AGENTS]
    for seed in seeds:
        store.delete_session(seed.id)
    now = clock.now_ms()
    with store.db.write() as conn:
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count) "
            "INSERT INTO sessions (id, agent_id, title, state, created_at, activated_at, "
            "last_activity_at, expires_at, warn_at, cap_at, token_jti, window_minutes, policy, "
            "ended_at, end_reason) "
            "SELECT printf('hist-%06d', i), "
            "CASE i % 3 WHEN 0 THEN :a0 WHEN 1 THEN :a1 ELSE :a2 END, "
            "CASE WHEN i = :count / 2 THEN :rare ELSE printf('Ticket %d %s', i, "
            "CASE i % 4 WHEN 0 THEN 'Lisbon' WHEN 1 THEN 'Oslo' WHEN 2 THEN 'Lima' "
            "ELSE 'Zürich' END) END, "
            "CASE WHEN i % 4 = 0 THEN 'ended' ELSE 'expired' END, "
            # every seventh shares its times with the next: ties broken by id
            ":t - (i - i % 7 / 6) * 30000 - 86400000, :t - (i - i % 7 / 6) * 30000 - 86400000, "
            ":t - i * 20000 - 86400000, :t - (i - i % 7 / 6) * 30000 - 60000, "
            ":t - (i - i % 7 / 6) * 30000 - 960000, :t, 'jti' || i, 360, :policy, "
            "CASE WHEN i % 4 = 0 THEN :t - (i * 7919) % 100000 * 1000 END, "
            "CASE WHEN i % 4 = 0 THEN 'user' END "
            "FROM n",
            {
                "count": count,
                "a0": AGENTS[0],
                "a1": AGENTS[1],
                "a2": AGENTS[2],
                "rare": RARE_TITLE,
                "t": now,
                "policy": seeds[0].policy_json,
            },
        )
    for n in range(live):
        store.create_session(AGENTS[n % 3], f"Live {n} Oslo")
        clock.advance(seconds=1)
