"""The change-request table (需求变更管理表): requests, their comments, and the queries the handlers need.

Rules (the 15-day notice, who may approve) live in ``handlers``; this module only stores and fetches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Text, case
from sqlmodel import Field, Session, SQLModel, col, func, select

from storage.library import utcnow

SIZES = ("big", "small")
STATUSES = ("submitted", "approved", "rejected", "done", "withdrawn")
OPEN_STATUSES = ("submitted", "approved")
TITLE_MAX = 200


class ChangeRequest(SQLModel, table=True):
    __tablename__ = "change_requests"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=TITLE_MAX)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    requester: str = Field(index=True, max_length=200)
    team: str = Field(default="", max_length=200)
    size: str = Field(index=True, max_length=10)  # big | small
    campaign: str = Field(default="", max_length=200)
    effective_date: date = Field(index=True)
    status: str = Field(default="submitted", index=True, max_length=20)
    # A big change raised with fewer than 15 days' notice (未提前15天); set once, at submission.
    late: bool = Field(default=False, index=True)
    notice_days: int = 0
    # A manager approved a late change anyway; who did it is in ``decided_by`` and the comments.
    override: bool = False
    decided_by: str = Field(default="", max_length=200)
    decided_at: datetime | None = None
    source: str = Field(default="chat", max_length=20)  # chat | cli | import
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class ChangeComment(SQLModel, table=True):
    __tablename__ = "change_comments"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="change_requests.id", index=True, ondelete="CASCADE")
    author: str = Field(max_length=200)
    # submit | approve | reject | override | withdraw | done | comment
    kind: str = Field(default="comment", max_length=20)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


def add_request(session: Session, request: ChangeRequest, comments: Iterable[ChangeComment] = ()) -> ChangeRequest:
    session.add(request)
    session.flush()  # assigns the id the comments point to
    for comment in comments:
        comment.request_id = request.id  # type: ignore[assignment]
        session.add(comment)
    return request


def get_request(session: Session, request_id: int) -> ChangeRequest | None:
    return session.get(ChangeRequest, request_id)


def existing_ids(session: Session, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        batch = ids[start : start + 500]
        found.update(session.exec(select(ChangeRequest.id).where(col(ChangeRequest.id).in_(batch))).all())  # type: ignore[arg-type]
    return found


def _filters(statuses: Sequence[str], since: datetime | None, size: str | None, requester: str | None) -> list[Any]:
    where: list[Any] = []
    if statuses:
        where.append(col(ChangeRequest.status).in_(statuses))
    if since is not None:
        where.append(ChangeRequest.created_at >= since)
    if size is not None:
        where.append(ChangeRequest.size == size)
    if requester is not None:
        where.append(ChangeRequest.requester == requester)
    return where


def list_requests(
    session: Session,
    statuses: Sequence[str] = (),
    since: datetime | None = None,
    size: str | None = None,
    requester: str | None = None,
    limit: int | None = None,
) -> list[ChangeRequest]:
    query = select(ChangeRequest).where(*_filters(statuses, since, size, requester)).order_by(col(ChangeRequest.id))
    return list(session.exec(query.limit(limit)).all())


def count_requests(
    session: Session,
    statuses: Sequence[str] = (),
    since: datetime | None = None,
    size: str | None = None,
    requester: str | None = None,
) -> int:
    where = _filters(statuses, since, size, requester)
    return int(session.exec(select(func.count()).select_from(ChangeRequest).where(*where)).one())


def open_requests(
    session: Session, size: str, created_before: datetime, limit: int | None = None
) -> tuple[int, list[ChangeRequest]]:
    """How many submitted or approved requests of one size existed at ``created_before``, and the
    first ``limit`` of them by effective date."""
    where = (
        ChangeRequest.size == size,
        col(ChangeRequest.status).in_(OPEN_STATUSES),
        ChangeRequest.created_at < created_before,
    )
    total = session.exec(select(func.count()).select_from(ChangeRequest).where(*where)).one()
    query = select(ChangeRequest).where(*where).order_by(col(ChangeRequest.effective_date), col(ChangeRequest.id))
    return int(total), list(session.exec(query.limit(limit)).all())


def late_between(
    session: Session, start: datetime, end: datetime, limit: int | None = None
) -> tuple[int, list[ChangeRequest]]:
    where = (col(ChangeRequest.late).is_(True), ChangeRequest.created_at >= start, ChangeRequest.created_at < end)
    total = session.exec(select(func.count()).select_from(ChangeRequest).where(*where)).one()
    query = select(ChangeRequest).where(*where).order_by(col(ChangeRequest.created_at))
    return int(total), list(session.exec(query.limit(limit)).all())


def created_between(session: Session, start: datetime, end: datetime) -> tuple[int, int, int]:
    """(total, big, late) requests created in [start, end), counted in the database."""
    big = func.sum(case((ChangeRequest.size == "big", 1), else_=0))
    late = func.sum(case((col(ChangeRequest.late).is_(True), 1), else_=0))
    row = session.exec(
        select(func.count(), big, late).where(ChangeRequest.created_at >= start).where(ChangeRequest.created_at < end)
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def comments_for(session: Session, request_ids: Sequence[int]) -> dict[int, list[ChangeComment]]:
    by_request: dict[int, list[ChangeComment]] = {}
    for start in range(0, len(request_ids), 500):
        batch = request_ids[start : start + 500]
        query = (
            select(ChangeComment)
            .where(col(ChangeComment.request_id).in_(batch))
            .order_by(col(ChangeComment.created_at), col(ChangeComment.id))
        )
        for comment in session.exec(query):
            by_request.setdefault(comment.request_id, []).append(comment)
    return by_request
