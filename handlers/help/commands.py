"""The help text: every command word and its sub-commands, from the command registry."""

from __future__ import annotations

from bot import messages as msg
from bot.commands import Context, Group, NoArgs, Registry, command
from bot.core import Reply

HELP = Group("help", "显示帮助", "show this help", aliases=("帮助", "?", "？"))


class HelpCommands:
    groups = (HELP,)

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    @command(HELP, zh="显示帮助：我能做什么、每个命令怎么用", examples=("help", "帮助"))
    def show(self, ctx: Context, args: NoArgs) -> Reply:
        """Show this help: what the bot can do and how to use each command."""
        return Reply(text=help_text(self.registry, ctx.lang), private=True)


def help_text(registry: Registry, lang: str = "zh") -> str:
    lines = [msg.t("help_intro", lang)]
    for group in registry.groups:
        specs = [spec for spec in registry.of_group(group.name) if spec.chat]
        if not specs:
            continue
        summary = group.en if lang == "en" else group.zh
        if len(specs) == 1 and specs[0].name is None:
            lines.append(f"• `{specs[0].usage(short=True)}` — {summary}")
            continue
        lines.append(f"• **{group.name}** — {summary}")
        lines += [f"    `{spec.usage(short=True)}` — {spec.summary(lang)}" for spec in specs]
    return "\n".join(lines)
