"""Quarterly crisis drills (全链条应急演练): plan, confirm, move, cancel; reminders with RSVP buttons;
the incident clock in drill mode while the drill runs; the after-action report when it ends.

The service takes typed values (the commands module reads the arguments); the rules are in
``handlers.crisis.rules``, the text in ``handlers.crisis.drill_text``, every query in ``storage.drills``.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core import Button, Notifier, Reply, Request, UserError
from bot.settings import Settings
from handlers.crisis import drill_calendar as cal
from handlers.crisis import drill_text as text_
from handlers.crisis import report as crisis_report
from handlers.crisis import rules
from handlers.crisis import strings as s
from handlers.crisis.incidents import ComplianceCheck, IncidentService
from handlers.crisis.people import People, identities
from handlers.crisis.posting import post
from handlers.crisis.timers import Delivery, Plan, TimerService
from storage import drills as store
from storage.claims import complete, try_claim
from storage.db import DbEngine, DbSession, session_scope
from storage.drills import CrisisTimer, Drill, DrillParticipant, Incident
from storage.library import utcnow

log = logging.getLogger(__name__)

# Before 2000 and after 2200: the bounds of "every drill ever planned".
_FAR_PAST = datetime(2000, 1, 1, tzinfo=UTC)
_FAR_FUTURE = datetime(2200, 1, 1, tzinfo=UTC)


class DrillService:
    def __init__(
        self,
        engine: DbEngine,
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

    # -- what people ask for --------------------------------------------------------------------------

    def plan(self, request: Request, *, year: int | None, lang: str) -> Reply:
        """Propose one drill per quarter of ``year`` not yet covered (managers)."""
        self._require_manager(request, lang)
        today = utcnow().astimezone(self.tz).date()
        year = year if year is not None else rules.default_year(today)
        if not 2000 <= year <= 2100:
            raise UserError(s.t("bad_year", lang, value=year))
        cfg = self.settings.drills
        earliest = today + timedelta(days=cfg.min_notice_days)
        notes = []
        if not cal.holidays_known(year):
            notes.append(s.t("holidays_unknown", lang, year=year))
        created: list[Drill] = []
        with session_scope(self.engine) as session:
            existing = [d for d in self._drills_of_year(session, year) if d.status != "cancelled"]
            covered = {d.quarter for d in existing}
            last = store.last_planned_drill(session=session)
            names = [sc.name for sc in cfg.scenarios]
            scenario_index = rules.next_scenario_index(names, last.scenario if last is not None else None)
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
                created.append(store.add_drill(session=session, drill=drill, teams=self.people.drill_teams()))
            shown = sorted(existing + created, key=lambda d: d.starts_at)
            lines = [s.t("plan_title", lang, year=year, created=len(created))]
            buttons: list[Button] = []
            for drill in shown:
                lines.append(self._summary_line(session, drill, lang))
                if drill.status == "proposed":
                    buttons += text_.manage_buttons(drill, lang)
        if not self.people.everyone():
            notes.append(s.t("no_people", lang))
        lines += notes
        if any(d.status == "proposed" for d in shown):
            lines.append(s.t("plan_next", lang))
        return Reply(text="\n".join(lines), buttons=buttons, data={"drill_ids": [d.id for d in shown], "year": year})

    def list_drills(self, request: Request, *, year: int | None, everything: bool, lang: str) -> Reply:
        """``year``'s drills; otherwise the last quarter's and everything ahead (``everything``: all ever)."""
        with session_scope(self.engine) as session:
            if year is not None:
                drills = self._drills_of_year(session, year)
            else:
                start = _FAR_PAST if everything else utcnow() - timedelta(days=92)
                drills = store.drills_between(session=session, start=start, end=_FAR_FUTURE)
            if not everything:
                drills = [d for d in drills if d.status != "cancelled"]
            if not drills:
                return Reply(text=s.t("no_drills", lang), private=True)
            lines = [s.t("drill_list_title", lang)] + [self._summary_line(session, d, lang) for d in drills]
        return Reply(text="\n".join(lines), private=True, data={"drill_ids": [d.id for d in drills]})

    def show(self, request: Request, *, drill_id: int, lang: str) -> Reply:
        with session_scope(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            rows = store.participants(session=session, drill_id=drill_id)
            text = text_.describe(drill, rows, self.settings.incidents.checklist, self.tz, lang)
            buttons = text_.manage_buttons(drill, lang) if drill.status in rules.OPEN_STATES else []
            if drill.status == "confirmed" and _participant(rows, request) is not None:
                buttons = text_.rsvp_buttons(drill_id, lang) + buttons
        return Reply(text=text, buttons=buttons, private=True, data={"drill_id": drill_id})

    def confirm(self, request: Request, *, drill_id: int, lead: str | None, lang: str) -> Reply:
        """Confirm a proposed drill (optionally naming its lead) and schedule its reminders (managers)."""
        self._require_manager(request, lang)
        lead_id = None
        if lead is not None:
            lead_id = self.people.resolve(lead)
            if lead_id is None:
                raise UserError(s.t("unknown_person", lang, user=lead))
        now = utcnow()
        with session_scope(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            if drill.status != "proposed":
                raise UserError(s.t("drill_not_proposed", lang, id=drill_id, status=text_.status(drill, lang)))
            if drill.starts_at <= now:
                raise UserError(s.t("drill_in_past", lang, id=drill_id, when=self._local(drill.starts_at)))
            if lead_id is not None:
                drill.lead_id = lead_id
            drill.status, drill.confirmed_by = "confirmed", self.people.who(request)
            store.save_drill(session=session, drill=drill, now=now)
            timers = self._create_timers(session, drill, now)
            reply_text = s.t(
                "drill_confirmed", lang, id=drill_id, when=self._local(drill.starts_at), scenario=drill.scenario
            )
            reply_text += "\n" + s.t("reminders_scheduled", lang, at=text_.timers_text(timers, self.tz))
        self.timers.schedule(timers)
        return Reply(text=reply_text, data={"drill_id": drill_id, "timers": len(timers)})

    def move(self, request: Request, *, drill_id: int, day: date, at: time | None, force: bool, lang: str) -> Reply:
        """Move a drill to ``day`` (at ``at``, else its time of day); a poor day needs ``force`` (managers)."""
        self._require_manager(request, lang)
        now = utcnow()
        with session_scope(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            if drill.status not in rules.OPEN_STATES:
                raise UserError(s.t("drill_not_movable", lang, id=drill_id, status=text_.status(drill, lang)))
            starts_at = self._at(day, at if at is not None else drill.starts_at.astimezone(self.tz).time())
            warnings = text_.day_warnings(rules.day_problems(day, starts_at, now), day, starts_at, self.tz, lang)
            if warnings and not force:
                raise UserError("\n".join(warnings) + "\n" + s.t("use_force", lang))
            warnings_info = [] if cal.check_day(day).known else [s.t("holidays_unknown", lang, year=day.year)]
            old = drill.starts_at
            drill.starts_at, drill.year, drill.quarter = starts_at, day.year, cal.quarter_of(day)
            if force and warnings:
                drill.note = (drill.note + "\n" if drill.note else "") + "；".join(w.strip() for w in warnings)
            store.save_drill(session=session, drill=drill, now=now)
            store.reset_rsvps(session=session, drill_id=drill_id)
            timers: list[CrisisTimer] = []
            if drill.status == "confirmed":
                store.cancel_timers(session=session, drill_id=drill_id)
                if starts_at > now:
                    timers = self._create_timers(session, drill, now)
            reply_text = s.t("drill_moved", lang, id=drill_id, old=self._local(old), new=self._local(starts_at))
            if warnings or warnings_info:
                reply_text += "\n" + "\n".join(warnings + warnings_info)
            recipients = []
            if drill.status == "confirmed":
                recipients = [p.user_id for p in store.participants(session=session, drill_id=drill_id)]
            notice = s.t("drill_moved_notice", "zh", id=drill_id, scenario=drill.scenario, new=self._local(starts_at))
        self.timers.schedule(timers)
        for uid in recipients:
            post(self.notifiers, self.people.to(uid), notice)
        data = {"drill_id": drill_id, "starts_at": starts_at.isoformat(), "warnings": warnings}
        return Reply(text=reply_text, data=data)

    def cancel(self, request: Request, *, drill_id: int, lang: str) -> Reply:
        """Cancel a drill and its reminders; the participants of a confirmed one are told (managers)."""
        self._require_manager(request, lang)
        with session_scope(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            if drill.status not in rules.OPEN_STATES:
                raise UserError(s.t("drill_not_cancellable", lang, id=drill_id, status=text_.status(drill, lang)))
            was_confirmed = drill.status == "confirmed"
            drill.status = "cancelled"
            store.save_drill(session=session, drill=drill, now=utcnow())
            store.cancel_timers(session=session, drill_id=drill_id)
            rows = store.participants(session=session, drill_id=drill_id)
            recipients = [p.user_id for p in rows if p.rsvp != "declined"]
            when = self._local(drill.starts_at)
            notice = s.t("drill_cancelled_notice", "zh", id=drill_id, scenario=drill.scenario, when=when)
        if was_confirmed:
            for uid in recipients:
                post(self.notifiers, self.people.to(uid), notice)
        return Reply(text=s.t("drill_cancelled", lang, id=drill_id), data={"drill_id": drill_id})

    def rsvp(self, request: Request, *, drill_id: int, accept: bool, lang: str) -> Reply:
        """The sender's answer to a drill invitation."""
        with session_scope(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            if drill.status not in rules.OPEN_STATES:
                raise UserError(s.t("rsvp_closed", lang, id=drill_id, status=text_.status(drill, lang)))
            row = _participant(store.participants(session=session, drill_id=drill_id), request)
            if row is None:
                raise UserError(s.t("not_a_participant", lang, id=drill_id, user=self.people.who(request)))
            answer = "accepted" if accept else "declined"
            store.set_rsvp(session=session, participant=row, rsvp=answer, now=utcnow())
            when = self._local(drill.starts_at)
        key = "rsvp_reply_accepted" if accept else "rsvp_reply_declined"
        return Reply(text=s.t(key, lang, id=drill_id, when=when), private=True, data={"rsvp": answer})

    def invite(self, request: Request, *, drill_id: int, user: str, team: str | None, lang: str) -> Reply:
        """Invite a configured member (their team from settings unless given) to a drill (managers)."""
        self._require_manager(request, lang)
        user_id = self.people.resolve(user)
        if user_id is None:
            raise UserError(s.t("unknown_person", lang, user=user))
        team = team or self.people.team_of(user_id) or ""
        with session_scope(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            if drill.status not in rules.OPEN_STATES:
                raise UserError(s.t("rsvp_closed", lang, id=drill_id, status=text_.status(drill, lang)))
            if any(p.user_id == user_id for p in store.participants(session=session, drill_id=drill_id)):
                raise UserError(s.t("already_invited", lang, id=drill_id, user=user_id))
            store.add_participant(session=session, drill_id=drill_id, user_id=user_id, team=team)
        return Reply(text=s.t("invited", lang, id=drill_id, user=user_id, team=team or "—"))

    def start(self, request: Request, *, drill_id: int, lang: str) -> Reply:
        """Start a confirmed drill now (its lead or a manager)."""
        now = utcnow()
        with session_scope(self.engine) as session:
            drill = self._drill(session, drill_id, lang)
            if not (self.people.is_manager(request) or self.people.is_person(request, drill.lead_id)):
                raise UserError(s.t("lead_or_manager_only", lang))
            if drill.status != "confirmed":
                raise UserError(s.t("drill_not_startable", lang, id=drill_id, status=text_.status(drill, lang)))
            incident, timers = self._begin(session, drill, now, self.people.who(request))
        self.incidents.announce(incident)
        self.timers.schedule(timers)
        reply_text = s.t("drill_started", lang, id=drill_id, incident=incident.id)
        reply_text += "\n" + text_.checklist_text(self.settings.incidents.checklist, lang)
        return Reply(text=reply_text, data={"drill_id": drill_id, "incident_id": incident.id})

    # -- timers --------------------------------------------------------------------------------------

    def _create_timers(self, session: DbSession, drill: Drill, now: datetime) -> list[CrisisTimer]:
        assert drill.id is not None
        cfg = self.settings.drills
        period = drill.starts_at.isoformat()
        specs = rules.reminder_specs(drill.starts_at, now, cfg.reminder_minutes, cfg.unconfirmed_at_minutes)
        timers = [
            CrisisTimer(
                job=spec.job(drill.id),
                period=period,
                kind=spec.kind,
                drill_id=drill.id,
                label=spec.label,
                due_at=spec.due,
            )
            for spec in specs
        ]
        return store.add_timers(session=session, timers=timers)

    def _confirmed(self, session: DbSession, timer: CrisisTimer) -> Drill | None:
        drill = store.get_drill(session=session, drill_id=timer.drill_id) if timer.drill_id else None
        return drill if drill is not None and drill.status == "confirmed" else None

    def _build_remind(self, session: DbSession, timer: CrisisTimer, now: datetime) -> Plan:
        drill = self._confirmed(session, timer)
        if drill is None or drill.id is None:
            return Plan(skip_reason="drill not confirmed")
        deliveries = []
        for p in store.participants(session=session, drill_id=drill.id):
            if p.rsvp == "declined":
                continue
            reply = Reply(
                text=text_.reminder_text(drill, p, timer.label, self.tz), buttons=text_.rsvp_buttons(drill.id, "zh")
            )
            deliveries.append(Delivery(self.people.to(p.user_id), reply))
        return Plan(deliveries, skip_reason="" if deliveries else "no participants")

    def _build_unconfirmed(self, session: DbSession, timer: CrisisTimer, now: datetime) -> Plan:
        drill = self._confirmed(session, timer)
        if drill is None or drill.id is None:
            return Plan(skip_reason="drill not confirmed")
        rows = store.participants(session=session, drill_id=drill.id)
        if not any(p.rsvp == "pending" for p in rows):
            return Plan(skip_reason="everyone answered")
        reply = Reply(text=text_.unconfirmed_text(drill, rows, self.tz))
        recipients = [r for r in dict.fromkeys([drill.lead_id, *self.people.managers]) if r]
        return Plan([Delivery(self.people.to(uid), reply) for uid in recipients])

    def _build_start(self, session: DbSession, timer: CrisisTimer, now: datetime) -> Plan:
        drill = self._confirmed(session, timer)
        if drill is None or drill.id is None:
            return Plan(skip_reason="drill not confirmed")
        # Creating the incident must happen once even if two replicas fire this timer together.
        if not try_claim(engine=self.engine, job=timer.job, period=f"{timer.period}>begin", owner=self.timers.owner):
            return Plan(skip_reason="started by another process")
        incident, timers = self._begin(session, drill, now, "scheduler", keep=timer.id)

        def after() -> None:
            complete(
                engine=self.engine, job=timer.job, period=f"{timer.period}>begin", detail=f"incident {incident.id}"
            )
            self.incidents.announce(incident)
            self.timers.schedule(timers)

        reply = Reply(text=text_.kickoff_text(drill, incident.id, self.settings.incidents.checklist))
        deliveries = [
            Delivery(self.people.to(p.user_id), reply)
            for p in store.participants(session=session, drill_id=drill.id)
            if p.rsvp != "declined"
        ]
        return Plan(deliveries, after=after)

    def _build_end(self, session: DbSession, timer: CrisisTimer, now: datetime) -> Plan:
        drill = store.get_drill(session=session, drill_id=timer.drill_id) if timer.drill_id else None
        if drill is None or drill.status != "running" or drill.incident_id is None:
            return Plan(skip_reason="drill not running")
        incident = store.get_incident(session=session, incident_id=drill.incident_id)
        if incident is None or incident.status != "open":
            return Plan(skip_reason="drill incident already closed")
        report = self.incidents.close(session, incident, now)
        text = crisis_report.render(report, "zh")
        return Plan(self.incidents.deliveries(incident, text, [drill.lead_id, *self.people.managers]))

    def _begin(
        self, session: DbSession, drill: Drill, now: datetime, by: str, keep: int | None = None
    ) -> tuple[Incident, list[CrisisTimer]]:
        """Start the drill: its incident in drill mode, and an end timer after the planned duration.
        Reminders still pending are dropped (``keep``: the start timer that is firing)."""
        store.cancel_timers(session=session, drill_id=drill.id, keep=keep)
        incident, timers = self.incidents.open(
            session,
            level=drill.level,
            description=f"{drill.scenario}：{drill.brief}",
            created_by=by,
            channel=self.settings.incidents.channel,
            drill=drill,
            now=now,
        )
        drill.status, drill.incident_id = "running", incident.id
        store.save_drill(session=session, drill=drill, now=now)
        end = CrisisTimer(
            job=f"drill:{drill.id}:end",
            period=now.isoformat(),
            kind="drill_end",
            drill_id=drill.id,
            incident_id=incident.id,
            label="end",
            due_at=now + timedelta(minutes=drill.duration_minutes),
        )
        return incident, [*timers, *store.add_timers(session=session, timers=[end])]

    def _drill_closed(self, session: DbSession, incident: Incident, report: crisis_report.Report) -> None:
        if incident.drill_id is None:
            return
        drill = store.get_drill(session=session, drill_id=incident.drill_id)
        if drill is not None:
            drill.status = "done"
            store.save_drill(session=session, drill=drill, now=utcnow())

    # -- helpers -------------------------------------------------------------------------------------

    def _summary_line(self, session: DbSession, drill: Drill, lang: str) -> str:
        rows = store.participants(session=session, drill_id=drill.id or 0)
        return text_.summary_line(drill, rows, self.tz, lang)

    def _drills_of_year(self, session: DbSession, year: int) -> list[Drill]:
        start = datetime(year, 1, 1, tzinfo=self.tz)
        end = datetime(year + 1, 1, 1, tzinfo=self.tz)
        return store.drills_between(session=session, start=start, end=end)

    def _drill(self, session: DbSession, drill_id: int, lang: str) -> Drill:
        drill = store.get_drill(session=session, drill_id=drill_id)
        if drill is None:
            raise UserError(s.t("drill_not_found", lang, id=drill_id))
        return drill

    def _require_manager(self, request: Request, lang: str) -> None:
        if not self.people.is_manager(request):
            raise UserError(s.t("manager_only", lang, user=self.people.who(request)))

    def _default_time(self) -> time:
        hour, minute = self.settings.drills.time.split(":")
        return time(int(hour), int(minute))

    def _at(self, day: date, at_time: time) -> datetime:
        return datetime.combine(day, at_time, tzinfo=self.tz).astimezone(UTC)

    def _local(self, when: datetime) -> str:
        return text_.local(when, self.tz)


def _participant(rows: list[DrillParticipant], request: Request) -> DrillParticipant | None:
    ids = identities(request)
    return next((p for p in rows if p.user_id in ids), None)


# -- wiring ------------------------------------------------------------------------------------------


def compliance_check(settings: Settings) -> ComplianceCheck | None:
    """The drafting capability's compliance rulebook, loaded on first use; None if it is not installed."""
    try:
        from knowledge.writing import compliance
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
