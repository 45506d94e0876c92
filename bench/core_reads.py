"""The core benchmark's read sections: transcript pages, memory search, and the chats (message
search across sessions, the sidebar's load). Part of bench/core.py.
"""

from __future__ import annotations

from core_bench import Bench, latency, timed

PAGE_SIZE = 100  # the Store's default page


# -- 2. transcript pages -----------------------------------------------------------------


def page(bench: Bench) -> None:
    big = bench.info["big_session"]
    ids = [
        row[0]
        for row in bench.raw.execute(
            "SELECT id FROM messages WHERE session_id = ? ORDER BY id", (big,)
        )
    ]
    runs = bench.repeats(300, 50)
    bench.store.messages(big, limit=PAGE_SIZE)  # warm-up
    samples = []
    for _ in range(runs):
        ms, page = timed(lambda: bench.store.messages(big, limit=PAGE_SIZE))
        assert len(page) == PAGE_SIZE and page[-1].id == ids[-1]
        samples.append(ms)
    bench.add(
        latency(
            "page",
            f"last page ({PAGE_SIZE}) of a {len(ids):,}-message session",
            samples,
            target_ms=5,
        )
    )
    samples = []
    for before in bench.rng.sample(ids[PAGE_SIZE:], min(runs, len(ids) - PAGE_SIZE)):
        ms, page = timed(lambda b=before: bench.store.messages(big, before_id=b, limit=PAGE_SIZE))
        assert len(page) == PAGE_SIZE and page[-1].id < before
        samples.append(ms)
    bench.add(latency("page", "older page via keyset (before_id), random depth", samples))


# -- 3. memory search --------------------------------------------------------------------


def search(bench: Bench) -> None:
    queries = bench.info["queries"]
    # Whole words are typed with a trailing space (an exact term); a bare 3-letter prefix is
    # what search-as-you-type sends after three keystrokes (`abc*`).
    classes = {
        "frequent words": [f"{word} " for word in queries["memory_frequent"]],
        "rare words": [f"{word} " for word in queries["memory_rare"]],
        "3-letter prefixes": list(queries["memory_prefixes"]),
    }
    ranked = bench.info["agents_by_memories"]
    # Heaviest, median and a light agent in turn: the inspector always filters by agent.
    agents = [ranked[0], ranked[len(ranked) // 2], ranked[-1]]
    reps = bench.repeats(10, 3)
    for label, texts in classes.items():
        for filtered in (False, True):
            samples: list[float] = []
            hits = 0
            for rep in range(reps + 1):
                for index, text in enumerate(texts):
                    agent = agents[index % len(agents)] if filtered else None
                    ms, found = timed(
                        lambda t=text, a=agent: bench.store.search_memories(t, agent_id=a)
                    )
                    if rep:  # the first round warms the caches
                        samples.append(ms)
                        hits += len(found)
            name = f"memory search, {label}" + (", agent filter" if filtered else "")
            note = f"{len(texts)} queries x {reps}; {hits / len(samples):.1f} hits avg"
            bench.add(latency("search", name, samples, target_ms=50, on="p95", note=note))


# -- 6. chats: message search and the sidebar load ----------------------------------------


def chats(bench: Bench) -> None:
    queries = bench.info["queries"]
    reps = bench.repeats(5, 2)
    for label, key in (("frequent words", "message_frequent"), ("rare words", "message_rare")):
        texts = [f"{word} " for word in queries[key]]
        samples = []
        for rep in range(reps + 1):
            for text in texts:
                ms, _hits = timed(lambda t=text: bench.store.search_messages(t))
                if rep:
                    samples.append(ms)
        name = f"message search across chats, {label}"
        bench.add(latency("chats", name, samples, target_ms=50, on="p95"))
    samples = []
    count = 0
    # The whole list is what grows with history (10 s a load at 1M): fewer runs past 1.
    for _ in range(3 if bench.scale > 1 else bench.repeats(5, 3)):
        ms, sessions = timed(bench.store.list_sessions)
        samples.append(ms)
        count = len(sessions)
    bench.add(latency("chats", f"list_sessions() of all {count:,} (sidebar load)", samples))
