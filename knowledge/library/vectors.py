"""The dense index: a Chroma collection we always feed our own vectors (no default embedding)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

FILTERABLE = ("type", "industry", "year", "products", "tags")


class VectorStoreError(Exception):
    """Chroma cannot be opened or reached; the message says which and how to fix it."""


@dataclass(frozen=True)
class VectorHit:
    chunk_id: str
    similarity: float


def chroma_metadata(doc_id: str, doc_type: str, meta: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"doc_id": doc_id, "type": doc_type}
    for key in FILTERABLE[1:]:
        value = meta.get(key)
        if value in (None, "", []):
            continue
        out[key] = [str(v) for v in value] if isinstance(value, list) else value
    return out


def redact_url(url: str) -> str:
    """The URL without its password (``http://user:***@host:8000``), for messages and logs."""
    try:
        parsed = urlparse(url)
    except ValueError:
        return "<unparseable URL>"
    if parsed.password is None:
        return url
    netloc = parsed.netloc.rpartition("@")[2]
    user = f"{parsed.username}:***@" if parsed.username else "***@"
    return parsed._replace(netloc=user + netloc).geturl()


class VectorStore:
    def __init__(self, collection: Any) -> None:
        self._collection = collection

    @classmethod
    def open(cls, path: Path | None, url: str | None, collection_name: str) -> VectorStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if url:
                parsed = urlparse(url)
                client = chromadb.HttpClient(
                    host=parsed.hostname or "localhost",
                    port=parsed.port or 8000,
                    ssl=parsed.scheme == "https",
                    settings=settings,
                )
                client.heartbeat()
            else:
                assert path is not None
                path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(path), settings=settings)
            collection = client.get_or_create_collection(
                collection_name, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        except Exception as exc:  # chromadb raises many types for an unreachable server or a bad path
            where = f"the Chroma server at {redact_url(url)}" if url else f"the embedded Chroma store at {path}"
            hint = "start it or unset PRBOT_CHROMA_URL" if url else "check PRBOT_DATA_DIR is writable"
            raise VectorStoreError(f"无法打开向量库 / cannot open {where}: {exc.__class__.__name__}; {hint}") from None
        return cls(collection)

    def count(self) -> int:
        return int(self._collection.count())

    def upsert(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
        for start in range(0, len(ids), 2000):
            end = start + 2000
            self._collection.upsert(
                ids=ids[start:end], embeddings=vectors[start:end].tolist(), metadatas=metadatas[start:end]
            )

    def delete_document(self, doc_id: str) -> None:
        self._collection.delete(where={"doc_id": doc_id})

    def delete(self, ids: list[str]) -> None:
        if ids:
            self._collection.delete(ids=ids)

    def document_ids(self) -> set[str]:
        result = self._collection.get(include=["metadatas"])
        return {m["doc_id"] for m in result["metadatas"] or [] if m}

    def query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None) -> list[VectorHit]:
        # Chroma 1.x returns fewer than ``n`` results (none for an empty collection) without a count first.
        result = self._collection.query(
            query_embeddings=[vector.tolist()], n_results=n, where=where or None, include=["distances"]
        )
        ids, distances = result["ids"][0], result["distances"][0]
        return [VectorHit(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def embeddings(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors of ``ids`` (ids the store lacks are left out)."""
        if not ids:
            return {}
        result = self._collection.get(ids=ids, include=["embeddings"])
        embeddings = np.asarray(result["embeddings"], dtype=np.float32)
        if embeddings.size == 0:
            return {}
        return dict(zip(result["ids"], embeddings, strict=True))


class RememberedVectors:
    """Chunk vectors fetched from the store, kept for one library generation (the most recent ``size``).

    BM25 finds chunks the dense search did not return; their similarity needs their vectors, and a
    store round trip per question cost as much as the rest of the fusion. The retriever makes a new
    one whenever the library changes, so a vector is never older than the chunk it belongs to.
    """

    def __init__(self, store: VectorStore, size: int = 20_000) -> None:
        self._store = store
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def similarities(self, vector: np.ndarray, ids: list[str]) -> dict[str, float]:
        with self._lock:
            known = {i: self._vectors[i] for i in ids if i in self._vectors}
        fetched = self._store.embeddings([i for i in ids if i not in known])
        if fetched:
            with self._lock:
                self._vectors.update(fetched)
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        found = {**known, **fetched}
        if not found:
            return {}
        sims = np.stack(list(found.values())) @ vector
        return dict(zip(found, sims.tolist(), strict=True))
