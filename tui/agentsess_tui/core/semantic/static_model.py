"""The offline model read straight from the files inside the `wordllama` wheel.

`import wordllama` costs ~0.4 s before any weight is read (it imports requests and its
training code, and configures logging as a side effect), and `WordLlama.load` turns the
16 MB float16 matrix into a 32 MB float32 copy. The model is only a token-to-vector table and
an average, so this module does the same arithmetic without the package's code: the matrix is
memory-mapped from the safetensors file (only the rows of tokens seen are paged in), the
tokenizer's JSON is parsed by `tokenizers` on a thread while numpy imports (its Rust parser
releases the GIL), and a text's vector is the mean of its tokens' rows, as
`WordLlamaInference.embed` computes it (tests/core/test_semantic_index.py compares the two).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
TENSOR = "embedding.weight"
# Texts tokenized and averaged per numpy pass: bounds the float32 copy of their token rows.
BATCH = 64


class ModelFilesMissing(Exception):
    """The wordllama package, or the files inside it, are not where they should be."""


def import_numpy() -> Any:
    """numpy, with OpenBLAS held to one thread when this is numpy's first import here.

    Our matrix products are small (a few thousand rows by 256): OpenBLAS's worker threads
    cost more than they save, and on a busy two-core machine they made a 4,000-row product
    take 22 ms instead of 0.3 ms. OpenBLAS reads the variable when it loads, so it is set for
    the import only and restored after (child processes keep the user's environment).
    """
    if "numpy" in sys.modules or "OPENBLAS_NUM_THREADS" in os.environ:
        import numpy

        return numpy
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        import numpy
    finally:
        os.environ.pop("OPENBLAS_NUM_THREADS", None)
    return numpy


def package_dir() -> Path:
    """Where the wordllama package is installed, found without importing it."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFilesMissing("wordllama")
    return Path(next(iter(spec.submodule_search_locations)))


class StaticModel:
    """Token rows (float16, memory-mapped) and the tokenizer of wordllama's l2_supercat."""

    def __init__(self, matrix: NDArray[np.floating[Any]], tokenizer: Any) -> None:
        self.matrix = matrix
        self.tokenizer = tokenizer
        self.dim = int(matrix.shape[1])

    @classmethod
    def load(cls, where: Path | None = None) -> StaticModel:
        where = where or package_dir()
        box: dict[str, Any] = {}

        def read_tokenizer() -> None:
            try:
                from tokenizers import Tokenizer

                box["tokenizer"] = Tokenizer.from_file(str(where / TOKENIZER))
            except Exception as exc:  # handed to the caller below
                box["error"] = exc

        reader = threading.Thread(target=read_tokenizer, name="agentsess-tokenizer")
        reader.start()
        try:
            matrix = _weights(where / WEIGHTS)
        finally:
            reader.join()
        if "error" in box:
            raise ModelFilesMissing(str(box["error"])) from box["error"]
        return cls(matrix, box["tokenizer"])

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """The mean of each text's token rows (not normalised; zero for a text of no token)."""
        import_numpy()
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        top = self.matrix.shape[0] - 1
        for start in range(0, len(texts), BATCH):
            encoded = self.tokenizer.encode_batch(
                list(texts[start : start + BATCH]), add_special_tokens=False
            )
            lengths = np.fromiter((len(e.ids) for e in encoded), np.int64, len(encoded))
            if not lengths.any():
                continue
            flat = np.fromiter((i for e in encoded for i in e.ids), np.int64, int(lengths.sum()))
            np.clip(flat, 0, top, out=flat)
            rows = self.matrix[flat].astype(np.float32)
            filled = np.flatnonzero(lengths)
            offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))[filled]
            sums = np.add.reduceat(rows, offsets, axis=0)
            out[start + filled] = sums / lengths[filled, None].astype(np.float32)
        return out


def _weights(path: Path) -> NDArray[np.floating[Any]]:
    """The embedding matrix of a safetensors file, memory-mapped (read-only)."""
    import_numpy()
    import numpy as np

    try:
        with path.open("rb") as handle:
            size = int.from_bytes(handle.read(8), "little")
            if not 0 < size < 1 << 20:
                raise ModelFilesMissing(f"{path} has no safetensors header")
            header = json.loads(handle.read(size))
        entry = header[TENSOR]
        rows, dim = (int(x) for x in entry["shape"])
        begin, end = (int(x) for x in entry["data_offsets"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelFilesMissing(f"{path}: {exc}") from None
    if entry.get("dtype") != "F16" or end - begin != rows * dim * 2:
        raise ModelFilesMissing(f"{path}: {TENSOR} is not a float16 matrix")
    matrix: NDArray[np.floating[Any]] = np.memmap(
        path, dtype=np.float16, mode="r", offset=8 + size + begin, shape=(rows, dim)
    )
    return matrix
