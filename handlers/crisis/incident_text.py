"""How an incident reads: its card (`incident show`), the reply when it starts, its opening post in
the thread, and the labels and local times they share. Pure text from the rows the service fetched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core import Reply
from bot.settings import Settings
from handlers.crisis import strings as s
from handlers.crisis.people import People
from storage.drills import Incident, IncidentCheckpoint, IncidentLevelChange, IncidentStatement, IncidentStep
from storage.library import utcnow


@dataclass
class IncidentRecord:
    """What the card shows beside the incident itself."""

    checkpoints: list[IncidentCheckpoint]
    steps: list[IncidentStep]
    level_changes: list[IncidentLevelChange]
    statements: list[IncidentStatement]


class IncidentText:
    def __init__(self, settings: Settings, people: People) -> None:
        self.settings = settings
        self.people = people
        self.tz = ZoneInfo(settings.timezone)
        self.cp_settings = {c.key: c for c in settings.incidents.checkpoints}

    def card(self, incident: Incident, record: IncidentRecord, lang: str) -> str:
        """The incident as `incident show` shows it: checkpoints with time left, steps, level changes, statements."""
        assert incident.id is not None
        lines = [
            s.t(
                "incident_header",
                lang,
                label=self.label(incident, lang),
                id=incident.id,
                description=incident.description,
                status=s.t(f"status_{incident.status}", lang),
            ),
            *self.lead_and_thread(incident, lang),
        ]
        for cp in record.checkpoints:
            name = self.name(cp.key, lang)
            if cp.done_at is not None:
                minutes = (cp.done_at - incident.started_at).total_seconds() / 60
                mark = "✅" if cp.done_at <= cp.due_at else "⚠️"
                lines.append(f"{mark} {name} ({cp.key}) · {minutes:.0f}/{cp.target_minutes:.0f} min · {cp.done_by}")
            else:
                due = s.t("due_at", lang, due=self.local(cp.due_at))
                lines.append(f"⬜ {name} ({cp.key}) · {due} · {self.time_left(cp.due_at, incident, lang)}")
        logged = record.steps
        lines.append(s.t("steps_logged", lang, done=len({st.step_no for st in logged}), total=self.steps_total()))
        for lc in record.level_changes:
            lines.append(f"↕ L{lc.from_level} → L{lc.to_level} · {self.local(lc.changed_at)} · {lc.changed_by}")
        for st in record.statements:
            lines.append(f"📝 {st.checkpoint}: {st.text[:80]}")
        return "\n".join(lines)

    @staticmethod
    def time_left(due_at: datetime, incident: Incident, lang: str) -> str:
        """「还剩 25 分钟」 / 「已超时 10 分钟」 for an open incident; nothing once it is closed."""
        if incident.status != "open":
            return s.t("not_done", lang)
        minutes = round((_aware(due_at) - utcnow()).total_seconds() / 60)
        return s.t("time_left", lang, minutes=minutes) if minutes >= 0 else s.t("overdue_by", lang, minutes=-minutes)

    def lead_and_thread(self, incident: Incident, lang: str) -> list[str]:
        """Who leads at this level with what resources, and where the incident is handled."""
        row = self.people.severity(incident.level)
        return [
            s.t(
                "incident_lead",
                lang,
                level=incident.level,
                role=row.owner_role,
                lead=incident.lead_id or s.t("lead_unset", lang),
                media=row.media,
                kols=row.kols,
                resources=row.resources or "—",
            ),
            s.t(
                "incident_thread",
                lang,
                channel=incident.channel,
                thread=incident.thread_id or incident.thread_name,
                started=self.local(incident.started_at),
            ),
        ]

    def steps_total(self) -> int:
        return len(self.settings.incidents.checklist)

    def started(self, incident: Incident, notice: str, lang: str) -> Reply:
        lines = [
            s.t("incident_started", lang, label=self.label(incident, lang), id=incident.id, level=incident.level),
            *self.lead_and_thread(incident, lang),
        ]
        for cp in self.settings.incidents.checkpoints:
            due = incident.started_at + timedelta(minutes=cp.target_minutes)
            lines.append(f"⏱ {self.name(cp.key, lang)} ({cp.key}) · {s.t('due_at', lang, due=self.local(due))}")
        if notice:
            lines.append(notice)
        lines.append(s.t("incident_next", lang))
        return Reply(
            text="\n".join(lines),
            data={"incident_id": incident.id, "lead_id": incident.lead_id, "thread_id": incident.thread_id},
        )

    def opening(self, incident: Incident) -> str:
        row = self.people.severity(incident.level)
        deadlines = "；".join(
            f"{c.name_zh} {self.local(incident.started_at + timedelta(minutes=c.target_minutes))}"
            for c in self.settings.incidents.checkpoints
        )
        return s.t(
            "incident_opening",
            "zh",
            label=self.label(incident, "zh"),
            id=incident.id,
            level=incident.level,
            description=incident.description,
            role=row.owner_role,
            lead=incident.lead_id or s.t("lead_unset", "zh"),
            deadlines=deadlines,
        )

    def label(self, incident: Incident, lang: str) -> str:
        return s.t("drill_label", lang) if incident.is_drill else ""

    def name(self, key: str, lang: str) -> str:
        cp = self.cp_settings.get(key)
        if cp is None:
            return key
        return cp.name_zh if lang == "zh" else cp.name_en

    def local(self, when: datetime) -> str:
        return when.astimezone(self.tz).strftime("%m-%d %H:%M")


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive UTC datetimes back; PostgreSQL aware ones."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
