"""Thread memory for the conversation layer: one row per conversation (platform + channel + thread).

The state itself is a JSON object the conversation layer owns (last question and its filters, the
documents cited, the last list shown, the last draft, a pending question or confirmation). A pending
confirmation also has its own token column so that claiming it is one conditional UPDATE: a button
clicked twice (or on two replicas) acts once.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Text, delete, update
from sqlmodel import Field, Session, SQLModel, col, select

from storage.library import utcnow


class ConversationMemory(SQLModel, table=True):
    __tablename__ = "conversation_memory"

    platform: str = Field(primary_key=True, max_length=20)
    channel_id: str = Field(primary_key=True, max_length=200)
    thread_id: str = Field(primary_key=True, max_length=200)  # "" for a DM or a channel without a thread
    state: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    # The token of the confirmation waiting for an answer; None when nothing waits.
    pending_token: str | None = Field(default=None, max_length=32, index=True)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


def load_memory(
    *, session: Session, platform: str, channel_id: str, thread_id: str
) -> tuple[dict[str, Any], datetime, str | None] | None:
    """The stored state, when it was last written, and the pending token; None if nothing is stored."""
    row = session.get(ConversationMemory, (platform, channel_id, thread_id))
    if row is None:
        return None
    try:
        state = json.loads(row.state)
    except ValueError:
        state = {}
    updated = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=utcnow().tzinfo)
    return (state if isinstance(state, dict) else {}), updated, row.pending_token


def save_memory(
    *,
    session: Session,
    platform: str,
    channel_id: str,
    thread_id: str,
    state: dict[str, Any],
    pending_token: str | None,
    now: datetime | None = None,
) -> None:
    row = session.get(ConversationMemory, (platform, channel_id, thread_id))
    if row is None:
        row = ConversationMemory(platform=platform, channel_id=channel_id, thread_id=thread_id)
    row.state = json.dumps(state, ensure_ascii=False)
    row.pending_token = pending_token
    row.updated_at = now or utcnow()
    session.add(row)


def claim_pending(*, session: Session, platform: str, channel_id: str, thread_id: str, token: str) -> bool:
    """Take the pending confirmation ``token``: True exactly once, however often it is tried."""
    result = session.execute(
        update(ConversationMemory)
        .where(
            col(ConversationMemory.platform) == platform,
            col(ConversationMemory.channel_id) == channel_id,
            col(ConversationMemory.thread_id) == thread_id,
            col(ConversationMemory.pending_token) == token,
        )
        .values(pending_token=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def find_pending(*, session: Session, token: str) -> ConversationMemory | None:
    """The conversation a confirmation token belongs to (a button click carries only the token)."""
    return session.exec(select(ConversationMemory).where(col(ConversationMemory.pending_token) == token)).first()


def delete_expired(*, session: Session, older_than: timedelta, now: datetime | None = None) -> int:
    cutoff = (now or utcnow()) - older_than
    result = session.execute(delete(ConversationMemory).where(col(ConversationMemory.updated_at) < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
