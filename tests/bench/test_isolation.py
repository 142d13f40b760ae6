"""Benchmarks never touch the configured store: with PRBOT_DATABASE_URL pointing at a real database,
``bench incidents`` runs on its own temp database and leaves the configured one as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bench import incidents
from bench.isolation import isolated_env
from storage.db import make_engine, migrate
from storage.drills import CrisisTimer


def test_bench_incidents_leaves_the_configured_database_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configured = f"sqlite:///{tmp_path / 'configured.db'}"
    engine = make_engine(configured)
    migrate(engine)
    due = datetime.now(UTC) + timedelta(days=2)
    with Session(engine) as session:
        session.add(CrisisTimer(job="incident:1:response:remind", period="real", kind="cp_remind", due_at=due))
        session.commit()
    monkeypatch.setenv("PRBOT_DATABASE_URL", configured)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"PRBOT_DATABASE_URL={configured}\n", encoding="utf-8")

    result = incidents.run(incidents=2, spread_s=7.0, replicas=2, as_json=True)

    assert result["duplicates"] == 0 and result["posts_delivered"] == result["posts_expected"] == 30
    with Session(engine) as session:
        timers = list(session.exec(select(CrisisTimer)))
    assert [(t.job, t.status, t.due_at) for t in timers] == [("incident:1:response:remind", "pending", due)]
    engine.dispose()
    capsys.readouterr()


def test_child_processes_of_benchmarks_get_no_operator_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRBOT_DATABASE_URL", "postgresql+psycopg://prod@db/prbot")
    monkeypatch.setenv("PRBOT_CHROMA_URL", "http://chroma:8000")
    env = isolated_env(tmp_path)
    assert env["PRBOT_DATABASE_URL"] == f"sqlite:///{(tmp_path / 'prbot.db').as_posix()}"
    assert "PRBOT_CHROMA_URL" not in env and env["PRBOT_DATA_DIR"] == str(tmp_path)
