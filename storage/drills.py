"""Crisis drills and incidents: drills with participants and RSVPs, incidents with their checkpoints,
logged checklist steps, level changes, statements, and the timers of both (reminders, escalations).

Timers live here, not in APScheduler, so they survive restarts: the scheduler is re-fed from
``pending_timers`` each time it starts. All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint, or_, update
from sqlalchemy.engine import Engine
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


# -- queries: every read and write of drills, incidents and their timers goes through these ----------
# Handlers get sessions from ``storage.db.session_scope`` and pass them in; they never build queries.


def get_drill(*, session: Session, drill_id: int) -> Drill | None:
    return session.get(Drill, drill_id)


def get_incident(*, session: Session, incident_id: int) -> Incident | None:
    return session.get(Incident, incident_id)


def get_timer(*, session: Session, timer_id: int) -> CrisisTimer | None:
    return session.get(CrisisTimer, timer_id)


def pending_timers(*, session: Session, due_before: datetime | None = None) -> list[CrisisTimer]:
    query = select(CrisisTimer).where(CrisisTimer.status == "pending")
    if due_before is not None:
        query = query.where(col(CrisisTimer.due_at) <= due_before)
    return list(session.exec(query.order_by(col(CrisisTimer.due_at), col(CrisisTimer.id))))


def cancel_timers(
    *, session: Session, drill_id: int | None = None, incident_id: int | None = None, keep: int | None = None
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


def add_timers(*, session: Session, timers: Sequence[CrisisTimer]) -> list[CrisisTimer]:
    """Store new timers; they have their ids when this returns."""
    session.add_all(timers)
    session.flush()
    return list(timers)


def lease_timer(*, engine: Engine, timer_id: int, owner: str, now: datetime, until: datetime) -> bool:
    """Take a pending timer for ``owner`` unless a live lease holds it (one conditional UPDATE, atomic
    on SQLite and PostgreSQL)."""
    statement = (
        update(CrisisTimer)
        .where(
            col(CrisisTimer.id) == timer_id,
            col(CrisisTimer.status) == "pending",
            or_(col(CrisisTimer.lease_until).is_(None), col(CrisisTimer.lease_until) < now),
        )
        .values(lease_owner=owner, lease_until=until)
    )
    with engine.begin() as connection:
        return _rowcount(connection.execute(statement)) == 1


def hold_timer(*, engine: Engine, timer_id: int, until: datetime) -> None:
    """Keep a pending timer leased until ``until`` (another replica holds one of its posts)."""
    statement = (
        update(CrisisTimer)
        .where(col(CrisisTimer.id) == timer_id, col(CrisisTimer.status) == "pending")
        .values(lease_until=until)
    )
    with engine.begin() as connection:
        connection.execute(statement)


def finish_timer(*, engine: Engine, timer_id: int, status: str, detail: str, fired_at: datetime) -> bool:
    """Mark a pending timer fired or skipped; False if it was no longer pending."""
    statement = (
        update(CrisisTimer)
        .where(col(CrisisTimer.id) == timer_id, col(CrisisTimer.status) == "pending")
        .values(status=status, detail=detail, fired_at=fired_at)
    )
    with engine.begin() as connection:
        return _rowcount(connection.execute(statement)) == 1


def record_timer_failure(
    *, session: Session, timer_id: int, detail: str, retry: bool, max_attempts: int, now: datetime
) -> CrisisTimer | None:
    """Count a failed attempt: back to pending (any replica may retry) while ``retry`` and attempts are
    left, failed for good otherwise. None if the timer is no longer pending."""
    timer = session.get(CrisisTimer, timer_id)
    if timer is None or timer.status != "pending":
        return None
    timer.attempts += 1
    timer.detail = detail[:2000]
    if retry and timer.attempts < max_attempts:
        timer.lease_until = None
    else:
        timer.status, timer.fired_at = "failed", now
    session.add(timer)
    return timer


def add_drill(*, session: Session, drill: Drill, teams: Mapping[str, Sequence[str]]) -> Drill:
    """Store a proposed drill with everyone of ``teams`` invited."""
    session.add(drill)
    session.flush()
    assert drill.id is not None
    for team, ids in teams.items():
        for uid in ids:
            session.add(DrillParticipant(drill_id=drill.id, user_id=uid, team=team))
    return drill


def save_drill(*, session: Session, drill: Drill, now: datetime) -> Drill:
    """Write the drill's changed fields, stamping ``updated_at``."""
    drill.updated_at = now
    session.add(drill)
    session.flush()
    return drill


def reset_rsvps(*, session: Session, drill_id: int) -> None:
    """Everyone's answer back to pending (a new date needs a new answer)."""
    for p in participants(session=session, drill_id=drill_id):
        p.rsvp, p.responded_at = "pending", None
        session.add(p)


def set_rsvp(*, session: Session, participant: DrillParticipant, rsvp: str, now: datetime) -> None:
    participant.rsvp, participant.responded_at = rsvp, now
    session.add(participant)


