"""Chat-platform bookkeeping: delivered event ids (exactly once), threads the bot answers in,
the answers it posted (for feedback and "share to channel") and the feedback users gave."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from storage.db import session_scope
from storage.library import utcnow


class PlatformEvent(SQLModel, table=True):
    """One row per delivered event: the unique key makes a redelivery lose the race."""

    __tablename__ = "platform_events"

    platform: str = Field(primary_key=True, max_length=20)
    event_id: str = Field(primary_key=True, max_length=200)
    received_at: datetime = Field(default_factory=utcnow)


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


def first_delivery(engine: Engine, platform: str, event_id: str) -> bool:
    """True exactly once per (platform, event_id), across threads, restarts and replicas."""
    with Session(engine) as session:
        session.add(PlatformEvent(platform=platform, event_id=event_id[:200]))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    return True


def remember_thread(engine: Engine, platform: str, channel_id: str, thread_id: str) -> None:
    with Session(engine) as session:
        session.add(BotThread(platform=platform, channel_id=channel_id, thread_id=thread_id))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()


def is_bot_thread(engine: Engine, platform: str, channel_id: str, thread_id: str) -> bool:
    with Session(engine) as session:
        return session.get(BotThread, (platform, channel_id, thread_id)) is not None


def record_answer(
    engine: Engine,
    *,
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


def get_answer(engine: Engine, answer_id: str) -> BotAnswer | None:
    with Session(engine) as session:
        return session.get(BotAnswer, answer_id)


def answer_payload(answer: BotAnswer) -> dict[str, Any]:
    return json.loads(answer.payload or "{}")


def record_feedback(engine: Engine, answer_id: str, platform: str, user_id: str, value: str) -> AnswerFeedback:
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


def feedback_for(engine: Engine, answer_id: str) -> list[AnswerFeedback]:
    with Session(engine) as session:
        return list(session.exec(select(AnswerFeedback).where(AnswerFeedback.answer_id == answer_id)).all())


class EventLog:
    """The functions above bound to one engine, with this process's writes taken one at a time.

    SQLite lets one writer in at a time and makes the others sleep with growing backoff (up to
    100 ms a try); behind a platform's 3-second ack that sleep is pure latency. A lock wakes the
    next writer as soon as the previous one commits. Other processes still meet SQLite's own lock.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write = threading.Lock()

    def first_delivery(self, platform: str, event_id: str) -> bool:
        with self._write:
            return first_delivery(self.engine, platform, event_id)

    def remember_thread(self, platform: str, channel_id: str, thread_id: str) -> None:
        with self._write:
            remember_thread(self.engine, platform, channel_id, thread_id)

    def is_bot_thread(self, platform: str, channel_id: str, thread_id: str) -> bool:
        return is_bot_thread(self.engine, platform, channel_id, thread_id)

    def record_answer(self, **fields: Any) -> str:
        with self._write:
            return record_answer(self.engine, **fields)
