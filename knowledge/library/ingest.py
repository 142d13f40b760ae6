"""Incremental ingestion: parse → chunk → embed → Chroma + SQLite, then rebuild BM25.

A document is marked indexed only after its vectors and its chunk rows are both written; it is
unmarked before either store is touched, so a crash mid-way leaves it unindexed (never half
indexed) and the next run repairs it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine

from knowledge.library.chunk import chunk_document
from knowledge.library.embed import Embedder
from knowledge.library.lexical import LexicalIndex
from knowledge.library.parse import FileResult, ParsedDocument, discover, parse_file, symlinked_folders
from knowledge.library.vectors import VectorStore, chroma_metadata
from knowledge.text import add_words, tokenize
from storage import library
from storage.db import session_scope

log = logging.getLogger(__name__)

VOCABULARY_KEY = "vocabulary"
LEXICAL_KEY = "lexical_generation"
LIBRARY_KEY = "library_generation"

Progress = Callable[[str, int, int], None]

# Bump when chunking, headers or tokenisation change: every document is then re-indexed once.
PIPELINE_VERSION = "4"  # 3: chunks under 40 characters join their neighbour; 4: list items keep their lines


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    # Not read, with the reason (e.g. a symlinked folder); not a failure of what was read.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    chunks_embedded: int = 0
    embed_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def document_header(doc_id: str, doc_type: str, title: str, meta: dict) -> str:
    """Title and key metadata, indexed with every chunk so each chunk knows what it belongs to."""
    if not title or title == doc_id:
        return ""
    details = [str(meta[k]) for k in ("industry", "customer", "technology") if meta.get(k)]
    details += [str(p) for p in meta.get("products", [])]
    details += [str(t) for t in meta.get("tags", [])]
    if meta.get("year"):
        details.append(f"{meta['year']}年")
    return f"{title}（{'，'.join(details)}）" if details else title


def domain_words(docs: list[ParsedDocument]) -> set[str]:
    words: set[str] = set()
    for doc in docs:
        for key in ("industry", "technology", "customer"):
            if isinstance(doc.meta.get(key), str):
                words.add(doc.meta[key])
        for key in ("products", "tags"):
            words.update(doc.meta.get(key, []))
    return words


class Ingestor:
    def __init__(
        self,
        engine: Engine,
        vectors: VectorStore,
        embedder: Embedder,
        lexical_dir: Path,
        target_chars: int = 360,
        max_chars: int = 480,
        batch_chunks: int = 32,
        max_file_bytes: int = 20 * 1024 * 1024,
        max_document_chars: int = 500_000,
    ) -> None:
        self._engine = engine
        self._vectors = vectors
        self._embedder = embedder
        self._lexical_dir = lexical_dir
        self._target = target_chars
        self._max = max_chars
        self._batch = batch_chunks
        self._max_file_bytes = max_file_bytes
        self._max_document_chars = max_document_chars

    # -- public ----------------------------------------------------------------------------------

    def ingest(self, paths: list[Path], prune: bool = False, progress: Progress | None = None) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        parsed = self._parse_all(paths, report)
        docs = self._drop_duplicates(parsed, report)
        self._learn_words(docs)
        todo = self._classify(docs, report)
        self._index(todo, report, progress)
        self._remove_vanished(parsed, report, prune)
        self.refresh_lexical(force=bool(report.added or report.updated or report.removed))
        report.seconds = time.perf_counter() - started
        return report

    def index_documents(self, docs: list[ParsedDocument]) -> IngestReport:
        """Index documents created inside the bot (e.g. a published note) right away."""
        started = time.perf_counter()
        report = IngestReport()
        self._learn_words(docs)
        self._index(self._classify(docs, report), report, None)
        self.refresh_lexical(force=True)
        report.seconds = time.perf_counter() - started
        return report

    def refresh_lexical(self, force: bool = False) -> None:
        """Rebuild BM25 when the library changed since the last build (or a build was interrupted)."""
        with session_scope(self._engine) as session:
            built_for = library.get_state(session=session, key=LEXICAL_KEY)
            current = library.get_state(session=session, key=LIBRARY_KEY)
            if not force and built_for == current and (self._lexical_dir / "ids.json").exists():
                return
            rows = [
                (c.id, c.document_id, c.tokens.split(" ") if c.tokens else [])
                for c, _ in library.indexed_chunks(session=session)
            ]
        index = LexicalIndex.build(rows)
        index.save(self._lexical_dir)
        with session_scope(self._engine) as session:
            if current is None:
                current = index.generation
                library.set_state(session=session, key=LIBRARY_KEY, value=current)
            library.set_state(session=session, key=LEXICAL_KEY, value=current)
            library.set_state(session=session, key="lexical_files", value=index.generation)

    # -- steps -----------------------------------------------------------------------------------

    def _parse_all(self, paths: list[Path], report: IngestReport) -> list[FileResult]:
        results = []
        for root in paths:
            if not root.exists():
                report.failed.append((str(root), "路径不存在 / no such file or folder"))
                continue
            base = root if root.is_dir() else root.parent
            for link in symlinked_folders(root):
                reason = (
                    f"符号链接的文件夹未读取 / a symlinked folder is not followed (→ {link.resolve()}); "
                    "index its target directly: prbot ingest TARGET"
                )
                log.warning("ingest: %s: %s", link, reason)
                report.skipped.append((str(link), reason))
            for path in discover([root]):
                too_big = self._too_big(path)
                if too_big:
                    report.failed.append((str(path), too_big))
                    continue
                result = parse_file(path, base)
                # A document over the limit counts as an error of its file, so its earlier version
                # stays indexed (the file is not "cleanly parsed" and nothing is pruned from it).
                result.documents, too_long = self._within_limit(result.documents)
                result.errors += too_long
                for error in result.errors:
                    report.failed.append((str(path), error))
                results.append(result)
        return results

    def _too_big(self, path: Path) -> str:
        try:
            size = path.stat().st_size
        except OSError:
            return ""  # parse_file reports what is wrong with it
        if size <= self._max_file_bytes:
            return ""
        mb, limit = size / 1024 / 1024, self._max_file_bytes / 1024 / 1024
        return (
            f"文件太大 / file too large: {mb:.1f} MB, the limit is {limit:.0f} MB "
            "(PRBOT_INGEST_MAX_FILE_MB); split it into smaller files"
        )

    def _within_limit(self, docs: list[ParsedDocument]) -> tuple[list[ParsedDocument], list[str]]:
        kept, problems = [], []
        for doc in docs:
            if len(doc.body) > self._max_document_chars:
                problems.append(
                    f"文档太长 / document {doc.id!r} too long: {len(doc.body):,} characters, the limit is "
                    f"{self._max_document_chars:,} (PRBOT_INGEST_MAX_DOCUMENT_CHARS); split it into smaller files"
                )
            else:
                kept.append(doc)
        return kept, problems

    def _drop_duplicates(self, parsed: list[FileResult], report: IngestReport) -> list[ParsedDocument]:
        """Keep the first document with each id; a later one (or one owned by another existing file
        that this run did not read) is reported, not indexed."""
        parsed_sources = {str(r.path) for r in parsed}
        with session_scope(self._engine) as session:
            owner_in_db = {d.id: d.source_path for d in library.indexed_documents(session=session)}
        # An id the library already has stays with its file when that file still holds it, whatever
        # order this run reads the files in: the newcomer is the duplicate.
        still_held = {(doc.id, doc.source_path) for result in parsed for doc in result.documents}
        seen: dict[str, str] = {}
        kept: list[ParsedDocument] = []
        for result in parsed:
            for doc in result.documents:
                other = seen.get(doc.id)
                db_owner = owner_in_db.get(doc.id)
                if other is None and db_owner and db_owner != doc.source_path and (doc.id, db_owner) in still_held:
                    other = db_owner
                if (
                    other is None
                    and db_owner
                    and db_owner != doc.source_path
                    and db_owner not in parsed_sources
                    and Path(db_owner).exists()
                ):
                    other = db_owner
                if other is not None:
                    report.failed.append((doc.source_path, f"重复的 id / duplicate id {doc.id!r} (also in {other})"))
                    continue
                seen[doc.id] = doc.source_path
                kept.append(doc)
        return kept

    def _learn_words(self, docs: list[ParsedDocument]) -> None:
        with session_scope(self._engine) as session:
            known = set(json.loads(library.get_state(session=session, key=VOCABULARY_KEY) or "[]"))
            new = domain_words(docs) - known
            if new:
                library.set_state(
                    session=session, key=VOCABULARY_KEY, value=json.dumps(sorted(known | new), ensure_ascii=False)
                )
        add_words(known | new)

    def fingerprint(self, doc: ParsedDocument) -> str:
        """What decides re-indexing: the content, the pipeline version, the model and chunk sizes."""
        key = f"{PIPELINE_VERSION}|{self._embedder.name}|{self._target}|{self._max}|{doc.content_hash}"
        return hashlib.sha256(key.encode()).hexdigest()

    def _classify(self, docs: list[ParsedDocument], report: IngestReport) -> list[tuple[ParsedDocument, bool]]:
        """Return (document, is_new) for those needing (re)indexing; count the rest as unchanged."""
        todo = []
        with session_scope(self._engine) as session:
            for doc in docs:
                existing = library.get_document(session=session, doc_id=doc.id)
                if existing and existing.indexed and existing.content_hash == self.fingerprint(doc):
                    if existing.source_path != doc.source_path:
                        existing.source_path = doc.source_path
                        session.add(existing)
                    report.unchanged.append(doc.id)
                else:
                    todo.append((doc, existing is None))
        return todo

    def _index(self, todo: list[tuple[ParsedDocument, bool]], report: IngestReport, progress: Progress | None) -> None:
        total_chunks = 0
        planned = []
        for doc, is_new in todo:
            pieces = chunk_document(doc.body, self._target, self._max)
            planned.append((doc, is_new, pieces))
            total_chunks += len(pieces)
        done = 0
        batch: list[tuple[ParsedDocument, bool, list]] = []
        size = 0
        for item in planned:
            batch.append(item)
            size += len(item[2])
            if size >= self._batch:
                done = self._index_batch(batch, report, progress, done, total_chunks)
                batch, size = [], 0
        if batch:
            self._index_batch(batch, report, progress, done, total_chunks)

    def _index_batch(self, batch, report: IngestReport, progress: Progress | None, done: int, total: int) -> int:  # type: ignore[no-untyped-def]
        texts: list[str] = []
        for doc, _, pieces in batch:
            header = document_header(doc.id, doc.type, doc.title, doc.meta)
            texts += [f"{header}\n{p.section}\n{p.text}".strip() if header else p.text for p in pieces]
        # Embedded a slice at a time, with progress after each: a long document shows it is moving.
        owners = [doc.id for doc, _, pieces in batch for _ in pieces]
        parts = []
        for start in range(0, len(texts), self._batch):
            t0 = time.perf_counter()
            parts.append(self._embedder.embed_passages(texts[start : start + self._batch]))
            report.embed_seconds += time.perf_counter() - t0
            report.chunks_embedded += len(parts[-1])
            if progress:
                progress(owners[start + len(parts[-1]) - 1], done + start + len(parts[-1]), total)
        vectors = np.vstack(parts) if parts else None
        offset = 0
        for doc, is_new, pieces in batch:
            doc_vectors = vectors[offset : offset + len(pieces)] if vectors is not None else None
            doc_texts = texts[offset : offset + len(pieces)]
            offset += len(pieces)
            self._write_document(doc, pieces, doc_texts, doc_vectors)
            (report.added if is_new else report.updated).append(doc.id)
            done += len(pieces)
            if progress:
                progress(doc.id, done, total)
        return done

    def _write_document(self, doc: ParsedDocument, pieces, texts: list[str], vectors) -> None:  # type: ignore[no-untyped-def]
        with session_scope(self._engine) as session:
            existing = library.get_document(session=session, doc_id=doc.id)
            if existing is not None and existing.indexed:
                existing.indexed = False
                session.add(existing)
        chunk_ids = [f"{doc.id}#{p.ordinal}" for p in pieces]
        self._vectors.delete_document(doc.id)
        if chunk_ids:
            meta = chroma_metadata(doc.id, doc.type, doc.meta)
            self._vectors.upsert(chunk_ids, vectors, [meta] * len(chunk_ids))
        with session_scope(self._engine) as session:
            row = library.get_document(session=session, doc_id=doc.id) or library.Document(
                id=doc.id, type=doc.type, title=doc.title, source_path=doc.source_path, content_hash=""
            )
            row.type, row.title, row.meta, row.body = doc.type, doc.title, doc.meta, doc.body
            row.source_path, row.content_hash = doc.source_path, self.fingerprint(doc)
            row.indexed, row.indexed_at, row.updated_at = True, library.utcnow(), library.utcnow()
            session.add(row)
            session.flush()
            library.replace_chunks(
                session=session,
                doc=row,
                chunks=[
                    library.Chunk(
                        id=cid,
                        document_id=doc.id,
                        ordinal=p.ordinal,
                        section=p.section[:200],
                        text=p.text,
                        tokens=" ".join(tokenize(text)),
                    )
                    for cid, p, text in zip(chunk_ids, pieces, texts, strict=True)
                ],
            )
            library.set_state(
                session=session, key=LIBRARY_KEY, value=library.utcnow().isoformat() + doc.content_hash[:8]
            )

    def _remove_vanished(self, parsed: list[FileResult], report: IngestReport, prune: bool) -> None:
        """Drop rows removed from a re-read file, and with ``prune`` documents whose file is gone."""
        cleanly_parsed = {str(r.path): {d.id for d in r.documents} for r in parsed if not r.errors}
        with session_scope(self._engine) as session:
            by_source = library.documents_by_source(session=session)
        doomed = []
        for source, docs in by_source.items():
            if source in cleanly_parsed:
                doomed += [d.id for d in docs if d.id not in cleanly_parsed[source]]
            elif prune and not Path(source).exists():
                doomed += [d.id for d in docs]
        for doc_id in doomed:
            self.remove(doc_id)
            report.removed.append(doc_id)

    def remove(self, doc_id: str) -> None:
        with session_scope(self._engine) as session:
            row = library.get_document(session=session, doc_id=doc_id)
            if row is not None:
                row.indexed = False
                session.add(row)
        self._vectors.delete_document(doc_id)
        with session_scope(self._engine) as session:
            library.delete_document(session=session, doc_id=doc_id)
            library.set_state(session=session, key=LIBRARY_KEY, value=library.utcnow().isoformat() + "-" + doc_id)
