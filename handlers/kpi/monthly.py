"""The monthly KPI post to the managers' channels: on ``PRBOT_KPI_DAY`` at ``PRBOT_KPI_TIME`` (local),
the scoreboard of the quarter that the previous day belongs to, once per month and channel (a claim
row), however many replicas run or restarts happen; a bot that was down posts when it is back."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import Destination, Notifier, NotifyError
from handlers.kpi import strings as s
from handlers.kpi.commands import scoreboard_reply
from handlers.kpi.service import KpiService, utcnow
from storage.claims import Lease, run_claimed

log = logging.getLogger(__name__)
CHECK_SECONDS = 900.0
_PLATFORMS = {"slack": "slack", "feishu": "feishu", "lark": "feishu", "console": "console"}


def destination(channel: str) -> Destination:
    prefix, sep, rest = channel.partition(":")
    if sep and prefix in _PLATFORMS and rest:
        return Destination(_PLATFORMS[prefix], rest)
    return Destination("console", channel)


class MonthlyPost:
    def __init__(
        self, service: KpiService, notifiers: Mapping[str, Notifier], clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.service = service
        self.settings = service.settings
        self.notifiers = notifiers
        self.clock = clock
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    def due(self, now: datetime) -> datetime | None:
        """This month's post time if it has passed, else None."""
        tz = ZoneInfo(self.settings.timezone)
        local = now.astimezone(tz)
        hour, minute = (int(x) for x in self.settings.kpi.time.split(":"))
        at = datetime.combine(local.date().replace(day=self.settings.kpi.day), time(hour, minute), tz)
        return at if local >= at else None

    def run(self) -> list[str]:
        """Post where this month's report is still owed; returns the channels posted to."""
        now = self.clock()
        at = self.due(now)
        if at is None:
            return []
        period = f"{at:%Y-%m}"
        reported_day = (at - timedelta(days=1)).date()
        posted = []
        for channel in self.settings.kpi.channels:
            dest = destination(channel)
            notifier = self.notifiers.get(dest.platform)
            if notifier is None:
                log.warning("kpi monthly post: no notifier for %s", dest.platform)
                continue

            def work(
                _lease: Lease, notifier: Notifier = notifier, dest: Destination = dest, channel: str = channel
            ) -> str:
                reply = scoreboard_reply(self.service, period="quarter", on=reported_day, lang="zh")
                reply.text = s.t("monthly_intro", "zh") + "\n" + reply.text
                return notifier.post(dest, reply, key=f"kpi:monthly/{period}/{channel}")

            try:
                if run_claimed(
                    engine=self.service.engine,
                    job="kpi:monthly",
                    period=f"{period}/{channel}",
                    owner=self.owner,
                    work=work,
                ):
                    posted.append(channel)
            except NotifyError as exc:
                log.warning("kpi monthly post to %s failed (%s); tried again at the next check", channel, exc)
        return posted

    def provider(self, scheduler: Any) -> None:
        if self.settings.kpi.enabled and self.settings.kpi.channels:
            scheduler.every("kpi:monthly", self.run, seconds=CHECK_SECONDS)
