"""What lifts recall@5 on the evaluation set? Each lever of issue 14, measured the same way.

The labelled memories and 300 distractors per agent (tests/eval) are embedded with the offline
model read from its wheel (core/semantic/static_model.py); each query ranks its agent's
memories by centred cosine, as the store's semantic mode does. Levers change the text, the
token weights, the dimensions or the centring. The queries are split in two halves by a hash
of their text (A and B): a lever that helps only one half is noise or overfitting, not a gain.
Results go to bench/results/recall-levers.md.

    python bench/recall_levers.py
"""

from __future__ import annotations

import re
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from agentsess_tui.core.semantic import whitening  # noqa: E402
from agentsess_tui.core.semantic.static_model import StaticModel  # noqa: E402
from tests.eval import harness  # noqa: E402
from tests.eval.distractors import distractors  # noqa: E402

STOP = set(
    "the a an in on of for to is my i and do at with be are it s me what when how which should "
    "could would can does did who where am was were will you your user their them they this "
    "that there any some".split()
)
SHRINK = 50  # as core/semantic/vectors.py


def main() -> int:
    model = StaticModel.load()
    items = harness.labelled()
    agents = sorted({agent for _, agent, _ in items})
    docs = [text for _, _, text in items]
    owner = [agent for _, agent, _ in items]
    where = {key: i for i, (key, _, _) in enumerate(items)}
    for agent in agents:
        extra = distractors(agent, harness.DISTRACTORS_PER_AGENT)
        docs += extra
        owner += [agent] * len(extra)
    owners = np.array(owner)
    queries = [q for q in harness.queries() if not q.foreign]
    half = [zlib.crc32(q.text.encode()) % 2 for q in queries]
    matrix = np.asarray(model.matrix, dtype=np.float32)

    def embed(texts: list[str], weight: Any = None, dim: int = 256) -> Any:
        out = np.zeros((len(texts), dim), np.float32)
        for i, text in enumerate(texts):
            ids = model.tokenizer.encode(text, add_special_tokens=False).ids
            if not ids:
                continue
            rows = matrix[ids, :dim]
            w = np.ones(len(ids), np.float32) if weight is None else weight[ids]
            out[i] = (rows * w[:, None]).sum(0) / max(float(w.sum()), 1e-9)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def score(d: Any, q: Any, centre: bool = True) -> tuple[float, float, float]:
        mu = d.sum(0) / (len(d) + SHRINK) if centre else np.zeros(d.shape[1], np.float32)
        c = d - mu
        c /= np.linalg.norm(c, axis=1, keepdims=True)
        found = [0, 0]
        for query, vector, part in zip(queries, q, half, strict=True):
            v = vector - mu
            v /= np.linalg.norm(v)
            rows = np.flatnonzero(owners == query.agent_id)
            top = rows[np.argsort(-(c[rows] @ v))[:5]]
            found[part] += int(where[query.expected] in top)
        size = [half.count(0), half.count(1)]
        return sum(found) / len(queries), found[0] / size[0], found[1] / size[1]

    def no_stop(texts: list[str]) -> list[str]:
        return [
            " ".join(w for w in re.findall(r"[\w']+", t) if w.lower() not in STOP) for t in texts
        ]

    def lower(texts: list[str]) -> list[str]:
        return [t.lower() for t in texts]

    def fitted(d: Any) -> tuple[Any, Any]:
        mu = d.sum(0) / (len(d) + SHRINK)
        return mu, d - mu

    def drop_top(d: Any, q: Any, n: int) -> tuple[Any, Any]:
        # Mu & Viswanath's post-processing: the common directions carry little meaning.
        mu, c = fitted(d)
        top = np.linalg.svd(c, full_matrices=False)[2][:n]
        return c - (c @ top.T) @ top, (q - mu) - ((q - mu) @ top.T) @ top

    def whiten(d: Any, q: Any, eps: float) -> tuple[Any, Any]:
        mu, c = fitted(d)
        values, vectors = np.linalg.eigh(c.T @ c / len(c))
        w = vectors @ np.diag(1 / np.sqrt(values + eps * values.mean())) @ vectors.T
        return c @ w, (q - mu) @ w

    def prf(beta: float) -> tuple[float, float, float]:
        mu, c = fitted(base_d)
        c = c / np.linalg.norm(c, axis=1, keepdims=True)
        moved = []
        for query, vector in zip(queries, base_q, strict=True):
            v = (vector - mu) / np.linalg.norm(vector - mu)
            rows = np.flatnonzero(owners == query.agent_id)
            top = rows[np.argsort(-(c[rows] @ v))[:3]]
            moved.append(v + beta * c[top].mean(0))
        return score(c, np.array(moved), centre=False)

    def reranked(d: Any, q: Any, fit_rows: Any) -> tuple[float, float, float]:
        # What the store does: the centred cosine's shortlist, re-ranked by whitened cosine.
        mu, c = fitted(d)
        c = c / np.linalg.norm(c, axis=1, keepdims=True)
        weight = whitening.fit(fit_rows, mu)
        found = [0, 0]
        for query, vector, part in zip(queries, q, half, strict=True):
            v = (vector - mu) / np.linalg.norm(vector - mu)
            rows = np.flatnonzero(owners == query.agent_id)
            short = rows[np.argsort(-(c[rows] @ v))[:50]]
            top = short[np.argsort(-whitening.cosines(d[short], vector, mu, weight))[:5]]
            found[part] += int(where[query.expected] in top)
        size = [half.count(0), half.count(1)]
        return sum(found) / len(queries), found[0] / size[0], found[1] / size[1]

    asked = [q.text for q in queries]
    base_d, base_q = embed(docs), embed(asked)
    rank = np.arange(matrix.shape[0], dtype=np.float32) + 1
    levers: list[tuple[str, Callable[[], tuple[float, float, float]]]] = [
        ("centred cosine (the store's shortlist)", lambda: score(base_d, base_q)),
        (
            f"the store: its top 50 re-ranked whitened (shrink {whitening.SHRINK:g}, all rows)",
            lambda: reranked(base_d, base_q, base_d),
        ),
        ("no centring", lambda: score(base_d, base_q, centre=False)),
        ("stopwords removed from the query", lambda: score(base_d, embed(no_stop(asked)))),
        ("stopwords removed from both", lambda: score(embed(no_stop(docs)), embed(no_stop(asked)))),
        ("lower-cased both", lambda: score(embed(lower(docs)), embed(lower(asked)))),
        ("64 dimensions (Matryoshka)", lambda: score(embed(docs, dim=64), embed(asked, dim=64))),
        ("128 dimensions", lambda: score(embed(docs, dim=128), embed(asked, dim=128))),
    ]
    for components in (1, 2, 5):
        levers.append(
            (
                f"top {components} principal components removed (all-but-the-top)",
                lambda n=components: score(*drop_top(base_d, base_q, n), centre=False),
            )
        )
    for eps in (0.5, 2.0, 3.0, 7.0, 10.0):
        levers.append(
            (
                f"whitened by the memories' covariance, shrunk by {eps} x its mean eigenvalue",
                lambda e=eps: score(*whiten(base_d, base_q, e), centre=False),
            )
        )
    for seed in range(4):  # how much the fit depends on which memories it saw
        levers.append(
            (
                f"the store's re-ranking fitted on 1,024 random rows (seed {seed})",
                lambda k=seed: reranked(
                    base_d,
                    base_q,
                    base_d[np.random.default_rng(k).choice(len(base_d), 1024, replace=False)],
                ),
            )
        )
    levers.append(("query moved toward its top 3 (pseudo-relevance, beta 0.6)", lambda: prf(0.6)))
    for a in (10, 100, 1000):
        weight = np.log1p(rank / a)  # Zipf: a token's rank stands in for its frequency
        levers.append(
            (
                f"token weight log(1 + rank/{a})",
                lambda w=weight: score(embed(docs, w), embed(asked, w)),
            )
        )
    lines = [
        "# Recall@5 levers on the evaluation set (semantic ranking, offline model)",
        "",
        f"{len(queries)} queries, split by a hash of their text into A ({half.count(0)}) and "
        f"B ({half.count(1)}). Made by `python bench/recall_levers.py`.",
        "",
        "| lever | all | A | B |",
        "|---|---|---|---|",
    ]
    for name, run in levers:
        total, a_, b_ = run()
        lines.append(f"| {name} | {total:.3f} | {a_:.3f} | {b_:.3f} |")
        print(lines[-1], flush=True)
    lines += [
        "",
        "Not measurable here: 512 or 1024 dimensions. The wheel ships only "
        "`l2_supercat_256.safetensors`; the larger Matryoshka widths would be a download, which "
        "the offline model never does.",
        "",
        "Whitening by the memories' own covariance (shrunk toward the identity) is the one "
        "lever over 0.8 on the whole set: 0.805 for a shrink of 2 to 7 (half A 0.788, B "
        "0.816: two queries more than centring alone). The store builds it as a re-ranking of "
        "the centred cosine's shortlist (core/semantic/whitening.py), which gives the same "
        "figure. The fit depends on the memories it saw: on a random 1,024 of the 1,650 vectors it "
        "gave 0.780 to 0.817 (four draws), so the gain over centring alone is real but small. "
        "Fitted on the model's own token matrix instead (independent of any memory) it "
        "lowered recall (0.76-0.78).",
        "",
        "RRF's k: every paraphrased query's keyword list is empty (keyword recall@5 is 0.00: "
        "no query shares a word with its memory), so hybrid is the semantic ranking whatever k.",
        "",
    ]
    out = ROOT / "bench" / "results" / "recall-levers.md"
    out.write_text("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
