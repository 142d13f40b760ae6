"""Notifiers for proactive posts without starting any listener (``prbot digest send`` etc.)."""

from __future__ import annotations

from bot.adapters.terminal import ConsoleNotifier
from bot.core import Notifier
from bot.settings import Settings


def build_notifiers(settings: Settings) -> dict[str, Notifier]:
    """ "console" always; "slack" and "feishu" when their credentials are configured."""
    notifiers: dict[str, Notifier] = {"console": ConsoleNotifier()}
    if settings.slack.configured:
        from bot.adapters.slack.app import SlackNotifier, make_client

        notifiers["slack"] = SlackNotifier(make_client(settings.slack))
    if settings.feishu.configured:
        from bot.adapters.feishu.app import FeishuNotifier
        from bot.adapters.feishu.app import make_client as make_feishu_client

        notifiers["feishu"] = FeishuNotifier(make_feishu_client(settings.feishu))
    return notifiers
