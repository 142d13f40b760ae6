"""Argument parsing shared by the drill and incident commands: positionals plus ``--flag [value]``."""

from __future__ import annotations

from bot.core import UserError
from handlers import crisis_strings as s


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
