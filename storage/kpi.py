"""The plan's scoreboard reads the bot's own records: incidents and their checkpoints, drills, change
requests, notes and their feedback, answers and their citations, the watch's alerts, and the one
table it owns, cases marked as used in a bid. Every query is here, keyword-only with the caller's
session; what the figures mean lives in ``handlers.kpi``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, func, select

from storage.changes import ChangeRequest
from storage.drills import Incident, IncidentCheckpoint
from storage.events import BotAnswer
from storage.library import Document, utcnow
from storage.notes import Note, NoteFeedback
from storage.watch import alert_times


class CaseBidUsage(SQLModel, table=True):
    """A case from the library used in a tender (用于投标): one row per case and bid."""

    __tablename__ = "case_bid_usage"
    __table_args__ = (UniqueConstraint("case_id", "bid", name="uq_case_bid_usage"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(max_length=200, index=True)
    bid: str = Field(max_length=300)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    marked_by: str = Field(default="", max_length=200)
    source: str = Field(default="cli", max_length=20)  # cli | chat | button
    marked_at: datetime = Field(default_factory=utcnow, index=True)


@dataclass(frozen=True)
class IncidentFact:
    level: int
    started_at: datetime
    closed_at: datetime | None
    response_minutes: float | None  # first checkpoint done, minutes after the start
    response_target: float | None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def document_type(*, session: Session, doc_id: str) -> str | None:
    doc = session.get(Document, doc_id)
    return doc.type if doc is not None else None


def document_title(*, session: Session, doc_id: str) -> str:
    doc = session.get(Document, doc_id)
    return doc.title if doc is not None else ""


def mark_bid_usage(*, session: Session, case_id: str, bid: str, marked_by: str, source: str, note: str = "") -> bool:
    """True if recorded now; False if this case was already marked for this bid."""
    try:
        with session.begin_nested():
            session.add(CaseBidUsage(case_id=case_id, bid=bid, marked_by=marked_by, source=source, note=note))
            session.flush()
    except IntegrityError:
        return False
    return True


def bid_usages(*, session: Session, start: datetime, end: datetime) -> list[CaseBidUsage]:
    query = select(CaseBidUsage).where(CaseBidUsage.marked_at >= start, CaseBidUsage.marked_at < end)
    return list(session.exec(query.order_by(col(CaseBidUsage.marked_at))))


def case_count(*, session: Session) -> int:
    query = select(func.count()).select_from(Document).where(Document.type == "case", col(Document.indexed).is_(True))
    return int(session.exec(query).one())


def incident_facts(*, session: Session, start: datetime, end: datetime, drills: bool = False) -> list[IncidentFact]:
    """Real incidents (or drills) started in [start, end) with their first checkpoint's time."""
    query = select(Incident).where(
        Incident.started_at >= start, Incident.started_at < end, col(Incident.is_drill).is_(drills)
    )
    facts = []
    for inc in session.exec(query.order_by(col(Incident.started_at))):
        first = session.exec(
            select(IncidentCheckpoint)
            .where(IncidentCheckpoint.incident_id == inc.id)
            .order_by(col(IncidentCheckpoint.position))
        ).first()
        started = _aware(inc.started_at)
        assert started is not None
        minutes = None
        if first is not None and first.done_at is not None:
            minutes = (_aware(first.done_at) - started).total_seconds() / 60  # type: ignore[operator]
        facts.append(
            IncidentFact(
                inc.level, started, _aware(inc.closed_at), minutes, first.target_minutes if first is not None else None
            )
        )
    return facts


def drill_scores(*, session: Session, until: datetime) -> list[tuple[datetime, float]]:
    query = select(Incident.started_at, Incident.score).where(
        col(Incident.is_drill).is_(True), Incident.status == "closed", Incident.started_at < until
    )
    rows = session.exec(query.order_by(col(Incident.started_at)))
    return [(_aware(at), float(score)) for at, score in rows if score is not None]  # type: ignore[misc]


def late_big_changes(*, session: Session, start: datetime, end: datetime) -> tuple[int, int, int]:
    """(big changes, late big changes, late big changes that named a campaign/launch) created in [start, end)."""
    where = (ChangeRequest.size == "big", ChangeRequest.created_at >= start, ChangeRequest.created_at < end)
    big = int(session.exec(select(func.count()).select_from(ChangeRequest).where(*where)).one())
    late_where = (*where, col(ChangeRequest.late).is_(True))
    late = int(session.exec(select(func.count()).select_from(ChangeRequest).where(*late_where)).one())
    delayed = int(
        session.exec(
            select(func.count()).select_from(ChangeRequest).where(*late_where, ChangeRequest.campaign != "")
        ).one()
    )
    return big, late, delayed


def notes_published(*, session: Session, start: datetime, end: datetime) -> list[datetime]:
    query = select(Note.published_at).where(Note.published_at >= start, Note.published_at < end)  # type: ignore[operator]
    return [_aware(at) for at in session.exec(query) if at is not None]  # type: ignore[misc]


def understanding(*, session: Session, start: datetime, end: datetime) -> tuple[int, int]:
    """(understood votes, all votes) on notes cast in [start, end)."""
    rows = session.exec(select(NoteFeedback.understood).where(NoteFeedback.at >= start, NoteFeedback.at < end)).all()
    return sum(1 for r in rows if r), len(rows)


def cited_ids(*, session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """How many answers cited each document in [start, end)."""
    query = select(BotAnswer.citation_ids).where(BotAnswer.created_at >= start, BotAnswer.created_at < end)
    cited: dict[str, int] = {}
    for raw in session.exec(query):
        try:
            ids = json.loads(raw or "[]")
        except ValueError:
            continue
        for doc_id in dict.fromkeys(str(i) for i in ids):
            cited[doc_id] = cited.get(doc_id, 0) + 1
    return cited


def case_ids(*, session: Session, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        query = select(Document.id).where(col(Document.id).in_(batch), Document.type == "case")
        found.update(session.exec(query).all())
    return found


def warnings(*, session: Session, start: datetime, end: datetime) -> list[dict[str, object]]:
    return alert_times(session=session, start=start, end=end)
