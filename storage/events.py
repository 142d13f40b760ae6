"""Chat-platform bookkeeping: delivered events (received, then answered), threads the bot answers in,
the answers it posted (for feedback and "share to channel") and the feedback users gave.

The event guarantee is *at-least-once processing, at-most-once answers*: an event is recorded as
``received`` by the process that takes it (its owner); just before the answer is posted the owner
moves it to ``answered``, a compare-and-set that only the current owner can win. A redelivery of an
answered event is dropped; a redelivery of a received one is processed again when its owner is
this process's predecessor or has held it longer than the lease (the owner died mid-answer).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Column, Text, UniqueConstraint, delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from storage.db import session_scope
from storage.library import utcnow

RECEIVED = "received"
ANSWERED = "answered"
# How long an owner may hold a received event before a redelivery is processed by someone else.
DEFAULT_LEASE_S = 60.0
# Rows older than this are pruned: platforms stop redelivering within hours (Slack ~35 min).
DEFAULT_RETENTION = timedelta(days=2)
_PRUNE_EVERY_S = 3600.0


class PlatformEvent(SQLModel, table=True):
    """One row per event the bot acts on (and per slash command / click replay key).

    ``state`` is ``received`` while the owner works on it and ``answered`` once its answer went out.
    """

    __tablename__ = "platform_events"

    platform: str = Field(primary_key=True, max_length=20)
    event_id: str = Field(primary_key=True, max_length=200)
    received_at: datetime = Field(default_factory=utcnow, index=True)
    state: str = Field(default=RECEIVED, max_length=10)
    owner: str = Field(default="", max_length=64)
    claimed_at: datetime = Field(default_factory=utcnow)


class BotThread(SQLModel, table=True):
    """A thread the bot has answered in: follow-ups there need no new mention."""

    __tablename__ = "bot_threads"

    platform: str = Field(primary_key=True, max_length=20)
    channel_id: str = Field(primary_key=True, max_length=100)
    thread_id: str = Field(primary_key=True, max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class BotAnswer(SQLModel, table=True):
    """A reply the bot posted; feedback and "share to channel" refer to it by id."""

    __tablename__ = "bot_answers"

    id: str = Field(primary_key=True, max_length=32)
    platform: str = Field(max_length=20, index=True)
    channel_id: str = Field(max_length=100)
    thread_id: str | None = Field(default=None, max_length=100)
    user_id: str = Field(max_length=100)
    question: str = Field(default="", sa_column=Column(Text, nullable=False))
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    citation_ids: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    # The platform's rendering (Slack blocks, a Feishu card, a form) as JSON, to repost or reopen it.
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class AnswerFeedback(SQLModel, table=True):
    """👍 / 👎 on an answer; one vote per user and answer, the latest click wins."""

    __tablename__ = "answer_feedback"
    __table_args__ = (UniqueConstraint("answer_id", "user_id", name="uq_answer_feedback_user"),)

    id: int | None = Field(default=None, primary_key=True)
    answer_id: str = Field(max_length=32, index=True)
    platform: str = Field(max_length=20)
    user_id: str = Field(max_length=100)
    value: str = Field(max_length=10)  # up | down
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


Decision = Literal["new", "retry", "duplicate"]


@dataclass(frozen=True)
class Delivery:
    """What to do with a delivery: ``new`` and ``retry`` are processed, ``duplicate`` is dropped."""

    decision: Decision
    event_id: str

    @property
    def process(self) -> bool:
        return self.decision != "duplicate"


def receive(*, engine: Engine, platform: str, event_id: str, owner: str, lease_s: float = DEFAULT_LEASE_S) -> Delivery:
    """Record a delivery as received by ``owner``; decide whether this delivery is to be processed.

    New → processed. Answered → duplicate. Received by ``owner`` itself → duplicate (it is in
    flight here). Received by another owner for longer than ``lease_s`` → taken over and processed
    (that owner died after the ack); for less → duplicate (another replica is still on it).
    """
    event_id = event_id[:200]
    with Session(engine) as session:
        session.add(PlatformEvent(platform=platform, event_id=event_id, owner=owner))
        try:
            session.commit()
            return Delivery("new", event_id)
        except IntegrityError:
            session.rollback()
    with Session(engine) as session:
        row = session.get(PlatformEvent, (platform, event_id))
        if row is None or row.state != RECEIVED or row.owner == owner:
            return Delivery("duplicate", event_id)
        held = utcnow() - _aware(row.claimed_at)
        if held < timedelta(seconds=lease_s):
            return Delivery("duplicate", event_id)
        # Take it over only from the owner and claim time seen, so two redeliveries cannot both win.
        taken = session.execute(
            update(PlatformEvent)
            .where(
                PlatformEvent.platform == platform,  # type: ignore[arg-type]
                PlatformEvent.event_id == event_id,  # type: ignore[arg-type]
                PlatformEvent.state == RECEIVED,  # type: ignore[arg-type]
                PlatformEvent.owner == row.owner,  # type: ignore[arg-type]
                PlatformEvent.claimed_at == row.claimed_at,  # type: ignore[arg-type]
            )
            .values(owner=owner, claimed_at=utcnow())
        )
        session.commit()
        return Delivery("retry" if _rowcount(taken) == 1 else "duplicate", event_id)


def mark_answered(*, engine: Engine, platform: str, event_id: str, owner: str) -> bool:
    """Move a received event to answered; False when another owner took it over (do not post)."""
    with Session(engine) as session:
        result = session.execute(
            update(PlatformEvent)
            .where(
                PlatformEvent.platform == platform,  # type: ignore[arg-type]
                PlatformEvent.event_id == event_id[:200],  # type: ignore[arg-type]
                PlatformEvent.state == RECEIVED,  # type: ignore[arg-type]
                PlatformEvent.owner == owner,  # type: ignore[arg-type]
            )
            .values(state=ANSWERED, claimed_at=utcnow())
        )
        session.commit()
        return _rowcount(result) == 1


def first_delivery(*, engine: Engine, platform: str, event_id: str) -> bool:
    """True exactly once per (platform, key), across threads, restarts and replicas: for replay keys
    (a slash command's trigger id, a click) that are acted on at once, with no answered state."""
    with Session(engine) as session:
        session.add(PlatformEvent(platform=platform, event_id=event_id[:200], state=ANSWERED))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    return True


def forget(*, engine: Engine, platform: str, event_id: str) -> None:
    """Remove a key recorded by ``first_delivery`` (the work it guarded was refused and did nothing)."""
    with Session(engine) as session:
        session.execute(
            delete(PlatformEvent).where(
                PlatformEvent.platform == platform,  # type: ignore[arg-type]
                PlatformEvent.event_id == event_id[:200],  # type: ignore[arg-type]
            )
        )
        session.commit()


def event_state(*, engine: Engine, platform: str, event_id: str) -> str | None:
    with Session(engine) as session:
        row = session.get(PlatformEvent, (platform, event_id[:200]))
        return row.state if row else None


def prune_events(*, engine: Engine, older_than: timedelta = DEFAULT_RETENTION) -> int:
    """Delete delivery rows older than ``older_than``; returns how many went."""
    with Session(engine) as session:
        result = session.execute(
            delete(PlatformEvent).where(PlatformEvent.received_at < utcnow() - older_than)  # type: ignore[arg-type]
        )
        session.commit()
        return _rowcount(result)


def _rowcount(result: Any) -> int:
    """Rows a DML statement matched (``Session.execute`` is typed as a plain ``Result``, without it)."""
    return int(result.rowcount or 0)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def remember_thread(*, engine: Engine, platform: str, channel_id: str, thread_id: str) -> None:
    with Session(engine) as session:
        session.add(BotThread(platform=platform, channel_id=channel_id, thread_id=thread_id))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()


def is_bot_thread(*, engine: Engine, platform: str, channel_id: str, thread_id: str) -> bool:
    with Session(engine) as session:
        return session.get(BotThread, (platform, channel_id, thread_id)) is not None


def record_answer(
    *,
    engine: Engine,
    platform: str,
    channel_id: str,
    thread_id: str | None,
    user_id: str,
    question: str,
    text: str,
    citation_ids: list[str],
    payload: dict[str, Any] | None = None,
    answer_id: str | None = None,
) -> str:
    answer_id = answer_id or uuid.uuid4().hex
    with session_scope(engine) as session:
        session.add(
            BotAnswer(
                id=answer_id,
                platform=platform,
                channel_id=channel_id,
                thread_id=thread_id,
                user_id=user_id,
                question=question,
                text=text,
                citation_ids=json.dumps(citation_ids, ensure_ascii=False),
                payload=json.dumps(payload or {}, ensure_ascii=False),
            )
        )
    return answer_id


def get_answer(*, engine: Engine, answer_id: str) -> BotAnswer | None:
    with Session(engine) as session:
        return session.get(BotAnswer, answer_id)


def answer_payload(answer: BotAnswer) -> dict[str, Any]:
    return json.loads(answer.payload or "{}")


def record_feedback(*, engine: Engine, answer_id: str, platform: str, user_id: str, value: str) -> AnswerFeedback:
    """Store a vote (or change the user's earlier vote on the same answer)."""
    try:
        return _upsert_feedback(engine, answer_id, platform, user_id, value)
    except IntegrityError:  # a concurrent first click by the same user won; update that row
        return _upsert_feedback(engine, answer_id, platform, user_id, value)


def _upsert_feedback(engine: Engine, answer_id: str, platform: str, user_id: str, value: str) -> AnswerFeedback:
    with session_scope(engine) as session:
        row = session.exec(
            select(AnswerFeedback).where(AnswerFeedback.answer_id == answer_id, AnswerFeedback.user_id == user_id)
        ).first()
        if row is None:
            row = AnswerFeedback(answer_id=answer_id, platform=platform, user_id=user_id, value=value)
        else:
            row.value, row.updated_at = value, utcnow()
        session.add(row)
    return row


def feedback_for(*, engine: Engine, answer_id: str) -> list[AnswerFeedback]:
    with Session(engine) as session:
        return list(session.exec(select(AnswerFeedback).where(AnswerFeedback.answer_id == answer_id)).all())


class EventLog:
    """The functions above bound to one engine, with this process's writes taken one at a time.

    SQLite lets one writer in at a time and makes the others sleep with growing backoff (up to
    100 ms a try); behind a platform's 3-second ack that sleep is pure latency. A lock wakes the
    next writer as soon as the previous one commits. Other processes still meet SQLite's own lock.
    """

    def __init__(
        self,
        engine: Engine,
        owner: str | None = None,
        lease_s: float = DEFAULT_LEASE_S,
        retention: timedelta = DEFAULT_RETENTION,
    ) -> None:
        self.engine = engine
        # This process's identity: a restarted process is a new owner, so it takes over its
        # predecessor's unanswered events as soon as they are redelivered.
        self.owner = owner or f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.lease_s = lease_s
        self.retention = retention
        self._write = threading.Lock()
        self._pruned_at = 0.0

    def receive(self, platform: str, event_id: str) -> Delivery:
        with self._write:
            self._prune_now_and_then()
            return receive(
                engine=self.engine, platform=platform, event_id=event_id, owner=self.owner, lease_s=self.lease_s
            )

    def mark_answered(self, platform: str, event_id: str) -> bool:
        with self._write:
            return mark_answered(engine=self.engine, platform=platform, event_id=event_id, owner=self.owner)

    def first_delivery(self, platform: str, event_id: str) -> bool:
        with self._write:
            self._prune_now_and_then()
            return first_delivery(engine=self.engine, platform=platform, event_id=event_id)

    def forget(self, platform: str, event_id: str) -> None:
        with self._write:
            forget(engine=self.engine, platform=platform, event_id=event_id)

    def _prune_now_and_then(self) -> None:
        if time.monotonic() - self._pruned_at < _PRUNE_EVERY_S:
            return
        self._pruned_at = time.monotonic()
        prune_events(engine=self.engine, older_than=self.retention)

    def remember_thread(self, platform: str, channel_id: str, thread_id: str) -> None:
        with self._write:
            remember_thread(engine=self.engine, platform=platform, channel_id=channel_id, thread_id=thread_id)

    def is_bot_thread(self, platform: str, channel_id: str, thread_id: str) -> bool:
        return is_bot_thread(engine=self.engine, platform=platform, channel_id=channel_id, thread_id=thread_id)

    def record_answer(self, **fields: Any) -> str:
        with self._write:
            return record_answer(engine=self.engine, **fields)
