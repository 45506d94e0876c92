"""Recall by meaning: quality on the labelled evaluation set, and speed at a million memories.

Quality runs tests/eval/harness.py (150 labelled memories among 300 unrelated ones per agent,
82 paraphrased queries, 10 cross-agent ones). Speed works on its own cached database
(`bench/data/recall-v<k>-<n>.db`, built once by `build_dataset`): n memories, one agent
holding a tenth of them, the rest spread over 99 agents, all indexed with the offline model
(the build times that backfill). Results go to bench/results/recall.json and recall.md.

    python bench/recall.py                  # 1M memories (builds the dataset on first run)
    python bench/recall.py --scale 0.05     # a quicker run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agentsess_tui.core import ManualClock, Store  # noqa: E402
from tests.eval import harness  # noqa: E402
from tests.eval.distractors import distractors  # noqa: E402

DATA_DIR = ROOT / "bench" / "data"
RESULTS_DIR = ROOT / "bench" / "results"
FULL = 1_000_000
# Bump when a cached dataset can no longer be used: v2 since the migrations were renumbered
# (a file of the old numbering is refused as written by a newer agentsess). Newer migrations
# alone need no bump: the copy each run works on is upgraded when opened.
DATA_VERSION = "v2"
BIG_AGENT = "big-agent"
OTHER_AGENTS = 99
NOW = "2026-01-15T09:00:00Z"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))]


def build_dataset(path: Path, total: int, log: Any = print) -> dict[str, float]:
    """`total` memories (a tenth for BIG_AGENT), then every one indexed by `memory reindex`'s
    code path; returns the backfill figures and the bytes the vectors added."""
    tmp = path.with_suffix(".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    store = Store(tmp, clock=ManualClock(NOW))
    agents = [BIG_AGENT] + [f"agent-{i:03d}" for i in range(1, OTHER_AGENTS + 1)]
    for agent in agents:
        store.add_agent(agent)
    big = total // 10
    texts = distractors("bench", total)
    rng = random.Random(1)
    owners = [BIG_AGENT] * big + [agents[1 + i % OTHER_AGENTS] for i in range(total - big)]
    rng.shuffle(owners)
    conn = store.db.conn()
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO memories (agent_id, type, title, content, tags, confidence, status, "
        "created_at, updated_at) VALUES (?, 'fact', ?, ?, '[]', 0.8, 'active', 0, 0)",
        ((owner, text[:50], text) for owner, text in zip(owners, texts, strict=True)),
    )
    conn.execute("COMMIT")
    log(f"  {total:,} memories in {time.perf_counter() - started:.0f} s")
    before = _file_bytes(conn)
    result = store.reindex_memories()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    added = _file_bytes(conn) - before
    log(f"  indexed at {result.per_second:,.0f}/s")
    store.close()
    tmp.rename(path)
    return {
        "backfill_per_second": result.per_second,
        "backfill_seconds": result.seconds,
        "vector_bytes_per_memory": added / total,
        "vector_mb_per_million": added / total,  # bytes per memory = MB per million
    }


def _file_bytes(conn: sqlite3.Connection) -> int:
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    return int(pages) * int(size)


def speed(path: Path, queries: list[str]) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp()) / "recall.db"
    shutil.copy(path, work)
    store = Store(work, clock=ManualClock(NOW))
    out: dict[str, Any] = {}
    store.search_memories("warm up the model", mode="hybrid", limit=10)
    for label, agent in (("agent_100k", BIG_AGENT), ("unfiltered", None)):
        for mode in ("keyword", "semantic", "hybrid"):
            times = []
            for query in queries:
                started = time.perf_counter()
                store.search_memories(query, agent_id=agent, mode=mode, limit=10)
                times.append((time.perf_counter() - started) * 1000)
            out[f"{mode}_{label}_p50_ms"] = percentile(times, 50)
            out[f"{mode}_{label}_p95_ms"] = percentile(times, 95)
        out[f"agreement_{label}"] = agreement(store, queries, agent)
    store.close()
    shutil.rmtree(work.parent)
    return out


def agreement(store: Store, queries: list[str], agent: str | None) -> float:
    """The share of the index's top 10 (Hamming shortlists, then exact centred cosines) that
    the exact top 10 over every candidate holds too."""
    from agentsess_tui.core.semantic import index, vectors
    from agentsess_tui.core.semantic.embedders import offline_embedder

    embedder = offline_embedder()
    conn = store.db.conn()
    model = vectors.model_id(conn, embedder.name, 256)
    assert model is not None
    held = index.index_for(conn, model, 256, create=False)
    if held is None:
        return 1.0  # few memories: every search read them all from SQLite, exactly
    mu = vectors.centre(conn, model)
    shared = 0
    queries = queries[:20]  # each exact answer scores every candidate (1M rows unfiltered)
    where, params = (["m.agent_id = :agent"], {"agent": agent}) if agent else ([], {})
    for query in queries:
        vector = embedder.embed([query])[0]
        # The index's own answer (recall then re-ranks it by whitened cosine: whitening.py).
        found = {
            h.memory_id
            for h in vectors.search(
                conn, model, vector, where=where, params=params, agent_id=agent, limit=10
            )
        }
        parts = held._parts(agent) or []
        ids, scores = index._exact(parts, vector, mu)
        best = {int(i) for i in ids[(-scores).argsort(kind="stable")[:10]]}
        shared += len(found & best)
    return shared / (10 * len(queries))


def model_load() -> dict[str, float]:
    """In a fresh interpreter: import and load the model, then embed one query; and the RSS
    that adds to a process that has the TUI's modules imported already."""
    code = (
        "import time\n"
        "def rss():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmRSS:'):\n"
        "            return int(line.split()[1])\n"
        "import agentsess_tui.app.app\n"
        "base = rss()\n"
        "t = time.perf_counter()\n"
        "from agentsess_tui.core.semantic.embedders import offline_embedder\n"
        "e = offline_embedder(); e.load()\n"
        "loaded = time.perf_counter() - t\n"
        "e.embed(['what food should I avoid ordering for the user?'])\n"
        "first = time.perf_counter() - t\n"
        "grown = rss() - base\n"
        "print(loaded, first, grown / 1024)\n"
    )
    runs = []
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        runs.append([float(x) for x in done.stdout.split()])
    runs.sort()
    median = runs[len(runs) // 2]
    return {
        "model_load_ms": median[0] * 1000,
        "first_query_ms": median[1] * 1000,
        "rss_growth_mb": median[2],
    }


def quality() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "eval.db", clock=ManualClock(NOW))
        loaded = harness.load(store)
        results: dict[str, Any] = dict(harness.evaluate(loaded))
        sims = harness.duplicate_similarities(loaded)
        store.close()
    results["similarities"] = {k: [round(v, 3) for v in vals] for k, vals in sims.items()}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-write", action="store_true", help="Print only.")
    args = parser.parse_args(argv)
    total = max(2000, round(FULL * args.scale))
    args.data_dir.mkdir(parents=True, exist_ok=True)
    path = args.data_dir / f"recall-{DATA_VERSION}-{total}.db"
    info_path = path.with_suffix(".json")
    if not path.exists():
        print(f"Building {path} ({total:,} memories; once)…", flush=True)
        info_path.write_text(json.dumps(build_dataset(path, total)))
    built = json.loads(info_path.read_text())
    print("Quality…", flush=True)
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "memories": total,
        "load_average_start": os.getloadavg()[0],
        "quality": quality(),
        "build": built,
    }
    print("Model load…", flush=True)
    report["model"] = model_load()
    print("Speed…", flush=True)
    report["speed"] = speed(path, [q.text for q in harness.queries()][:60])
    report["load_average_end"] = os.getloadavg()[0]
    report["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = render(report)
    print(text)
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "recall.json").write_text(json.dumps(report, indent=2) + "\n")
        (args.out / "recall.md").write_text(text)
    return 0


