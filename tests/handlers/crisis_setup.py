"""A small crisis team on a real SQLite database, a recording notifier, and helpers to talk to the router."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.core import Action, Notifier, Reply, Request
from bot.router import Router
from bot.settings import DrillSettings, IncidentSettings, RoleSettings, Settings, SeverityLevel
from handlers.crisis.drills import DrillService
from handlers.crisis.timers import TimerService
from handlers.crisis.wiring import register
from storage.db import make_engine, migrate
from storage.drills import CrisisTimer
from tests.conftest import make_settings
from tests.fakes.recording_notifier import RecordingNotifier

SH = ZoneInfo("Asia/Shanghai")
MANAGER = "slack:U_BOSS"
TEAMS = {
    "法务": ["slack:U_LEGAL"],
    "产品": ["slack:U_PROD"],
    "客服": ["feishu:ou_cs"],
    "公关": ["slack:U_PR"],
}
LEADS = {1: "slack:U_DIR", 2: "slack:U_MGR2", 3: "slack:U_L3", 4: "slack:U_L4", 5: "slack:U_MEDIA"}
ROLES = {1: "公关总监", 2: "公关经理", 3: "公关主管", 4: "高级公关专员", 5: "媒体专员"}


def crisis_settings(data_dir: Path, **drills: object) -> Settings:
    severity = [
        SeverityLevel(level=n, owner_role=ROLES[n], lead_id=LEADS[n], media=[30, 15, 8, 3, 1][n - 1], kols=6 - n)
        for n in range(1, 6)
    ]
    incidents = IncidentSettings(channel="slack:C_PR", teams=TEAMS, severity=severity)
    return make_settings(
        data_dir,
        roles=RoleSettings(managers=[MANAGER]),
        incidents=incidents,
        drills=DrillSettings(day=15, **drills),
    )


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


@dataclass
class Crisis:
    settings: Settings
    engine: Engine
    router: Router
    notifier: RecordingNotifier
    drills: DrillService
    providers: list = field(default_factory=list)

    @property
    def timers(self) -> TimerService:
        return self.drills.timers

    def say(self, text: str, user: str = MANAGER) -> Reply:
        platform, _, uid = user.partition(":")
        if platform == "cli":
            return self.router.handle(Request(text=text, user_id=user, platform="console"))
        return self.router.handle(Request(text=text, user_id=uid, platform=platform, channel_id="D_" + uid))

    def click(self, action: str, value: str, user: str) -> Reply:
        platform, _, uid = user.partition(":")
        request = Request(text="参加", user_id=uid, platform=platform, action=Action(action, value))
        return self.router.handle(request)

    def timer_rows(self) -> list[CrisisTimer]:
        with Session(self.engine) as session:
            return list(session.exec(select(CrisisTimer).order_by(col(CrisisTimer.id))))


def build(settings: Settings, notifier: RecordingNotifier | None = None) -> Crisis:
    """One replica: its own engine, router and timer service on the shared database."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    notifier = notifier or RecordingNotifier()
    notifiers: dict[str, Notifier] = {"slack": notifier, "feishu": notifier, "console": notifier}
    router = Router()
    providers: list = []
    drills = register(router, engine, settings, notifiers, providers)
    return Crisis(settings, engine, router, notifier, drills, providers)
