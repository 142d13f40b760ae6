"""Thread memory: what a conversation (platform + channel + thread, or the DM) has said so far.

Kept in the database (``storage.conversation``) so every replica sees the same thread, and
forgotten after the configured time: an expired thread is reported once, then starts afresh.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from bot.core import Request
from storage import conversation as store
from storage.db import session_scope
from storage.library import utcnow

HISTORY_TURNS = 6  # earlier messages kept for the condense step and the model


@dataclass(frozen=True)
class ThreadKey:
    platform: str
    channel_id: str
    thread_id: str

    @classmethod
    def of(cls, request: Request) -> ThreadKey:
        return cls(request.platform[:20], request.channel_id[:200], (request.thread_id or "")[:200])


@dataclass
class Thread:
    """The state of one conversation; ``state`` is plain JSON (see the keys below)."""

    key: ThreadKey
    state: dict[str, Any] = field(default_factory=dict)
    expired: bool = False  # there was a conversation here, but it is older than the memory time
    pending_token: str | None = None

    # last question: "question" (as answered), "filters" (those it named)
    # documents: "cited" (ids of the last answer), "topic" (the document the thread is about)
    # last list: "list" (every id, in order), "shown" (how many were shown), "titles" {id: title}
    # last draft: "draft" (its text), "draft_doc"
    # waiting for an answer: "pending" {"kind": "slot"|"confirm", "plan": {...}, "slot": name}
    # "history": [[role, text], …] the last turns

    def get(self, name: str, default: Any = None) -> Any:
        return self.state.get(name, default)

    @property
    def list_ids(self) -> list[str]:
        ids = self.state.get("list")
        return [str(i) for i in ids] if isinstance(ids, list) else []

    @property
    def topic(self) -> str | None:
        topic = self.state.get("topic")
        return str(topic) if topic else None

    def remember(self, role: str, text: str) -> None:
        history = [h for h in self.state.get("history", []) if isinstance(h, list) and len(h) == 2]
        history.append([role, text[:500]])
        self.state["history"] = history[-HISTORY_TURNS:]

    def history(self) -> list[tuple[str, str]]:
        return [(str(r), str(t)) for r, t in self.state.get("history", []) if isinstance(r, str)]


class MemoryStore:
    def __init__(self, engine: Engine, minutes: int) -> None:
        self.engine = engine
        self.lifetime = timedelta(minutes=minutes)
        self.minutes = minutes

    def load(self, request: Request, now: datetime | None = None) -> Thread:
        key = ThreadKey.of(request)
        with session_scope(self.engine) as session:
            found = store.load_memory(
                session=session, platform=key.platform, channel_id=key.channel_id, thread_id=key.thread_id
            )
        if found is None:
            return Thread(key)
        state, updated, token = found
        if (now or utcnow()) - updated > self.lifetime:
            return Thread(key, expired=bool(state))
        return Thread(key, state, pending_token=token)

    def save(self, thread: Thread, now: datetime | None = None) -> None:
        with session_scope(self.engine) as session:
            store.save_memory(
                session=session,
                platform=thread.key.platform,
                channel_id=thread.key.channel_id,
                thread_id=thread.key.thread_id,
                state=thread.state,
                pending_token=thread.pending_token,
                now=now,
            )

    def claim(self, key: ThreadKey, token: str) -> bool:
        """True exactly once for a pending confirmation token."""
        with session_scope(self.engine) as session:
            return store.claim_pending(
                session=session, platform=key.platform, channel_id=key.channel_id, thread_id=key.thread_id, token=token
            )

    def owner_of(self, token: str) -> ThreadKey | None:
        with session_scope(self.engine) as session:
            row = store.find_pending(session=session, token=token)
            return ThreadKey(row.platform, row.channel_id, row.thread_id) if row else None

    def forget_expired(self) -> int:
        with session_scope(self.engine) as session:
            return store.delete_expired(session=session, older_than=self.lifetime)


def new_token() -> str:
    return secrets.token_hex(8)
