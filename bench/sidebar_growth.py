"""The sidebar's store reads at 1k / 10k / 100k / 1M sessions (issue 11): how they grow.

In-process, on the cached TUI datasets (bench/tui_data.py at scales 0.1, 1, 10, 100; a missing
one is skipped, not built), read-only: the first screenful (`sidebar_start`), the first and
last page of history, the next page by keyset, a page by offset in the middle (a scrollbar
jump), the counts, and the filter by a rare and a frequent word, at the app's limit. Medians
of 7 calls after one warm-up; the load average is recorded beside them.

    python bench/sidebar_growth.py [--data-dir bench/data] [--out bench/results]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tui_data

from agentsess_tui.app.panes.sidebar import FILTER_LIMIT
from agentsess_tui.core import Store
from agentsess_tui.core.phases import listing_key

SCALES = (0.1, 1.0, 10.0, 100.0)
ROWS = {
    "sidebar_start": "First screenful: live sessions, counts, stamp (`sidebar_start`)",
    "first_page": "First page of history (100 expired)",
    "last_page": "Last page of history (`end`)",
    "next_page": "Next page by keyset (scrolling)",
    "middle_page": "A page by offset in the middle (scrollbar jump)",
    "counts": "Counts per agent and state",
    "filter_rare": f"Filter, rare word ({tui_data.RARE_WORD!r})",
    "filter_frequent": f"Filter, frequent word ({tui_data.FREQUENT_WORD!r}, first {FILTER_LIMIT})",
}


def median_ms(call: Callable[[], object], runs: int = 7) -> float:
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def measure(path: Path) -> dict[str, float]:
    store = Store(path)  # only reads: the cached file is not changed
    try:
        counts = store.session_state_counts()
        expired = sum(n for _, state, n in counts if state == "expired")
        first = store.sidebar_page("expired")
        return {
            "sessions": sum(n for *_, n in counts),
            "sidebar_start": median_ms(store.sidebar_start),
            "first_page": median_ms(lambda: store.sidebar_page("expired")),
            "last_page": median_ms(lambda: store.sidebar_page("ended", from_end=True)),
            "next_page": median_ms(
                lambda: store.sidebar_page("expired", after=listing_key(first[-1], "expires_at"))
            ),
            "middle_page": median_ms(lambda: store.sidebar_page("expired", offset=expired // 2)),
            "counts": median_ms(store.session_state_counts),
            "filter_rare": median_ms(lambda: store.find_sessions(tui_data.RARE_WORD, FILTER_LIMIT)),
            "filter_frequent": median_ms(
                lambda: store.find_sessions(tui_data.FREQUENT_WORD, FILTER_LIMIT)
            ),
        }
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-dir", type=Path, default=tui_data.DATA_DIR)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    results: dict[str, dict[str, float]] = {}
    for scale in SCALES:
        path = args.data_dir / f"{tui_data.Sizes.for_scale(scale).tag}.db"
        if not path.exists():
            print(f"skipped scale {scale:g}: {path.name} is not built", flush=True)
            continue
        results[f"{scale:g}"] = measure(path)
        print(scale, json.dumps({k: round(v, 2) for k, v in results[f"{scale:g}"].items()}))
    load_after = os.getloadavg()
    report: dict[str, Any] = {
        "benchmark": "sidebar_growth",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
        "results": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sidebar-growth.json").write_text(json.dumps(report, indent=2) + "\n")
    sizes = list(results)
    lines = [
        "# Sidebar reads as the history grows (`bench/sidebar_growth.py`)",
        "",
        f"Run {report['date']}; load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after (2 cores"
        + (
            "; other processes were running: absolute times are pessimistic)."
            if load_before[0] > 0.5
            else ")."
        ),
        "",
        "In-process, read-only, on the cached TUI datasets; medians of 7 calls (ms).",
        "",
        "| Read | " + " | ".join(f"{int(results[s]['sessions']):,}" for s in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for key, label in ROWS.items():
        lines.append(f"| {label} | " + " | ".join(f"{results[s][key]:.2f}" for s in sizes) + " |")
    (args.out / "sidebar-growth.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out / 'sidebar-growth.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
