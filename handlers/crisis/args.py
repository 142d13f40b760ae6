"""Argument parsing shared by the drill and incident commands: positionals plus ``--flag [value]``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import Request, UserError
from handlers.crisis import strings as s


@dataclass(frozen=True)
class _LangRequest(Request):
    """A request whose reply language was asked for explicitly (``--lang en``)."""

    forced_lang: str = "zh"

    @property
    def lang(self) -> str:
        return self.forced_lang


def with_language(request: Request, args: list[str]) -> tuple[Request, list[str]]:
    """Take ``--lang zh|en`` out of ``args``; without it the language follows the request text."""
    if "--lang" not in args:
        return request, args
    index = args.index("--lang")
    value = args[index + 1].lower() if index + 1 < len(args) else ""
    rest = args[:index] + args[index + 2 :]
    if value not in ("zh", "en"):
        raise UserError(s.t("bad_lang", request.lang, value=value))
    fields = {name: getattr(request, name) for name in request.__dataclass_fields__ if name != "forced_lang"}
    return _LangRequest(**fields, forced_lang=value), rest


def parse(args: list[str], valued: set[str], switches: set[str], lang: str) -> tuple[list[str], dict[str, str]]:
    """Split ``args`` into positionals and options. ``--x=v`` and ``--x v`` both work."""
    positional: list[str] = []
    options: dict[str, str] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            if name in switches:
                options[name] = "1"
            elif name in valued:
                if not eq:
                    index += 1
                    if index >= len(args):
                        raise UserError(s.t("missing_value", lang, flag=f"--{name}"))
                    value = args[index]
                options[name] = value
            else:
                known = ", ".join(f"--{n}" for n in sorted(valued | switches)) or "—"
                raise UserError(s.t("unknown_flag", lang, flag=arg, known=known))
        else:
            positional.append(arg)
        index += 1
    return positional, options


def integer(value: str, what: str, lang: str) -> int:
    try:
        return int(value.lstrip("#"))
    except ValueError:
        raise UserError(s.t("not_a_number", lang, what=what, value=value)) from None


def level(value: str, lang: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= 5:
        raise UserError(s.t("bad_level", lang, value=value))
    return number
