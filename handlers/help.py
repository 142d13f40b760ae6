"""The help text: what the bot can do, from the commands registered on the router."""

from __future__ import annotations

from bot import messages as msg
from bot.core import Command, Reply, Request, Router


def register(router: Router) -> None:
    def show_help(request: Request, _args: list[str]) -> Reply:
        return Reply(text=help_text(router, request.lang), private=True)

    router.command(Command("help", show_help, "显示帮助", "show this help", "help", aliases=("帮助", "?", "？")))


def help_text(router: Router, lang: str = "zh") -> str:
    lines = [msg.t("help_intro", lang)]
    for command in router.commands:
        summary = command.summary_zh if lang == "zh" else command.summary_en
        lines.append(f"• `{command.usage or command.name}` — {summary}")
    return "\n".join(lines)
