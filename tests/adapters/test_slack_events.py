"""The event guarantee at the storage level, on SQLite and on PostgreSQL (127.0.0.1:5432, database
``test``, a schema of its own per test; skipped with a message when no server answers): received,
then answered; a redelivery is dropped while its owner holds it, taken over once the owner is gone,
never answered twice; replay keys; pruning; and the migration from rows written before states."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.db import alembic_config, make_engine, migrate
from storage.events import (
    PlatformEvent,
    event_state,
    first_delivery,
    forget,
    mark_answered,
    prune_events,
    receive,
)
from storage.library import utcnow

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres(schema: str) -> Engine:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # no driver or no server: this tier is skipped, the SQLite tier still runs
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432/test not reachable ({exc.__class__.__name__})")
    return make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    schema = f"prbot_events_{uuid.uuid4().hex[:10]}"
    engine = make_engine(f"sqlite:///{tmp_path / 'events.db'}") if request.param == "sqlite" else _postgres(schema)
    migrate(engine)
    yield engine
    engine.dispose()
    if request.param == "postgresql":
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres") as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _age(engine: Engine, event_id: str, seconds: float) -> None:
    with Session(engine) as session:
        row = session.get(PlatformEvent, ("slack", event_id))
        assert row is not None
        row.claimed_at = utcnow() - timedelta(seconds=seconds)
        session.add(row)
        session.commit()


def test_received_then_answered_and_redeliveries(engine: Engine) -> None:
    assert receive(engine=engine, platform="slack", event_id="Ev1", owner="a").decision == "new"
    assert event_state(engine=engine, platform="slack", event_id="Ev1") == "received"
    assert receive(engine=engine, platform="slack", event_id="Ev1", owner="a").decision == "duplicate"  # in flight here
    assert (
        receive(engine=engine, platform="slack", event_id="Ev1", owner="b").decision == "duplicate"
    )  # a live owner holds it
    assert mark_answered(engine=engine, platform="slack", event_id="Ev1", owner="a") is True
    _age(engine, "Ev1", 3600)
    assert (
        receive(engine=engine, platform="slack", event_id="Ev1", owner="b").decision == "duplicate"
    )  # answered: never again


def test_an_owner_that_died_is_taken_over_once_and_cannot_answer_after(engine: Engine) -> None:
    receive(engine=engine, platform="slack", event_id="Ev2", owner="dead")
    _age(engine, "Ev2", 120)
    with ThreadPoolExecutor(max_workers=4) as pool:  # four replicas get the redelivery at once
        decisions = list(
            pool.map(
                lambda owner: receive(engine=engine, platform="slack", event_id="Ev2", owner=owner).decision, "wxyz"
            )
        )
    assert sorted(decisions) == ["duplicate", "duplicate", "duplicate", "retry"]
    assert (
        mark_answered(engine=engine, platform="slack", event_id="Ev2", owner="dead") is False
    )  # fenced: it may not post now
    winner = "wxyz"[decisions.index("retry")]
    assert mark_answered(engine=engine, platform="slack", event_id="Ev2", owner=winner) is True


def test_replay_keys_forget_and_prune(engine: Engine) -> None:
    assert first_delivery(engine=engine, platform="slack", event_id="slash_command:abc") is True
    assert first_delivery(engine=engine, platform="slack", event_id="slash_command:abc") is False
    forget(engine=engine, platform="slack", event_id="slash_command:abc")
    assert first_delivery(engine=engine, platform="slack", event_id="slash_command:abc") is True
    with Session(engine) as session:
        row = session.get(PlatformEvent, ("slack", "slash_command:abc"))
        row.received_at = utcnow() - timedelta(days=3)  # type: ignore[union-attr]
        session.add(row)
        session.commit()
    receive(engine=engine, platform="slack", event_id="EvFresh", owner="a")
    assert prune_events(engine=engine) == 1
    assert event_state(engine=engine, platform="slack", event_id="EvFresh") == "received"


def test_rows_from_before_the_states_count_as_answered(tmp_path: Path) -> None:
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(str(engine.url))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0003")
        connection.execute(
            text("INSERT INTO platform_events (platform, event_id, received_at) VALUES ('slack', 'EvOld', :at)"),
            {"at": utcnow()},
        )
    migrate(engine)
    assert event_state(engine=engine, platform="slack", event_id="EvOld") == "answered"
    assert receive(engine=engine, platform="slack", event_id="EvOld", owner="new-process").decision == "duplicate"
    engine.dispose()
