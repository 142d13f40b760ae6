"""Roles written as the README says (``slack:UMGR``) work for change requests, where a Slack request
carries the bare id ``UMGR``: the same matching drills use."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.core import Request
from bot.router import Router
from handlers.changes.commands import ChangeCommands
from handlers.changes.digest_job import DigestDesk
from handlers.changes.rules import is_listed
from handlers.changes.service import ChangeService
from tests.handlers import changes_support
from tests.handlers.changes_support import Clock, change_settings, sh

db = changes_support.db
db_template = changes_support.db_template


@pytest.mark.parametrize(
    ("user", "people", "listed"),
    [
        ("UMGR", ["slack:UMGR"], True),
        ("slack:UMGR", ["UMGR"], True),
        ("ou_7", ["feishu:ou_7"], True),
        ("ou_7", ["lark:ou_7"], True),
        ("cli:wang", ["cli:wang"], True),
        ("wang", ["cli:wang"], False),  # a terminal user is not a bare chat id
        ("UOTHER", ["slack:UMGR"], False),
        ("slack:", ["slack:UMGR"], False),
    ],
)
def test_either_spelling_of_an_id_matches(user: str, people: list[str], listed: bool) -> None:
    assert is_listed(user, people) is listed


def test_a_manager_configured_as_slack_umgr_approves_from_slack(db: tuple[Engine, str], tmp_path: Path) -> None:
    engine, url = db
    settings = change_settings(tmp_path, url)
    settings.roles.managers = ["slack:UMGR"]
    router = Router()
    service = ChangeService(engine, settings, Clock(sh(2026, 12, 1, 10, 0)))
    router.scan(ChangeCommands(service, DigestDesk(service.engine, service.settings, {})))

    def say(text: str, user: str) -> str:
        return router.handle(Request(text=text, user_id=user, platform="slack")).text

    say("cr add --title 官网改版 --size big --effective 2026-12-30", "UREQ")
    assert "只有经理" in say("cr approve 1 好", "UOTHER")
    assert "#1 已批准" in say("cr approve 1 提前半个月通知，可以", "UMGR")
