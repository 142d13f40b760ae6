"""Crisis drills and incidents: drills with participants and RSVPs, incidents with their checkpoints,
logged checklist steps, level changes, statements, and the timers of both (reminders, escalations).

Timers live here, not in APScheduler, so they survive restarts: the scheduler is re-fed from
``pending_timers`` each time it starts. All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from storage.library import utcnow


class Drill(SQLModel, table=True):
    __tablename__ = "drills"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    quarter: int
    scenario: str = Field(max_length=100)
    brief: str = Field(default="", sa_column=Column(Text, nullable=False))
    starts_at: datetime
    duration_minutes: int = 240
    level: int = 2
    lead_id: str = Field(default="", max_length=200)
    status: str = Field(default="proposed", max_length=20, index=True)  # proposed|confirmed|running|done|cancelled
    note: str = Field(default="", sa_column=Column(Text, nullable=False))  # e.g. why a date was forced
    created_by: str = Field(default="", max_length=200)
    confirmed_by: str = Field(default="", max_length=200)
    incident_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class DrillParticipant(SQLModel, table=True):
    __tablename__ = "drill_participants"
    __table_args__ = (UniqueConstraint("drill_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    drill_id: int = Field(foreign_key="drills.id", index=True)
    user_id: str = Field(max_length=200)
    team: str = Field(max_length=50)
    rsvp: str = Field(default="pending", max_length=20)  # pending | accepted | declined
    responded_at: datetime | None = None


class Incident(SQLModel, table=True):
    __tablename__ = "incidents"

    id: int | None = Field(default=None, primary_key=True)
    description: str = Field(sa_column=Column(Text, nullable=False))
    level: int
    lead_id: str = Field(default="", max_length=200)
    is_drill: bool = False
    drill_id: int | None = Field(default=None, foreign_key="drills.id")
    channel: str = Field(default="", max_length=200)  # platform:channel
    thread_id: str | None = Field(default=None, max_length=200)
    thread_name: str = Field(default="", max_length=200)
    status: str = Field(default="open", max_length=20, index=True)  # open | closed
    started_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    created_by: str = Field(default="", max_length=200)
    score: float | None = None  # proficiency, set when closed


class IncidentCheckpoint(SQLModel, table=True):
    __tablename__ = "incident_checkpoints"
    __table_args__ = (UniqueConstraint("incident_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    key: str = Field(max_length=50)
    position: int = 0
    target_minutes: float
    due_at: datetime
    done_at: datetime | None = None
    done_by: str = Field(default="", max_length=200)


class IncidentStep(SQLModel, table=True):
    """A checklist step reported done (step_no from the configured checklist, 1-based)."""

    __tablename__ = "incident_steps"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    step_no: int
    phase: str = Field(default="", max_length=50)
    step: str = Field(default="", max_length=200)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    user_id: str = Field(max_length=200)
    logged_at: datetime = Field(default_factory=utcnow)


class IncidentLevelChange(SQLModel, table=True):
    __tablename__ = "incident_level_changes"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    from_level: int
    to_level: int
    lead_id: str = Field(default="", max_length=200)
    changed_by: str = Field(max_length=200)
    changed_at: datetime = Field(default_factory=utcnow)


class IncidentStatement(SQLModel, table=True):
    """Holding or official statement text attached when a checkpoint is marked done."""

    __tablename__ = "incident_statements"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    checkpoint: str = Field(max_length=50)
    text: str = Field(sa_column=Column(Text, nullable=False))
    compliance: str = Field(default="", sa_column=Column(Text, nullable=False))
    user_id: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class CrisisTimer(SQLModel, table=True):
    """A reminder, escalation or drill start due at ``due_at``. ``job``/``period`` are the claim key."""

    __tablename__ = "crisis_timers"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=200)  # e.g. incident:42:analysis:escalate, drill:7:remind:3d
    period: str = Field(max_length=60)  # the drill's start or the incident's start, ISO
    kind: str = Field(max_length=30)  # drill_remind | drill_unconfirmed | drill_start | cp_remind | cp_escalate
    drill_id: int | None = Field(default=None, index=True)
    incident_id: int | None = Field(default=None, index=True)
    checkpoint: str = Field(default="", max_length=50)
    label: str = Field(default="", max_length=20)  # ladder label: 14d, 3d, 1d, 1h
    due_at: datetime = Field(index=True)
    status: str = Field(default="pending", max_length=20, index=True)  # pending|fired|skipped|cancelled|failed
    attempts: int = 0
    # Whoever fires a timer first leases it; another replica skips it until the lease runs out.
    lease_owner: str = Field(default="", max_length=200)
    lease_until: datetime | None = None
    fired_at: datetime | None = None
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))


def pending_timers(session: Session, due_before: datetime | None = None) -> list[CrisisTimer]:
    query = select(CrisisTimer).where(CrisisTimer.status == "pending")
    if due_before is not None:
        query = query.where(col(CrisisTimer.due_at) <= due_before)
    return list(session.exec(query.order_by(col(CrisisTimer.due_at), col(CrisisTimer.id))))


def cancel_timers(
    session: Session, *, drill_id: int | None = None, incident_id: int | None = None, keep: int | None = None
) -> int:
    """Cancel pending timers of a drill (its own, not its incident's) or of an incident, except ``keep``."""
    query = select(CrisisTimer).where(CrisisTimer.status == "pending")
    if keep is not None:
        query = query.where(CrisisTimer.id != keep)
    if drill_id is not None:
        query = query.where(CrisisTimer.drill_id == drill_id, col(CrisisTimer.incident_id).is_(None))
    if incident_id is not None:
        query = query.where(CrisisTimer.incident_id == incident_id)
    timers = list(session.exec(query))
    for timer in timers:
        timer.status = "cancelled"
        session.add(timer)
    return len(timers)


def participants(session: Session, drill_id: int) -> list[DrillParticipant]:
    query = select(DrillParticipant).where(DrillParticipant.drill_id == drill_id)
    return list(session.exec(query.order_by(col(DrillParticipant.id))))


def checkpoints(session: Session, incident_id: int) -> list[IncidentCheckpoint]:
    query = select(IncidentCheckpoint).where(IncidentCheckpoint.incident_id == incident_id)
    return list(session.exec(query.order_by(col(IncidentCheckpoint.position))))


def steps(session: Session, incident_id: int) -> list[IncidentStep]:
    query = select(IncidentStep).where(IncidentStep.incident_id == incident_id)
    return list(session.exec(query.order_by(col(IncidentStep.logged_at), col(IncidentStep.id))))


def level_changes(session: Session, incident_id: int) -> list[IncidentLevelChange]:
    query = select(IncidentLevelChange).where(IncidentLevelChange.incident_id == incident_id)
    return list(session.exec(query.order_by(col(IncidentLevelChange.id))))


def statements(session: Session, incident_id: int) -> list[IncidentStatement]:
    query = select(IncidentStatement).where(IncidentStatement.incident_id == incident_id)
    return list(session.exec(query.order_by(col(IncidentStatement.id))))


def open_incidents(session: Session) -> list[Incident]:
    return list(session.exec(select(Incident).where(Incident.status == "open").order_by(col(Incident.id))))


def recent_incidents(session: Session, limit: int = 20) -> list[Incident]:
    return list(session.exec(select(Incident).order_by(col(Incident.id).desc()).limit(limit)))


def drills_between(session: Session, start: datetime, end: datetime) -> list[Drill]:
    query = select(Drill).where(col(Drill.starts_at) >= start, col(Drill.starts_at) < end)
    return list(session.exec(query.order_by(col(Drill.starts_at))))


def last_planned_drill(session: Session) -> Drill | None:
    query = select(Drill).where(Drill.status != "cancelled").order_by(col(Drill.starts_at).desc())
    return session.exec(query).first()


def finished_drill_incidents(session: Session, before_id: int | None = None) -> list[Incident]:
    """Closed drill-mode incidents in order, for the proficiency trend."""
    query = select(Incident).where(col(Incident.is_drill).is_(True), Incident.status == "closed")
    if before_id is not None:
        query = query.where(col(Incident.id) <= before_id)
    return list(session.exec(query.order_by(col(Incident.started_at), col(Incident.id))))
