"""One declaration per command: the chat router, the ``prbot`` CLI, ``help``, the README's command
table, the conversation layer and the model's tool schemas all read the same ``CommandSpec``.

A capability declares its commands as methods decorated with ``@command`` on a plain class and its
command groups as ``Group`` values; the composition root builds the class with its services and
``Registry.scan`` reads the metadata (the decorator only attaches it, nothing registers at import).

Arguments are a pydantic model (``extra="forbid"``) per command. Its fields say how they are typed:
``Annotated[int, Positional()]`` is the next bare word, ``Annotated[str, Rest()]`` is every remaining
word, anything else is ``--field-name VALUE`` (``bool``: a switch; ``list``: repeatable).
``Flags("-m")`` adds short or alternative spellings, ``Text()`` marks free text a person
wrote (it decides the reply language).
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot import i18n
from bot.core import Reply, Request, UserError, split_args


class Args(BaseModel):
    """The base of every argument model: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NoArgs(Args):
    pass


@dataclass(frozen=True)
class Positional:
    """The field is the next bare word of the message."""


@dataclass(frozen=True)
class Rest:
    """The field takes every remaining bare word, joined with spaces (a question, a comment)."""


@dataclass(frozen=True)
class Flags:
    """Other spellings of an option (``-m`` for ``--message``); the first long one is shown in help."""

    names: tuple[str, ...]

    def __init__(self, *names: str) -> None:
        object.__setattr__(self, "names", names)


@dataclass(frozen=True)
class Text:
    """Free text a person wrote (a title, a comment, a question): its language is the reply's."""


@dataclass(frozen=True)
class Hint:
    """The capability's own words for a mistake in this argument: i18n keys for a missing value and
    for an invalid one (formatted with ``value``), instead of the generic ones."""

    missing: str | None = None
    invalid: str | None = None


@dataclass(frozen=True)
class Group:
    """A command word with sub-commands (``cr`` → ``cr add``, ``cr list`` …)."""

    name: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    # The sub-command used when the word after the group is none of its sub-commands, e.g.
    # ``draft 写5个标题…``; None: such a message gets the group's usage.
    default: str | None = None


@dataclass(frozen=True)
class CommandMeta:
    """What ``@command`` attaches to a method."""

    group: str
    name: str | None
    zh: str
    aliases: tuple[str, ...]
    examples: tuple[str, ...]
    effects: bool
    chat: bool
    cli: bool
    slots: tuple[str, ...]
    usage: str = ""  # for a command that reads its words itself: its usage line as written
    role: str = "managers"  # the role setting (PRBOT_ROLES_<ROLE>) that restricts a command with effects


Handler = Callable[["Context", Any], Reply]

# The reply-language argument every command takes (``--lang en``).
Lang = Annotated[
    typing.Literal["zh", "en"] | None,
    Hint(invalid="core.bad_lang"),
    Field(description="Language of the reply: zh or en."),
]


@dataclass(frozen=True)
class ArgSpec:
    """One argument as the parsers and help see it."""

    name: str
    kind: typing.Literal["positional", "rest", "option", "switch", "list"]
    flags: tuple[str, ...]
    help: str
    required: bool
    annotation: Any
    text: bool
    default: Any = None
    hint: Hint | None = None


