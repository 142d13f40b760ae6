"""The seam between platforms and capabilities: plain values in (Request), plain values out (Reply).

Adapters turn a platform payload into a ``Request``, call ``Router.handle`` and render the ``Reply``.
Handlers never see a platform object.
"""

from __future__ import annotations

import logging
import re
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
class Request:
    text: str
    user_id: str = "cli:local"
    channel_id: str = "console"
    platform: str = "console"
    thread_id: str | None = None
    event_id: str | None = None
    action: Action | None = None
    private: bool = False

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
    """Posts a Reply without a user request (digests, reminders). Returns the platform's message id."""

    def post(self, destination: Destination, reply: Reply) -> str: ...


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


class Router:
    """Maps the first word of a message to a command; anything else goes to the default command.

    Button clicks and form submissions route by ``Action.action`` prefix (the part before ``:``).
    """

    def __init__(self, default_command: str = "ask") -> None:
        self._commands: dict[str, Command] = {}
        self._names: dict[str, str] = {}
        self._actions: dict[str, ActionHandler] = {}
        self._intents: list[tuple[re.Pattern[str], str]] = []
        self._default = default_command

    def command(self, cmd: Command) -> None:
        self._commands[cmd.name] = cmd
        for name in (cmd.name, *cmd.aliases):
            self._names[name.lower()] = cmd.name

    def on_intent(self, pattern: re.Pattern[str], command_name: str) -> None:
        """Send a message with no command word to ``command_name`` when it plainly asks for it
        (「给银发群体写5个标题…」 is a drafting request, not a question for the library)."""
        self._intents.append((pattern, command_name))

    def on_action(self, prefix: str, handler: ActionHandler) -> None:
        self._actions[prefix] = handler

    @property
    def commands(self) -> list[Command]:
        return list(self._commands.values())

    def resolve(self, text: str) -> tuple[Command | None, list[str]]:
        """Return the command a message names and its arguments, or the default with the whole text."""
        stripped = text.strip()
        first, _, rest = stripped.partition(" ")
        name = self._names.get(first.lower().lstrip("/"))
        if name is not None:
            return self._commands[name], split_args(rest)
        for pattern, command_name in self._intents:
            if command_name in self._commands and pattern.search(stripped):
                return self._commands[command_name], split_args(stripped)
        default = self._commands.get(self._default)
        return default, [stripped] if stripped else []

    def handle(self, request: Request) -> Reply:
        lang = request.lang
        try:
            if request.action is not None:
                prefix = request.action.action.split(":", 1)[0]
                action_handler = self._actions.get(prefix)
                if action_handler is None:
                    raise UserError(msg.t("unknown_action", lang))
                return action_handler(request)
            command, args = self.resolve(request.text)
            if command is None:
                return Reply(text=msg.t("help_intro", lang))
            return command.handler(request, args)
        except UserError as exc:
            return Reply(text=str(exc), private=True, refused=True)
        except Exception:
            ref = new_reference()
            log.exception("handler failed ref=%s platform=%s user=%s", ref, request.platform, request.user_id)
            return Reply(text=msg.t("internal_error", lang, ref=ref), private=True)


def split_args(text: str) -> list[str]:
    """Split like a shell, but keep going on unbalanced quotes (people type 「it's」)."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def new_reference() -> str:
    return uuid.uuid4().hex[:8]
