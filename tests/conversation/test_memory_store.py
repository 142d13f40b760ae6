"""Thread memory in the database: SQLite always, PostgreSQL when one is reachable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from storage import conversation as store
from storage.db import make_engine, migrate, session_scope
from storage.library import utcnow


def _postgres() -> Engine | None:
    try:
        engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")
        with engine.connect():
            pass
        return engine
    except Exception:
        return None


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        found: Engine | None = make_engine(f"sqlite:///{tmp_path}/memory.db")
    else:
        found = _postgres()
        if found is None:
            pytest.skip("PostgreSQL at 127.0.0.1:5432 (db test) is not reachable")
    assert found is not None
    migrate(found)
    with session_scope(found) as session:
        session.query(store.ConversationMemory).delete()
    yield found
    found.dispose()


KEY = {"platform": "slack", "channel_id": "C1", "thread_id": "t1"}


def test_state_round_trips_and_a_token_is_claimed_exactly_once(engine: Engine) -> None:
    with session_scope(engine) as session:
        store.save_memory(
            session=session, **KEY, state={"question": "那教育行业呢？", "list": ["a", "b"]}, pending_token="tok"
        )
    with session_scope(engine) as session:
        state, _, token = store.load_memory(session=session, **KEY)  # type: ignore[misc]
    assert state["list"] == ["a", "b"] and token == "tok"
    with session_scope(engine) as session:
        assert store.find_pending(session=session, token="tok") is not None
    with session_scope(engine) as session:
        assert store.claim_pending(session=session, **KEY, token="tok")
    with session_scope(engine) as session:
        assert not store.claim_pending(session=session, **KEY, token="tok")
        assert not store.claim_pending(session=session, **KEY, token="other")


def test_expired_rows_are_deleted(engine: Engine) -> None:
    with session_scope(engine) as session:
        store.save_memory(session=session, **KEY, state={"q": 1}, pending_token=None, now=utcnow() - timedelta(hours=5))
        store.save_memory(session=session, **{**KEY, "thread_id": "fresh"}, state={"q": 2}, pending_token=None)
    with session_scope(engine) as session:
        assert store.delete_expired(session=session, older_than=timedelta(hours=2)) == 1
    with session_scope(engine) as session:
        assert store.load_memory(session=session, **KEY) is None
        assert store.load_memory(session=session, **{**KEY, "thread_id": "fresh"}) is not None
