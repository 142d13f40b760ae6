"""A null byte or a control character never breaks a write or an export, on SQLite and PostgreSQL:
text is cleaned at the storage boundary (every ORM flush) and at the change-request service."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import Session

from bot.core import UserError
from handlers.changes.service import ChangeService
from handlers.changes.table import export_table, import_table
from storage.changes import ChangeRequest
from storage.db import make_engine, migrate
from storage.library import Chunk, Document
from storage.text import clean, clean_value
from tests.handlers.changes_support import MANAGER, RULE, Clock, change_settings, sh

SH = ZoneInfo("Asia/Shanghai")
NOW = sh(2026, 12, 1, 10, 0)
DIRTY = "发布会\x00主视觉\x07更换\x1b[31m\ud800"


def test_clean_keeps_tabs_and_line_breaks() -> None:
    assert clean(DIRTY) == "发布会主视觉更换[31m"
    assert clean("a\tb\nc\r\n") == "a\tb\nc\r\n"
    assert clean_value({"k\x00": ["v\x01", 3, None]}) == {"k": ["v", 3, None]}


def test_control_characters_never_reach_a_table_or_break_an_export(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    service = ChangeService(engine, change_settings(tmp_path, db_url), Clock(NOW))
    created = service.create(
        {"title": DIRTY, "size": "small", "effective_date": "2026-12-09", "description": "说明\x00\x0b文字"},
        MANAGER,
        "zh",
    )
    service.approve(created.id or 0, MANAGER, "同意\x00", False, "zh")
    row = service.get(created.id or 0, "zh")
    assert (row.title, row.description) == ("发布会主视觉更换[31m", "说明文字")
    with Session(engine) as session:  # library text and JSON metadata too
        session.add(
            Document(
                id="d1",
                type="case",
                title="案例\x00",
                meta={"客户": "银行\x00"},
                body="正文\x00",
                source_path="d1.md",
                content_hash="h",
            )
        )
        session.commit()
        session.add(Chunk(id="d1#0", document_id="d1", ordinal=0, text="块\x00", tokens="块 \x00"))
        session.commit()
        doc = session.get(Document, "d1")
        assert doc is not None and (doc.title, doc.meta, doc.body) == ("案例", {"客户": "银行"}, "正文")
    for suffix in (".xlsx", ".csv"):
        assert export_table(engine, tmp_path / f"out{suffix}", SH) == 1
    sheet = load_workbook(tmp_path / "out.xlsx").active
    assert sheet.cell(2, 2).value == "发布会主视觉更换[31m"
    engine.dispose()


def test_a_row_written_before_the_cleaning_does_not_break_the_export(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    migrate(engine)
    with engine.begin() as connection:  # as the old code stored it, bypassing the ORM
        connection.execute(
            text(
                "INSERT INTO change_requests (title, description, requester, team, size, campaign, effective_date,"
                " status, late, notice_days, override, decided_by, source, created_at, updated_at) VALUES"
                " (:title, '', 'u', '', 'small', '', '2026-12-09', 'submitted', 0, 8, 0, '', 'chat',"
                " '2026-12-01 02:00:00', '2026-12-01 02:00:00')"
            ),
            {"title": "旧\x00标题\x07"},
        )
    assert export_table(engine, tmp_path / "out.xlsx", SH) == 1
    assert load_workbook(tmp_path / "out.xlsx").active.cell(2, 2).value == "旧标题"
    engine.dispose()


def test_a_title_of_only_control_characters_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = make_engine(url)
    migrate(engine)
    service = ChangeService(engine, change_settings(tmp_path, url), Clock(NOW))
    with pytest.raises(UserError, match="标题"):
        service.create({"title": "\x00\x01", "size": "small", "effective_date": "2026-12-09"}, MANAGER, "zh")
    with Session(engine) as session:
        assert session.get(ChangeRequest, 1) is None
    engine.dispose()


def test_an_effective_date_beyond_the_horizon_is_refused_with_the_limit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = make_engine(url)
    migrate(engine)
    service = ChangeService(engine, change_settings(tmp_path, url), Clock(NOW))
    with pytest.raises(UserError, match=r"9999-12-31.*730"):
        service.create({"title": "官网改版", "size": "big", "effective_date": "9999-12-31"}, MANAGER, "zh")
    near = service.create({"title": "官网改版", "size": "big", "effective_date": "2028-11-30"}, MANAGER, "zh")
    assert near.effective_date == date(2028, 11, 30)
    engine.dispose()


def test_cr_import_accepts_a_gbk_csv_as_ingest_does(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = make_engine(url)
    migrate(engine)
    path = tmp_path / "excel-gbk.csv"
    path.write_bytes("标题,大小,生效日期\n官网首页改版,小变更,2026-12-30\n".encode("gbk"))
    report = import_table(engine, path, "cli:wang", SH, NOW, "zh", rule=RULE)
    assert report.ok, report.bad
    with Session(engine) as session:
        row = session.get(ChangeRequest, 1)
    assert row is not None and row.title == "官网首页改版"
    engine.dispose()


def test_an_answer_to_a_question_with_a_null_byte_is_recorded(db_url: str) -> None:
    from storage.events import get_answer, record_answer

    engine = make_engine(db_url)
    migrate(engine)
    answer_id = record_answer(
        engine=engine,
        platform="slack",
        channel_id="C1",
        thread_id=None,
        user_id="U1",
        question="有没有\x00金融案例？",
        text="有：\x07城商行智能客服。",
        citation_ids=["case-1"],
        payload={"q": "\x00"},
    )
    answer = get_answer(engine=engine, answer_id=answer_id)
    assert answer is not None and (answer.question, answer.text) == ("有没有金融案例？", "有：城商行智能客服。")
    engine.dispose()