@dataclass(frozen=True)
class CommandSpec:
    group: Group
    name: str | None  # the sub-command word; None for a command that is its group (``ask``, ``help``)
    zh: str
    en: str
    description: str
    aliases: tuple[str, ...]
    args_model: type[Args]
    args: tuple[ArgSpec, ...]
    examples: tuple[str, ...]
    effects: bool
    chat: bool
    cli: bool
    slots: tuple[str, ...]
    handler: Handler
    usage_line: str = ""
    role: str = "managers"

    @property
    def full_name(self) -> str:
        return f"{self.group.name} {self.name}" if self.name else self.group.name

    def summary(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def usage(self, short: bool = False) -> str:
        """The command line: every argument, or (``short``) the required ones and ``[options]``."""
        if self.usage_line:
            return self.usage_line
        parts = [self.full_name]
        optional = False
        for arg in self.args:
            if short and not arg.required and arg.kind not in ("positional", "rest"):
                optional = True
                continue
            if arg.kind == "positional":
                parts.append(arg.name.upper() if arg.required else f"[{arg.name.upper()}]")
            elif arg.kind == "rest":
                parts.append(f"{arg.name.upper()}…" if arg.required else f"[{arg.name.upper()}…]")
            elif arg.kind == "switch":
                parts.append(f"[{arg.flags[0]}]")
            else:
                value = arg.name.upper()
                parts.append(f"{arg.flags[0]} {value}" if arg.required else f"[{arg.flags[0]} {value}]")
        if optional:
            parts.append("[options]")
        return " ".join(parts)


@dataclass(frozen=True)
class Context:
    """What a command handler gets besides its arguments: who asked, where, and in which language."""

    request: Request
    lang: str

    @property
    def user(self) -> str:
        return self.request.user_id


def command(
    group: Group | str,
    name: str | None = None,
    *,
    zh: str,
    aliases: Sequence[str] = (),
    examples: Sequence[str] = (),
    effects: bool = False,
    chat: bool = True,
    cli: bool = True,
    slots: Sequence[str] = (),
    role: str = "managers",
) -> Callable[[Callable[..., Reply]], Callable[..., Reply]]:
    """Declare a method ``(self, ctx: Context, args: SomeArgs) -> Reply`` as a command.

    ``zh`` is the Chinese one-line help (the docstring's first line is the English one);
    ``examples`` are requests people type for it, in their own words (the conversation layer learns
    from them); ``effects`` marks a command that changes something, so an inferred request asks for
    confirmation first; ``slots`` names the arguments that can be filled from plain words; ``role``
    is the role setting that restricts it (the terminal says so while that role is not configured).
    """
    group_name = group.name if isinstance(group, Group) else group

    def decorate(method: Callable[..., Reply]) -> Callable[..., Reply]:
        method._prbot_command = CommandMeta(  # type: ignore[attr-defined]
            group_name, name, zh, tuple(aliases), tuple(examples), effects, chat, cli, tuple(slots), role=role
        )
        return method

    return decorate


class Registry:
    """Every command of the running app, found by name or alias."""

    def __init__(self) -> None:
        self._groups: dict[str, Group] = {}
        self._group_names: dict[str, str] = {}
        self._specs: dict[tuple[str, str | None], CommandSpec] = {}
        self._sub_names: dict[tuple[str, str], str] = {}

    # ---- building

    def add_group(self, group: Group) -> None:
        self._groups[group.name] = group
        for word in (group.name, *group.aliases):
            self._group_names[word.lower()] = group.name

    def scan(self, capability: object, groups: Iterable[Group] = ()) -> list[CommandSpec]:
        """Register the groups and every ``@command`` method of ``capability``."""
        for group in (*groups, *getattr(capability, "groups", ())):
            self.add_group(group)
        found = []
        seen: set[str] = set()
        # An instance gives runnable commands; a class only their declarations (for help).
        cls = capability if isinstance(capability, type) else type(capability)
        for klass in cls.__mro__:  # in the order the commands are written
            for attribute, function in vars(klass).items():
                meta: CommandMeta | None = getattr(function, "_prbot_command", None)
                if meta is None or attribute in seen:
                    continue
                seen.add(attribute)
                found.append(self.add(meta, getattr(capability, attribute)))
        return found

    def add(self, meta: CommandMeta, handler: Callable[..., Reply]) -> CommandSpec:
        group = self._groups.get(meta.group)
        if group is None:
            raise ValueError(f"command {meta.group} {meta.name or ''}: its group is not registered")
        args_model = _args_model(handler)
        doc = inspect.getdoc(handler) or ""
        en, _, description = doc.partition("\n")
        spec = CommandSpec(
            group=group,
            name=meta.name,
            zh=meta.zh,
            en=en.strip(),
            description=description.strip(),
            aliases=meta.aliases,
            args_model=args_model,
            args=describe_args(args_model),
            examples=meta.examples,
            effects=meta.effects,
            chat=meta.chat,
            cli=meta.cli,
            slots=meta.slots,
            handler=handler,
            usage_line=meta.usage,
            role=meta.role,
        )
        self._specs[(group.name, meta.name)] = spec
        if meta.name is not None:
            for word in (meta.name, *meta.aliases):
                self._sub_names[(group.name, word.lower())] = meta.name
        return spec

    # ---- reading

    @property
    def groups(self) -> list[Group]:
        return list(self._groups.values())

    @property
    def commands(self) -> list[CommandSpec]:
        return list(self._specs.values())

    def of_group(self, group: str) -> list[CommandSpec]:
        return [spec for spec in self._specs.values() if spec.group.name == group]

    def get(self, full_name: str) -> CommandSpec | None:
        group, _, sub = full_name.partition(" ")
        return self._specs.get((group, sub or None))

    def group_named(self, word: str) -> Group | None:
        name = self._group_names.get(word.lower().lstrip("/"))
        return self._groups.get(name) if name else None

    def resolve(self, words: list[str]) -> tuple[Group | None, CommandSpec | None, list[str]]:
        """The command a message names (group word, then sub-command word) and the words left.

        ``(group, None, rest)`` means the group was named but no sub-command fits and it has no
        default: the caller shows the group's usage.
        """
        if not words:
            return None, None, []
        group = self.group_named(words[0])
        if group is None:
            return None, None, words
        rest = words[1:]
        if (group.name, None) in self._specs:
            return group, self._specs[(group.name, None)], rest
        if rest:
            sub = self._sub_names.get((group.name, rest[0].lower()))
            if sub is not None:
                return group, self._specs[(group.name, sub)], rest[1:]
        if group.default is not None:
            return group, self._specs.get((group.name, group.default)), rest
        return group, None, rest

    # ---- running

    def run(self, spec: CommandSpec, request: Request, args: Args, *, natural: bool = False) -> Reply:
        lang = reply_language(request, spec, args, natural=natural)
        return spec.handler(Context(request, lang), args)

    def group_usage(self, group: Group, lang: str) -> str:
        lines = [f"**{group.name}** — {group.en if lang == 'en' else group.zh}"]
        lines += [
            f"• `{spec.usage(short=True)}` — {spec.summary(lang)}" for spec in self.of_group(group.name) if spec.chat
        ]
        return "\n".join(lines)


# ---- arguments ---------------------------------------------------------------------------------


def _args_model(handler: Callable[..., Reply]) -> type[Args]:
    hints = get_type_hints(handler)
    parameters = [p for p in inspect.signature(handler).parameters.values() if p.name != "self"]
    if len(parameters) != 2:
        raise TypeError(f"{handler.__qualname__}: a command takes (ctx, args)")
    model = hints.get(parameters[1].name)
    if not (isinstance(model, type) and issubclass(model, Args)):
        raise TypeError(f"{handler.__qualname__}: its args must be annotated with an Args model")
    return model


def describe_args(model: type[Args]) -> tuple[ArgSpec, ...]:
    specs = []
    for name, info in model.model_fields.items():
        markers = info.metadata
        base = _unwrap_optional(info.annotation)
        option = "--" + name.replace("_", "-")
        extra = next((m.names for m in markers if isinstance(m, Flags)), ())
        flags = (option, *extra)
        kind: typing.Literal["positional", "rest", "option", "switch", "list"]
        if any(isinstance(m, Rest) for m in markers):
            kind = "rest"
        elif any(isinstance(m, Positional) for m in markers):
            kind = "positional"
        elif base is bool:
            kind = "switch"
        elif typing.get_origin(base) in (list, tuple):
            kind = "list"
        else:
            kind = "option"
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        specs.append(
            ArgSpec(
                name=name,
                kind=kind,
                flags=flags,
                help=info.description or "",
                required=info.is_required(),
                annotation=info.annotation,
                text=any(isinstance(m, Text) for m in markers) or kind == "rest",
                default=default,
                hint=next((m for m in markers if isinstance(m, Hint)), None),
            )
        )
    return tuple(specs)


def _unwrap_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            return options[0]
    return annotation


def parse_words(spec: CommandSpec, words: list[str], lang: str) -> Args:
    """Chat words → the command's argument model; a mistake is a ``UserError`` with the usage."""
    values = collect_words(spec, words, lang)
    asked = str(values.get("lang", "")).lower()
    return validate(spec, values, asked if asked in ("zh", "en") else lang)


def collect_words(spec: CommandSpec, words: list[str], lang: str) -> dict[str, Any]:
    by_flag = {flag: arg for arg in spec.args for flag in arg.flags}
    positionals = [arg for arg in spec.args if arg.kind in ("positional", "rest")]
    values: dict[str, Any] = {}
    bare: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        flag, eq, inline = word.partition("=")
        arg = by_flag.get(flag) if word.startswith("-") and len(word) > 1 and not _is_number(word) else None
        if word.startswith("--") and len(word) > 2 and arg is None:
            known = ", ".join(a.flags[0] for a in spec.args if a.kind in ("option", "switch", "list")) or "—"
            raise UserError(i18n.t("core.unknown_option", lang, option=flag, known=known, usage=spec.usage()))
        if arg is None:
            bare.append(word)
            index += 1
            continue
        if arg.kind == "switch":
            values[arg.name] = inline.lower() not in ("0", "false", "no", "否") if eq else True
            index += 1
            continue
        if not eq:
            index += 1
            if index >= len(words):
                raise UserError(i18n.t("core.missing_value", lang, option=flag, usage=spec.usage()))
            inline = words[index]
        if arg.kind == "list":
            values.setdefault(arg.name, []).append(inline)
        else:
            values[arg.name] = inline
        index += 1
    for arg in positionals:
        if not bare:
            break
        if arg.kind == "rest":
            values[arg.name] = " ".join(bare)
            bare = []
        else:
            values[arg.name] = bare.pop(0)
    if bare:
        raise UserError(i18n.t("core.extra_words", lang, words=" ".join(bare), usage=spec.usage()))
    return values


def validate(spec: CommandSpec, values: dict[str, Any], lang: str) -> Args:
    """Values (from chat words, CLI options, slots or a model's tool call) → the argument model."""
    try:
        return spec.args_model.model_validate(values)
    except ValidationError as exc:
        raise UserError(explain(spec, exc, lang)) from None


def explain(spec: CommandSpec, exc: ValidationError, lang: str) -> str:
    by_name = {arg.name: arg for arg in spec.args}
    problems = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        arg = by_name.get(name)
        hint = arg.hint if arg else None
        if hint is not None:
            key = hint.missing if error["type"] == "missing" else hint.invalid
            if key is not None:
                return i18n.t(key, lang, value=error.get("input"))
        shown = (arg.name.upper() if arg.kind in ("positional", "rest") else arg.flags[0]) if arg else name
        if error["type"] == "missing":
            problems.append(i18n.t("core.arg_missing", lang, arg=shown))
        elif error["type"] == "extra_forbidden":
            problems.append(i18n.t("core.arg_unknown", lang, arg=shown))
        else:
            reason = _reason(error, lang)
            given = error.get("input")
            problems.append(i18n.t("core.arg_invalid", lang, arg=shown, value=given, reason=reason))
    return i18n.t(
        "core.bad_arguments",
        lang,
        problems="；".join(problems) if lang == "zh" else "; ".join(problems),
        usage=spec.usage(),
    )


_REASONS = {
    "int_parsing": ("应为整数", "must be a whole number"),
    "float_parsing": ("应为数字", "must be a number"),
    "bool_parsing": ("应为是/否", "must be yes or no"),
    "less_than_equal": ("不能大于 {le}", "must be at most {le}"),
    "greater_than_equal": ("不能小于 {ge}", "must be at least {ge}"),
    "string_too_long": ("最多 {max_length} 个字", "at most {max_length} characters"),
    "string_too_short": ("不能为空", "must not be empty"),
    "literal_error": ("只能是 {expected}", "must be one of {expected}"),
}


def _reason(error: Any, lang: str) -> str:
    """Pydantic's reason in the reader's language, where it is one of the common ones."""
    known = _REASONS.get(error["type"])
    if known is None:
        return str(error["msg"]).removeprefix("Value error, ")
    text = known[1] if lang == "en" else known[0]
    return text.format(**{k: v for k, v in (error.get("ctx") or {}).items()})


def _is_number(word: str) -> bool:
    return bool(re.fullmatch(r"-\d+(\.\d+)?", word))


# ---- the reply language ------------------------------------------------------------------------


def reply_language(request: Request, spec: CommandSpec, args: Args, *, natural: bool = False) -> str:
    """The one rule: an explicit ``lang`` argument; else the language of the free text a person wrote
    (a title, a comment, a question); else, for a request in words, the whole message; else Chinese."""
    explicit = getattr(args, "lang", None)
    if explicit in ("zh", "en"):
        return str(explicit)
    free = [str(getattr(args, a.name)) for a in spec.args if a.text and getattr(args, a.name, None)]
    if free:
        return i18n.detect_language(" ".join(free), command=False)
    if natural:
        return i18n.detect_language(request.text, command=False)
    forced = getattr(request, "forced_lang", None)
    return forced if forced in ("zh", "en") else "zh"


def message_words(text: str) -> list[str]:
    return split_args(text)


# ---- tool schemas for a language model ------------------------------------------------------------


def tool_schema(spec: CommandSpec) -> dict[str, Any]:
    """The command as an OpenAI-style function tool: name, help, and its arguments' JSON schema."""
    schema = spec.args_model.model_json_schema()
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    return {
        "type": "function",
        "function": {
            "name": spec.full_name.replace(" ", "_"),
            "description": f"{spec.en} / {spec.zh}",
            "parameters": schema,
        },
    }


def markdown_table(registry: Registry) -> str:
    """The README's command table: every command, how to type it, and what it does."""
    rows = ["| command | chat and `prbot` | what it does |", "| --- | --- | --- |"]
    for spec in registry.commands:
        if not spec.chat:
            continue
        where = "chat + CLI" if spec.cli else "chat"
        usage = spec.usage(short=True).replace("|", "\\|")
        rows.append(f"| `{usage}` | {where} | {spec.en} {spec.zh} |")
    return "\n".join(rows)