def render(report: dict[str, Any]) -> str:
    q = report["quality"]
    speed_ = report["speed"]
    build = report["build"]
    model = report["model"]
    lines = [
        "# Recall by meaning: quality and speed",
        "",
        f"Measured {report['when']} on {report['machine']} by `python bench/recall.py` "
        f"(load average {report.get('load_average_start', 0):.1f} at the start, "
        f"{report.get('load_average_end', 0):.1f} at the end: other work shared the cores).",
        "",
        "## Quality (tests/eval: 150 labelled memories of 5 agents among 300 unrelated ones "
        f"per agent; {q['hybrid']['queries']} paraphrased queries, "
        f"{q['hybrid']['foreign_queries']} asked of the wrong agent)",
        "",
        "| mode | recall@1 | recall@5 | MRR | cross-agent hits |",
        "|---|---|---|---|---|",
    ]
    for mode in harness.MODES:
        r = q[mode]
        lines.append(
            f"| {mode} | {r['recall@1']:.2f} | {r['recall@5']:.2f} | {r['mrr']:.2f} | "
            f"{r['cross_agent_hits']} |"
        )
    sims = q["similarities"]
    lines += [
        "",
        "Targets: hybrid recall@5 ≥ 0.8 (**"
        + ("met" if q["hybrid"]["recall@5"] >= 0.8 else "not met")
        + "**), keyword ≤ 0.3, zero cross-agent hits.",
        "",
        "Consolidation threshold (centred cosine, default 0.85): restatements of a memory "
        f"score {harness.summary(sims['restatement'])}; each labelled memory's most similar "
        f"other memory of its agent scores {harness.summary(sims['nearest_distinct'])}.",
        "",
        f"## Speed ({report['memories']:,} memories; `{BIG_AGENT}` holds a tenth)",
        "",
        "| measure | p50 | p95 | target |",
        "|---|---|---|---|",
    ]
    for label, name in (("agent_100k", "one agent's memories"), ("unfiltered", "all")):
        for mode in ("keyword", "semantic", "hybrid"):
            target = "p95 ≤ 50 ms" if mode == "hybrid" else ""
            lines.append(
                f"| {mode} recall, {name} | {speed_[f'{mode}_{label}_p50_ms']:.1f} ms | "
                f"{speed_[f'{mode}_{label}_p95_ms']:.1f} ms | {target} |"
            )
    lines += [
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| vectors added to the file | {build['vector_bytes_per_memory']:.0f} bytes a memory "
        f"({build['vector_mb_per_million']:.0f} MB per million) | ≤ 300 MB per million |",
        f"| backfill (`memory reindex`) | {build['backfill_per_second']:,.0f} memories/s | "
        "≥ 2,000/s |",
        f"| the index's top 10 that are the exact top 10 | "
        f"{speed_.get('agreement_agent_100k', 0):.3f} (agent), "
        f"{speed_.get('agreement_unfiltered', 0):.3f} (all) | |",
        f"| model load (fresh process) | {model['model_load_ms']:.0f} ms | ≤ 300 ms |",
        f"| load + first query | {model['first_query_ms']:.0f} ms | |",
        f"| RSS added to a process with the TUI imported | {model['rss_growth_mb']:.0f} MB | "
        "≤ 60 MB |",
        "",
        NOTES,
    ]
    return "\n".join(lines)


