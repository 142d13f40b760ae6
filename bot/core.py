"""The seam between platforms and capabilities: plain values in (Request), plain values out (Reply).

Adapters turn a platform payload into a ``Request``, call ``Router.handle`` and render the ``Reply``.
Handlers never see a platform object.
"""

from __future__ import annotations

import logging
import shlex
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from bot import messages as msg

log = logging.getLogger(__name__)


class UserError(Exception):
    """A problem with what the user sent; its message is shown to them as is."""


@dataclass(frozen=True)
class Citation:
    id: str
    title: str
    type: str
    source: str
    snippet: str
    score: float


@dataclass(frozen=True)
class Button:
    """A clickable action. ``action`` routes the click; ``value`` travels back with it."""

    label: str
    action: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime: str = "application/octet-stream"
    title: str = ""


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: Literal["text", "textarea", "select", "date"] = "text"
    options: tuple[str, ...] = ()
    required: bool = True
    placeholder: str = ""


@dataclass(frozen=True)
class Form:
    """A form the user fills in (a Slack modal, a Feishu form card, prompts in the terminal)."""

    action: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "提交"


@dataclass(frozen=True)
class Action:
    """A button click or a submitted form."""

    action: str
    value: str = ""
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ThreadContext:
    """What the conversation knows about a message that its words do not say (set by the conversation
    layer, never by the user): the documents a follow-up is about, those already shown, earlier turns."""

    within: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    history: tuple[tuple[str, str], ...] = ()  # (role, text), oldest first; role is "user" or "bot"
    # The language the person wrote in, when the question was rewritten from the thread (「the second
    # one, what were the results?」 becomes a question naming a Chinese title): the reply's language.
    lang: str | None = None
    # How many entries of the thread's list were shown already: 「更多」 asks for the page after them.
    offset: int = 0


@dataclass(frozen=True)
class Request:
    text: str
    user_id: str = "cli:local"
    channel_id: str = "console"
    platform: str = "console"
    thread_id: str | None = None
    event_id: str | None = None
    action: Action | None = None
    private: bool = False
    context: ThreadContext | None = None

    @property
    def lang(self) -> str:
        return msg.detect_language(self.text)


@dataclass
class Reply:
    text: str
    citations: list[Citation] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)
    form: Form | None = None
    private: bool = False
    # Anything a capability wants to pass through to scripts (e.g. the JSON of ``prbot ask``).
    data: dict[str, Any] = field(default_factory=dict)
    # The request was refused (a UserError) and nothing changed: a form can stay open to be fixed.
    refused: bool = False
    # The reader's language when the text alone would mislead (an English frame around Chinese quotes).
    lang: str | None = None
    # How many entries of the thread's list were shown already: 「更多」 asks for the page after them.
    offset: int = 0


@dataclass(frozen=True)
class Destination:
    """Where a proactive post goes: a platform ("slack", "feishu", "console") and a channel or user."""

    platform: str
    channel_id: str
    thread_id: str | None = None


class NotifyError(Exception):
    """A platform refused or failed a post; ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class Notifier(Protocol):
    """Posts a Reply without a user request (digests, reminders). Returns the platform's message id.

    ``key`` makes the post idempotent: a second post with the same key (a replica taking over a
    crashed one's claim) returns the first message's id instead of posting again."""

    def post(self, destination: Destination, reply: Reply, key: str | None = None) -> str: ...


CommandHandler = Callable[[Request, list[str]], Reply]
ActionHandler = Callable[[Request], Reply]


@dataclass(frozen=True)
class Command:
    name: str
    handler: CommandHandler
    summary_zh: str
    summary_en: str
    usage: str = ""
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()  # requests people type for it in their own words


def split_args(text: str) -> list[str]:
    """Split like a shell, but keep going on unbalanced quotes (people type 「it's」)."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def new_reference() -> str:
    return uuid.uuid4().hex[:8]
