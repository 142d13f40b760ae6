"""The plan's scoreboard: the year's targets measured from the bot's own records, each figure beside
its target. Other capabilities' data is read through ``storage.kpi`` only."""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import UserError
from bot.settings import Settings
from handlers.kpi import strings as s
from handlers.kpi.board import Figure, Scoreboard
from knowledge.periods import PERIODS, period_bounds
from storage import kpi as store
from storage.db import session_scope
from storage.library import utcnow


def _year_earlier(when: datetime) -> datetime:
    return when.replace(year=when.year - 1)


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def _months(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    out, cur = [], start
    while cur < end:
        nxt = cur.replace(year=cur.year + (cur.month == 12), month=cur.month % 12 + 1)
        out.append((cur, min(nxt, end)))
        cur = nxt
    return out


class KpiService:
    def __init__(self, engine: Any, settings: Settings, *, clock: Any = utcnow) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.tz = ZoneInfo(settings.timezone)

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    def scoreboard(self, *, period: str = "quarter", on: date | None = None, lang: str = "zh") -> Scoreboard:
        if period not in PERIODS:
            raise UserError(s.t("bad_period", lang, value=period, valid=" | ".join(PERIODS)))
        today = self.today()
        day = on or today
        start, end, label = period_bounds(period, day, self.tz)
        cfg, k = self.settings, self.settings.kpi
        figures: list[Figure] = []
        with session_scope(self.engine) as session:
            incidents = store.incident_facts(session=session, start=start, end=end)
            major = [i for i in incidents if i.level <= k.major_levels]
            limit = timedelta(hours=k.resolved_hours)
            resolved = [i for i in major if i.closed_at is not None and i.closed_at - i.started_at <= limit]
            by_level = []
            for level in sorted({i.level for i in major}):
                of_level = [i for i in major if i.level == level]
                done = [i for i in resolved if i.level == level]
                by_level.append(f"L{level} {len(done)}/{len(of_level)}")
            figures.append(
                Figure(
                    "resolved",
                    _share(len(resolved), len(major)),
                    k.resolved_target,
                    "share",
                    detail=" · ".join(by_level),
                )
            )
            timed = [i for i in incidents if i.response_target is not None]
            on_time = [i for i in timed if i.response_minutes is not None and i.response_minutes <= i.response_target]  # type: ignore[operator]
            figures.append(
                Figure(
                    "response",
                    _share(len(on_time), len(timed)),
                    k.response_target,
                    "share",
                    detail=f"{len(on_time)}/{len(timed)}",
                )
            )
            alerts = store.warnings(session=session, start=start, end=end)
            lags = [(a["raised_at"] - a["first_at"]).total_seconds() / 60 for a in alerts]  # type: ignore[operator]
            answered = [
                (a["responded_at"] - a["raised_at"]).total_seconds() / 60  # type: ignore[operator]
                for a in alerts
                if a["responded_at"] is not None
            ]
            detail = s.t(
                "warning_detail",
                lang,
                alerts=len(alerts),
                within=sum(1 for x in lags if x <= k.warning_minutes),
                response=f"{statistics.median(answered):.0f}" if answered else "—",
            )
            figures.append(
                Figure(
                    "warning",
                    statistics.median(lags) if lags else None,
                    k.warning_minutes,
                    "minutes",
                    higher_is_better=False,
                    detail=detail,
                )
            )
            # Changes: this quarter against the same quarter a year earlier.
            q_start, q_end, _ = period_bounds("quarter", day, self.tz)
            # Named, not 「本季度」: the scoreboard of a past month or year reads that period's quarter.
            quarter = s.t("quarter_name", lang, year=q_start.year, n=(q_start.month - 1) // 3 + 1)
            _, late_now, delayed_now = store.late_big_changes(session=session, start=q_start, end=q_end)
            _, late_then, delayed_then = store.late_big_changes(
                session=session, start=_year_earlier(q_start), end=_year_earlier(q_end)
            )
            for key, now_n, then_n in (("late_changes", late_now, late_then), ("delayed", delayed_now, delayed_then)):
                reduction = 1 - now_n / then_n if then_n else None
                figures.append(
                    Figure(
                        key,
                        reduction,
                        k.late_change_reduction,
                        "share",
                        detail=s.t("changes_detail", lang, quarter=quarter, now=now_n, then=then_n),
                    )
                )
            months = _months(start, min(end, datetime.combine(today + timedelta(days=1), datetime.min.time(), self.tz)))
            months = months or _months(start, end)[:1]
            published = store.notes_published(session=session, start=start, end=end)
            notes_by_month = []
            for m_start, m_end in months:
                count = sum(1 for at in published if m_start <= at < m_end)
                notes_by_month.append((m_start.strftime("%Y-%m"), count))
            per_month = sum(c for _, c in notes_by_month) / len(notes_by_month) if notes_by_month else None
            figures.append(
                Figure(
                    "notes",
                    per_month,
                    float(cfg.drafting.notes_monthly_goal),
                    "per_month",
                    detail=" · ".join(f"{m} {c}" for m, c in notes_by_month),
                )
            )
            understood, votes = store.understanding(session=session, start=start, end=end)
            figures.append(
                Figure(
                    "understanding",
                    _share(understood, votes),
                    cfg.drafting.understanding_goal,
                    "share",
                    detail=f"{understood}/{votes}",
                )
            )
            cited = store.cited_ids(session=session, start=start, end=end)
            cited_cases = store.case_ids(session=session, ids=list(cited))
            library = store.case_count(session=session)
            figures.append(
                Figure(
                    "cited", float(len(cited_cases)), None, "count", detail=s.t("cited_detail", lang, library=library)
                )
            )
            y_start, y_end, _ = period_bounds("year", day, self.tz)
            usages = store.bid_usages(session=session, start=y_start, end=y_end)
            bid_cases = {u.case_id for u in usages}
            figures.append(
                Figure(
                    "bids",
                    float(len(bid_cases)),
                    float(k.bid_cases_last_year + 1),
                    "count",
                    detail=s.t(
                        "bids_detail",
                        lang,
                        bids=len({u.bid for u in usages}),
                        last=k.bid_cases_last_year,
                        library=library,
                    ),
                )
            )
            trend = store.drill_scores(session=session, until=end)
            improvement = (trend[-1][1] - trend[0][1]) / trend[0][1] if len(trend) >= 2 and trend[0][1] else None
            figures.append(
                Figure(
                    "drills",
                    improvement,
                    cfg.drills.improvement_target,
                    "share",
                    detail=" → ".join(f"{score:.0f}" for _, score in trend[-6:]),
                )
            )
        return Scoreboard(period, label, start, end, figures, trend, notes_by_month)

    # ---- cases used in bids ---------------------------------------------------------------------

    def mark_bid(self, *, case_id: str, bid: str, user: str, source: str, lang: str = "zh") -> str:
        case_id, bid = case_id.strip(), " ".join(bid.split())
        if not case_id:
            raise UserError(s.t("bid_case_missing", lang))
        if not bid:
            raise UserError(s.t("bid_missing", lang, case=case_id))
        if len(bid) > 300:
            raise UserError(s.t("bid_too_long", lang))
        with session_scope(self.engine) as session:
            kind = store.document_type(session=session, doc_id=case_id)
            if kind is None:
                raise UserError(s.t("bid_case_unknown", lang, case=case_id))
            if kind != "case":
                raise UserError(s.t("bid_not_case", lang, case=case_id, kind=kind))
            title = store.document_title(session=session, doc_id=case_id)
            new = store.mark_bid_usage(session=session, case_id=case_id, bid=bid, marked_by=user, source=source)
        return s.t("bid_marked" if new else "bid_already", lang, case=case_id, title=title, bid=bid)
