"""Request → command → Reply, over the command registry.

A message that starts with a command word (or its alias) runs that command with its words parsed
into the command's argument model. Anything else is a request in words: it goes to the
``interpreter`` (the conversation layer: understanding, slots, thread memory) when one is set, and
otherwise to the default command (``ask``) as a question. Button clicks and form submissions route
by the ``Action.action`` prefix (the part before ``:``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import Field

from bot import messages as msg
from bot.commands import (
    Args,
    CommandMeta,
    CommandSpec,
    Context,
    Group,
    Registry,
    parse_words,
    validate,
)
from bot.core import Command, Reply, Request, UserError, new_reference, split_args

log = logging.getLogger(__name__)

ActionHandler = Callable[[Request], Reply]
Interpreter = Callable[[Request], Reply | None]


class Words(Args):
    """The uninterpreted words of a message, for commands that read free text their own way."""

    words: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Resolved:
    """What a message names: the command (or only its group) and its words after the name."""

    group: Group | None
    spec: CommandSpec | None
    words: list[str]


class Router:
    def __init__(self, default_command: str = "ask") -> None:
        self.registry = Registry()
        self._actions: dict[str, ActionHandler] = {}
        self._raw: set[str] = set()
        self._default = default_command
        self._intents: list[tuple[re.Pattern[str], str]] = []
        # The conversation layer, when the app sets one: it answers a request in words, or returns
        # None to let the default command take it.
        self.interpreter: Interpreter | None = None

    # ---- building

    def scan(self, capability: object) -> list[CommandSpec]:
        """Register a capability's command groups, ``@command`` methods, and the button and form
        handlers it names in ``actions`` (``{"cr": "on_action"}``: prefix → method name)."""
        for prefix, method in getattr(capability, "actions", {}).items():
            self.on_action(prefix, getattr(capability, method))
        return self.registry.scan(capability)

    def command(self, cmd: Command) -> None:
        """A command that reads its words itself (free-text commands, and tests' small commands)."""
        group = Group(cmd.name, cmd.summary_zh, cmd.summary_en, cmd.aliases)
        self.registry.add_group(group)

        def run(ctx: Context, args: Words) -> Reply:
            return cmd.handler(ctx.request, args.words)

        run.__doc__ = cmd.summary_en
        meta = CommandMeta(cmd.name, None, cmd.summary_zh, (), cmd.examples, False, True, False, (), cmd.usage)
        self.registry.add(meta, run)
        self._raw.add(cmd.name)

    def on_intent(self, pattern: re.Pattern[str], command_name: str) -> None:
        """A rule for a request in words that plainly names one command (「给银发群体写5个标题…」 is
        a drafting request, not a question for the library); rules run before the interpreter."""
        self._intents.append((pattern, command_name))

    def on_action(self, prefix: str, handler: ActionHandler) -> None:
        self._actions[prefix] = handler

    # ---- reading

    @property
    def commands(self) -> list[Group]:
        """The command words people can type (each group once, with its aliases)."""
        return self.registry.groups

    def resolve_text(self, text: str) -> Resolved:
        group, spec, rest = self.registry.resolve(split_args(text.strip()))
        return Resolved(group, spec, rest)

    def default_spec(self) -> CommandSpec | None:
        return self.registry.get(self._default)

    # ---- handling

    def handle(self, request: Request) -> Reply:
        lang = request.lang
        try:
            if request.action is not None:
                return self._on_action(request, lang)
            return self._on_text(request, lang)
        except UserError as exc:
            return Reply(text=str(exc), private=True, refused=True)
        except Exception:
            ref = new_reference()
            log.exception("handler failed ref=%s platform=%s user=%s", ref, request.platform, request.user_id)
            return Reply(text=msg.t("internal_error", lang, ref=ref), private=True)

    def _on_action(self, request: Request, lang: str) -> Reply:
        assert request.action is not None
        prefix = request.action.action.split(":", 1)[0]
        handler = self._actions.get(prefix)
        if handler is None:
            raise UserError(msg.t("unknown_action", lang))
        return handler(request)

    def _on_text(self, request: Request, lang: str) -> Reply:
        resolved = self.resolve_text(request.text)
        if resolved.group is not None and resolved.spec is None:
            usage = self.registry.group_usage(resolved.group, lang)
            if resolved.words and resolved.words[0].lower() not in ("help", "帮助"):
                usage = msg.t("unknown_subcommand", lang, word=resolved.words[0]) + "\n" + usage
            return Reply(text=usage, private=True)
        if resolved.spec is not None:
            return self.run_words(resolved.spec, request, resolved.words)
        text = request.text.strip()
        for pattern, name in self._intents:
            _, spec, _ = self.registry.resolve(name.split())  # a group's name runs its default command
            if spec is not None and pattern.search(text):
                return self.run_words(spec, request, split_args(text), natural=True)
        if self.interpreter is not None and text:
            reply = self.interpreter(request)
            if reply is not None:
                return reply
        return self.ask(request)

    def ask(self, request: Request) -> Reply:
        """The default command with the whole message as its text (a question for the library)."""
        spec = self.default_spec()
        if spec is None:
            return Reply(text=msg.t("help_intro", request.lang))
        text = request.text.strip()
        return self.run_words(spec, request, [text] if text else [], natural=True)

    def run_words(self, spec: CommandSpec, request: Request, words: list[str], *, natural: bool = False) -> Reply:
        lang = request.lang
        args = Words(words=words) if spec.group.name in self._raw else parse_words(spec, words, lang)
        return self.registry.run(spec, request, args, natural=natural)

    def run_values(self, spec: CommandSpec, request: Request, values: dict[str, object]) -> Reply:
        """Run a command from already-separated values (filled slots, a model's tool call, the CLI)."""
        if spec.group.name in self._raw:
            words = values.get("words")
            args: Args = Words(words=[str(w) for w in words] if isinstance(words, list) else [])
        else:
            args = validate(spec, dict(values), request.lang)
        return self.registry.run(spec, request, args, natural=True)
