"""What Slack and Feishu share once a payload is parsed: bad-input rules, routing, background work.

An adapter turns its payload into an ``Inbound`` message and calls ``respond``; everything the two
platforms do alike (a bare mention is a help request, files are not read, oversize text is cut,
failures get a reference id) lives here so both behave the same.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

from bot import messages as msg
from bot.core import Reply, Request, new_reference
from bot.router import Router

log = logging.getLogger(__name__)

# Longer messages are cut (with a notice): nobody pastes a report as a question on purpose,
# and the answer path has its own, shorter limit for the question itself.
MAX_INBOUND_CHARS = 4000

_WORD = re.compile(r"^[A-Za-z][\w-]*$")
# C0 controls except tab and newline, DEL, C1 controls, and the Unicode line/paragraph separators and
# bidi overrides that reorder what a reader sees. A null byte cannot be stored in PostgreSQL text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean_inbound(text: str) -> str:
    """Inbound text with control characters and null bytes removed (``\r\n`` becomes ``\n``)."""
    return _CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class Inbound:
    """A user's message, platform details removed (mention markup stripped, entities decoded)."""

    platform: str
    user_id: str
    channel_id: str
    text: str
    thread_id: str | None = None
    event_id: str | None = None
    has_attachments: bool = False
    private: bool = False


def respond(router: Router, inbound: Inbound) -> Reply:
    """The reply to a message, applying the bad-input rules before and the notices after routing."""
    text = clean_inbound(inbound.text).strip()
    lang = msg.detect_language(text) if text else "zh"
    if not text and inbound.has_attachments:
        return Reply(text=msg.t("chat_unsupported_content", lang))
    if not text:
        text = "help"  # a bare mention asks what the bot can do
    notices = []
    if len(text) > MAX_INBOUND_CHARS:
        text = text[:MAX_INBOUND_CHARS]
        notices.append(msg.t("chat_message_truncated", lang, limit=MAX_INBOUND_CHARS))
    if inbound.has_attachments:
        notices.append(msg.t("chat_attachment_ignored", lang))
    request = Request(
        text=text,
        user_id=inbound.user_id,
        channel_id=inbound.channel_id,
        platform=inbound.platform,
        thread_id=inbound.thread_id,
        event_id=inbound.event_id,
        private=inbound.private,
    )
    reply = router.handle(request)
    if notices:
        reply = replace(reply, text="\n".join([*notices, reply.text]))
    return reply


def subcommand_reply(router: Router, request: Request) -> Reply:
    """A slash command's text: its first word must name a command; a question goes to the default.

    A lone unknown word (``/prbot hepl``) is a mistyped subcommand, answered with the valid list;
    anything longer is treated as a question for the default command.
    """
    text = request.text.strip()
    if not text:
        return router.handle(replace(request, text="help"))
    first, _, rest = text.partition(" ")
    if not rest and _WORD.match(first) and not is_command(router, first):
        names = ", ".join(c.name for c in router.commands)
        return Reply(text=msg.t("chat_unknown_subcommand", msg.detect_language(text), command=first, valid=names))
    return router.handle(request)


def is_command(router: Router, word: str) -> bool:
    word = word.lower().lstrip("/")
    return any(word == name.lower() for c in router.commands for name in (c.name, *c.aliases))


def failure_text(lang: str) -> tuple[str, str]:
    """A reference id and the user-facing line that names it."""
    ref = new_reference()
    return ref, msg.t("chat_post_failed", lang, ref=ref)


class Workers:
    """The pool that does the slow part after the platform got its ack.

    Fair per user: every submission names who it is for; workers take the oldest task of the next
    user in turn (round robin), and no user holds more than ``per_user`` workers at once, so one
    person's slow requests never starve everyone else's. Failures are logged with a reference
    instead of vanishing inside a future.
    """

    def __init__(self, name: str, workers: int, per_user: int | None = None) -> None:
        self._name = name
        self.size = max(1, workers)
        # Default share: half the pool (at least one), so a second user always finds a free worker.
        self.per_user = max(1, per_user if per_user is not None else self.size // 2)
        self._queues: OrderedDict[str, deque[tuple[Future[Any], Callable[[], Any]]]] = OrderedDict()
        self._running: dict[str, int] = {}
        self._cond = threading.Condition()
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(self.size)]
        for thread in self._threads:
            thread.start()

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        tell: Callable[[str], None] | None = None,
        user: str = "",
    ) -> Future[Any]:
        """Run ``fn(*args)`` for ``user``; on an unexpected failure ``tell`` gets the line naming the reference."""
        future: Future[Any] = Future()
        with self._cond:
            if self._closed:
                raise RuntimeError(f"{self._name} workers are shut down")
            self._queues.setdefault(user, deque()).append((future, lambda: self._guarded(fn, args, tell)))
            self._cond.notify()
        return future

    def pending(self) -> int:
        with self._cond:
            return sum(len(q) for q in self._queues.values())

    def _next(self) -> tuple[str, Future[Any], Callable[[], Any]] | None:
        """The next task in turn (called with the lock held); None when no user may run one now."""
        for user in list(self._queues):
            if self._running.get(user, 0) >= self.per_user:
                continue
            queue = self._queues.pop(user)
            future, task = queue.popleft()
            if queue:
                self._queues[user] = queue  # back of the line: the others go first
            self._running[user] = self._running.get(user, 0) + 1
            return user, future, task
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                picked = self._next()
                while picked is None:
                    if self._closed and not self._queues:
                        return
                    self._cond.wait()
                    picked = self._next()
            user, future, task = picked
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(task())
                    except BaseException as exc:  # _guarded catches Exception; this is SystemExit and kin
                        future.set_exception(exc)
            finally:
                with self._cond:
                    self._running[user] -= 1
                    if not self._running[user]:
                        del self._running[user]
                    self._cond.notify_all()

    def _guarded(self, fn: Callable[..., Any], args: tuple[Any, ...], tell: Callable[[str], None] | None) -> Any:
        try:
            return fn(*args)
        except Exception:
            ref, line = failure_text("zh")
            log.exception("%s background work failed ref=%s", self._name, ref)
            if tell is not None:
                try:
                    tell(line)
                except Exception:
                    log.exception("%s could not tell the user about ref=%s", self._name, ref)
            return None

    def shutdown(self, wait: bool = True) -> None:
        """Take no more work; with ``wait`` finish everything queued, without it drop the queue."""
        with self._cond:
            if not wait:
                for queue in self._queues.values():
                    for future, _task in queue:
                        future.cancel()
                self._queues.clear()
            self._closed = True
            self._cond.notify_all()
        if wait:
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join()
