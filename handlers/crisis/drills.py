"""Quarterly crisis drills (全链条应急演练): plan, confirm, move, cancel; reminders with RSVP buttons;
the incident clock in drill mode while the drill runs; the after-action report when it ends.

``register`` wires drills and incidents together: they share one TimerService and one job provider.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.core import Action, Button, Form, FormField, Notifier, Reply, Request, UserError
from bot.settings import Settings
from handlers.crisis import args as args_
from handlers.crisis import drill_calendar as cal
from handlers.crisis import report as crisis_report
from handlers.crisis import strings as s
from handlers.crisis.incidents import ComplianceCheck, IncidentService
from handlers.crisis.people import People, identities
from handlers.crisis.timers import Delivery, Plan, TimerService
from storage.claims import complete, try_claim
from storage.db import session_scope
from storage.drills import (
    CrisisTimer,
    Drill,
    DrillParticipant,
    Incident,
    cancel_timers,
    drills_between,
    last_planned_drill,
    participants,
)

log = logging.getLogger(__name__)

YES = {"yes", "y", "accept", "accepted", "参加", "是", "1"}
NO = {"no", "n", "decline", "declined", "请假", "否", "0"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def ladder_label(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


class DrillService:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        notifiers: dict[str, Notifier],
        timers: TimerService,
        incidents: IncidentService,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.notifiers = notifiers
        self.timers = timers
        self.incidents = incidents
        self.people = People(settings)
        self.tz = ZoneInfo(settings.timezone)
        timers.on("drill_remind", self._build_remind)
        timers.on("drill_unconfirmed", self._build_unconfirmed)
        timers.on("drill_start", self._build_start)
        timers.on("drill_end", self._build_end)
        incidents.on_drill_closed = self._drill_closed

    # -- the command ----------------------------------------------------------------------------------

    def handle(self, request: Request, args: list[str]) -> Reply:
        request, args = args_.with_language(request, args)
        lang = request.lang
        if not args:
            return Reply(text=s.t("drill_usage", lang), private=True)
        sub, rest = args[0].lower(), args[1:]
        actions: dict[str, Callable[[Request, list[str]], Reply]] = {
            "plan": self.cmd_plan,
            "list": self.cmd_list,
            "show": self.cmd_show,
            "confirm": self.cmd_confirm,
            "move": self.cmd_move,
            "cancel": self.cmd_cancel,
            "rsvp": self.cmd_rsvp,
            "invite": self.cmd_invite,
            "start": self.cmd_start,
        }
        if sub not in actions:
            raise UserError(s.t("drill_unknown_sub", lang, sub=args[0], usage=s.t("drill_usage", lang)))
        return actions[sub](request, rest)

    def cmd_plan(self, request: Request, args: list[str]) -> Reply:
        lang = request.lang
        _, opts = args_.parse(args, {"year"}, set(), lang)
        self._require_manager(request)
        today = utcnow().astimezone(self.tz).date()
        year = args_.integer(opts["year"], "year", lang) if "year" in opts else self.default_year(today)
        if not 2000 <= year <= 2100:
            raise UserError(s.t("bad_year", lang, value=year))
        cfg = self.settings.drills
        earliest = today + timedelta(days=cfg.min_notice_days)
        notes = []
        if not cal.holidays_known(year):
            notes.append(s.t("holidays_unknown", lang, year=year))
        created: list[Drill] = []
        with session_scope(self.engine) as session:
            existing = self._drills_of_year(session, year)
            covered = {d.quarter for d in existing if d.status != "cancelled"}
            scenario_index = self._next_scenario_index(session)
            for quarter in range(1, 5):
                if quarter in covered:
                    continue
                day = cal.propose(year, quarter, cfg.month_in_quarter, cfg.day, cfg.weekday, earliest)
                if day is None:
                    notes.append(s.t("quarter_skipped", lang, year=year, quarter=quarter, days=cfg.min_notice_days))
                    continue
                scenario = cfg.scenarios[scenario_index % len(cfg.scenarios)]
                scenario_index += 1
                drill = Drill(
                    year=year,
                    quarter=quarter,
                    scenario=scenario.name,
                    brief=scenario.brief,
                    starts_at=self._at(day, self._default_time()),
                    duration_minutes=cfg.duration_minutes,
                    level=cfg.level,
                    lead_id=self.people.drill_lead(),
                    created_by=self.people.who(request),
                )
                session.add(drill)
                session.flush()
                for team, ids in self.people.drill_teams().items():
                    for uid in ids:
                        session.add(DrillParticipant(drill_id=drill.id or 0, user_id=uid, team=team))
                created.append(drill)
            shown = sorted([d for d in existing if d.status != "cancelled"] + created, key=lambda d: d.starts_at)
            lines = [s.t("plan_title", lang, year=year, created=len(created))]
            buttons: list[Button] = []
            for drill in shown:
                lines.append(self._summary_line(session, drill, lang))
                if drill.status == "proposed":
                    buttons += self._manage_buttons(drill, lang)
        if not self.people.everyone():
            notes.append(s.t("no_people", lang))
        lines += notes
        if any(d.status == "proposed" for d in shown):
            lines.append(s.t("plan_next", lang))
        return Reply(text="\n".join(lines), buttons=buttons, data={"drill_ids": [d.id for d in shown], "year": year})

    def cmd_list(self, request: Request, args: list[str]) -> Reply:
        lang = request.lang
        _, opts = args_.parse(args, {"year"}, {"all"}, lang)
        with Session(self.engine) as session:
            if "year" in opts:
                drills = self._drills_of_year(session, args_.integer(opts["year"], "year", lang))
            else:
                # Default: the last quarter's drills and everything ahead; --all: every drill ever planned.
                start = _far_past() if "all" in opts else utcnow() - timedelta(days=92)
                drills = drills_between(session, start, _far_future())
            if "all" not in opts:
                drills = [d for d in drills if d.status != "cancelled"]
            if not drills:
                return Reply(text=s.t("no_drills", lang), private=True)
            lines = [s.t("drill_list_title", lang)] + [self._summary_line(session, d, lang) for d in drills]
        return Reply(text="\n".join(lines), private=True, data={"drill_ids": [d.id for d in drills]})

    def cmd_show(self, request: Request, args: list[str]) -> Reply:
        lang = request.lang
        drill_id = self._drill_id(args, lang)
        with Session(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            text = self.describe(session, drill, lang)
            buttons = self._manage_buttons(drill, lang) if drill.status in ("proposed", "confirmed") else []
            if drill.status == "confirmed" and self._participant(session, drill_id, request) is not None:
                buttons = self._rsvp_buttons(drill_id, lang) + buttons
        return Reply(text=text, buttons=buttons, private=True, data={"drill_id": drill_id})

    def cmd_confirm(self, request: Request, args: list[str]) -> Reply:
        lang = request.lang
        positional, opts = args_.parse(args, {"lead"}, set(), lang)
        drill_id = self._drill_id(positional, lang)
        self._require_manager(request)
        lead = None
        if "lead" in opts:
            lead = self.people.resolve(opts["lead"])
            if lead is None:
                raise UserError(s.t("unknown_person", lang, user=opts["lead"]))
        now = utcnow()
        with session_scope(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            if drill.status != "proposed":
                raise UserError(
                    s.t("drill_not_proposed", lang, id=drill_id, status=s.t(f"dstatus_{drill.status}", lang))
                )
            if drill.starts_at <= now:
                raise UserError(s.t("drill_in_past", lang, id=drill_id, when=self._local(drill.starts_at)))
            if lead is not None:
                drill.lead_id = lead
            drill.status, drill.confirmed_by, drill.updated_at = "confirmed", self.people.who(request), now
            session.add(drill)
            timers = self._create_timers(session, drill, now)
            text = s.t("drill_confirmed", lang, id=drill_id, when=self._local(drill.starts_at), scenario=drill.scenario)
            text += "\n" + s.t("reminders_scheduled", lang, at=self._timers_text(timers))
        self.timers.schedule(timers)
        return Reply(text=text, data={"drill_id": drill_id, "timers": len(timers)})

    def cmd_move(self, request: Request, args: list[str]) -> Reply:
        lang = request.lang
        positional, opts = args_.parse(args, {"time"}, {"force"}, lang)
        drill_id = self._drill_id(positional, lang)
        if len(positional) < 2:
            raise UserError(s.t("move_usage", lang))
        return self.move(
            request, drill_id, positional[1], opts.get("time") or (positional[2:3] or [""])[0], "force" in opts
        )

    def move(self, request: Request, drill_id: int, day_text: str, time_text: str, force: bool) -> Reply:
        lang = request.lang
        self._require_manager(request)
        day = _parse_date(day_text, lang)
        now = utcnow()
        with session_scope(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            if drill.status not in ("proposed", "confirmed"):
                raise UserError(
                    s.t("drill_not_movable", lang, id=drill_id, status=s.t(f"dstatus_{drill.status}", lang))
                )
            at_time = _parse_time(time_text, lang) if time_text else drill.starts_at.astimezone(self.tz).time()
            starts_at = self._at(day, at_time)
            warnings = self._date_warnings(day, starts_at, now, lang)
            if warnings and not force:
                raise UserError("\n".join(warnings) + "\n" + s.t("use_force", lang))
            known = cal.check_day(day).known
            warnings_info = [] if known else [s.t("holidays_unknown", lang, year=day.year)]
            old = drill.starts_at
            drill.starts_at, drill.year, drill.quarter = starts_at, day.year, cal.quarter_of(day)
            drill.updated_at = now
            if force and warnings:
                drill.note = (drill.note + "\n" if drill.note else "") + "；".join(w.strip() for w in warnings)
            session.add(drill)
            for p in participants(session, drill_id):
                p.rsvp, p.responded_at = "pending", None  # a new date needs a new answer
                session.add(p)
            timers: list[CrisisTimer] = []
            if drill.status == "confirmed" and starts_at > now:
                cancel_timers(session, drill_id=drill_id)
                timers = self._create_timers(session, drill, now)
            elif drill.status == "confirmed":
                cancel_timers(session, drill_id=drill_id)
            text = s.t("drill_moved", lang, id=drill_id, old=self._local(old), new=self._local(starts_at))
            if warnings or warnings_info:
                text += "\n" + "\n".join(warnings + warnings_info)
            recipients = [p.user_id for p in participants(session, drill_id)] if drill.status == "confirmed" else []
            notice = s.t("drill_moved_notice", "zh", id=drill_id, scenario=drill.scenario, new=self._local(starts_at))
        self.timers.schedule(timers)
        for uid in recipients:
            self.incidents._post(self.people.to(uid), notice)
        return Reply(text=text, data={"drill_id": drill_id, "starts_at": starts_at.isoformat(), "warnings": warnings})

    def cmd_cancel(self, request: Request, args: list[str]) -> Reply:
        return self.cancel(request, self._drill_id(args, request.lang))

    def cancel(self, request: Request, drill_id: int) -> Reply:
        lang = request.lang
        self._require_manager(request)
        with session_scope(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            if drill.status not in ("proposed", "confirmed"):
                raise UserError(
                    s.t("drill_not_cancellable", lang, id=drill_id, status=s.t(f"dstatus_{drill.status}", lang))
                )
            was_confirmed = drill.status == "confirmed"
            drill.status, drill.updated_at = "cancelled", utcnow()
            session.add(drill)
            cancel_timers(session, drill_id=drill_id)
            recipients = [p.user_id for p in participants(session, drill_id) if p.rsvp != "declined"]
            notice = s.t(
                "drill_cancelled_notice", "zh", id=drill_id, scenario=drill.scenario, when=self._local(drill.starts_at)
            )
        if was_confirmed:
            for uid in recipients:
                self.incidents._post(self.people.to(uid), notice)
        return Reply(text=s.t("drill_cancelled", lang, id=drill_id), data={"drill_id": drill_id})

    def cmd_rsvp(self, request: Request, args: list[str]) -> Reply:
        lang = request.lang
        drill_id = self._drill_id(args, lang)
        answer = (args[1] if len(args) > 1 else "").lower()
        if answer not in YES | NO:
            raise UserError(s.t("rsvp_usage", lang))
        return self.rsvp(request, drill_id, answer in YES)

    def rsvp(self, request: Request, drill_id: int, accept: bool) -> Reply:
        lang = request.lang
        with session_scope(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            if drill.status not in ("proposed", "confirmed"):
                raise UserError(s.t("rsvp_closed", lang, id=drill_id, status=s.t(f"dstatus_{drill.status}", lang)))
            row = self._participant(session, drill_id, request)
            if row is None:
                raise UserError(s.t("not_a_participant", lang, id=drill_id, user=self.people.who(request)))
            row.rsvp, row.responded_at = ("accepted" if accept else "declined"), utcnow()
            session.add(row)
            when = self._local(drill.starts_at)
        key = "rsvp_reply_accepted" if accept else "rsvp_reply_declined"
        return Reply(text=s.t(key, lang, id=drill_id, when=when), private=True, data={"rsvp": row.rsvp})

    def cmd_invite(self, request: Request, args: list[str]) -> Reply:
        lang = request.lang
        positional, opts = args_.parse(args, {"team"}, set(), lang)
        drill_id = self._drill_id(positional, lang)
        if len(positional) < 2:
            raise UserError(s.t("invite_usage", lang))
        self._require_manager(request)
        user = self.people.resolve(positional[1])
        if user is None:
            raise UserError(s.t("unknown_person", lang, user=positional[1]))
        team = opts.get("team") or self.people.team_of(user) or ""
        with session_scope(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            if drill.status not in ("proposed", "confirmed"):
                raise UserError(s.t("rsvp_closed", lang, id=drill_id, status=s.t(f"dstatus_{drill.status}", lang)))
            if any(p.user_id == user for p in participants(session, drill_id)):
                raise UserError(s.t("already_invited", lang, id=drill_id, user=user))
            session.add(DrillParticipant(drill_id=drill_id, user_id=user, team=team))
        return Reply(text=s.t("invited", lang, id=drill_id, user=user, team=team or "—"))

    def cmd_start(self, request: Request, args: list[str]) -> Reply:
        lang = request.lang
        drill_id = self._drill_id(args, lang)
        now = utcnow()
        with session_scope(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            if not (self.people.is_manager(request) or self.people.is_person(request, drill.lead_id)):
                raise UserError(s.t("lead_or_manager_only", lang))
            if drill.status != "confirmed":
                raise UserError(
                    s.t("drill_not_startable", lang, id=drill_id, status=s.t(f"dstatus_{drill.status}", lang))
                )
            incident, timers = self._begin(session, drill, now, self.people.who(request))
        self.incidents.announce(incident)
        self.timers.schedule(timers)
        text = s.t("drill_started", lang, id=drill_id, incident=incident.id) + "\n" + self._checklist_text(lang)
        return Reply(text=text, data={"drill_id": drill_id, "incident_id": incident.id})

    def on_action(self, request: Request) -> Reply:
        """Buttons: drill:rsvp (value "ID:accept|decline"), drill:confirm / drill:cancel / drill:move_form (ID),
        and the submitted move form drill:move:ID (the drill travels in the action; forms have no hidden fields)."""
        action = request.action or Action("")
        lang = request.lang
        name, _, form_drill = action.action.partition(":")[2].partition(":")
        if name == "rsvp":
            ident, _, answer = action.value.partition(":")
            return self.rsvp(request, args_.integer(ident, "id", lang), answer == "accept")
        if name == "confirm":
            return self.cmd_confirm(request, [action.value])
        if name == "cancel":
            return self.cancel(request, args_.integer(action.value, "id", lang))
        if name == "move_form":
            return Reply(text="", form=self._move_form(action.value, lang))
        if name == "move":
            values = action.values
            drill_id = args_.integer(form_drill or values.get("drill_id", ""), "id", lang)
            force = values.get("force", "").strip().lower() in YES
            return self.move(request, drill_id, values.get("date", ""), values.get("time", ""), force)
        raise UserError(s.t("unknown_button", lang))

    # -- timers --------------------------------------------------------------------------------------

    def _create_timers(self, session: Session, drill: Drill, now: datetime) -> list[CrisisTimer]:
        cfg = self.settings.drills
        period = drill.starts_at.isoformat()
        specs: list[tuple[str, str, datetime]] = []
        ladder = sorted(set(cfg.reminder_minutes), reverse=True)
        for minutes in ladder:
            due = drill.starts_at - timedelta(minutes=minutes)
            if due > now:
                specs.append(("drill_remind", ladder_label(minutes), due))
        if ladder and drill.starts_at - timedelta(minutes=ladder[0]) <= now:
            specs.insert(0, ("drill_remind", "invite", now))  # confirmed late: invite everyone now
        unconfirmed = drill.starts_at - timedelta(minutes=cfg.unconfirmed_at_minutes)
        if unconfirmed > now:
            specs.append(("drill_unconfirmed", ladder_label(cfg.unconfirmed_at_minutes), unconfirmed))
        specs.append(("drill_start", "start", drill.starts_at))
        timers = []
        for kind, label, due in specs:
            suffix = {"drill_remind": f"remind:{label}", "drill_unconfirmed": "unconfirmed"}.get(kind, label)
            timer = CrisisTimer(
                job=f"drill:{drill.id}:{suffix}", period=period, kind=kind, drill_id=drill.id, label=label, due_at=due
            )
            session.add(timer)
            timers.append(timer)
        session.flush()
        return timers

    def _build_remind(self, session: Session, timer: CrisisTimer, now: datetime) -> Plan:
        drill = session.get(Drill, timer.drill_id)
        if drill is None or drill.status != "confirmed":
            return Plan(skip_reason="drill not confirmed")
        deliveries = []
        for p in participants(session, drill.id or 0):
            if p.rsvp == "declined":
                continue
            text = s.t(
                "drill_reminder",
                "zh",
                when_label=s.t(f"ladder_{timer.label}", "zh") if timer.label in LADDER_KEYS else timer.label,
                id=drill.id,
                scenario=drill.scenario,
                when=self._local(drill.starts_at),
                lead=drill.lead_id or s.t("lead_unset", "zh"),
                team=p.team or "—",
                rsvp=s.t(f"rsvp_{p.rsvp}", "zh"),
            )
            reply = Reply(text=text, buttons=self._rsvp_buttons(drill.id or 0, "zh"))
            deliveries.append(Delivery(self.people.to(p.user_id), reply))
        return Plan(deliveries, skip_reason="" if deliveries else "no participants")

    def _build_unconfirmed(self, session: Session, timer: CrisisTimer, now: datetime) -> Plan:
        drill = session.get(Drill, timer.drill_id)
        if drill is None or drill.status != "confirmed":
            return Plan(skip_reason="drill not confirmed")
        rows = participants(session, drill.id or 0)
        pending = [p for p in rows if p.rsvp == "pending"]
        if not pending:
            return Plan(skip_reason="everyone answered")
        declined = [p for p in rows if p.rsvp == "declined"]
        text = s.t(
            "drill_unconfirmed",
            "zh",
            id=drill.id,
            scenario=drill.scenario,
            when=self._local(drill.starts_at),
            pending="\n".join(f"  - {p.team or '—'} · {p.user_id}" for p in pending),
            declined="、".join(p.user_id for p in declined) or "—",
            accepted=sum(p.rsvp == "accepted" for p in rows),
            total=len(rows),
        )
        recipients = [r for r in dict.fromkeys([drill.lead_id, *self.people.managers]) if r]
        return Plan([Delivery(self.people.to(uid), Reply(text=text)) for uid in recipients])

    def _build_start(self, session: Session, timer: CrisisTimer, now: datetime) -> Plan:
        drill = session.get(Drill, timer.drill_id)
        if drill is None or drill.status != "confirmed":
            return Plan(skip_reason="drill not confirmed")
        # Creating the incident must happen once even if two replicas fire this timer together.
        if not try_claim(self.engine, timer.job, f"{timer.period}>begin", self.timers.owner):
            return Plan(skip_reason="started by another process")
        incident, timers = self._begin(session, drill, now, "scheduler", keep=timer.id)

        def after() -> None:
            complete(self.engine, timer.job, f"{timer.period}>begin", f"incident {incident.id}")
            self.incidents.announce(incident)
            self.timers.schedule(timers)

        text = (
            s.t("drill_kickoff", "zh", id=drill.id, scenario=drill.scenario, brief=drill.brief, incident=incident.id)
            + "\n"
            + self._checklist_text()
        )
        deliveries = [
            Delivery(self.people.to(p.user_id), Reply(text=text))
            for p in participants(session, drill.id or 0)
            if p.rsvp != "declined"
        ]
        return Plan(deliveries, after=after)

    def _build_end(self, session: Session, timer: CrisisTimer, now: datetime) -> Plan:
        drill = session.get(Drill, timer.drill_id)
        if drill is None or drill.status != "running" or drill.incident_id is None:
            return Plan(skip_reason="drill not running")
        incident = session.get(Incident, drill.incident_id)
        if incident is None or incident.status != "open":
            return Plan(skip_reason="drill incident already closed")
        report = self.incidents.close(session, incident, now)
        text = crisis_report.render(report, "zh")
        deliveries = self.incidents._deliveries(incident, text, [drill.lead_id, *self.people.managers])
        return Plan(deliveries)

    def _begin(
        self, session: Session, drill: Drill, now: datetime, by: str, keep: int | None = None
    ) -> tuple[Incident, list[CrisisTimer]]:
        """Start the drill: its incident in drill mode, and an end timer after the planned duration.
        Reminders still pending are dropped (``keep``: the start timer that is firing)."""
        cancel_timers(session, drill_id=drill.id, keep=keep)
        incident, timers = self.incidents.open(
            session,
            level=drill.level,
            description=f"{drill.scenario}：{drill.brief}",
            created_by=by,
            channel=self.settings.incidents.channel,
            drill=drill,
            now=now,
        )
        drill.status, drill.incident_id, drill.updated_at = "running", incident.id, now
        session.add(drill)
        end = CrisisTimer(
            job=f"drill:{drill.id}:end",
            period=now.isoformat(),
            kind="drill_end",
            drill_id=drill.id,
            incident_id=incident.id,
            label="end",
            due_at=now + timedelta(minutes=drill.duration_minutes),
        )
        session.add(end)
        session.flush()
        return incident, [*timers, end]

    def _drill_closed(self, session: Session, incident: Incident, report: crisis_report.Report) -> None:
        if incident.drill_id is None:
            return
        drill = session.get(Drill, incident.drill_id)
        if drill is not None:
            drill.status, drill.updated_at = "done", utcnow()
            session.add(drill)

    # -- helpers -------------------------------------------------------------------------------------

    @staticmethod
    def default_year(today: date) -> int:
        """In the fourth quarter teams plan next year; otherwise the rest of this one."""
        return today.year + 1 if cal.quarter_of(today) == 4 else today.year

    def describe(self, session: Session, drill: Drill, lang: str) -> str:
        lines = [self._summary_line(session, drill, lang), s.t("drill_brief", lang, brief=drill.brief)]
        lines.append(s.t("drill_lead_line", lang, lead=drill.lead_id or s.t("lead_unset", lang), level=drill.level))
        by_team: dict[str, list[str]] = {}
        for p in participants(session, drill.id or 0):
            by_team.setdefault(p.team or "—", []).append(f"{p.user_id}（{s.t(f'rsvp_{p.rsvp}', lang)}）")
        for team, people in by_team.items():
            lines.append(f"  {team}: " + "、".join(people))
        if not by_team:
            lines.append(s.t("no_participants", lang))
        if drill.note:
            lines.append(s.t("drill_note", lang, note=drill.note))
        lines.append(self._checklist_text(lang))
        return "\n".join(lines)

    def _summary_line(self, session: Session, drill: Drill, lang: str) -> str:
        rows = participants(session, drill.id or 0)
        accepted = sum(p.rsvp == "accepted" for p in rows)
        return s.t(
            "drill_line",
            lang,
            id=drill.id,
            year=drill.year,
            quarter=drill.quarter,
            when=self._local(drill.starts_at, with_weekday=True, lang=lang),
            scenario=drill.scenario,
            status=s.t(f"dstatus_{drill.status}", lang),
            accepted=accepted,
            total=len(rows),
        )

    def _checklist_text(self, lang: str = "zh") -> str:
        lines = [s.t("checklist_title", lang)]
        for n, item in enumerate(self.settings.incidents.checklist, 1):
            lines.append(f"  {n}. {item.phase} · {item.step}")
        return "\n".join(lines)

    def _timers_text(self, timers: list[CrisisTimer]) -> str:
        return "、".join(f"{t.label} {self._local(t.due_at)}" for t in timers if t.kind == "drill_remind") or "—"

    def _manage_buttons(self, drill: Drill, lang: str) -> list[Button]:
        ident = str(drill.id)
        buttons = []
        if drill.status == "proposed":
            buttons.append(Button(s.t("btn_confirm", lang, id=ident), "drill:confirm", ident, "primary"))
        buttons.append(Button(s.t("btn_move", lang, id=ident), "drill:move_form", ident))
        buttons.append(Button(s.t("btn_cancel", lang, id=ident), "drill:cancel", ident, "danger"))
        return buttons

    def _rsvp_buttons(self, drill_id: int, lang: str) -> list[Button]:
        return [
            Button(s.t("btn_accept", lang), "drill:rsvp", f"{drill_id}:accept", "primary"),
            Button(s.t("btn_decline", lang), "drill:rsvp", f"{drill_id}:decline"),
        ]

    def _move_form(self, ident: str, lang: str) -> Form:
        return Form(
            action=f"drill:move:{ident}",
            title=s.t("move_form_title", lang, id=ident),
            fields=(
                FormField("date", s.t("form_date", lang), kind="date", placeholder="2027-05-13"),
                FormField("time", s.t("form_time", lang), required=False, placeholder="14:00"),
                FormField("force", s.t("form_force", lang), kind="select", options=("no", "yes"), required=False),
            ),
        )

    def _date_warnings(self, day: date, starts_at: datetime, now: datetime, lang: str) -> list[str]:
        warnings = []
        if starts_at <= now:
            warnings.append(s.t("warn_past", lang, when=self._local(starts_at)))
        check = cal.check_day(day)
        if check.holiday:
            warnings.append(s.t("warn_holiday", lang, day=day.isoformat(), holiday=check.holiday))
        elif check.weekend:
            warnings.append(s.t("warn_weekend", lang, day=day.isoformat()))
        return warnings

    def _next_scenario_index(self, session: Session) -> int:
        names = [sc.name for sc in self.settings.drills.scenarios]
        last = last_planned_drill(session)
        if last is None or last.scenario not in names:
            return 0
        return names.index(last.scenario) + 1

    def _drills_of_year(self, session: Session, year: int) -> list[Drill]:
        start = datetime(year, 1, 1, tzinfo=self.tz)
        end = datetime(year + 1, 1, 1, tzinfo=self.tz)
        return drills_between(session, start, end)

    def _participant(self, session: Session, drill_id: int, request: Request) -> DrillParticipant | None:
        ids = identities(request)
        return next((p for p in participants(session, drill_id) if p.user_id in ids), None)

    def _drill(self, session: Session, drill_id: int, lang: str) -> Drill:
        drill = session.get(Drill, drill_id)
        if drill is None:
            raise UserError(s.t("drill_not_found", lang, id=drill_id))
        return drill

    def _drill_id(self, args: list[str], lang: str) -> int:
        if not args:
            raise UserError(s.t("drill_id_required", lang))
        return args_.integer(args[0], "id", lang)

    def _require_manager(self, request: Request) -> None:
        if not self.people.is_manager(request):
            raise UserError(s.t("manager_only", request.lang, user=self.people.who(request)))

    def _default_time(self) -> time:
        hour, minute = self.settings.drills.time.split(":")
        return time(int(hour), int(minute))

    def _at(self, day: date, at_time: time) -> datetime:
        return datetime.combine(day, at_time, tzinfo=self.tz).astimezone(UTC)

    def _local(self, when: datetime, with_weekday: bool = False, lang: str = "zh") -> str:
        local = when.astimezone(self.tz)
        text = local.strftime("%Y-%m-%d %H:%M")
        if not with_weekday:
            return text
        return f"{text} ({local:%a})" if lang == "en" else f"{text}（{'一二三四五六日'[local.weekday()]}）"


LADDER_KEYS = {"invite", "14d", "3d", "1d", "1h"}


def _far_past() -> datetime:
    return datetime(2000, 1, 1, tzinfo=UTC)


def _far_future() -> datetime:
    return datetime(2200, 1, 1, tzinfo=UTC)


def _parse_date(text: str, lang: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(s.t("bad_date", lang, value=text)) from None


def _parse_time(text: str, lang: str) -> time:
    try:
        hour, minute = text.strip().split(":")
        return time(int(hour), int(minute))
    except ValueError:
        raise UserError(s.t("bad_time", lang, value=text)) from None


# -- wiring ------------------------------------------------------------------------------------------


def compliance_check(settings: Settings) -> ComplianceCheck | None:
    """The drafting capability's compliance rulebook, loaded on first use; None if it is not installed."""
    try:
        from writing import compliance
    except ImportError:
        return None
    rulebook: list[compliance.Rulebook] = []

    def check(text: str) -> list[str]:
        if not rulebook:
            rulebook.append(compliance.load_rulebook(settings.drafting.compliance_file))
        lines = []
        for flagged in rulebook[0].review(text):  # one line per sentence, every claim in it, one suggestion
            terms = "、".join(f"「{f.term}」" for f in flagged.findings)
            rules = "；".join(dict.fromkeys(f.rule for f in flagged.findings))
            fix = f" → {flagged.suggestion}" if flagged.suggestion else f"（{flagged.findings[0].advice}）"
            lines.append(f"“{flagged.sentence}”{terms}：{rules}{fix}")
        return lines

    return check
