"""Technical-translation notes in review: the note, every version of it, each state change, and
readers' 「看懂了 / 没看懂」 feedback (keyed by library document id, so any note can collect it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, func, select

from storage.library import Document, utcnow

STATES = ("draft", "in_review", "returned", "published")


class Note(SQLModel, table=True):
    __tablename__ = "tech_notes"

    id: int | None = Field(default=None, primary_key=True)
    doc_id: str = Field(default="", index=True, max_length=200)  # library id once numbered
    title: str = Field(max_length=500)
    technology: str = Field(max_length=200)
    author_id: str = Field(index=True, max_length=200)
    state: str = Field(default="draft", index=True, max_length=20)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = Field(default=None, index=True)
    published_by: str = Field(default="", max_length=200)
    library_path: str = Field(default="", max_length=1000)


class NoteVersion(SQLModel, table=True):
    """Every version is kept: a new 用户价值说明 (or a re-submission) adds a row, nothing is overwritten."""

    __tablename__ = "tech_note_versions"
    __table_args__ = (UniqueConstraint("note_id", "version", name="uq_tech_note_version"),)

    id: int | None = Field(default=None, primary_key=True)
    note_id: int = Field(foreign_key="tech_notes.id", index=True, ondelete="CASCADE")
    version: int
    technical: str = Field(sa_column=Column(Text, nullable=False))
    user_value: str = Field(sa_column=Column(Text, nullable=False))
    drafted_by: str = Field(default="", max_length=40)  # llm | offline | author
    readability: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    author_id: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class NoteEvent(SQLModel, table=True):
    __tablename__ = "tech_note_events"

    id: int | None = Field(default=None, primary_key=True)
    note_id: int = Field(foreign_key="tech_notes.id", index=True, ondelete="CASCADE")
    from_state: str = Field(max_length=20)
    to_state: str = Field(max_length=20)
    actor: str = Field(max_length=200)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    at: datetime = Field(default_factory=utcnow)


class NoteFeedback(SQLModel, table=True):
    __tablename__ = "tech_note_feedback"
    __table_args__ = (UniqueConstraint("doc_id", "user_id", name="uq_tech_note_feedback_user"),)

    id: int | None = Field(default=None, primary_key=True)
    doc_id: str = Field(index=True, max_length=200)
    user_id: str = Field(max_length=200)
    understood: bool
    at: datetime = Field(default_factory=utcnow, index=True)


def create(
    *,
    session: Session,
    title: str,
    technology: str,
    author_id: str,
    technical: str,
    user_value: str,
    drafted_by: str,
    readability: dict[str, Any],
) -> Note:
    """A new note in draft with its first version and its creation event; numbered on flush."""
    note = Note(title=title, technology=technology, author_id=author_id)
    version = NoteVersion(
        note_id=0,
        version=1,
        technical=technical,
        user_value=user_value,
        drafted_by=drafted_by,
        readability=readability,
        author_id=author_id,
    )
    session.add(note)
    session.flush()
    assert note.id is not None
    if not note.doc_id:
        note.doc_id = f"note-{note.created_at:%Y%m%d}-{note.id}"
    version.note_id, version.version = note.id, 1
    session.add(version)
    session.add(NoteEvent(note_id=note.id, from_state="", to_state=note.state, actor=note.author_id))
    return note


def get(*, session: Session, ref: str) -> Note | None:
    """By library id (note-20261126-3) or by number (3)."""
    if ref.isdigit():
        return session.get(Note, int(ref))
    return session.exec(select(Note).where(Note.doc_id == ref)).first()


def named(*, session: Session, words: str) -> list[Note]:
    """Notes in review whose title or technology the words name (「边缘计算那篇」), or whose title
    holds the words (「零信任」 for 零信任安全)."""
    words = words.strip().lower()
    if len(words) < 2:
        return []
    found = []
    for note in session.exec(select(Note).order_by(col(Note.id))):
        names = [n.lower() for n in (note.title, note.technology) if n]
        if any(n in words for n in names) or any(words in n for n in names):
            found.append(note)
    return found


def library_named(*, session: Session, words: str) -> list[Document]:
    """The library's file notes (outside review) named by the words, as :func:`named` matches them."""
    words = words.strip().lower()
    if len(words) < 2:
        return []
    found = []
    for doc in library_only(session=session):
        names = [n.lower() for n in (doc.title, str(doc.meta.get("technology") or "")) if n]
        if any(n in words for n in names) or any(words in n for n in names):
            found.append(doc)
    return found


def current_version(*, session: Session, note: Note) -> NoteVersion:
    stmt = select(NoteVersion).where(NoteVersion.note_id == note.id, NoteVersion.version == note.version)
    return session.exec(stmt).one()


def versions(*, session: Session, note: Note) -> list[NoteVersion]:
    stmt = select(NoteVersion).where(NoteVersion.note_id == note.id).order_by(col(NoteVersion.version))
    return list(session.exec(stmt))