def add_participant(*, session: Session, drill_id: int, user_id: str, team: str) -> DrillParticipant:
    row = DrillParticipant(drill_id=drill_id, user_id=user_id, team=team)
    session.add(row)
    return row


def participants(*, session: Session, drill_id: int) -> list[DrillParticipant]:
    query = select(DrillParticipant).where(DrillParticipant.drill_id == drill_id)
    return list(session.exec(query.order_by(col(DrillParticipant.id))))


def drills_between(*, session: Session, start: datetime, end: datetime) -> list[Drill]:
    query = select(Drill).where(col(Drill.starts_at) >= start, col(Drill.starts_at) < end)
    return list(session.exec(query.order_by(col(Drill.starts_at))))


def last_planned_drill(*, session: Session) -> Drill | None:
    query = select(Drill).where(Drill.status != "cancelled").order_by(col(Drill.starts_at).desc())
    return session.exec(query).first()


def add_incident(*, session: Session, incident: Incident, checkpoints: Sequence[IncidentCheckpoint]) -> Incident:
    """Store a new incident and its checkpoints (``incident_id`` filled in); it has its id when this returns."""
    session.add(incident)
    session.flush()
    assert incident.id is not None
    for cp in checkpoints:
        cp.incident_id = incident.id
        session.add(cp)
    session.flush()
    return incident


def save_incident(*, session: Session, incident: Incident) -> Incident:
    session.add(incident)
    session.flush()
    return incident


def set_thread(*, engine: Engine, incident_id: int, thread_id: str) -> None:
    """Remember the incident thread's first message (its own transaction: the incident is committed)."""
    with Session(engine) as session:
        row = session.get(Incident, incident_id)
        if row is not None:
            row.thread_id = thread_id
            session.add(row)
            session.commit()


def mark_checkpoint_done(*, session: Session, checkpoint: IncidentCheckpoint, by: str, now: datetime) -> None:
    checkpoint.done_at, checkpoint.done_by = now, by
    session.add(checkpoint)


def add_statement(*, session: Session, incident_id: int, checkpoint: str, text: str, compliance: str, by: str) -> None:
    session.add(
        IncidentStatement(incident_id=incident_id, checkpoint=checkpoint, text=text, compliance=compliance, user_id=by)
    )


def add_step(*, session: Session, incident_id: int, step_no: int, phase: str, step: str, note: str, by: str) -> None:
    session.add(IncidentStep(incident_id=incident_id, step_no=step_no, phase=phase, step=step, note=note, user_id=by))
    session.flush()


def change_level(*, session: Session, incident: Incident, level: int, lead_id: str, by: str) -> int:
    """Set the incident's level and lead, keeping the change; returns the level before."""
    assert incident.id is not None
    old = incident.level
    incident.level, incident.lead_id = level, lead_id
    session.add(incident)
    session.add(
        IncidentLevelChange(incident_id=incident.id, from_level=old, to_level=level, lead_id=lead_id, changed_by=by)
    )
    return old


def checkpoints(*, session: Session, incident_id: int) -> list[IncidentCheckpoint]:
    query = select(IncidentCheckpoint).where(IncidentCheckpoint.incident_id == incident_id)
    return list(session.exec(query.order_by(col(IncidentCheckpoint.position))))


def steps(*, session: Session, incident_id: int) -> list[IncidentStep]:
    query = select(IncidentStep).where(IncidentStep.incident_id == incident_id)
    return list(session.exec(query.order_by(col(IncidentStep.logged_at), col(IncidentStep.id))))


def level_changes(*, session: Session, incident_id: int) -> list[IncidentLevelChange]:
    query = select(IncidentLevelChange).where(IncidentLevelChange.incident_id == incident_id)
    return list(session.exec(query.order_by(col(IncidentLevelChange.id))))


def statements(*, session: Session, incident_id: int) -> list[IncidentStatement]:
    query = select(IncidentStatement).where(IncidentStatement.incident_id == incident_id)
    return list(session.exec(query.order_by(col(IncidentStatement.id))))


def open_incidents(*, session: Session) -> list[Incident]:
    return list(session.exec(select(Incident).where(Incident.status == "open").order_by(col(Incident.id))))


def recent_incidents(*, session: Session, limit: int = 20) -> list[Incident]:
    return list(session.exec(select(Incident).order_by(col(Incident.id).desc()).limit(limit)))


def finished_drill_incidents(*, session: Session, before_id: int | None = None) -> list[Incident]:
    """Closed drill-mode incidents in order, for the proficiency trend."""
    query = select(Incident).where(col(Incident.is_drill).is_(True), Incident.status == "closed")
    if before_id is not None:
        query = query.where(col(Incident.id) <= before_id)
    return list(session.exec(query.order_by(col(Incident.started_at), col(Incident.id))))


def _rowcount(result: Any) -> int:
    """Rows an UPDATE matched (``Result`` is typed without it; the cursor result of a DML has it)."""
    return int(result.rowcount)
