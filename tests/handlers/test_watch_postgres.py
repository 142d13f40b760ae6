"""Early warning and the scoreboard on PostgreSQL (127.0.0.1:5432, trust auth), in a database of
their own that is dropped afterwards; skipped with a message where no server answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import alert_incidents
from bot.core import Action, Request
from bot.router import Router
from bot.settings import WatchSettings
from handlers.kpi.service import KpiService
from handlers.watch.commands import WatchCommands
from handlers.watch.scoring import Scorer, load_terms
from handlers.watch.service import WatchService
from tests.handlers.crisis_setup import build, crisis_settings
from tests.handlers.test_watch import LEAK, T0, mention

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def pg_url() -> Iterator[str]:
    try:
        from sqlalchemy import create_engine, text

        admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        name = f"prbot_watch_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no driver or no server: say so
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable ({exc.__class__.__name__})")
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_alerts_once_and_response_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    settings = crisis_settings(tmp_path / "data")
    settings.database_url = pg_url
    settings.watch = WatchSettings(channel="slack:C_WATCH")
    crisis = build(settings)
    try:
        scorer = Scorer(load_terms(None))
        service = WatchService(
            crisis.engine,
            settings,
            crisis.drills.notifiers,
            scorer=scorer,
            incidents=alert_incidents(crisis.drills.incidents),
            clock=lambda: T0 + timedelta(minutes=30),
        )
        rows = [mention(i, f"//@a{i}: {LEAK}", i) for i in range(16)]
        assert service.ingest(rows, source="test").stored == 16
        assert service.ingest(rows, source="test").duplicates == 16
        assert sorted(a.level for a in service.evaluate(now=T0 + timedelta(minutes=16))) == [2, 3]
        replica = WatchService(crisis.engine, settings, crisis.drills.notifiers, scorer=scorer)
        assert len(service.post_pending()) == 2 and replica.post_pending() == []
        router = Router()
        router.scan(WatchCommands(service))
        alert_id = crisis.notifier.to("C_WATCH")[0].reply.data["alert_id"]
        reply = router.handle(
            Request("x", user_id="U_PR", platform="slack", action=Action("watch:respond", str(alert_id)))
        )
        assert reply.data["incident_id"] and reply.data["to_response_min"] == pytest.approx(14)
        board = KpiService(crisis.engine, settings, clock=lambda: T0 + timedelta(hours=1)).scoreboard(period="quarter")
        warning = next(f for f in board.figures if f.key == "warning")
        assert warning.value == pytest.approx(16)  # first post 09:00, alerts at 09:16
    finally:
        crisis.engine.dispose()
