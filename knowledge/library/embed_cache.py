"""A query-vector cache in front of any embedder.

The conversation layer embeds a message to route it; when the message is a question, the retriever
embeds the same text again. Sharing the vector makes routing cost almost nothing on the answer path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from knowledge.library.embed import Embedder


class QueryCache:
    """Remembers the last ``size`` query vectors by text; passages are passed straight through."""

    def __init__(self, inner: Embedder, size: int = 256) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            found = self._vectors.get(text)
            if found is not None:
                self._vectors.move_to_end(text)
                return found
        vector = self.inner.embed_query(text)
        with self._lock:
            self._vectors[text] = vector
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return vector
