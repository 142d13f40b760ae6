"""Chat: ``watch status`` / ``watch stories``, and the alert buttons (``watch:respond|ignore|observe``).
Thin: parse, call the service, render."""

from __future__ import annotations

from bot.core import Command, Reply, Request, UserError
from bot.router import Router
from handlers.watch import strings as s
from handlers.watch.render import local
from handlers.watch.service import WatchService


def status_text(service: WatchService, lang: str) -> str:
    info = service.status()
    counts = info["counts"]
    tz = service.settings.timezone
    lines = [s.t("status_title", lang, **counts), s.t("status_feeds", lang)]
    if not info["feeds"]:
        lines.append("  " + s.t("no_feeds", lang))
    for url, feed in info["feeds"]:
        if feed is None or feed.last_polled_at is None:
            lines.append("  " + s.t("feed_never", lang, url=url))
        elif feed.failures:
            lines.append("  " + s.t("feed_failing", lang, url=url, failures=feed.failures, error=feed.last_error))
        else:
            at = local(feed.last_ok_at, tz) if feed.last_ok_at else "—"
            lines.append("  " + s.t("feed_ok", lang, url=url, at=at, entries=feed.entries))
    if info["alerts"]:
        lines.append(s.t("status_alerts", lang))
        for alert, title in info["alerts"]:
            lines.append(
                "  "
                + s.t(
                    "alert_line",
                    lang,
                    id=alert.id,
                    level_name=s.level_name(alert.level, lang),
                    at=local(alert.raised_at, tz),
                    status=s.t(f"status_{alert.status}", lang),
                    title=title,
                )
            )
    return "\n".join(lines)


def stories_text(service: WatchService, lang: str) -> str:
    stories = service.stories()
    if not stories:
        return s.t("no_stories", lang)
    tz = service.settings.timezone
    lines = [s.t("stories_title", lang)]
    for st in stories:
        lines.append(
            s.t(
                "story_line",
                lang,
                id=st.id,
                mentions=st.mentions,
                first=local(st.first_at, tz),
                last=local(st.last_at, tz),
                title=st.title,
            )
        )
    return "\n".join(lines)


def register_chat(router: Router, service: WatchService) -> None:
    def handle(request: Request, args: list[str]) -> Reply:
        lang = request.lang
        sub = args[0].lower() if args else "status"
        if sub == "status":
            return Reply(text=status_text(service, lang), private=True)
        if sub == "stories":
            return Reply(text=stories_text(service, lang), private=True)
        raise UserError(s.t("unknown_sub", lang, sub=args[0], usage=s.t("usage", lang)))

    def on_action(request: Request) -> Reply:
        assert request.action is not None
        lang = request.lang
        decision = request.action.action.partition(":")[2]
        try:
            alert_id = int(request.action.value)
        except ValueError:
            raise UserError(s.t("unknown_action", lang)) from None
        result = service.decide(alert_id=alert_id, decision=decision, request=request)
        return Reply(text=result.text, data=result.data)

    router.command(
        Command(
            "watch",
            handle,
            "舆情预警：监测状态、订阅源、最近话题与预警（watch status / watch stories）",
            "early warning: status, feeds, recent stories and alerts (watch status / watch stories)",
            "watch status | stories",
            aliases=("预警",),
        )
    )
    router.on_action("watch", on_action)