NOTES = """Notes. Quality: the meaning ranking is the centred cosine's shortlist re-ranked by
whitened cosine (core/semantic/whitening.py), the one lever of bench/results/recall-levers.md
over 0.8 (its halves: 0.788 and 0.816; the offline 256-dimension model is the limit, and the
wheel has no wider Matryoshka weights). Speed: the index keeps each agent's rows contiguous (a
main segment sorted by agent, plus a tail of new rows), runs the Hamming pass over one 64-bit
word per column in cache-sized blocks, takes shortlists by a histogram threshold, re-scores
8,000 rows exactly, and holds OpenBLAS to one thread (its threads made small products 70 times
slower on a busy 2-core machine). The agreement row says how often the index's top 10 is the
exact top 10 (centred cosine, before the re-ranking) over every candidate (20 queries). The
model is read from the wheel's files without wordllama's code (no requests import, float16
matrix memory-mapped, tokenizer parsed on a thread while numpy imports). Figures measured while
other engineers ran tests are noisy: see the load averages above. An earlier run of this index
at a load average of 0.4-1.8 (13:39 UTC, with a 4,000-row shortlist and a coarse pass above
200k candidates, agreement 0.88 / 0.57) measured hybrid p95 42.2 ms for the 100k-memory agent
and 96.2 ms unfiltered, model load 194 ms, RSS +39 MB.
"""


if __name__ == "__main__":
    raise SystemExit(main())
