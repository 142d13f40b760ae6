"""A Notifier that records every post (thread-safe), and can be told to fail for some destinations."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from bot.core import Destination, NotifyError, Reply


@dataclass
class Post:
    destination: Destination
    reply: Reply
    message_id: str


@dataclass
class RecordingNotifier:
    posts: list[Post] = field(default_factory=list)
    fail_for: set[str] = field(default_factory=set)  # channel ids whose posts fail (retryable)
    keys: dict[str, str] = field(default_factory=dict)  # idempotency key -> message id
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, destination: Destination, reply: Reply, key: str | None = None) -> str:
        if destination.channel_id in self.fail_for:
            raise NotifyError(f"{destination.channel_id} unavailable", retryable=True)
        with self._lock:
            if key is not None and key in self.keys:  # idempotent like the real notifiers
                return self.keys[key]
            message_id = f"m{len(self.posts) + 1}"
            self.posts.append(Post(destination, reply, message_id))
            if key is not None:
                self.keys[key] = message_id
        return message_id

    def to(self, channel_id: str) -> list[Post]:
        return [p for p in self.posts if p.destination.channel_id == channel_id]

    def texts(self, channel_id: str | None = None) -> list[str]:
        return [p.reply.text for p in self.posts if channel_id is None or p.destination.channel_id == channel_id]

    def clear(self) -> None:
        with self._lock:
            self.posts.clear()
