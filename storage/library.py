"""The library's documents and chunks, and the queries the knowledge layer needs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, Session, SQLModel, col, delete, func, select


def utcnow() -> datetime:
    return datetime.now(UTC)


class Document(SQLModel, table=True):
    __tablename__ = "documents"

    id: str = Field(primary_key=True, max_length=200)
    type: str = Field(index=True, max_length=20)
    title: str = Field(max_length=500)
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    source_path: str = Field(index=True, max_length=1000)
    content_hash: str = Field(max_length=64)
    indexed: bool = Field(default=False, index=True)
    indexed_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class Chunk(SQLModel, table=True):
    __tablename__ = "chunks"

    id: str = Field(primary_key=True, max_length=220)
    document_id: str = Field(foreign_key="documents.id", index=True, max_length=200, ondelete="CASCADE")
    ordinal: int
    section: str = Field(default="", max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    # jieba tokens joined by spaces, kept so the BM25 index rebuilds without re-segmenting.
    tokens: str = Field(sa_column=Column(Text, nullable=False))


class IndexState(SQLModel, table=True):
    """Key/value facts about the indexes (e.g. which chunk generation the BM25 files hold)."""

    __tablename__ = "index_state"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(sa_column=Column(Text, nullable=False))


def get_document(*, session: Session, doc_id: str) -> Document | None:
    return session.get(Document, doc_id)


def documents_by_source(*, session: Session) -> dict[str, list[Document]]:
    by_source: dict[str, list[Document]] = {}
    for doc in session.exec(select(Document)):
        by_source.setdefault(doc.source_path, []).append(doc)
    return by_source


def indexed_documents(*, session: Session) -> list[Document]:
    return list(session.exec(select(Document).where(col(Document.indexed).is_(True))))


def indexed_chunks(*, session: Session) -> list[tuple[Chunk, Document]]:
    stmt = (
        select(Chunk, Document)
        .join(Document, col(Chunk.document_id) == col(Document.id))
        .where(col(Document.indexed).is_(True))
        .order_by(col(Chunk.document_id), col(Chunk.ordinal))
    )
    return [(c, d) for c, d in session.exec(stmt)]


def chunk_ids_of(*, session: Session, doc_id: str) -> list[str]:
    return list(session.exec(select(Chunk.id).where(Chunk.document_id == doc_id)))


def replace_chunks(*, session: Session, doc: Document, chunks: list[Chunk]) -> None:
    session.exec(delete(Chunk).where(col(Chunk.document_id) == doc.id))
    session.add_all(chunks)


def delete_document(*, session: Session, doc_id: str) -> None:
    session.exec(delete(Chunk).where(col(Chunk.document_id) == doc_id))
    session.exec(delete(Document).where(col(Document.id) == doc_id))


def get_state(*, session: Session, key: str) -> str | None:
    row = session.get(IndexState, key)
    return row.value if row else None


def get_states(*, session: Session, keys: list[str]) -> dict[str, str]:
    """The stored values of ``keys`` (absent keys are left out), in one query."""
    rows = session.exec(select(IndexState).where(col(IndexState.key).in_(keys)))
    return {row.key: row.value for row in rows}


def set_state(*, session: Session, key: str, value: str) -> None:
    row = session.get(IndexState, key)
    if row is None:
        session.add(IndexState(key=key, value=value))
    else:
        row.value = value
        session.add(row)


def indexed_chunk_count(*, session: Session) -> int:
    stmt = (
        select(func.count())
        .select_from(Chunk)
        .join(Document, col(Chunk.document_id) == col(Document.id))
        .where(col(Document.indexed).is_(True))
    )
    return int(session.exec(stmt).one())
