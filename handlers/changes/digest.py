"""The weekly change-request digest (需求变更周报), built platform-neutrally as a ``Reply`` with a chart.

Contents: small changes handled together this week; big changes still open, with days until they
take effect and whether they are approved; big changes submitted late this week; this week's counts
against the previous four; a PNG of weekly volume and late share. Adapters render it as Block Kit,
a Feishu card or plain text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import Attachment, Reply, UserError
from bot.settings import Settings
from handlers.changes.digest_calendar import DigestCalendar, Slot
from handlers.changes.digest_chart import ChartLabels, WeekCount, render_chart
from handlers.changes.rules import ChangeRule
from handlers.changes.strings import notice, t
from storage.changes import ChangeRequest, Engine, created_between, late_between, open_requests
from storage.db import session_scope

log = logging.getLogger(__name__)

LIST_LIMIT = 20  # per section, so a digest of thousands of requests still fits one message
WEEKS = 5  # this week and the previous four
_WEEKDAY_ZH = "一二三四五六日"


def calendar_from(settings: Settings) -> DigestCalendar:
    digest = settings.digest
    return DigestCalendar(digest.day, digest.time, digest.timezone, digest.holiday_shift)


def build_digest(
    engine: Engine,
    slot: Slot,
    as_of: datetime,
    lang: str = "zh",
    delayed: bool = False,
    chart: bool = True,
    late_since: datetime | None = None,
    note_shift: bool = True,
    retried: bool = False,
    *,
    rule: ChangeRule,
) -> Reply:
    """The digest of ``slot`` with everything known at ``as_of`` (its post time, or later if delayed).
    A delayed digest says why: the bot was offline, or (``retried``) a replica tried on time and failed.

    Late submissions are those since ``late_since`` (the previous digest), else the last 7 days."""
    tz = slot.post_at.tzinfo
    assert isinstance(tz, ZoneInfo)
    today = as_of.astimezone(tz).date()
    week_start = late_since or as_of - timedelta(days=7)
    with session_scope(engine) as session:
        small_count, small = open_requests(session=session, size="small", created_before=as_of, limit=LIST_LIMIT)
        big_count, big = open_requests(session=session, size="big", created_before=as_of, limit=LIST_LIMIT)
        late_count, late = late_between(session=session, start=week_start, end=as_of, limit=LIST_LIMIT)
        counts = []
        for back in range(WEEKS - 1, -1, -1):
            end = as_of - timedelta(days=7 * back)
            total, big_new, late_new = created_between(session=session, start=end - timedelta(days=7), end=end)
            counts.append(WeekCount(end.astimezone(tz).strftime("%m-%d"), total, big_new, late_new))

    year, week = slot.period.split("-W")
    lines = [f"**{t('digest_title', lang, year=year, week=int(week), date=_day(slot.post_date, lang))}**"]
    if slot.shifted and note_shift:
        lines.append(t("digest_shifted", lang, nominal=_day(slot.nominal, lang), date=_day(slot.post_date, lang)))
    if delayed:
        key = "digest_delayed_retry" if retried else "digest_delayed"
        lines.append(t(key, lang, planned=slot.post_at.strftime("%Y-%m-%d %H:%M")))
    if not slot.calendar_known:
        lines.append(t("digest_calendar_unknown", lang, year=slot.post_date.year))

    lines.append("")
    lines.append(f"**{t('digest_small', lang, count=small_count)}**")
    lines += _items(small, small_count, lang, lambda r: _small_line(r, lang))
    lines.append("")
    lines.append(f"**{t('digest_big', lang, count=big_count)}**")
    lines += _items(big, big_count, lang, lambda r: _big_line(r, today, lang, rule))
    lines.append("")
    lines.append(f"**{rule.say('digest_late', lang, count=late_count)}**")
    lines += _items(late, late_count, lang, lambda r: _late_line(r, tz, lang))
    lines.append("")
    lines.append(f"**{t('digest_trend', lang)}**")
    current, previous = counts[-1], counts[:-1]
    lines.append(
        rule.say(
            "digest_trend_line",
            lang,
            total=current.total,
            big=current.big,
            small=current.small,
            late=current.late,
            avg_total=_avg([w.total for w in previous]),
            avg_late=_avg([w.late for w in previous]),
        )
    )
    lines.append(
        rule.say("digest_trend_weeks", lang, weeks=" · ".join(f"{w.label}: {w.total}/{w.late}" for w in counts))
    )

    files = []
    if chart:
        png = render_chart(counts, chart_labels(rule, "zh"), chart_labels(rule, "en"))
        files.append(Attachment(f"digest-{slot.period}.png", png, "image/png", rule.say("digest_chart_title", lang)))
    data: dict[str, Any] = {
        "digest": {
            "period": slot.period,
            "post_at": slot.post_at.isoformat(),
            "shifted": slot.shifted,
            "delayed": delayed,
            "calendar_known": slot.calendar_known,
            "counts": {"small": small_count, "big": big_count, "late": late_count},
            "small": [r.id for r in small],  # the ones listed (at most LIST_LIMIT each)
            "big": [r.id for r in big],
            "late": [r.id for r in late],
            "weeks": [{"week_ending": w.label, "total": w.total, "big": w.big, "late": w.late} for w in counts],
        }
    }
    return Reply(text="\n".join(lines), files=files, data=data)


def chart_labels(rule: ChangeRule, lang: str) -> ChartLabels:
    return ChartLabels(
        title=rule.say("digest_chart_title", lang),
        big=t("chart_big", lang),
        small=t("chart_small", lang),
        late=rule.say("chart_late", lang),
        count=t("chart_count", lang),
    )


def _items(requests: list[ChangeRequest], total: int, lang: str, line: Callable[[ChangeRequest], str]) -> list[str]:
    if not requests:
        return [f"• {t('digest_none', lang)}"]
    shown = [f"• {line(request)}" for request in requests]
    if total > len(requests):
        shown.append(t("digest_more", lang, more=total - len(requests)))
    return shown


def _who(request: ChangeRequest) -> str:
    return f"{request.requester}（{request.team}）" if request.team else request.requester


def _small_line(request: ChangeRequest, lang: str) -> str:
    campaign = f" · {request.campaign}" if request.campaign else ""
    return (
        f"#{request.id} {request.title} — {request.effective_date.isoformat()} · "
        f"{t(f'status_{request.status}', lang)} · {_who(request)}{campaign}"
    )


def _big_line(request: ChangeRequest, today: date, lang: str, rule: ChangeRule) -> str:
    days = (request.effective_date - today).days
    if days > 0:
        when = t("digest_days_left", lang, days=days)
    elif days == 0:
        when = t("digest_today", lang)
    else:
        when = t("digest_overdue", lang, days=-days)
    flags = f" · ⚠{rule.say('late_tag', lang)}" if request.late else ""
    if request.override:
        flags += f" · {t('override_tag', lang)}"
    return (
        f"#{request.id} {request.title} — {when}（{request.effective_date.isoformat()}）· "
        f"{t(f'status_{request.status}', lang)}{flags} · {_who(request)}"
    )


def _late_line(request: ChangeRequest, tz: ZoneInfo, lang: str) -> str:
    submitted = request.created_at.astimezone(tz).strftime("%m-%d")
    return (
        f"#{request.id} {request.title} — {notice(request.notice_days, lang)}"
        f"（{submitted} → {request.effective_date.isoformat()}）· {t(f'status_{request.status}', lang)} · "
        f"{_who(request)}"
    )


def _avg(values: list[int]) -> str:
    return f"{sum(values) / len(values):.1f}" if values else "0"


def _day(day: date, lang: str) -> str:
    if lang == "zh":
        return f"{day.isoformat()} 周{_WEEKDAY_ZH[day.weekday()]}"
    return day.strftime("%Y-%m-%d %a")


def preview_digest(
    engine: Engine,
    calendar: DigestCalendar,
    day: date | None,
    lang: str = "zh",
    chart: bool = True,
    *,
    rule: ChangeRule,
    channels: Sequence[str],
) -> Reply:
    """Exactly what would be posted for the digest week of ``day`` (default: the next digest), built
    as of its post time; when a holiday merges it into a newer week's digest, that one (the only
    one posted that day). A first line says when and where it goes."""
    if day is not None and not 2000 <= day.year <= 2100:  # no calendar or digest week out there
        raise UserError(t("digest_date_out_of_range", lang, value=day.isoformat()))
    if day is None:
        slot = calendar.upcoming(datetime.now(calendar.tz))
    else:
        slot = calendar.posted_instead(calendar.slot_for(day))
    previous = calendar.previous(slot)
    reply = build_digest(engine, slot, slot.post_at, lang, chart=chart, late_since=previous.post_at, rule=rule)
    where = ", ".join(channels) or t("digest_no_channels", lang)
    meta = [
        t("digest_preview_meta", lang, period=slot.period, when=slot.post_at.strftime("%Y-%m-%d %H:%M"), channels=where)
    ]
    asked = calendar.slot_for(day) if day is not None else None
    if asked is not None and asked.period != slot.period:
        meta.append(t("digest_merged", lang, asked=asked.period, posted=slot.period))
    if not slot.calendar_known:
        log.warning("the holiday calendar has no data for %s; only weekends are skipped", slot.post_date.year)
    reply.text = "\n".join([*meta, "", reply.text])
    return reply
