"""Where vectors come from: the offline model shipped in the `wordllama` wheel (the default),
or any OpenAI-compatible `/v1/embeddings` endpoint (Ollama, llama.cpp server, vLLM).

Every embedder returns float32 rows of unit length and names itself (`name`, with the
dimension) so stored vectors say which model made them; vectors of another model are never
compared with a query (they wait for `agentsess memory reindex`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import BackendError, InvalidInput

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..config import RecallSettings

    Vectors = NDArray[np.float32]

# An endpoint's answer is hostile input: at most this many bytes, and sane dimensions.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_DIM = 8192
# Texts longer than this are cut before embedding: a static model averages token vectors, so
# the start of a long memory says what it is about; endpoints have their own limits too.
MAX_TEXT_CHARS = 8000


class Embedder(Protocol):
    @property
    def name(self) -> str:
        """The model tag stored with every vector, e.g. `wordllama-l2-supercat`."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit-length float32 row per text (blocking; never call on a UI thread)."""
        ...


class SemanticUnavailable(BackendError):
    """No embedder can run here (the model package is missing, or semantic recall is off)."""


class OfflineEmbedder:
    """wordllama's 256-dimensional static model, read from the files inside its own wheel.

    `WordLlama.load()` with no arguments looks in a cache under the home directory and
    downloads from the network when the files are not there; `static_model` reads the weights
    and tokenizer that ship in the wheel, without the package's code, and never opens a socket
    (tests/core/test_semantic_index.py blocks `connect` to prove it).
    """

    name = "wordllama-l2-supercat-256"

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        from .static_model import ModelFilesMissing, StaticModel

        with self._lock:
            if self._model is not None:
                return
            try:
                self._model = StaticModel.load()
            except ModelFilesMissing:
                raise SemanticUnavailable(
                    "Recall by meaning needs the `wordllama` package, which is not installed "
                    "(or its model files are missing).",
                    hint="Install it (pip install wordllama), or use `--mode keyword`.",
                ) from None

    def embed(self, texts: Sequence[str]) -> Vectors:
        from .static_model import import_numpy

        import_numpy()
        import numpy as np

        self.load()
        if not texts:
            return np.zeros((0, 256), dtype=np.float32)
        cut = [text[:MAX_TEXT_CHARS] for text in texts]
        vectors: Vectors = self._model.embed(cut)
        return _unit_rows(vectors)


class OpenAIEmbedder:
    """`POST {base_url}/embeddings` on any OpenAI-compatible server (blocking, via httpx)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_seconds: float = 60.0,
        batch: int = 128,
    ) -> None:
        if not model:
            raise InvalidInput(
                "Say which embedding model the server should use.",
                hint="Set [recall] model in config.toml or AGENTSESS_EMBEDDING_MODEL.",
            )
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._api_key = api_key
        self._timeout = timeout_seconds
        self._batch = batch
        self.name = f"openai:{model}"

    def __repr__(self) -> str:  # never show the key
        return f"OpenAIEmbedder({self.base_url!r}, {self.model!r})"

    def embed(self, texts: Sequence[str]) -> Vectors:
        import httpx

        from .static_model import import_numpy

        import_numpy()
        import numpy as np

        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        rows: list[list[float]] = []
        try:
            with httpx.Client(timeout=self._timeout, headers=headers) as client:
                for start in range(0, len(texts), self._batch):
                    chunk = [text[:MAX_TEXT_CHARS] for text in texts[start : start + self._batch]]
                    rows.extend(self._post(client, chunk))
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise BackendError(
                f"The embeddings server at {self.base_url} failed: {_cause(exc)}.",
                hint="Check that it runs and serves /v1/embeddings, or use `--mode keyword`.",
            ) from None
        return _unit_rows(np.asarray(rows, dtype=np.float32))

    def _post(self, client: Any, chunk: list[str]) -> list[list[float]]:
        with client.stream(
            "POST", f"{self.base_url}/embeddings", json={"model": self.model, "input": chunk}
        ) as response:
            body = b""
            for piece in response.iter_bytes():
                body += piece
                if len(body) > MAX_RESPONSE_BYTES:
                    raise BackendError(
                        f"The embeddings server at {self.base_url} sent more than "
                        f"{MAX_RESPONSE_BYTES // 2**20} MiB for {len(chunk)} texts."
                    )
        if response.status_code != 200:
            raise BackendError(
                f"The embeddings server at {self.base_url} answered HTTP "
                f"{response.status_code} for model {self.model!r}.",
                hint="Check the model name and the API key.",
            )
        return _parse(body, len(chunk), self.base_url)


def _parse(body: bytes, expected: int, where: str) -> list[list[float]]:
    import json

    bad = BackendError(f"The embeddings server at {where} sent an answer that is not embeddings.")
    try:
        data = json.loads(body)["data"]
    except (ValueError, KeyError, TypeError):
        raise bad from None
    if not isinstance(data, list) or len(data) != expected:
        raise bad
    rows: list[list[float] | None] = [None] * expected
    dim: int | None = None
    for item in data:
        if not isinstance(item, dict):
            raise bad
        index, vector = item.get("index", data.index(item)), item.get("embedding")
        if not isinstance(index, int) or not 0 <= index < expected or rows[index] is not None:
            raise bad
        if not isinstance(vector, list) or not 0 < len(vector) <= MAX_DIM:
            raise bad
        if dim is None:
            dim = len(vector)
        if len(vector) != dim or not all(
            isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
            for x in vector
        ):
            raise bad
        rows[index] = [float(x) for x in vector]
    return [row for row in rows if row is not None]


def _unit_rows(vectors: Vectors) -> Vectors:
    import numpy as np

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: Vectors = (vectors / norms).astype(np.float32)
    return unit


def _cause(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


_offline: OfflineEmbedder | None = None
_offline_lock = threading.Lock()


def offline_embedder() -> OfflineEmbedder:
    """One offline model per process: it is 16 MB and takes a fraction of a second to load."""
    global _offline  # noqa: PLW0603 (one model per process, made on first use)
    with _offline_lock:
        if _offline is None:
            _offline = OfflineEmbedder()
        return _offline


def embedder_for(settings: RecallSettings) -> Embedder | None:
    """The embedder the user configured, or None when recall by meaning is off."""
    if settings.embedder == "off":
        return None
    if settings.embedder == "openai":
        return OpenAIEmbedder(
            settings.base_url,
            settings.model,
            api_key=settings.api_key,
            timeout_seconds=settings.timeout_seconds,
        )
    return offline_embedder()
