"""Incident response: the three-checkpoint clock (30 min first response, 2 h deep analysis, 4 h official
statement), the severity table that names the lead, and the after-action report.

The same clock runs drills in drill mode (every message labelled 演练). Reminders and escalations are
timers in the database (handlers.crisis.timers), so they survive restarts and fire once across replicas.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core import Destination, Notifier, NotifyError, Reply, Request, UserError
from bot.settings import Settings
from handlers.crisis import report as crisis_report
from handlers.crisis import strings as s
from handlers.crisis.incident_text import IncidentRecord, IncidentText
from handlers.crisis.people import PLATFORMS, People, channel_destination
from handlers.crisis.posting import post
from handlers.crisis.timers import Delivery, Plan, TimerService
from storage import drills as store
from storage.db import DbEngine, DbSession, session_scope
from storage.drills import CrisisTimer, Drill, Incident, IncidentCheckpoint
from storage.library import utcnow

log = logging.getLogger(__name__)

# Checks statement text; returns warnings to show (empty when clean). None: no check available.
ComplianceCheck = Callable[[str], list[str]]


class IncidentService:
    def __init__(
        self,
        engine: DbEngine,
        settings: Settings,
        notifiers: dict[str, Notifier],
        timers: TimerService,
        compliance: ComplianceCheck | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.notifiers = notifiers
        self.timers = timers
        self.compliance = compliance
        self.people = People(settings)
        self.cp_settings = {c.key: c for c in settings.incidents.checkpoints}
        self.text = IncidentText(settings, self.people)
        # Called with (session, incident, report) when a drill-mode incident closes.
        self.on_drill_closed: Callable[[DbSession, Incident, crisis_report.Report], None] | None = None
        timers.on("cp_remind", self._build_remind)
        timers.on("cp_escalate", self._build_escalate)

    # -- what people ask for --------------------------------------------------------------------------

    def start(self, request: Request, *, level: int, description: str, channel: str | None, lang: str) -> Reply:
        """Start an incident: the lead from the severity table, the thread (in ``channel`` or the
        configured one), the clock."""
        _check_level(level, lang)
        description = description.strip()
        if not description:
            raise UserError(s.t("description_required", lang))
        self._require_known(request, lang)
        thread_channel = self.checked_channel(channel, lang) if channel else self.settings.incidents.channel
        with session_scope(self.engine) as session:
            incident, timers = self.open(
                session,
                level=level,
                description=description,
                created_by=self.people.who(request),
                channel=thread_channel,
            )
        notice = self.announce(incident)
        self.timers.schedule(timers)
        return self.text.started(incident, notice, lang)

    def checked_channel(self, channel: str, lang: str) -> str:
        """``platform:channel`` on a platform this bot can post to; anything else is refused with the format."""
        platforms = sorted(set(self.notifiers) | {"console"} | self._configured_platforms())
        prefix, sep, rest = channel.strip().partition(":")
        if not sep or not rest.strip():
            reason = "缺少平台前缀 / no platform prefix"
        elif PLATFORMS.get(prefix.lower()) not in platforms:
            reason = f"平台 {prefix} 未配置 / platform {prefix!r} is not configured"
        else:
            return f"{prefix.lower()}:{rest.strip()}"
        listed = ", ".join(platforms)
        raise UserError(s.t("bad_incident_channel", lang, channel=channel, reason=reason, platforms=listed))

    def _configured_platforms(self) -> set[str]:
        configured = {"slack"} if self.settings.slack.configured else set()
        return configured | ({"feishu"} if self.settings.feishu.configured else set())

    def mark_done(self, request: Request, *, checkpoint: str, text: str, incident_id: int | None, lang: str) -> Reply:
        """Mark a checkpoint done; ``text`` (a statement) is kept and checked for compliance."""
        keys = list(self.cp_settings)
        key = checkpoint.strip().lower()
        if key not in keys:
            raise UserError(s.t("bad_checkpoint", lang, value=checkpoint, keys="|".join(keys)))
        text = text.strip()
        self._require_known(request, lang)
        now = utcnow()
        who = self.people.who(request)
        with session_scope(self.engine) as session:
            incident = self._incident(session, incident_id, lang, must_be_open=True)
            assert incident.id is not None
            cp = next(c for c in store.checkpoints(session=session, incident_id=incident.id) if c.key == key)
            if cp.done_at is not None:
                raise UserError(
                    s.t("checkpoint_already_done", lang, name=self.text.name(key, lang), at=self.text.local(cp.done_at))
                )
            store.mark_checkpoint_done(session=session, checkpoint=cp, by=who, now=now)
            warnings: list[str] = []
            if text:
                warnings = self._check(text)
                store.add_statement(
                    session=session,
                    incident_id=incident.id,
                    checkpoint=key,
                    text=text,
                    compliance="\n".join(warnings),
                    by=who,
                )
            minutes = (now - incident.started_at).total_seconds() / 60
        on_time = minutes <= cp.target_minutes
        line = s.t(
            "checkpoint_done_on_time" if on_time else "checkpoint_done_late",
            lang,
            label=self.text.label(incident, lang),
            id=incident.id,
            name=self.text.name(key, lang),
            minutes=f"{minutes:.0f}",
            target=f"{cp.target_minutes:.0f}",
        )
        parts = [line]
        if text:
            parts.append(s.t("statement_saved", lang))
            if self.compliance is None:
                parts.append(s.t("compliance_unavailable", lang))
            elif warnings:
                parts.append(s.t("compliance_findings", lang) + "\n" + "\n".join(f"  - {w}" for w in warnings))
            else:
                parts.append(s.t("compliance_clean", lang))
        self._post_thread(incident, line, request)
        return Reply(text="\n".join(parts), data={"incident_id": incident.id, "on_time": on_time, "minutes": minutes})

    def checklist(self, request: Request, *, incident_id: int | None, lang: str) -> Reply:
        """The checklist, with the steps of the incident (the only open one by default) logged."""
        logged: set[int] = set()
        with session_scope(self.engine) as session:
            if incident_id is not None or len(store.open_incidents(session=session)) == 1:
                incident = self._incident(session, incident_id, lang)
                logged = {st.step_no for st in store.steps(session=session, incident_id=incident.id or 0)}
        lines = [s.t("checklist_title", lang)]
        for n, item in enumerate(self.settings.incidents.checklist, 1):
            mark = "✅" if n in logged else "⬜"
            lines.append(f"{mark} {n}. {item.phase} · {item.step}")
        return Reply(text="\n".join(lines), private=True)

    def log_step(self, request: Request, *, step: int, note: str, incident_id: int | None, lang: str) -> Reply:
        """Log checklist step ``step`` (1-based) as done, with a note."""
        checklist = self.settings.incidents.checklist
        if not 1 <= step <= len(checklist):
            raise UserError(s.t("bad_step", lang, value=step, max=len(checklist)))
        self._require_known(request, lang)
        item = checklist[step - 1]
        with session_scope(self.engine) as session:
            incident = self._incident(session, incident_id, lang, must_be_open=True)
            assert incident.id is not None
            logged = {st.step_no for st in store.steps(session=session, incident_id=incident.id)}
            store.add_step(
                session=session,
                incident_id=incident.id,
                step_no=step,
                phase=item.phase,
                step=item.step,
                note=note.strip(),
                by=self.people.who(request),
            )
        text = s.t(
            "step_logged_again" if step in logged else "step_logged",
            lang,
            label=self.text.label(incident, lang),
            id=incident.id,
            no=step,
            phase=item.phase,
            step=item.step,
            done=len(logged | {step}),
            total=len(checklist),
        )
        self._post_thread(incident, text, request)
        return Reply(text=text)

    def change_level(self, request: Request, *, level: int, incident_id: int | None, lang: str) -> Reply:
        """Change the incident's level; the lead follows the severity table (its lead or a manager)."""
        _check_level(level, lang)
        with session_scope(self.engine) as session:
            incident = self._incident(session, incident_id, lang, must_be_open=True)
            assert incident.id is not None
            self._require_lead_or_manager(request, incident, lang)
            if incident.level == level:
                raise UserError(s.t("level_unchanged", lang, id=incident.id, level=level))
            row = self.people.severity(level)
            old = store.change_level(
                session=session, incident=incident, level=level, lead_id=row.lead_id, by=self.people.who(request)
            )
        text = s.t(
            "level_changed",
            lang,
            label=self.text.label(incident, lang),
            id=incident.id,
            old=old,
            new=level,
            role=row.owner_role,
            lead=row.lead_id or s.t("lead_unset", lang),
            media=row.media,
            kols=row.kols,
            resources=row.resources or "—",
        )
        self._post_thread(incident, text, request)
        if row.lead_id:
            post(self.notifiers, self.people.to(row.lead_id), text)
        return Reply(text=text, data={"incident_id": incident.id, "level": level, "lead_id": row.lead_id})

    def finish(self, request: Request, *, incident_id: int | None, lang: str) -> Reply:
        """Close the incident and give the after-action report (its lead or a manager)."""
        with session_scope(self.engine) as session:
            incident = self._incident(session, incident_id, lang, must_be_open=True)
            self._require_lead_or_manager(request, incident, lang)
            report = self.close(session, incident, utcnow())
        text = crisis_report.render(report, lang)
        self._post_thread(incident, crisis_report.render(report, "zh"), request)
        return Reply(text=text, data={"report": crisis_report.as_data(report)})

    def list_incidents(self, request: Request, *, lang: str) -> Reply:
        with session_scope(self.engine) as session:
            rows = store.recent_incidents(session=session, limit=20)
        if not rows:
            return Reply(text=s.t("no_incidents", lang), private=True)
        lines = [s.t("incident_list_title", lang)]
        for inc in rows:
            status = s.t(f"status_{inc.status}", lang)
            lines.append(
                f"#{inc.id} {self.text.label(inc, lang)}L{inc.level} {status} · {self.text.local(inc.started_at)} · "
                f"{inc.description[:40]}" + (f" · {inc.score:.1f}" if inc.score is not None else "")
            )
        return Reply(text="\n".join(lines), private=True)

    def show(self, request: Request, *, incident_id: int | None, lang: str) -> Reply:
        with session_scope(self.engine) as session:
            incident = self._incident(session, incident_id, lang)
            return Reply(text=self.describe(session, incident, lang), private=True, data={"incident_id": incident.id})

    # -- the clock -----------------------------------------------------------------------------------

    def open(
        self,
        session: DbSession,
        *,
        level: int,
        description: str,
        created_by: str,
        channel: str,
        drill: Drill | None = None,
        now: datetime | None = None,
    ) -> tuple[Incident, list[CrisisTimer]]:
        """Create the incident, its checkpoints and its timers in ``session`` (one transaction)."""
        now = now or utcnow()
        row = self.people.severity(level)
        incident = Incident(
            description=description,
            level=level,
            lead_id=(drill.lead_id if drill is not None and drill.lead_id else row.lead_id),
            is_drill=drill is not None,
            drill_id=drill.id if drill is not None else None,
            channel=channel,
            started_at=now,
            created_by=created_by,
        )
        configured = self.settings.incidents.checkpoints
        rows = [
            IncidentCheckpoint(
                incident_id=0,  # set once the incident has its id
                key=cp.key,
                position=position,
                target_minutes=cp.target_minutes,
                due_at=now + timedelta(minutes=cp.target_minutes),
            )
            for position, cp in enumerate(configured)
        ]
        store.add_incident(session=session, incident=incident, checkpoints=rows)
        assert incident.id is not None
        incident.thread_name = f"{'drill' if drill is not None else 'incident'}-{incident.id}"
        period = now.isoformat()
        timers = []
        for cp, cp_row in zip(configured, rows, strict=True):
            due = cp_row.due_at
            for kind, at, suffix in (
                ("cp_remind", now + timedelta(minutes=cp.remind_at_minutes), "remind"),
                ("cp_escalate", due, "escalate"),
            ):
                timer = CrisisTimer(
                    job=f"incident:{incident.id}:{cp.key}:{suffix}",
                    period=period,
                    kind=kind,
                    incident_id=incident.id,
                    drill_id=incident.drill_id,
                    checkpoint=cp.key,
                    due_at=at,
                )
                timers.append(timer)
        return incident, store.add_timers(session=session, timers=timers)

    def announce(self, incident: Incident) -> str:
        """Open the incident's thread with a first post; returns a notice for the reply if that failed."""
        text = self.text.opening(incident)
        dest = channel_destination(incident.channel)
        notifier = self.notifiers.get(dest.platform)
        if notifier is None:
            return s.t("thread_not_opened", "zh", channel=incident.channel, reason=f"no notifier for {dest.platform}")
        try:
            message_id = notifier.post(dest, Reply(text=text))
        except NotifyError as exc:
            log.warning("incident %s: opening post failed: %s", incident.id, exc)
            return s.t("thread_not_opened", "zh", channel=incident.channel, reason=str(exc))
        if incident.id is not None:
            store.set_thread(engine=self.engine, incident_id=incident.id, thread_id=message_id)
        incident.thread_id = message_id
        return ""

    def close(self, session: DbSession, incident: Incident, now: datetime) -> crisis_report.Report:
        """Close the incident in ``session``: its report and score, its timers cancelled."""
        report = crisis_report.build_report(session, incident, self.settings, now)
        incident.status, incident.closed_at, incident.score = "closed", now, report.score
        store.save_incident(session=session, incident=incident)
        store.cancel_timers(session=session, incident_id=incident.id)
        if incident.is_drill and self.on_drill_closed is not None:
            self.on_drill_closed(session, incident, report)
        return report

    def _build_remind(self, session: DbSession, timer: CrisisTimer, now: datetime) -> Plan:
        incident, cp = self._timer_targets(session, timer)
        if incident is None or incident.status != "open":
            return Plan(skip_reason="incident closed")
        if cp is None or cp.done_at is not None:
            return Plan(skip_reason="checkpoint done")
        left = max(0.0, (cp.due_at - now).total_seconds() / 60)
        text = s.t(
            "cp_reminder",
            "zh",
            label=self.text.label(incident, "zh"),
            id=incident.id,
            name=self.text.name(cp.key, "zh"),
            left=f"{left:.0f}",
            due=self.text.local(cp.due_at),
            lead=incident.lead_id or s.t("lead_unset", "zh"),
            cpkey=cp.key,
        )
        return Plan(self.deliveries(incident, text, [incident.lead_id]))

    def _build_escalate(self, session: DbSession, timer: CrisisTimer, now: datetime) -> Plan:
        incident, cp = self._timer_targets(session, timer)
        if incident is None or incident.status != "open":
            return Plan(skip_reason="incident closed")
        if cp is None or (cp.done_at is not None and cp.done_at <= cp.due_at):
            return Plan(skip_reason="checkpoint done in time")
        text = s.t(
            "cp_escalation",
            "zh",
            label=self.text.label(incident, "zh"),
            id=incident.id,
            name=self.text.name(cp.key, "zh"),
            target=f"{cp.target_minutes:.0f}",
            due=self.text.local(cp.due_at),
            lead=incident.lead_id or s.t("lead_unset", "zh"),
            level=incident.level,
            cpkey=cp.key,
        )
        return Plan(self.deliveries(incident, text, [incident.lead_id, *self.people.managers]))

    def _timer_targets(
        self, session: DbSession, timer: CrisisTimer
    ) -> tuple[Incident | None, IncidentCheckpoint | None]:
        incident = store.get_incident(session=session, incident_id=timer.incident_id) if timer.incident_id else None
        if incident is None or incident.id is None:
            return None, None
        rows = store.checkpoints(session=session, incident_id=incident.id)
        cp = next((c for c in rows if c.key == timer.checkpoint), None)
        return incident, cp

    def deliveries(self, incident: Incident, text: str, people: list[str]) -> list[Delivery]:
        reply = Reply(text=text)
        dests: list[Destination] = [channel_destination(incident.channel, incident.thread_id)]
        dests += [self.people.to(uid) for uid in dict.fromkeys(p for p in people if p)]
        unique = list(dict.fromkeys(dests))
        return [Delivery(dest, reply) for dest in unique]

    # -- helpers -------------------------------------------------------------------------------------

    def describe(self, session: DbSession, incident: Incident, lang: str) -> str:
        assert incident.id is not None
        record = IncidentRecord(
            checkpoints=list(store.checkpoints(session=session, incident_id=incident.id)),
            steps=list(store.steps(session=session, incident_id=incident.id)),
            level_changes=list(store.level_changes(session=session, incident_id=incident.id)),
            statements=list(store.statements(session=session, incident_id=incident.id)),
        )
        return self.text.card(incident, record, lang)

    def _incident(self, session: DbSession, incident_id: int | None, lang: str, must_be_open: bool = False) -> Incident:
        """The incident asked for, or the only open one."""
        if incident_id is not None:
            found = store.get_incident(session=session, incident_id=incident_id)
            if found is None:
                raise UserError(s.t("incident_not_found", lang, id=incident_id))
            incident = found
        else:
            rows = store.open_incidents(session=session)
            if not rows:
                raise UserError(s.t("no_open_incident", lang))
            if len(rows) > 1:
                ids = ", ".join(f"#{r.id}" for r in rows)
                raise UserError(s.t("which_incident", lang, ids=ids))
            incident = rows[0]
        if must_be_open and incident.status != "open":
            raise UserError(s.t("incident_closed", lang, id=incident.id))
        return incident

    def _require_known(self, request: Request, lang: str) -> None:
        if not self.people.is_known(request):
            raise UserError(s.t("unknown_participant", lang, user=self.people.who(request)))

    def _require_lead_or_manager(self, request: Request, incident: Incident, lang: str) -> None:
        if self.people.is_manager(request) or self.people.is_person(request, incident.lead_id):
            return
        if not incident.lead_id and not self.people.managers:
            return  # nobody configured: a fresh install must still be able to close its incidents
        raise UserError(s.t("lead_or_manager_only", lang))

    def _check(self, text: str) -> list[str]:
        if self.compliance is None:
            return []
        try:
            return self.compliance(text)
        except Exception:
            log.exception("compliance check failed")
            return []

    def _post_thread(self, incident: Incident, text: str, request: Request | None = None) -> None:
        dest = channel_destination(incident.channel, incident.thread_id)
        if request is not None and request.channel_id == dest.channel_id and request.platform == dest.platform:
            return  # said in the thread already
        post(self.notifiers, dest, text)


def _check_level(level: int, lang: str) -> None:
    if not 1 <= level <= 5:
        raise UserError(s.t("bad_level", lang, value=level))
