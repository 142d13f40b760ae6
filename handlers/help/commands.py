"""The help text, from the command registry: every command word in one line each, and a word's
sub-commands in full with ``help WORD`` (the whole list is longer than a chat message shows well)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from bot import messages as msg
from bot.commands import Args, Context, Group, Positional, Registry, command
from bot.core import Reply, UserError

HELP = Group("help", "显示帮助", "show this help", aliases=("帮助", "?", "？"))


class HelpCommands:
    groups = (HELP,)

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    @command(HELP, zh="显示帮助：我能做什么；help 命令 查看它的子命令", examples=("help", "帮助", "help cr"))
    def show(self, ctx: Context, args: HelpArgs) -> Reply:
        """Show this help: what the bot can do; help WORD shows that command's sub-commands."""
        if args.word is None:
            return Reply(text=help_text(self.registry, ctx.lang), private=True)
        group = self.registry.group_named(args.word)
        if group is None:
            words = ", ".join(g.name for g in self.registry.groups)
            raise UserError(msg.t("help_unknown_word", ctx.lang, word=args.word, words=words))
        return Reply(text=group_help(self.registry, group, ctx.lang), private=True)


class HelpArgs(Args):
    word: Annotated[str | None, Positional(), Field(description="A command word, e.g. cr.")] = None


def help_text(registry: Registry, lang: str = "zh") -> str:
    """The overview: each command word with what it does (a single command shows its usage)."""
    lines = [msg.t("help_intro", lang)]
    for group in registry.groups:
        specs = [spec for spec in registry.of_group(group.name) if spec.chat]
        if not specs:
            continue
        summary = group.en if lang == "en" else group.zh
        if len(specs) == 1 and specs[0].name is None:
            lines.append(f"• `{specs[0].usage(short=True)}` — {summary}")
        else:
            names = " | ".join(spec.name or "" for spec in specs)
            lines.append(f"• **{group.name}** {names} — {summary}")
    lines.append(msg.t("help_more", lang))
    return "\n".join(lines)


def group_help(registry: Registry, group: Group, lang: str = "zh") -> str:
    """One command word in full: each sub-command's usage and what it does."""
    summary = group.en if lang == "en" else group.zh
    lines = [f"**{group.name}** — {summary}"]
    lines += [
        f"• `{spec.usage(short=True)}` — {spec.summary(lang)}" for spec in registry.of_group(group.name) if spec.chat
    ]
    return "\n".join(lines)
