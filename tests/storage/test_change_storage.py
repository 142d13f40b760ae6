"""The change-request queries on SQLite and PostgreSQL: imported ids move the id sequence, and a
status changes only from the states it may change from."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.core import UserError
from handlers.changes.service import ChangeService
from storage.changes import comments_for, get_request, insert_rows
from storage.db import make_engine, migrate, session_scope
from tests.handlers.changes_support import MANAGER, Clock, change_settings, sh

NOW = sh(2026, 12, 1, 10, 0)


def _row(request_id: int | None, title: str) -> dict[str, object]:
    return dict(
        id=request_id,
        title=title,
        description="",
        requester="cli:wang",
        team="",
        size="small",
        campaign="",
        effective_date=date(2026, 12, 20),
        status="submitted",
        late=False,
        notice_days=19,
        override=False,
        decided_by="",
        decided_at=None,
        source="import",
        created_at=NOW,
        updated_at=NOW,
    )


def test_imported_ids_move_the_sequence_and_comments_follow(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    comment = {"author": "cli:wang", "kind": "comment", "body": "旧意见", "created_at": NOW}
    with session_scope(engine) as session:
        insert_rows(session=session, rows=[(_row(5, "五"), [comment]), (_row(None, "无编号"), [comment])])
    with session_scope(engine) as session:
        by_id = comments_for(session=session, request_ids=[5, 6])
        assert [c.body for c in by_id[5]] == ["旧意见"] and [c.body for c in by_id[6]] == ["旧意见"]
    with session_scope(engine) as session:
        insert_rows(session=session, rows=[(_row(9, "九"), [])])
    service = ChangeService(engine, change_settings(tmp_path, db_url), Clock(NOW))
    made = service.create({"title": "聊天里提交", "size": "small", "effective_date": "2026-12-20"}, "slack:UA", "zh")
    assert made.id == 10  # past the imported ids on PostgreSQL too, not a collision with #5
    engine.dispose()


def test_a_status_changes_only_from_an_allowed_one(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    service = ChangeService(engine, change_settings(tmp_path, db_url), Clock(NOW))
    service.create({"title": "官网改版", "size": "big", "effective_date": "2026-12-30"}, "slack:UA", "zh")
    stale = service.get(1, "zh")  # what a second manager's click read before the first decided
    service.reject(1, MANAGER, "与发布会冲突", "zh")
    with pytest.raises(UserError, match="当前状态是「已驳回」"):
        service._transition(stale, ("submitted",), "approved", MANAGER, "approve", "", "zh", decision=True)
    with session_scope(engine) as session:
        found = get_request(session=session, request_id=1)
        assert found is not None and found.status == "rejected" and found.decided_by == MANAGER
        kinds = [c.kind for c in comments_for(session=session, request_ids=[1])[1]]
    assert kinds == ["submit", "reject"]  # the refused approval left no comment
    engine.dispose()
