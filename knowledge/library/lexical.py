"""The lexical index: jieba tokens + BM25 (bm25s), saved under the data dir and rebuilt after ingests.

BM25 has no incremental add, so every ingest that changes the library rebuilds it from the tokens
stored with each chunk (no re-segmentation). Each build has a generation id recorded in the
database; readers reload when the database names a newer one. A replica whose data dir lacks the
files (scale-out: only the ingesting process wrote them) rebuilds them from the database's chunks and
records which library generation they were built for (``built_for``).
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np


@dataclass
class LexicalIndex:
    generation: str
    chunk_ids: list[str]
    doc_ids: list[str]
    retriever: bm25s.BM25 | None
    # The library generation these files were built for (set when a reader rebuilt them).
    built_for: str | None = None

    @classmethod
    def build(cls, rows: list[tuple[str, str, list[str]]], built_for: str | None = None) -> LexicalIndex:
        """``rows`` are (chunk id, document id, tokens)."""
        generation = uuid.uuid4().hex
        if not rows:
            return cls(generation, [], [], None, built_for)
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        corpus = [tokens or ["\u2400"] for _, _, tokens in rows]
        retriever.index(corpus, show_progress=False)
        return cls(generation, [r[0] for r in rows], [r[1] for r in rows], retriever, built_for)

    def save(self, directory: Path) -> None:
        """Write to a fresh folder, then swap it in, so a reader never sees half a file set."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = directory.with_name(directory.name + f".tmp-{self.generation}")
        staging.mkdir(parents=True, exist_ok=True)
        if self.retriever is not None:
            self.retriever.save(str(staging / "bm25"))
        (staging / "ids.json").write_text(
            json.dumps(
                {
                    "generation": self.generation,
                    "built_for": self.built_for,
                    "chunks": self.chunk_ids,
                    "docs": self.doc_ids,
                }
            ),
            encoding="utf-8",
        )
        old = directory.with_name(directory.name + ".old")
        if directory.exists():
            shutil.rmtree(old, ignore_errors=True)
            directory.rename(old)
        staging.rename(directory)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex | None:
        ids_file = directory / "ids.json"
        if not ids_file.exists():
            return None
        data = json.loads(ids_file.read_text(encoding="utf-8"))
        retriever = None
        if data["chunks"]:
            retriever = bm25s.BM25.load(str(directory / "bm25"), mmap=False)
        return cls(data["generation"], data["chunks"], data["docs"], retriever, data.get("built_for"))

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """BM25 idf of each token; a token no chunk contains gets the highest value. ``None``-free."""
        n = len(self.chunk_ids)
        out = {}
        for token in tokens:
            index = self.retriever.vocab_dict.get(token) if self.retriever is not None else None
            indptr = self.retriever.scores["indptr"] if self.retriever is not None else None
            df = int(indptr[index + 1] - indptr[index]) if index is not None and indptr is not None else 0
            out[token] = float(np.log((n - df + 0.5) / (df + 0.5) + 1.0))
        return out

    @property
    def unseen_idf(self) -> float:
        """The idf ``idf`` gives a token no chunk contains."""
        n = len(self.chunk_ids)
        return float(np.log((n + 0.5) / 0.5 + 1.0))

    def rows_containing(self, token: str) -> np.ndarray:
        """Chunk positions whose tokens include ``token`` (empty when no chunk does)."""
        if self.retriever is None or token not in self.retriever.vocab_dict:
            return np.zeros(0, dtype=np.int64)
        index = self.retriever.vocab_dict[token]
        indptr = self.retriever.scores["indptr"]
        return np.asarray(self.retriever.scores["indices"][indptr[index] : indptr[index + 1]])

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk, in ``chunk_ids`` order (unknown tokens score nothing)."""
        if self.retriever is None:
            return np.zeros(0, dtype=np.float32)
        known = [t for t in tokens if t in self.retriever.vocab_dict]
        if not known:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        return np.asarray(self.retriever.get_scores(known), dtype=np.float32)
