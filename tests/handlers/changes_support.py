"""Shared pieces of the change-request and digest tests: a migrated SQLite file per test (copied
from one migrated template, so migrations run once), settings, a fixed clock, a recording notifier."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from bot.core import Destination, NotifyError, Reply
from bot.settings import DigestSettings, Settings
from handlers.changes.rules import ChangeRule
from storage.db import make_engine, migrate

SH = ZoneInfo("Asia/Shanghai")
RULE = ChangeRule()  # the defaults: 15 days' notice, the digest on Wednesday
MANAGER = "slack:UBOSS"
REQUESTER = "slack:UAMY"


def migrated_template(directory: Path) -> Path:
    path = directory / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


def fresh_engine(template: Path, directory: Path, name: str = "prbot.db") -> tuple[Engine, str]:
    path = directory / name
    shutil.copy(template, path)
    url = f"sqlite:///{path}"
    return make_engine(url), url


def change_settings(data_dir: Path, url: str, **digest: object) -> Settings:
    settings = Settings(_env_file=None, data_dir=data_dir, database_url=url)  # type: ignore[call-arg]
    settings.roles.managers = [MANAGER]
    values = {"channels": ["slack:CMGR"], "retry_wait_s": 0.0, **digest}
    settings.digest = DigestSettings(**values)  # type: ignore[arg-type]
    return settings


class Clock:
    """A clock tests set by hand (Asia/Shanghai wall time unless an aware datetime is given)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


@dataclass
class Recorder:
    """A Notifier that records posts; ``failures[channel]`` posts to that channel fail first."""

    posts: list[tuple[Destination, Reply]] = field(default_factory=list)
    attempts: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    always_fail: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, destination: Destination, reply: Reply, key: str | None = None) -> str:
        with self._lock:
            self.attempts += 1
            if destination.channel_id in self.always_fail:
                raise NotifyError(f"{destination.channel_id}: service unavailable", retryable=True)
            if self.failures.get(destination.channel_id, 0) > 0:
                self.failures[destination.channel_id] -= 1
                raise NotifyError(f"{destination.channel_id}: service unavailable", retryable=True)
            self.posts.append((destination, reply))
            return f"m{len(self.posts)}"

    def to(self, channel: str) -> list[Reply]:
        return [reply for destination, reply in self.posts if destination.channel_id == channel]


# ---- fixtures (imported by the test modules that use them) ------------------------------------------


@pytest.fixture(scope="session")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_template(tmp_path_factory.mktemp("changes-template"))


@pytest.fixture
def db(db_template: Path, tmp_path: Path) -> Iterator[tuple[Engine, str]]:
    engine, url = fresh_engine(db_template, tmp_path)
    yield engine, url
    engine.dispose()