def events(*, session: Session, note: Note) -> list[NoteEvent]:
    stmt = select(NoteEvent).where(NoteEvent.note_id == note.id).order_by(col(NoteEvent.id))
    return list(session.exec(stmt))


def add_version(
    *,
    session: Session,
    note: Note,
    technical: str,
    user_value: str,
    drafted_by: str,
    readability: dict[str, Any],
    author_id: str,
) -> NoteVersion:
    """The next version of a note (every version is kept)."""
    assert note.id is not None
    note.version += 1
    version = NoteVersion(
        note_id=note.id,
        version=note.version,
        technical=technical,
        user_value=user_value,
        drafted_by=drafted_by,
        readability=readability,
        author_id=author_id,
    )
    note.updated_at = utcnow()
    session.add(note)
    session.add(version)
    return version


def transition(*, session: Session, note: Note, to_state: str, actor: str, comment: str = "") -> None:
    assert to_state in STATES
    session.add(NoteEvent(note_id=note.id, from_state=note.state, to_state=to_state, actor=actor, comment=comment))  # type: ignore[arg-type]
    note.state, note.updated_at = to_state, utcnow()
    session.add(note)


def mark_published(*, session: Session, note: Note, by: str, path: str) -> None:
    """The note is in the library now: the published state, who published it and where the file is."""
    transition(session=session, note=note, to_state="published", actor=by)
    note.published_at, note.published_by, note.library_path = utcnow(), by, path
    session.add(note)


def listing(*, session: Session, state: str | None = None) -> list[Note]:
    stmt = select(Note).order_by(col(Note.updated_at).desc())
    if state:
        stmt = stmt.where(Note.state == state)
    return list(session.exec(stmt))


def published_between(*, session: Session, start: datetime, end: datetime) -> list[Note]:
    stmt = select(Note).where(Note.state == "published", col(Note.published_at) >= start, col(Note.published_at) < end)
    return list(session.exec(stmt.order_by(col(Note.published_at))))


def submitted_by_author(*, session: Session, start: datetime, end: datetime) -> list[tuple[str, int]]:
    """(author, notes submitted between start and end), most first."""
    stmt = (
        select(Note.author_id, func.count())
        .where(col(Note.created_at) >= start, col(Note.created_at) < end)
        .group_by(col(Note.author_id))
    )
    return sorted(((a, int(n)) for a, n in session.exec(stmt)), key=lambda row: (-row[1], row[0]))


def record_feedback(*, session: Session, doc_id: str, user_id: str, understood: bool) -> NoteFeedback:
    row = session.exec(
        select(NoteFeedback).where(NoteFeedback.doc_id == doc_id, NoteFeedback.user_id == user_id)
    ).first() or NoteFeedback(doc_id=doc_id, user_id=user_id, understood=understood)
    row.understood, row.at = understood, utcnow()
    session.add(row)
    return row


def feedback_rates(
    *, session: Session, start: datetime | None = None, end: datetime | None = None
) -> dict[str, tuple[int, int]]:
    """doc id → (understood, answered)."""
    stmt = select(NoteFeedback.doc_id, NoteFeedback.understood, func.count()).group_by(
        col(NoteFeedback.doc_id), col(NoteFeedback.understood)
    )
    if start is not None:
        stmt = stmt.where(col(NoteFeedback.at) >= start)
    if end is not None:
        stmt = stmt.where(col(NoteFeedback.at) < end)
    rates: dict[str, tuple[int, int]] = {}
    for doc_id, understood, n in session.exec(stmt):
        yes, total = rates.get(doc_id, (0, 0))
        rates[doc_id] = (yes + (n if understood else 0), total + n)
    return rates


def feedback_target_exists(*, session: Session, doc_id: str) -> bool:
    """Votes count only for a note: one in the library (any note document) or one in review here."""
    doc = session.get(Document, doc_id)
    return (doc is not None and doc.type == "note") or get(session=session, ref=doc_id) is not None


def library_only(*, session: Session) -> list[Document]:
    """The library's notes that never went through review here (files put in the library folder)."""
    reviewed = select(Note.doc_id).where(Note.doc_id != "")
    stmt = select(Document).where(Document.type == "note", col(Document.id).not_in(reviewed))
    return list(session.exec(stmt.order_by(col(Document.id))))


def library_note(*, session: Session, doc_id: str) -> Document | None:
    """A note of the library that is not in review here, by its id."""
    doc = session.get(Document, doc_id)
    if doc is None or doc.type != "note" or get(session=session, ref=doc_id) is not None:
        return None
    return doc


def titles(*, session: Session, doc_ids: list[str]) -> dict[str, str]:
    """doc id → title, from the notes in review and, for notes only in the library, the library."""
    known = {n.doc_id: n.title for n in session.exec(select(Note).where(col(Note.doc_id).in_(doc_ids)))}
    for doc_id in doc_ids:
        if doc_id not in known:
            doc = session.get(Document, doc_id)
            known[doc_id] = doc.title if doc else doc_id
    return known
