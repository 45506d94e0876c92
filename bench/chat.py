"""Streaming benchmark: 2,000 chunks into a long transcript, through the real app.

The reply goes the whole way a real one does: the app's reply worker, `run_reply` writing the
message to SQLite as it streams (coalesced), and the streaming row feeding Textual's
MarkdownStream at most every 0.1 s. Only the responder is a stand-in that yields prepared
chunks (as fast as possible, or paced at a fixed rate), so the figures measure us, not a model.

Measured, with the app headless (Textual renders, nothing is written to a terminal):
- throughput: chunks per second when chunks arrive as fast as the app takes them (target ≥ 200)
- a paced run at 250 chunks/s: how far behind the reply finishes (it keeps up if ~0)
- responsiveness while streaming: lag of a 20 ms timer on the UI loop (p50/p95/max) and the
  time from a key press (typing the next message) to the character being in the input

    python bench/chat.py [--chunks 2000] [--history 5000] [--runs 3] [--out bench/results]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_CHUNKS_PER_S = 200.0


def chunks_of(count: int) -> list[str]:
    """Markdown-ish reply text in word-sized chunks, with lists, code and paragraphs."""
    words = (
        "the session keeps its window while the agent writes memories and the sweep runs "
        "every second so nothing expires by surprise"
    ).split()
    out: list[str] = []
    for index in range(count):
        word = words[index % len(words)]
        if index % 97 == 0:
            out.append("\n\n- ")
        elif index % 211 == 0:
            out.append("\n\n```python\nprint('chunk')\n```\n\n")
        out.append(word + " ")
    return out[:count]


class StandInResponder:
    """Yields prepared chunks; `rate` chunks per second, or as fast as taken (None)."""

    backend = "bench"
    model = "stand-in"

    def __init__(self, chunks: list[str], rate: float | None) -> None:
        self.chunks = chunks
        self.rate = rate

    async def reply(self, request: Any) -> AsyncIterator[str]:
        start = time.perf_counter()
        for index, chunk in enumerate(self.chunks):
            if self.rate is None:
                await asyncio.sleep(0)
            else:
                due = start + index / self.rate
                delay = due - time.perf_counter()
                await asyncio.sleep(max(0.0, delay))
            yield chunk


def build_database(path: Path, history: int) -> tuple[Any, str]:
    from agentsess_tui.core import ManualClock, Store

    clock = ManualClock("2026-03-02T09:00:00Z")
    store = Store(path, clock=clock, key=b"bench-key-not-a-secret-32-bytes!")
    store.add_agent("bench")
    for n in range(5):
        store.create_session("bench", f"Other session {n}")
    session = store.create_session("bench", "Long transcript", options={"window_minutes": 1440})
    sid = session.session.id
    conn = store.db.conn()
    with store.db.write():
        conn.executemany(
            "INSERT INTO messages (session_id, role, content, created_at) VALUES (?, ?, ?, ?)",
            [
                (sid, "user" if n % 2 == 0 else "assistant", f"message {n} " * 8, clock.now_ms())
                for n in range(history)
            ],
        )
    return store, sid


async def one_run(
    history: int, chunks: list[str], rate: float | None, workdir: Path
) -> dict[str, float]:
    from textual import events

    from agentsess_tui.app.main import make_app
    from agentsess_tui.app.panes import replies
    from agentsess_tui.app.screens.main import MainScreen
    from agentsess_tui.app.screenshots import settle
    from agentsess_tui.app.widgets.chat_input import ChatInput
    from agentsess_tui.app.widgets.chat_rows import StreamingReply
    from agentsess_tui.app.widgets.session_list import SessionList

    store, sid = build_database(workdir / f"chat-{time.perf_counter_ns()}.db", history)
    responder = StandInResponder(chunks, rate)
    replies.responder_for = lambda *args, **kwargs: responder  # type: ignore[assignment]
    # Count what reaches the streaming row (the UI), not just what the responder sent.
    fed = [0]
    original_feed = StreamingReply.feed

    def counting_feed(row: StreamingReply, chunk: str) -> None:
        fed[0] += 1
        original_feed(row, chunk)

    StreamingReply.feed = counting_feed  # type: ignore[method-assign]
    app = make_app(store, clock=store.clock, remember_theme=False, blink=False)
    lags: list[float] = []
    key_latency: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        session_list = screen.query_one(SessionList)
        session_list.select_id(sid)
        await pilot.pause(0.1)
        await settle(pilot)
        last = time.perf_counter()

        def tick() -> None:
            nonlocal last
            now = time.perf_counter()
            lags.append(max(0.0, now - last - 0.02))
            last = now

        timer = app.set_interval(0.02, tick)
        chat_input = screen.query_one("#chat-input", ChatInput)
        chat_input.focus()
        await pilot.pause()
        chat_input.put("stream please")
        started = time.perf_counter()
        await pilot.press("enter")
        # Wait for the reply worker, then press keys while it streams.
        deadline = time.perf_counter() + 30
        runs = screen.chat.replies
        while runs.worker(sid) is None:
            if time.perf_counter() > deadline:
                raise RuntimeError("the reply did not start within 30 s")
            await asyncio.sleep(0.001)
        worker = runs.worker(sid)
        assert worker is not None
        presses = 0
        while not worker.is_finished:
            if fed[0] and presses < 10:
                # Type the next message while the reply streams: press to character shown.
                before = chat_input.text
                pressed = time.perf_counter()
                app.post_message(events.Key("x", "x"))  # as the terminal driver would
                typed_by = time.perf_counter() + 10
                while chat_input.text == before and time.perf_counter() < typed_by:
                    await asyncio.sleep(0.001)
                key_latency.append(time.perf_counter() - pressed)
                presses += 1
            await pilot.pause(0.02)
        elapsed = time.perf_counter() - started
        timer.stop()
        await settle(pilot)
        assert fed[0] == len(chunks), f"the streaming row saw {fed[0]} of {len(chunks)} chunks"
        reply = store.messages(sid, limit=1)[-1]
        assert reply.role == "assistant" and reply.content == "".join(chunks), "reply mismatch"
        assert "incomplete" not in reply.metadata
    store.close()
    ideal = len(chunks) / rate if rate else 0.0
    lags.sort()
    return {
        "elapsed_s": elapsed,
        "chunks_per_s": len(chunks) / elapsed,
        "behind_s": max(0.0, elapsed - ideal),
        "lag_p50_ms": statistics.median(lags) * 1000 if lags else 0.0,
        "lag_p95_ms": lags[int(0.95 * (len(lags) - 1))] * 1000 if lags else 0.0,
        "lag_max_ms": lags[-1] * 1000 if lags else 0.0,
        # No samples when the reply finished before the first keystroke could be sent.
        "key_ms_median": statistics.median(key_latency) * 1000 if key_latency else float("nan"),
        "key_ms_max": max(key_latency) * 1000 if key_latency else float("nan"),
    }


def median_of(runs: list[dict[str, float]], key: str) -> float | None:
    values = [run[key] for run in runs if run[key] == run[key]]  # NaN: no samples
    return statistics.median(values) if values else None


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--history", type=int, default=5000, help="messages already in the chat")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=250.0, help="chunks/s of the paced run")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    os.environ.setdefault("TZ", "UTC")
    time.tzset()
    chunks = chunks_of(args.chunks)
    results: dict[str, list[dict[str, float]]] = {"unpaced": [], "paced": []}
    with tempfile.TemporaryDirectory(prefix="agentsess-bench-chat-") as tmp:
        os.environ["AGENTSESS_HOME"] = tmp
        for run in range(args.runs):
            for kind, rate in (("unpaced", None), ("paced", args.rate)):
                figures = asyncio.run(one_run(args.history, chunks, rate, Path(tmp)))
                results[kind].append(figures)
                print(
                    f"run {run + 1} {kind:>8}: {figures['chunks_per_s']:7.0f} chunks/s, "
                    f"{figures['elapsed_s']:.2f} s, behind {figures['behind_s']:.2f} s, "
                    f"UI lag p95 {figures['lag_p95_ms']:.0f} ms (max {figures['lag_max_ms']:.0f}),"
                    f" key {figures['key_ms_median']:.0f} ms (max {figures['key_ms_max']:.0f})",
                    flush=True,
                )
    unpaced, paced = results["unpaced"], results["paced"]
    summary = {
        "chunks": args.chunks,
        "history_messages": args.history,
        "runs": args.runs,
        "paced_rate": args.rate,
        "unpaced_chunks_per_s": median_of(unpaced, "chunks_per_s"),
        "unpaced_lag_p95_ms": median_of(unpaced, "lag_p95_ms"),
        "unpaced_lag_max_ms": median_of(unpaced, "lag_max_ms"),
        "unpaced_key_ms": median_of(unpaced, "key_ms_median"),
        "paced_behind_s": median_of(paced, "behind_s"),
        "paced_lag_p95_ms": median_of(paced, "lag_p95_ms"),
        "paced_lag_max_ms": median_of(paced, "lag_max_ms"),
        "paced_key_ms": median_of(paced, "key_ms_median"),
        "pass": (median_of(unpaced, "chunks_per_s") or 0.0) >= TARGET_CHUNKS_PER_S,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_avg": os.getloadavg(),
        },
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "raw": results,
    }
    verdict = "pass" if summary["pass"] else "FAIL"
    print(
        f"\nmedian of {args.runs}: {summary['unpaced_chunks_per_s']:.0f} chunks/s "
        f"(target ≥ {TARGET_CHUNKS_PER_S:.0f}: {verdict}); paced at {args.rate:.0f}/s finished "
        f"{summary['paced_behind_s']:.2f} s behind; UI lag p95 "
        f"{ms(summary['paced_lag_p95_ms'])}, key press {ms(summary['paced_key_ms'])}"
    )
    if args.no_write:
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "chat.json").write_text(json.dumps(summary, indent=2) + "\n")
    (args.out / "chat.md").write_text(markdown(summary))
    return 0


def markdown(summary: dict[str, Any]) -> str:
    machine = summary["machine"]
    verdict = "pass" if summary["pass"] else "**FAIL**"
    rate = summary["paced_rate"]
    rows = [
        (
            "chunks per second, as fast as the app takes them",
            "≥ 200",
            f"{summary['unpaced_chunks_per_s']:,.0f} ({verdict})",
        ),
        (
            "UI loop lag while streaming unpaced, p95 / max",
            "",
            f"{ms(summary['unpaced_lag_p95_ms'])} / {ms(summary['unpaced_lag_max_ms'])}",
        ),
        ("key press to character typed, unpaced", "", ms(summary["unpaced_key_ms"])),
        (
            f"paced at {rate:.0f} chunks/s: finished behind the stream by",
            "~0",
            f"{summary['paced_behind_s']:.2f} s",
        ),
        (
            "UI loop lag while streaming paced, p95 / max",
            "",
            f"{ms(summary['paced_lag_p95_ms'])} / {ms(summary['paced_lag_max_ms'])}",
        ),
        ("key press to character typed, paced", "", ms(summary["paced_key_ms"])),
    ]
    table = "\n".join(f"| {name} | {target} | {value} |" for name, target, value in rows)
    return f"""# Streaming benchmark

`python bench/chat.py` — {summary["date"]}; {machine["cpus"]} CPUs, Python {machine["python"]},
load average at the end {machine["load_avg"][0]:.2f}.

{summary["chunks"]:,} chunks streamed into a session that already has
{summary["history_messages"]:,} messages, through the real app (headless), the reply worker,
`run_reply` saving to SQLite as it streams and Textual's MarkdownStream fed at ≤ 10 Hz. Only
the responder is a stand-in yielding prepared chunks. Medians of {summary["runs"]} runs.

| measurement | target | measured |
|---|---|---|
{table}

UI lag is how late a 20 ms timer on the app's event loop fires; a key press is a keystroke in
the chat input, from the press to the character being in the box. An unpaced reply may finish
before the first keystroke is sent (shown as –).
"""


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "tui"))
    raise SystemExit(main())
