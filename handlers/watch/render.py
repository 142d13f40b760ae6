"""How an alert looks: level and rule, the story, first post → alert time, the posts that carried it
furthest, the spread chart (mentions per 10 minutes, PNG) and the three buttons."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core import Attachment, Button, Destination, Reply
from handlers.watch import strings as s

if TYPE_CHECKING:  # the rows only as types: `watch status` in help stays free of the ORM
    from storage.watch import Alert, Mention, Story

_PLATFORMS = {"slack": "slack", "feishu": "feishu", "lark": "feishu", "console": "console"}
_CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC")


def channel_destination(channel: str) -> Destination:
    """``slack:C1`` → Destination("slack", "C1"); anything without a known platform prints to the console."""
    prefix, sep, rest = channel.partition(":")
    if sep and prefix in _PLATFORMS and rest:
        return Destination(_PLATFORMS[prefix], rest)
    return Destination("console", channel)


def excerpt(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def aware(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def local(when: datetime, tz: str, fmt: str = "%m-%d %H:%M") -> str:
    return aware(when).astimezone(ZoneInfo(tz)).strftime(fmt)


def alert_reply(
    alert: Alert, story: Story, top: Sequence[Mention], timeline: Sequence[datetime], tz: str, lang: str = "zh"
) -> Reply:
    assert alert.id is not None
    minutes = (aware(alert.raised_at) - aware(alert.first_at)).total_seconds() / 60
    lines = [
        s.t("alert_title", lang, level_name=s.level_name(alert.level, lang), rule=s.t(f"rule_{alert.level}", lang)),
        s.t("alert_story", lang, title=story.title),
        s.t(
            "alert_times",
            lang,
            first=local(alert.first_at, tz),
            at=local(alert.raised_at, tz),
            minutes=f"{minutes:.0f}",
            mentions=alert.mentions,
        ),
        s.t("alert_reason", lang, reason=alert.reason),
    ]
    if top:
        lines.append(s.t("alert_top", lang))
        for n, m in enumerate(top, 1):
            lines.append(
                s.t(
                    "top_post",
                    lang,
                    n=n,
                    platform=m.platform or "—",
                    author=m.author or "—",
                    followers=f"{m.followers:,}",
                    reposts=f"{m.reposts:,}",
                    text=excerpt(m.text, 60),
                    url=m.url,
                )
            )
    buttons = [
        Button(s.t("button_respond", lang, level=alert.level), "watch:respond", str(alert.id), "danger"),
        Button(s.t("button_ignore", lang), "watch:ignore", str(alert.id)),
        Button(s.t("button_observe", lang), "watch:observe", str(alert.id), "primary"),
    ]
    files = []
    if timeline:
        files.append(
            Attachment(
                f"watch-alert-{alert.id}.png",
                spread_chart(timeline, tz, s.t("chart_title", lang)),
                "image/png",
                s.t("chart_title", lang),
            )
        )
    return Reply(
        text="\n".join(lines),
        buttons=buttons,
        files=files,
        data={"alert_id": alert.id, "story_id": alert.story_id, "level": alert.level},
    )


def buckets(timeline: Sequence[datetime], minutes: int = 10) -> list[tuple[datetime, int]]:
    """Mentions per ``minutes`` from the first to the last, empty buckets included."""
    if not timeline:
        return []
    start = timeline[0].replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute % minutes)
    width = timedelta(minutes=minutes)
    count = int((timeline[-1] - start) / width) + 1
    values = [0] * count
    for at in timeline:
        values[int((at - start) / width)] += 1
    return [(start + i * width, v) for i, v in enumerate(values)]


def spread_chart(timeline: Sequence[datetime], tz: str, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    installed = {font.name for font in font_manager.fontManager.ttflist}
    fonts = [f for f in _CJK_FONTS if f in installed]
    series = buckets(timeline)[-72:]  # the last 12 hours at most
    zone = ZoneInfo(tz)
    fig = Figure(figsize=(6, 2.4), dpi=100)
    ax = fig.add_subplot()
    labels = [at.astimezone(zone).strftime("%H:%M") for at, _ in series]
    ax.bar(range(len(series)), [v for _, v in series], color="#c0392b")
    step = max(1, len(series) // 8)
    ax.set_xticks(range(0, len(series), step), labels[::step], fontsize=7)
    ax.set_title(title if fonts else "mentions per 10 minutes", fontsize=9, fontfamily=fonts or None)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def incident_description(alert: Alert, story: Story, tz: str) -> str:
    assert alert.id is not None
    return s.t(
        "incident_description",
        "zh",
        alert=alert.id,
        title=story.title,
        level_name=s.level_name(alert.level, "zh"),
        first=local(alert.first_at, tz),
        at=local(alert.raised_at, tz),
        mentions=alert.mentions,
    )


def status_text(info: dict[str, Any], tz: str, lang: str) -> str:
    """``watch status``: what is stored, each feed's state, the latest alerts."""
    counts = info["counts"]
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
            status = s.t(f"status_{alert.status}", lang)
            level_name = s.level_name(alert.level, lang)
            at = local(alert.raised_at, tz)
            lines.append(
                "  " + s.t("alert_line", lang, id=alert.id, level_name=level_name, at=at, status=status, title=title)
            )
    return "\n".join(lines)


def stories_text(stories: Sequence[Story], tz: str, lang: str) -> str:
    """``watch stories``: the latest stories, newest first."""
    if not stories:
        return s.t("no_stories", lang)
    lines = [s.t("stories_title", lang)]
    for st in stories:
        first, last = local(st.first_at, tz), local(st.last_at, tz)
        lines.append(s.t("story_line", lang, id=st.id, mentions=st.mentions, first=first, last=last, title=st.title))
    return "\n".join(lines)
