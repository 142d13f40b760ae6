"""``watch status`` and ``watch stories``, declared once for chat, the CLI and the conversation layer;
the alert buttons (``watch:respond|ignore|observe``). Thin: call the service, render."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from bot.commands import Args, Context, Group, Lang, command
from bot.core import Reply, Request, UserError
from handlers.watch import render
from handlers.watch import strings as s

if TYPE_CHECKING:  # the service (and its storage) is built by the app, not by `prbot --help`
    from handlers.watch.service import WatchService

WATCH = Group(
    "watch",
    "舆情预警：监测状态、订阅源、最近话题与预警（watch status / watch stories）",
    "early warning: status, feeds, recent stories and alerts (watch status / watch stories)",
    aliases=("预警",),
    default="status",  # a bare `watch` shows the status
)


class WatchArgs(Args):
    lang: Lang = None


class WatchCommands:
    """Early warning in any chat and in the terminal; importing and replaying files are CLI-only."""

    groups = (WATCH,)
    actions: ClassVar[dict[str, str]] = {"watch": "on_action"}

    def __init__(self, service: WatchService) -> None:
        self.service = service

    @command(
        WATCH,
        "status",
        zh="舆情监测状态：提及、话题、预警数量，各订阅源状态，最近的预警",
        aliases=("状态",),
        examples=("舆情监测现在什么情况？", "最近有没有舆情预警", "how is the early warning doing?"),
    )
    def status(self, ctx: Context, args: WatchArgs) -> Reply:
        """Mentions, stories and alerts stored; each feed's state; the latest alerts."""
        text = render.status_text(self.service.status(), self.service.settings.timezone, ctx.lang)
        return Reply(text=text, private=True)

    @command(
        WATCH,
        "stories",
        zh="最近的舆情话题：提及数、首条与最新时间",
        aliases=("话题",),
        examples=("最近网上都在讨论我们什么？", "看看最近的舆情话题", "show the recent stories about us"),
    )
    def stories(self, ctx: Context, args: WatchArgs) -> Reply:
        """The latest stories (reposts of one text grouped): mentions, first and last post."""
        text = render.stories_text(self.service.stories(), self.service.settings.timezone, ctx.lang)
        return Reply(text=text, private=True)

    def on_action(self, request: Request) -> Reply:
        """「启动 N 级响应」/「忽略」/「继续观察」 on an alert."""
        assert request.action is not None
        lang = request.lang
        decision = request.action.action.partition(":")[2]
        try:
            alert_id = int(request.action.value)
        except ValueError:
            raise UserError(s.t("unknown_action", lang)) from None
        result = self.service.decide(alert_id=alert_id, decision=decision, request=request)
        return Reply(text=result.text, data=result.data)
