"""What drills look like to people: summary lines, the drill card, the checklist, reminder and
kick-off posts, the manager's buttons and the move form. Formatting only; the service fetches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

from bot.core import Button, Form, FormField
from handlers.crisis import strings as s
from handlers.crisis.rules import LADDER_KEYS, DayProblem

if TYPE_CHECKING:  # rows and settings are passed in; this module reads their fields only
    from bot.settings import ChecklistStep
    from storage.drills import CrisisTimer, Drill, DrillParticipant


def local(when: datetime, tz: tzinfo, *, with_weekday: bool = False, lang: str = "zh") -> str:
    moment = when.astimezone(tz)
    text = moment.strftime("%Y-%m-%d %H:%M")
    if not with_weekday:
        return text
    return f"{text} ({moment:%a})" if lang == "en" else f"{text}（{'一二三四五六日'[moment.weekday()]}）"


def status(drill: Drill, lang: str) -> str:
    return s.t(f"dstatus_{drill.status}", lang)


def summary_line(drill: Drill, rows: Sequence[DrillParticipant], tz: tzinfo, lang: str) -> str:
    return s.t(
        "drill_line",
        lang,
        id=drill.id,
        year=drill.year,
        quarter=drill.quarter,
        when=local(drill.starts_at, tz, with_weekday=True, lang=lang),
        scenario=drill.scenario,
        status=status(drill, lang),
        accepted=sum(p.rsvp == "accepted" for p in rows),
        total=len(rows),
    )


def checklist_text(checklist: Sequence[ChecklistStep], lang: str = "zh") -> str:
    lines = [s.t("checklist_title", lang)]
    for n, item in enumerate(checklist, 1):
        lines.append(f"  {n}. {item.phase} · {item.step}")
    return "\n".join(lines)


def describe(
    drill: Drill, rows: Sequence[DrillParticipant], checklist: Sequence[ChecklistStep], tz: tzinfo, lang: str
) -> str:
    lines = [summary_line(drill, rows, tz, lang), s.t("drill_brief", lang, brief=drill.brief)]
    lines.append(s.t("drill_lead_line", lang, lead=drill.lead_id or s.t("lead_unset", lang), level=drill.level))
    by_team: dict[str, list[str]] = {}
    for p in rows:
        by_team.setdefault(p.team or "—", []).append(f"{p.user_id}（{s.t(f'rsvp_{p.rsvp}', lang)}）")
    for team, people in by_team.items():
        lines.append(f"  {team}: " + "、".join(people))
    if not by_team:
        lines.append(s.t("no_participants", lang))
    if drill.note:
        lines.append(s.t("drill_note", lang, note=drill.note))
    lines.append(checklist_text(checklist, lang))
    return "\n".join(lines)


def timers_text(timers: Sequence[CrisisTimer], tz: tzinfo) -> str:
    return "、".join(f"{t.label} {local(t.due_at, tz)}" for t in timers if t.kind == "drill_remind") or "—"


def day_warnings(problems: Sequence[DayProblem], day: date, starts_at: datetime, tz: tzinfo, lang: str) -> list[str]:
    texts = {
        "past": lambda p: s.t("warn_past", lang, when=local(starts_at, tz)),
        "holiday": lambda p: s.t("warn_holiday", lang, day=day.isoformat(), holiday=p.holiday),
        "weekend": lambda p: s.t("warn_weekend", lang, day=day.isoformat()),
    }
    return [texts[p.kind](p) for p in problems]


def reminder_text(drill: Drill, participant: DrillParticipant, label: str, tz: tzinfo) -> str:
    return s.t(
        "drill_reminder",
        "zh",
        when_label=s.t(f"ladder_{label}", "zh") if label in LADDER_KEYS else label,
        id=drill.id,
        scenario=drill.scenario,
        when=local(drill.starts_at, tz),
        lead=drill.lead_id or s.t("lead_unset", "zh"),
        team=participant.team or "—",
        rsvp=s.t(f"rsvp_{participant.rsvp}", "zh"),
    )


def unconfirmed_text(drill: Drill, rows: Sequence[DrillParticipant], tz: tzinfo) -> str:
    pending = [p for p in rows if p.rsvp == "pending"]
    declined = [p for p in rows if p.rsvp == "declined"]
    return s.t(
        "drill_unconfirmed",
        "zh",
        id=drill.id,
        scenario=drill.scenario,
        when=local(drill.starts_at, tz),
        pending="\n".join(f"  - {p.team or '—'} · {p.user_id}" for p in pending),
        declined="、".join(p.user_id for p in declined) or "—",
        accepted=sum(p.rsvp == "accepted" for p in rows),
        total=len(rows),
    )


def kickoff_text(drill: Drill, incident_id: int | None, checklist: Sequence[ChecklistStep]) -> str:
    kickoff = s.t("drill_kickoff", "zh", id=drill.id, scenario=drill.scenario, brief=drill.brief, incident=incident_id)
    return kickoff + "\n" + checklist_text(checklist)


def manage_buttons(drill: Drill, lang: str) -> list[Button]:
    ident = str(drill.id)
    buttons = []
    if drill.status == "proposed":
        buttons.append(Button(s.t("btn_confirm", lang, id=ident), "drill:confirm", ident, "primary"))
    buttons.append(Button(s.t("btn_move", lang, id=ident), "drill:move_form", ident))
    buttons.append(Button(s.t("btn_cancel", lang, id=ident), "drill:cancel", ident, "danger"))
    return buttons


def rsvp_buttons(drill_id: int, lang: str) -> list[Button]:
    return [
        Button(s.t("btn_accept", lang), "drill:rsvp", f"{drill_id}:accept", "primary"),
        Button(s.t("btn_decline", lang), "drill:rsvp", f"{drill_id}:decline"),
    ]


def move_form(ident: str, lang: str) -> Form:
    """The move form; the drill travels in the action (forms have no hidden fields)."""
    return Form(
        action=f"drill:move:{ident}",
        title=s.t("move_form_title", lang, id=ident),
        fields=(
            FormField("date", s.t("form_date", lang), kind="date", placeholder="2027-05-13"),
            FormField("time", s.t("form_time", lang), required=False, placeholder="14:00"),
            FormField("force", s.t("form_force", lang), kind="select", options=("no", "yes"), required=False),
        ),
    )
