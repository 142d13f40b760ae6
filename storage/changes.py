"""The change-request table (需求变更管理表): requests, their comments, and every query the handlers
need, as keyword-only functions ``f(*, session, …)`` run in the caller's transaction.

Rules (the notice a big change needs, who may approve) live in ``handlers``; this module only stores
and fetches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Text, case, insert, text, update
from sqlalchemy.engine import Engine as Engine  # re-exported: handlers name the type without sqlalchemy
from sqlmodel import Field, Session, SQLModel, col, func, select

from storage.change_fields import OPEN_STATUSES as OPEN_STATUSES
from storage.change_fields import SIZES as SIZES
from storage.change_fields import STATUSES as STATUSES
from storage.change_fields import TITLE_MAX as TITLE_MAX
from storage.library import utcnow


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
    # A big change raised with less notice than the rule asks (未提前N天); set once, at submission.
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


Row = dict[str, Any]  # column values of one change_requests (or change_comments) row


def add_request(*, session: Session, request: ChangeRequest, comments: Iterable[ChangeComment] = ()) -> ChangeRequest:
    session.add(request)
    session.flush()  # assigns the id the comments point to
    for comment in comments:
        comment.request_id = request.id  # type: ignore[assignment]
        session.add(comment)
    return request


def get_request(*, session: Session, request_id: int) -> ChangeRequest | None:
    return session.get(ChangeRequest, request_id)


def existing_ids(*, session: Session, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        batch = ids[start : start + 500]
        query = select(ChangeRequest.id).where(col(ChangeRequest.id).in_(batch))
        found.update(request_id for request_id in session.exec(query).all() if request_id is not None)
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
    *,
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
    *,
    session: Session,
    statuses: Sequence[str] = (),
    since: datetime | None = None,
    size: str | None = None,
    requester: str | None = None,
) -> int:
    where = _filters(statuses, since, size, requester)
    return int(session.exec(select(func.count()).select_from(ChangeRequest).where(*where)).one())


def change_status(
    *, session: Session, request_id: int, allowed: Sequence[str], values: dict[str, Any], comment: ChangeComment
) -> str | None:
    """Set ``values`` only if the request is still in an ``allowed`` status (a conditional UPDATE, so
    two managers clicking at once cannot both decide), and record ``comment`` in the same transaction.
    Returns None when it moved, else the status it has now ("" if it is gone)."""
    result = session.exec(
        update(ChangeRequest)
        .where(col(ChangeRequest.id) == request_id)
        .where(col(ChangeRequest.status).in_(allowed))
        .values(**values)
    )
    if result.rowcount != 1:  # someone else changed it between the caller's read and this update
        now = session.get(ChangeRequest, request_id)
        return now.status if now is not None else ""
    comment.request_id = request_id
    session.add(comment)
    return None


def insert_rows(*, session: Session, rows: Sequence[tuple[Row, Sequence[Row]]]) -> None:
    """Requests (with or without an ``id``) and their comments as batched INSERTs: plain column
    values, since 10,000 ORM objects cost seconds. RETURNING (in parameter order) gives the new ids
    the comments point to. Explicit ids move PostgreSQL's sequence past them first, so neither the
    rows without an id nor the next request made in chat collide with them."""
    if not rows:
        return
    requests = ChangeRequest.__table__  # type: ignore[attr-defined]
    with_id = [request for request, _ in rows if request["id"] is not None]
    without_id = [{k: v for k, v in request.items() if k != "id"} for request, _ in rows if request["id"] is None]
    if with_id:
        session.execute(insert(requests), with_id)
        if session.get_bind().dialect.name == "postgresql":  # before the rows without an id take theirs
            session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('change_requests', 'id'), "
                    "(SELECT COALESCE(MAX(id), 1) FROM change_requests))"
                )
            )
    new_ids: list[int] = []
    if without_id:
        result = session.execute(insert(requests).returning(requests.c.id, sort_by_parameter_order=True), without_id)
        new_ids = [row[0] for row in result]
    assigned = iter(new_ids)
    comment_rows = []
    for request, comments in rows:
        request_id = request["id"] if request["id"] is not None else next(assigned)
        comment_rows += [{**comment, "request_id": request_id} for comment in comments]
    if comment_rows:
        session.execute(insert(ChangeComment.__table__), comment_rows)  # type: ignore[attr-defined]


def open_requests(
    *, session: Session, size: str, created_before: datetime, limit: int | None = None
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
    *, session: Session, start: datetime, end: datetime, limit: int | None = None
) -> tuple[int, list[ChangeRequest]]:
    where = (col(ChangeRequest.late).is_(True), ChangeRequest.created_at >= start, ChangeRequest.created_at < end)
    total = session.exec(select(func.count()).select_from(ChangeRequest).where(*where)).one()
    query = select(ChangeRequest).where(*where).order_by(col(ChangeRequest.created_at))
    return int(total), list(session.exec(query.limit(limit)).all())


def created_between(*, session: Session, start: datetime, end: datetime) -> tuple[int, int, int]:
    """(total, big, late) requests created in [start, end), counted in the database."""
    big = func.sum(case((col(ChangeRequest.size) == "big", 1), else_=0))
    late = func.sum(case((col(ChangeRequest.late).is_(True), 1), else_=0))
    row = session.exec(
        select(func.count(), big, late).where(ChangeRequest.created_at >= start).where(ChangeRequest.created_at < end)
    ).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def comments_for(*, session: Session, request_ids: Sequence[int]) -> dict[int, list[ChangeComment]]:
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
