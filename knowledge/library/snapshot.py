"""The indexed library held in memory: every document's metadata and every chunk's text and tokens.

A question touches a few dozen chunks several times over (the fused search, the search within the
filters the question implies, the best note, the whole top documents for quoting); reading them from
the database each time cost more than the rest of the search. The retriever loads one snapshot per
library generation, beside the BM25 index that already holds every chunk's tokens, so the text is the
same generation as the index that found it. Memory grows with the library's text (about its size in
UTF-8 again for the token sets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from storage import library
from storage.db import session_scope


@dataclass(frozen=True)
class DocumentInfo:
    """A document as its metadata describes it (for lists answered from the metadata)."""

    id: str
    title: str
    type: str
    source: str
    meta: dict[str, Any]


@dataclass(frozen=True)
class StoredChunk:
    id: str
    document_id: str
    section: str
    text: str
    tokens: frozenset[str]


@dataclass(frozen=True)
class LibrarySnapshot:
    documents: dict[str, DocumentInfo] = field(default_factory=dict)
    chunks: dict[str, StoredChunk] = field(default_factory=dict)
    # Each document's chunks in reading order.
    by_document: dict[str, list[StoredChunk]] = field(default_factory=dict)

    @classmethod
    def load(cls, engine: Engine) -> LibrarySnapshot:
        with session_scope(engine) as session:
            documents = {
                d.id: DocumentInfo(d.id, d.title, d.type, d.source_path, dict(d.meta))
                for d in library.indexed_documents(session=session)
            }
            rows = [
                StoredChunk(c.id, c.document_id, c.section, c.text, frozenset(c.tokens.split(" ") if c.tokens else ()))
                for c, _ in library.indexed_chunks(session=session)
            ]
        by_document: dict[str, list[StoredChunk]] = {}
        for chunk in rows:  # indexed_chunks orders by document, then position
            by_document.setdefault(chunk.document_id, []).append(chunk)
        return cls(documents, {c.id: c for c in rows}, by_document)
