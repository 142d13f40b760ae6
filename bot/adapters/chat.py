"""What Slack and Feishu share once a payload is parsed: bad-input rules, routing, background work.

An adapter turns its payload into an ``Inbound`` message and calls ``respond``; everything the two
platforms do alike (a bare mention is a help request, files are not read, oversize text is cut,
failures get a reference id) lives here so both behave the same.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from bot import messages as msg
from bot.core import Reply, Request, Router, new_reference

log = logging.getLogger(__name__)

# Longer messages are cut (with a notice): nobody pastes a report as a question on purpose,
# and the answer path has its own, shorter limit for the question itself.
MAX_INBOUND_CHARS = 4000

_WORD = re.compile(r"^[A-Za-z][\w-]*$")


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
    text = inbound.text.strip()
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
    """The pool that does the slow part after the platform got its ack; failures are logged with a
    reference instead of vanishing inside a future."""

    def __init__(self, name: str, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix=name)
        self._name = name

    def submit(self, fn: Callable[..., Any], *args: Any, tell: Callable[[str], None] | None = None) -> Future[Any]:
        """Run ``fn(*args)`` in the pool; on an unexpected failure ``tell`` gets the line naming the reference."""
        return self._pool.submit(self._guarded, fn, args, tell)

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
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
