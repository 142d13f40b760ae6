"""Hybrid retrieval: dense (Chroma) + BM25 (jieba), fused by weighted min-max scores in our code.

Documents matching the explicit filters are the only ones returned; documents matching the filters a
question implies (「2023年」「制造业」) are ranked before the rest.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from knowledge.embed import Embedder
from knowledge.filters import Filters, Vocabulary, infer_filters
from knowledge.glossary import expand_query
from knowledge.lexical import LexicalIndex
from knowledge.text import add_words, tokenize
from knowledge.vectors import VectorStore
from storage import library
from storage.db import session_scope


@dataclass
class ChunkHit:
    chunk_id: str
    section: str
    text: str
    score: float
    dense: float
    lexical: float


@dataclass
class DocumentHit:
    id: str
    title: str
    type: str
    source: str
    meta: dict[str, Any]
    score: float
    dense: float
    coverage: float
    chunks: list[ChunkHit] = field(default_factory=list)


@dataclass
class SearchResult:
    hits: list[DocumentHit]
    explicit: Filters
    inferred: Filters
    explicit_matched_nothing: bool = False
    # How many leading hits match the inferred filters (they are ranked first).
    preferred: int = 0


@dataclass
class _Query:
    vector: np.ndarray
    tokens: list[str]
    bm25: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))


class Retriever:
    def __init__(
        self,
        engine: Engine,
        vectors: VectorStore,
        embedder: Embedder,
        lexical_dir: Path,
        bm25_weight: float = 0.3,
        candidates: int = 40,
    ) -> None:
        self._engine = engine
        self._vectors = vectors
        self._embedder = embedder
        self._lexical_dir = lexical_dir
        self.bm25_weight = bm25_weight
        self._candidates = candidates
        self._lock = threading.Lock()
        self._files_generation: str | None = None
        self._lexical: LexicalIndex | None = None
        self._position: dict[str, int] = {}
        self._doc_meta: dict[str, tuple[str, dict[str, Any]]] = {}
        self._masks: dict[tuple, np.ndarray] = {}
        self.vocabulary = Vocabulary()

    # -- index state -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the BM25 files and the library vocabulary when an ingest has rebuilt them."""
        with session_scope(self._engine) as session:
            generation = library.get_state(session, "lexical_files")
            if generation == self._files_generation and self._lexical is not None:
                return
            words = library.get_state(session, "vocabulary")
            docs = {d.id: (d.type, dict(d.meta)) for d in library.indexed_documents(session)}
        with self._lock:
            if words:
                import json

                add_words(json.loads(words))
            self._lexical = LexicalIndex.load(self._lexical_dir) or LexicalIndex.build([])
            self._position = {cid: i for i, cid in enumerate(self._lexical.chunk_ids)}
            self._doc_meta = docs
            self._masks = {}
            self.vocabulary = Vocabulary.from_documents(list(docs.values()))
            self._files_generation = generation

    @property
    def document_count(self) -> int:
        self.refresh()
        return len(self._doc_meta)

    # -- search ----------------------------------------------------------------------------------

    def search(self, question: str, k: int = 3, filters: Filters | None = None, infer: bool = True) -> SearchResult:
        self.refresh()
        explicit = filters or Filters()
        inferred = infer_filters(question, self.vocabulary) if infer else Filters()
        inferred = Filters({key: v for key, v in inferred.values.items() if key not in explicit.values})
        query = _Query(self._embedder.embed_query(question), tokenize(expand_query(question)))
        query.bm25 = self._lexical.scores(query.tokens) if self._lexical is not None else np.zeros(0)
        hits = self._search(query, explicit, k_docs=max(k, 5) * 2)
        matched_nothing = bool(explicit) and not hits
        preferred_count = 0
        if inferred:
            preferred = self._search(query, Filters({**explicit.values, **inferred.values}), k_docs=max(k, 5) * 2)
            if preferred:
                preferred_ids = {h.id for h in preferred}
                hits = preferred + [h for h in hits if h.id not in preferred_ids]
                preferred_count = len(preferred)
            else:
                inferred = Filters()
        hits = hits[: max(k, 1) * 2]
        self._complete_chunks(hits[: max(k, 3)])
        return SearchResult(hits, explicit, inferred, matched_nothing, preferred_count)

    def _complete_chunks(self, hits: list[DocumentHit]) -> None:
        """Give the top documents all their chunks (unretrieved ones score 0), so the answer writer can
        quote a sentence that retrieval did not surface."""
        with session_scope(self._engine) as session:
            chunks = library.chunks_of_documents(session, [h.id for h in hits])
        by_doc: dict[str, list[library.Chunk]] = {}
        for chunk in chunks:
            by_doc.setdefault(chunk.document_id, []).append(chunk)
        for hit in hits:
            have = {c.chunk_id for c in hit.chunks}
            for chunk in by_doc.get(hit.id, []):
                if chunk.id not in have:
                    hit.chunks.append(ChunkHit(chunk.id, chunk.section, chunk.text, 0.0, 0.0, 0.0))
            hit.chunks.sort(key=lambda c: c.score, reverse=True)

    def _search(self, query: _Query, filters: Filters, k_docs: int) -> list[DocumentHit]:
        """One fused search; the query's vector and BM25 scores are computed once per question."""
        lexical = self._lexical
        assert lexical is not None
        query_vector, tokens, bm25 = query.vector, query.tokens, query.bm25
        n = self._candidates

        mask = self._mask(filters)
        if mask is not None and bm25.size:
            bm25 = np.where(mask, bm25, 0.0)
        lexical_ids: list[str] = []
        if bm25.size and bm25.max() > 0:
            top = np.argpartition(-bm25, min(n, bm25.size - 1))[:n]
            lexical_ids = [lexical.chunk_ids[i] for i in top if bm25[i] > 0]

        dense_hits = self._vectors.query(query_vector, n, where=filters.chroma_where())
        dense = {h.chunk_id: h.similarity for h in dense_hits}
        missing = [cid for cid in lexical_ids if cid not in dense]
        dense.update(self._vectors.similarities(query_vector, missing))

        candidate_ids = list(dict.fromkeys([*dense.keys(), *lexical_ids]))
        with session_scope(self._engine) as session:
            rows = library.chunks_by_ids(session, candidate_ids)
        candidate_ids = [cid for cid in candidate_ids if cid in rows and cid in dense]
        if not candidate_ids:
            return []
        dense_arr = np.array([dense[c] for c in candidate_ids], dtype=np.float32)
        lex_arr = np.array(
            [bm25[self._position[c]] if c in self._position and bm25.size else 0.0 for c in candidate_ids],
            dtype=np.float32,
        )
        fused = (1 - self.bm25_weight) * _minmax(dense_arr) + self.bm25_weight * _minmax(lex_arr)

        # Term weights for coverage: rare terms decide. English words absent from a Chinese library say
        # nothing either way (their glossary translations carry the evidence), so they are left out.
        idf = lexical.idf(list(dict.fromkeys(tokens)))
        query_terms = {t: w for t, w in idf.items() if not (t.isascii() and w >= max(idf.values()) - 1e-6)}
        total_weight = sum(query_terms.values())
        by_doc: dict[str, DocumentHit] = {}
        for cid, score, d, lx in zip(candidate_ids, fused, dense_arr, lex_arr, strict=True):
            chunk, doc = rows[cid]
            hit = by_doc.get(doc.id)
            if hit is None:
                hit = by_doc[doc.id] = DocumentHit(
                    doc.id, doc.title, doc.type, doc.source_path, dict(doc.meta), float(score), float(d), 0.0
                )
            hit.score = max(hit.score, float(score))
            hit.dense = max(hit.dense, float(d))
            terms = set(chunk.tokens.split(" "))
            if total_weight > 0:
                matched = sum(w for t, w in query_terms.items() if t in terms)
                hit.coverage = max(hit.coverage, matched / total_weight)
            hit.chunks.append(ChunkHit(cid, chunk.section, chunk.text, float(score), float(d), float(lx)))
        ranked = sorted(by_doc.values(), key=lambda h: h.score, reverse=True)
        for hit in ranked:
            hit.chunks.sort(key=lambda c: c.score, reverse=True)
        return ranked[:k_docs]

    def _mask(self, filters: Filters) -> np.ndarray | None:
        if not filters or self._lexical is None:
            return None
        key = tuple(sorted(filters.values.items()))
        if key not in self._masks:
            doc_ok = {doc_id: filters.matches(t, m) for doc_id, (t, m) in self._doc_meta.items()}
            self._masks[key] = np.fromiter(
                (doc_ok.get(d, False) for d in self._lexical.doc_ids), dtype=bool, count=len(self._lexical.doc_ids)
            )
        return self._masks[key]


def _minmax(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.ones_like(values) if high > 0 else np.zeros_like(values)
    return (values - low) / (high - low)
