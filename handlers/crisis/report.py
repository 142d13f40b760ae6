"""The after-action report of a drill or an incident: checkpoint times against targets, checklist steps
missed, a proficiency score and the trend over earlier ones of the same kind.

Proficiency (0-100) = 100 × (w × checkpoint score + (1 − w) × step share), where
- checkpoint score is the mean over checkpoints of 1 (done within target), 0.5 (done late), 0 (not done);
- step share is the share of checklist steps logged at least once;
- w is ``incidents.checkpoint_weight`` (default 0.6).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from bot.settings import Settings
from handlers.crisis import strings as s
from storage import drills as store
from storage.db import DbSession
from storage.drills import Incident


@dataclass
class CheckpointResult:
    key: str
    name: str
    target_minutes: float
    minutes: float | None  # time from start to done, None if never done
    on_time: bool
    late_minutes: float


@dataclass
class TrendPoint:
    incident_id: int
    label: str
    score: float


@dataclass
class Report:
    incident_id: int
    is_drill: bool
    title: str
    level: int
    lead_id: str
    started_at: datetime
    ended_at: datetime
    checkpoints: list[CheckpointResult]
    steps_total: int
    steps_done: int
    missed_steps: list[str]
    level_changes: list[str]
    checkpoint_score: float
    step_share: float
    score: float
    weight: float = 0.6
    trend: list[TrendPoint] = field(default_factory=list)
    improvement: float | None = None  # vs the first of the trend, as a fraction (0.5 = +50%)
    target_improvement: float = 0.5


def proficiency(cp_score: float, step_share: float, weight: float) -> float:
    return round(100 * (weight * cp_score + (1 - weight) * step_share), 1)


def build_report(session: DbSession, incident: Incident, settings: Settings, ended_at: datetime) -> Report:
    assert incident.id is not None
    names = {c.key: c.name_zh for c in settings.incidents.checkpoints}
    results = []
    for cp in store.checkpoints(session=session, incident_id=incident.id):
        minutes = (cp.done_at - incident.started_at).total_seconds() / 60 if cp.done_at else None
        on_time = minutes is not None and minutes <= cp.target_minutes + 1e-9
        late = max(0.0, minutes - cp.target_minutes) if minutes is not None else 0.0
        results.append(CheckpointResult(cp.key, names.get(cp.key, cp.key), cp.target_minutes, minutes, on_time, late))
    credit = [1.0 if r.on_time else 0.5 if r.minutes is not None else 0.0 for r in results]
    cp_score = sum(credit) / len(credit) if credit else 0.0
    checklist = settings.incidents.checklist
    logged = {st.step_no for st in store.steps(session=session, incident_id=incident.id)}
    done = [n for n in range(1, len(checklist) + 1) if n in logged]
    missed = [f"{n}. {c.phase} · {c.step}" for n, c in enumerate(checklist, 1) if n not in logged]
    share = len(done) / len(checklist) if checklist else 1.0
    score = proficiency(cp_score, share, settings.incidents.checkpoint_weight)
    changes = [
        f"{lc.from_level} → {lc.to_level} ({lc.changed_at.astimezone(_tz(settings)):%H:%M}, {lc.changed_by})"
        for lc in store.level_changes(session=session, incident_id=incident.id)
    ]
    report = Report(
        incident_id=incident.id,
        is_drill=incident.is_drill,
        title=_title(session, incident),
        level=incident.level,
        lead_id=incident.lead_id,
        started_at=incident.started_at,
        ended_at=ended_at,
        checkpoints=results,
        steps_total=len(checklist),
        steps_done=len(done),
        missed_steps=missed,
        level_changes=changes,
        checkpoint_score=round(cp_score, 3),
        step_share=round(share, 3),
        score=score,
        weight=settings.incidents.checkpoint_weight,
        target_improvement=settings.drills.improvement_target,
    )
    report.trend = _trend(session, incident, score, settings)
    first = report.trend[0].score if report.trend else 0.0
    if len(report.trend) > 1 and first > 0:
        report.improvement = round((score - first) / first, 3)
    return report


def _title(session: DbSession, incident: Incident) -> str:
    if incident.drill_id is not None:
        drill = store.get_drill(session=session, drill_id=incident.drill_id)
        if drill is not None:
            return f"演练 #{drill.id} {drill.scenario}（{drill.year} Q{drill.quarter}）"
    return incident.description[:60]


def _trend(session: DbSession, incident: Incident, score: float, settings: Settings) -> list[TrendPoint]:
    """Earlier closed ones of the same kind (drills with drills, incidents with incidents), then this one."""
    if incident.is_drill:
        earlier = [i for i in store.finished_drill_incidents(session=session) if i.id != incident.id]
    else:
        earlier = [
            i
            for i in reversed(store.recent_incidents(session=session, limit=50))
            if not i.is_drill and i.status == "closed"
        ]
        earlier = [i for i in earlier if i.id != incident.id]
    tz = _tz(settings)
    points = [
        TrendPoint(i.id or 0, f"#{i.id} {i.started_at.astimezone(tz):%Y-%m-%d}", i.score)
        for i in earlier
        if i.score is not None and i.started_at <= incident.started_at
    ]
    points.append(TrendPoint(incident.id or 0, f"#{incident.id} {incident.started_at.astimezone(tz):%Y-%m-%d}", score))
    return points[-8:]


def _tz(settings: Settings) -> tzinfo:
    return ZoneInfo(settings.timezone)


def _minutes(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def render(report: Report, lang: str = "zh") -> str:
    label = s.t("drill_label", lang) if report.is_drill else ""
    lines = [s.t("report_title", lang, label=label, id=report.incident_id, title=report.title)]
    duration = (report.ended_at - report.started_at).total_seconds() / 60
    lines.append(s.t("report_meta", lang, level=report.level, lead=report.lead_id or "—", minutes=_minutes(duration)))
    for cp in report.checkpoints:
        target = _minutes(cp.target_minutes)
        if cp.minutes is None:
            lines.append(s.t("report_cp_missing", lang, name=cp.name, target=target))
        elif cp.on_time:
            lines.append(s.t("report_cp_on_time", lang, name=cp.name, target=target, minutes=_minutes(cp.minutes)))
        else:
            lines.append(
                s.t(
                    "report_cp_late",
                    lang,
                    name=cp.name,
                    target=target,
                    minutes=_minutes(cp.minutes),
                    late=_minutes(cp.late_minutes),
                )
            )
    lines.append(s.t("report_steps", lang, done=report.steps_done, total=report.steps_total))
    for missed in report.missed_steps:
        lines.append(f"  - {missed}")
    if report.level_changes:
        lines.append(s.t("report_levels", lang, changes="；".join(report.level_changes)))
    lines.append(
        s.t(
            "report_score",
            lang,
            score=f"{report.score:.1f}",
            w=f"{report.weight:g}",
            w2=f"{1 - report.weight:g}",
            cp=f"{report.checkpoint_score:.2f}",
            steps=f"{report.step_share:.2f}",
        )
    )
    if len(report.trend) > 1:
        points = " → ".join(f"{p.label}: {p.score:.1f}" for p in report.trend)
        lines.append(s.t("report_trend", lang, points=points))
        if report.improvement is not None:
            reached = report.improvement >= report.target_improvement
            lines.append(
                s.t(
                    "report_improvement_met" if reached else "report_improvement_short",
                    lang,
                    change=f"{report.improvement * 100:+.0f}%",
                    target=f"{report.target_improvement * 100:.0f}%",
                )
            )
    else:
        lines.append(s.t("report_first", lang))
    return "\n".join(lines)


def as_data(report: Report) -> dict[str, object]:
    data = asdict(report)
    data["started_at"] = report.started_at.isoformat()
    data["ended_at"] = report.ended_at.isoformat()
    return data
