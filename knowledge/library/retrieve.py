"""Hybrid retrieval: dense (Chroma) + BM25 (jieba), fused by weighted min-max scores in our code.

Documents matching the explicit filters are the only ones returned; documents matching the filters a
question implies (「2023年」「制造业」) are ranked before the rest. Each hit carries the evidence the
relevance decision needs (knowledge/library/relevance.py): its dense similarity against the library's typical
similarity to the question, exact and soft coverage of the question's key terms, whether dense and
lexical search agree on it, and how much of the question the whole library never mentions.

Similarities mean different things in different libraries (a library of look-alike PR cases crowds
its documents together; encyclopaedic paragraphs stand apart), so each library gets a profile: the
typical top similarity, standing over the nearest chunks and lead over the runner-up of questions
the library certainly answers (sentences taken from a sample of its own chunks). A hit's dense
evidence is also given relative to that profile, which is what lets one fitted decision serve any
library.

The BM25 files live in the data dir; a replica that lacks them (or holds them for an older library)
rebuilds them from the database's chunks, so every replica searches lexically.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from knowledge.library.embed import Embedder
from knowledge.library.filters import ID_KEYS, Filters, Vocabulary, infer_filters
from knowledge.library.glossary import expand_query
from knowledge.library.lexical import LexicalIndex
from knowledge.library.sections import asks_for_note
from knowledge.library.snapshot import DocumentInfo, LibrarySnapshot
from knowledge.library.unrelated import UNRELATED_EN, UNRELATED_ZH
from knowledge.library.vectors import RememberedVectors, VectorStore
from knowledge.text import add_words, split_sentences, tokenize
from storage import library
from storage.db import session_scope

log = logging.getLogger(__name__)

# Keys of the index-state table the ingestor writes (knowledge/library/ingest.py uses the same names).
LIBRARY_KEY = "library_generation"
LEXICAL_FILES_KEY = "lexical_files"
VOCABULARY_KEY = "vocabulary"
PROFILE_KEY = "relevance_profile"
# Self-questions sampled for a library's profile (each one query embedding and one search, once per
# library change; the profile is stored, so replicas and one-shot processes reuse it).
PROFILE_SAMPLES = 32
# Floors for the profile's spreads: a library of one or two documents has no runner-up to speak of.
_MIN_SPREAD = 0.005
_MIN_SPAN = 0.01
# Stored profiles are measured again when the way of measuring them changes (the sample size, or the
# questions of the low end).
_PROFILE_METHOD = zlib.crc32(json.dumps([PROFILE_SAMPLES, UNRELATED_ZH, UNRELATED_EN]).encode("utf-8"))
# How much closer a case may be than the best note before a question asking for an explanation
# (plain words, principle) is answered from the case instead.
NOTE_PREFERENCE = 0.03
_HAN = re.compile(r"[\u4e00-\u9fff]")


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
    # Key-term coverage that also credits partial matches of a term's characters (0..1).
    soft_coverage: float = 0.0
    # 1-based rank of the document by dense similarity alone and by BM25 alone (0: not retrieved).
    dense_rank: int = 0
    lexical_rank: int = 0
    # Question-level evidence, copied onto each hit so a hit can be judged on its own.
    library_median: float = 0.0  # median dense similarity of the question's nearest chunks
    dense_lead: float = 0.0  # dense similarity minus the best other document's
    dense_z: float = 0.0  # dense similarity in standard deviations above the other candidates'
    absent: float = 0.0  # share of the question's key-term weight that no document contains
    # The question had no term the library knows (an English question none of whose words the glossary
    # translates): coverage says nothing, rather than "nothing matched".
    unmeasured: bool = False
    # The profile of the library the hit came from, against which its dense evidence is read.
    profile: LibraryProfile | None = None


@dataclass(frozen=True)
class LibraryProfile:
    """Medians over questions the library answers (sentences of its own chunks, asked back): top
    similarity, its standing over the nearest chunks, its lead over the runner-up; and the median top
    similarity of questions no library answers (knowledge/library/unrelated.py), Chinese and English."""

    dense: float
    gap: float
    lead: float
    samples: int
    unrelated: float
    unrelated_en: float

    def relative(self, dense: float, lead: float, lang: str) -> tuple[float, float]:
        """Where ``dense`` stands between what unrelated questions (0) and the library's own (1) score,
        and the lead in units of the typical lead of a question the library answers."""
        low = self.unrelated_en if lang == "en" else self.unrelated
        return (dense - low) / max(self.dense - low, _MIN_SPAN), lead / max(self.lead, _MIN_SPREAD)


# Before a library has a profile (or when it is too small to sample), the median of the benchmark
# libraries' profiles stands in.
DEFAULT_PROFILE = LibraryProfile(dense=0.915, gap=0.047, lead=0.028, samples=0, unrelated=0.848, unrelated_en=0.76)


@dataclass
class SearchResult:
    hits: list[DocumentHit]
    explicit: Filters
    inferred: Filters
    explicit_matched_nothing: bool = False
    # How many leading hits match the inferred filters (they are ranked first).
    preferred: int = 0
    # Two or more inferred filters that each match documents but together match none (a near miss:
    # 「2020年教育行业的数字人案例」 when the library has each part, never all three).
    inferred_conflict: Filters = field(default_factory=Filters)
    absent: float = 0.0


@dataclass
class _Query:
    vector: np.ndarray
    tokens: list[str]
    bm25: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    excluded_rows: np.ndarray | None = None
    exclude: frozenset[str] = frozenset()


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
        self._state: tuple[str | None, str | None] | None = None
        self._lexical: LexicalIndex | None = None
        self._position: dict[str, int] = {}
        self._snapshot = LibrarySnapshot()
        self._remembered = RememberedVectors(vectors)
        self._masks: dict[tuple, np.ndarray] = {}
        self._matching: dict[tuple, list[str]] = {}
        self._last_terms: tuple[tuple[str, ...], dict[str, float], LexicalIndex | None] = ((), {}, None)
        self._profile: LibraryProfile | None = None
        self.vocabulary = Vocabulary()

    # -- index state -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload BM25 and the vocabulary when the library changed; rebuild BM25 here when this data
        dir lacks files for the current library (a replica that did not run the ingest)."""
        with session_scope(self._engine) as session:
            states = library.get_states(session=session, keys=[LIBRARY_KEY, LEXICAL_FILES_KEY])
        state = (states.get(LIBRARY_KEY), states.get(LEXICAL_FILES_KEY))
        if state == self._state and self._lexical is not None:
            return
        with session_scope(self._engine) as session:
            words = library.get_state(session=session, key=VOCABULARY_KEY)
        snapshot = LibrarySnapshot.load(self._engine)
        with self._lock:
            if words:
                add_words(json.loads(words))
            lexical = LexicalIndex.load(self._lexical_dir)
            current_library, files_generation = state
            if lexical is None or not (
                lexical.generation == files_generation or (current_library and lexical.built_for == current_library)
            ):
                lexical = self._rebuild_lexical(current_library)
            self._lexical = lexical
            self._position = {cid: i for i, cid in enumerate(lexical.chunk_ids)}
            self._snapshot = snapshot
            self._remembered = RememberedVectors(self._vectors)
            self._masks = {}
            self._matching = {}
            self.vocabulary = Vocabulary.from_documents([(d.type, d.meta) for d in snapshot.documents.values()])
            self._profile = None
            self._state = state

    # -- the library's profile -------------------------------------------------------------------

    def profile(self) -> LibraryProfile:
        """The current library's profile: stored with the index state, computed when it is missing."""
        self.refresh()
        return self._current_profile()

    def _current_profile(self) -> LibraryProfile:
        if self._profile is not None:
            return self._profile
        generation = self._state[0] if self._state else None
        with session_scope(self._engine) as session:
            stored = library.get_state(session=session, key=PROFILE_KEY)
        if stored:
            data = json.loads(stored)
            if data.get("for") == generation and data.get("method") == _PROFILE_METHOD:
                self._profile = LibraryProfile(
                    data["dense"], data["gap"], data["lead"], data["samples"], data["unrelated"], data["unrelated_en"]
                )
                return self._profile
        profile = self._measure_profile()
        with session_scope(self._engine) as session:
            library.set_state(
                session=session,
                key=PROFILE_KEY,
                value=json.dumps({"for": generation, "method": _PROFILE_METHOD, **profile.__dict__}),
            )
        self._profile = profile
        return profile

    def _measure_profile(self) -> LibraryProfile:
        """Ask the library sentences of its own chunks (a spread-out, fixed sample) and take the medians
        of the top document's similarity, its standing over the nearest chunks and its lead."""
        assert self._lexical is not None
        chunk_ids = sorted(self._lexical.chunk_ids, key=lambda c: zlib.crc32(c.encode("utf-8")))
        questions: list[str] = []
        chunks = self._snapshot.chunks
        seen_docs: set[str] = set()
        for cid in chunk_ids[: PROFILE_SAMPLES * 2]:
            chunk = chunks.get(cid)
            if chunk is None or chunk.document_id in seen_docs:
                continue
            sentences = [s for s in split_sentences(chunk.text) if 12 <= len(s) <= 80]
            if sentences:
                questions.append(sentences[len(sentences) // 2])
                seen_docs.add(chunk.document_id)
            if len(questions) >= PROFILE_SAMPLES:
                break
        if len(seen_docs) < 3:
            return DEFAULT_PROFILE
        dense, gap, lead = [], [], []
        for question in questions:
            query = _Query(self._embedder.embed_query(question), tokenize(question))
            query.bm25 = self._lexical.scores(query.tokens)
            hits = self._search(query, Filters(), k_docs=2)
            if hits:
                dense.append(hits[0].dense)
                gap.append(hits[0].dense - hits[0].library_median)
                lead.append(hits[0].dense_lead)
        if not dense:
            return DEFAULT_PROFILE
        return LibraryProfile(
            round(float(np.median(dense)), 4),
            round(float(np.median(gap)), 4),
            round(float(np.median(lead)), 4),
            len(dense),
            self._unrelated_median(UNRELATED_ZH, DEFAULT_PROFILE.unrelated),
            self._unrelated_median(UNRELATED_EN, DEFAULT_PROFILE.unrelated_en),
        )

    def _unrelated_median(self, questions: tuple[str, ...], default: float) -> float:
        """Median similarity of the nearest chunk to questions the library cannot answer."""
        tops = []
        for question in questions:
            nearest = self._vectors.query(self._embedder.embed_query(question), 1)
            if nearest:
                tops.append(nearest[0].similarity)
        return round(float(np.median(tops)), 4) if tops else default

    def _rebuild_lexical(self, library_generation: str | None) -> LexicalIndex:
        with session_scope(self._engine) as session:
            rows = [
                (c.id, c.document_id, c.tokens.split(" ") if c.tokens else [])
                for c, _ in library.indexed_chunks(session=session)
            ]
        index = LexicalIndex.build(rows, built_for=library_generation)
        try:
            index.save(self._lexical_dir)
        except OSError as exc:  # a read-only data dir still searches, from memory
            log.warning("BM25 index rebuilt in memory only; cannot write %s: %s", self._lexical_dir, exc)
        return index

    def lexical_ready(self) -> bool:
        """True when BM25 covers the library's current chunks (for readiness checks)."""
        try:
            self.refresh()
        except Exception:  # the database is unreachable: not ready either way
            return False
        with session_scope(self._engine) as session:
            chunk_count = library.indexed_chunk_count(session=session)
        return self._lexical is not None and len(self._lexical.chunk_ids) == chunk_count

    def term_known(self, term: str) -> bool:
        """Whether any chunk of the library holds the search term."""
        self.refresh()
        return self._lexical is not None and self._lexical.rows_containing(term).size > 0

    def term_in(self, term: str, doc_ids: set[str]) -> bool:
        """Whether any chunk of these documents holds the search term (chunk ids are ``doc#n``)."""
        self.refresh()
        if self._lexical is None:
            return False
        chunk_ids = self._lexical.chunk_ids
        return any(chunk_ids[row].rsplit("#", 1)[0] in doc_ids for row in self._lexical.rows_containing(term))

    @property
    def document_count(self) -> int:
        self.refresh()
        return len(self._snapshot.documents)

    def documents_matching(self, filters: Filters) -> list[DocumentInfo]:
        """Every indexed document whose metadata matches all ``filters``, in library order."""
        self.refresh()
        return [self._snapshot.documents[i] for i in self._matching_ids(filters)]

    def chunks_of(self, doc_ids: list[str]) -> dict[str, list[ChunkHit]]:
        """Every chunk of the given documents, in reading order (scores are 0: nothing was searched)."""
        self.refresh()
        by_document = self._snapshot.by_document
        return {
            doc_id: [ChunkHit(c.id, c.section, c.text, 0.0, 0.0, 0.0) for c in by_document[doc_id]]
            for doc_id in doc_ids
            if doc_id in by_document
        }

    def _matching_ids(self, filters: Filters) -> list[str]:
        key = tuple(sorted((k, str(v)) for k, v in filters.values.items()))
        if key not in self._matching:
            self._matching[key] = [d.id for d in self._snapshot.documents.values() if filters.matches(d.type, d.meta)]
        return self._matching[key]

    # -- search ----------------------------------------------------------------------------------

    def search(
        self,
        question: str,
        k: int = 3,
        filters: Filters | None = None,
        infer: bool = True,
        exclude: frozenset[str] = frozenset(),
    ) -> SearchResult:
        """``exclude`` drops documents as if the library did not hold them (benchmarks use it to ask a
        question whose answer was taken away)."""
        self.refresh()
        explicit = filters or Filters()
        # English words name filters through their glossary translations (bank → 银行 → 金融).
        inferred = infer_filters(expand_query(question), self.vocabulary) if infer else Filters()
        inferred = Filters({key: v for key, v in inferred.values.items() if key not in explicit.values})
        query = _Query(self._embedder.embed_query(question), tokenize(expand_query(question)))
        query.bm25 = self._lexical.scores(query.tokens) if self._lexical is not None else np.zeros(0)
        query.excluded_rows = self._excluded_rows(exclude)
        query.exclude = exclude
        hits = self._search(query, explicit, k_docs=max(k, 5) * 2)
        matched_nothing = bool(explicit) and not hits
        preferred_count = 0
        conflict = Filters()
        if inferred:
            combined = Filters({**explicit.values, **inferred.values})
            preferred = self._search(query, combined, k_docs=max(k, 5) * 2)
            if preferred:
                preferred_ids = {h.id for h in preferred}
                hits = preferred + [h for h in hits if h.id not in preferred_ids]
                preferred_count = len(preferred)
            else:
                if len(combined.values) >= 2 and all(
                    self._matching_ids(Filters({key: v})) for key, v in combined.values.items()
                ):
                    conflict = combined
                inferred = Filters()
        if asks_for_note(question) and "type" not in explicit.values and "type" not in inferred.values:
            hits = self._notes_first(query, explicit, hits, k_docs=max(k, 5) * 2)
        hits = hits[: max(k, 1) * 2]
        absent = self._absent_share(query)
        profile = self._current_profile()  # refreshed above
        for hit in hits:
            hit.absent = absent
            hit.profile = profile
        self._complete_chunks(hits[: max(k, 3)])
        return SearchResult(hits, explicit, inferred, matched_nothing, preferred_count, conflict, absent)

    def _notes_first(self, query: _Query, explicit: Filters, hits: list[DocumentHit], k_docs: int) -> list[DocumentHit]:
        """「用大白话讲讲…」「技术上怎么实现」 ask for a note's explanation: the best note comes first
        when it is nearly as close as the best document overall."""
        notes = self._search(query, Filters({**explicit.values, "type": "note"}), k_docs=2)
        if not notes or not hits or notes[0].dense < hits[0].dense - NOTE_PREFERENCE:
            return hits
        return [notes[0]] + [h for h in hits if h.id != notes[0].id]

    def _excluded_rows(self, exclude: frozenset[str]) -> np.ndarray | None:
        if not exclude or self._lexical is None:
            return None
        return np.fromiter((d in exclude for d in self._lexical.doc_ids), dtype=bool, count=len(self._lexical.doc_ids))

    def _key_terms(self, tokens: list[str]) -> dict[str, float]:
        """The question's terms with their idf weight (rare terms decide). English words absent from a
        Chinese library say nothing either way (their glossary translations carry the evidence)."""
        assert self._lexical is not None
        key = tuple(tokens)
        cached = self._last_terms  # read once: answer workers share the retriever
        if cached[0] == key and cached[2] is self._lexical:
            return cached[1]  # one question searches several times (filters, notes)
        terms = self._weigh_terms(tokens)
        self._last_terms = (key, terms, self._lexical)
        return terms

    def _weigh_terms(self, tokens: list[str]) -> dict[str, float]:
        assert self._lexical is not None
        idf = self._lexical.idf(list(dict.fromkeys(tokens)))
        unseen = self._lexical.unseen_idf
        # An English word the library never uses says nothing; one it does use (RAG, OCR) is evidence.
        return {t: w for t, w in idf.items() if not (t.isascii() and w >= unseen - 1e-6)}

    def _absent_share(self, query: _Query) -> float:
        """Share of the key-term weight carried by Chinese words that no (non-excluded) document has."""
        terms = self._key_terms(query.tokens)
        total = sum(terms.values())
        if total <= 0 or self._lexical is None:
            return 0.0
        missing = 0.0
        for term, weight in terms.items():
            if term.isascii() or len(term) < 2:
                continue
            rows = self._lexical.rows_containing(term)
            if query.excluded_rows is not None and rows.size:
                rows = rows[~query.excluded_rows[rows]]
            if rows.size == 0:
                missing += weight
        return missing / total

    def _complete_chunks(self, hits: list[DocumentHit]) -> None:
        """Give the top documents all their chunks (unretrieved ones score 0), so the answer writer can
        quote a sentence that retrieval did not surface."""
        by_document = self._snapshot.by_document
        for hit in hits:
            have = {c.chunk_id for c in hit.chunks}
            for chunk in by_document.get(hit.id, []):
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
        if query.excluded_rows is not None and bm25.size:
            bm25 = np.where(query.excluded_rows, 0.0, bm25)
        lexical_ids: list[str] = []
        if bm25.size and bm25.max() > 0:
            top = np.argpartition(-bm25, min(n, bm25.size - 1))[:n]
            lexical_ids = [lexical.chunk_ids[i] for i in top if bm25[i] > 0]

        where = filters.chroma_where()
        if any(key in filters.values for key in ID_KEYS):
            by_ids = {"doc_id": {"$in": self._matching_ids(filters) or ["\u2400"]}}
            where = {"$and": [where, by_ids]} if where else by_ids
        if query.exclude:
            excluding = {"doc_id": {"$nin": sorted(query.exclude)}}
            where = {"$and": [where, excluding]} if where else excluding
        dense_hits = self._vectors.query(query_vector, n, where=where)
        dense = {h.chunk_id: h.similarity for h in dense_hits}
        library_median = float(np.median([h.similarity for h in dense_hits])) if dense_hits else 0.0
        missing = [cid for cid in lexical_ids if cid not in dense]
        dense.update(self._remembered.similarities(query_vector, missing))

        chunks, documents = self._snapshot.chunks, self._snapshot.documents
        candidate_ids = [
            cid
            for cid in dict.fromkeys([*dense.keys(), *lexical_ids])
            if cid in chunks and cid in dense and chunks[cid].document_id not in query.exclude
        ]
        if not candidate_ids:
            return []
        dense_arr = np.array([dense[c] for c in candidate_ids], dtype=np.float32)
        lex_arr = np.array(
            [bm25[self._position[c]] if c in self._position and bm25.size else 0.0 for c in candidate_ids],
            dtype=np.float32,
        )
        fused = (1 - self.bm25_weight) * _minmax(dense_arr) + self.bm25_weight * _minmax(lex_arr)

        by_doc: dict[str, DocumentHit] = {}
        best_lexical: dict[str, float] = {}
        for cid, score, d, lx in zip(candidate_ids, fused.tolist(), dense_arr.tolist(), lex_arr.tolist(), strict=True):
            chunk = chunks[cid]
            doc_id = chunk.document_id
            hit = by_doc.get(doc_id)
            if hit is None:
                doc = documents[doc_id]
                hit = by_doc[doc_id] = DocumentHit(
                    doc.id, doc.title, doc.type, doc.source, dict(doc.meta), score, d, 0.0
                )
                hit.library_median = library_median
                best_lexical[doc_id] = 0.0
            hit.score = max(hit.score, score)
            hit.dense = max(hit.dense, d)
            best_lexical[doc_id] = max(best_lexical[doc_id], lx)
            hit.chunks.append(ChunkHit(cid, chunk.section, chunk.text, score, d, lx))
        by_dense = sorted(by_doc.values(), key=lambda h: h.dense, reverse=True)
        standing = _standing([h.dense for h in by_dense])
        for rank, hit in enumerate(by_dense, start=1):
            hit.dense_rank = rank
            # How far the document stands from the best other document (negative below the first).
            rival = by_dense[1].dense if rank == 1 and len(by_dense) > 1 else by_dense[0].dense
            hit.dense_lead = hit.dense - rival if len(by_dense) > 1 else hit.dense - library_median
            hit.dense_z = standing[rank - 1]
        lexical_order = sorted(
            (h for h in by_doc.values() if best_lexical[h.id] > 0), key=lambda h: -best_lexical[h.id]
        )
        for rank, hit in enumerate(lexical_order, start=1):
            hit.lexical_rank = rank
        ranked = sorted(by_doc.values(), key=lambda h: h.score, reverse=True)[:k_docs]
        query_terms = self._key_terms(tokens)
        total_weight = sum(query_terms.values())
        for hit in ranked:
            hit.chunks.sort(key=lambda c: c.score, reverse=True)
            hit.unmeasured = total_weight <= 0
            if total_weight > 0:
                terms = set().union(*(chunks[c.chunk_id].tokens for c in hit.chunks))
                text = hit.title + "".join(c.text for c in hit.chunks)
                hit.coverage, hit.soft_coverage = _coverage(query_terms, total_weight, terms, text)
        return ranked

    def _mask(self, filters: Filters) -> np.ndarray | None:
        if not filters or self._lexical is None:
            return None
        key = tuple(sorted((k, str(v)) for k, v in filters.values.items()))
        if key not in self._masks:
            doc_ok = {doc_id: filters.matches(d.type, d.meta) for doc_id, d in self._snapshot.documents.items()}
            self._masks[key] = np.fromiter(
                (doc_ok.get(d, False) for d in self._lexical.doc_ids), dtype=bool, count=len(self._lexical.doc_ids)
            )
        return self._masks[key]


def _coverage(terms: dict[str, float], total: float, doc_terms: set[str], doc_text: str) -> tuple[float, float]:
    """(exact, soft) share of the key-term weight the document holds. Soft coverage also gives half
    credit for the share of a Chinese term's characters the document's text contains, so a synonym
    or a paraphrase sharing a character (次品 / 缺陷品) is not worth nothing."""
    exact = soft = 0.0
    for term, weight in terms.items():
        if term in doc_terms:
            exact += weight
            soft += weight
        elif not term.isascii():
            chars = [c for c in term if _HAN.match(c)]
            if chars:
                soft += 0.5 * weight * sum(c in doc_text for c in chars) / len(chars)
    return exact / total, soft / total


def _standing(values: list[float]) -> list[float]:
    """Each value in standard deviations above the mean of the others (0 with fewer than two others)."""
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    if n < 3:
        return [0.0] * n
    mean = (x.sum() - x) / (n - 1)
    variance = np.maximum((np.square(x).sum() - np.square(x)) / (n - 1) - np.square(mean), 0.0)
    return ((x - mean) / np.maximum(np.sqrt(variance), 1e-3)).tolist()


def _minmax(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.ones_like(values) if high > 0 else np.zeros_like(values)
    return (values - low) / (high - low)
