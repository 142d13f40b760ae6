"""The scoreboard from real records on SQLite, cases marked for bids, the monthly post exactly once,
and the HTML report rendered in headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core import Action, Request, UserError
from bot.router import Router
from bot.settings import KpiSettings
from handlers.kpi import render
from handlers.kpi.commands import KPI_QUESTION, KpiCommands
from handlers.kpi.monthly import MonthlyPost
from handlers.kpi.service import KpiService
from knowledge.periods import named_day
from storage.changes import ChangeRequest
from storage.db import make_engine, migrate, session_scope
from storage.drills import Incident, IncidentCheckpoint
from storage.library import Document
from storage.notes import NoteFeedback
from tests.conftest import make_settings
from tests.fakes.recording_notifier import RecordingNotifier

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SH)


@pytest.fixture
def kpi(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path / "data")
    settings.kpi = KpiSettings(channels=["slack:C_MGR"])
    settings.data_dir.mkdir(parents=True)
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    with session_scope(engine) as session:
        session.add(
            Document(id="case-012", type="case", title="某省政务云", source_path="x", content_hash="h", indexed=True)
        )
        session.add(
            Document(id="note-1", type="note", title="联邦学习", source_path="y", content_hash="h", indexed=True)
        )
        for n, (level, hours, response) in enumerate([(1, 20, 25), (2, 60, 40), (1, 30, 10)]):
            start = NOW - timedelta(days=20 + n)
            inc = Incident(description=f"i{n}", level=level, started_at=start, closed_at=start + timedelta(hours=hours))
            session.add(inc)
            session.flush()
            session.add(
                IncidentCheckpoint(
                    incident_id=inc.id,
                    key="response",
                    target_minutes=30,
                    due_at=start + timedelta(minutes=30),
                    done_at=start + timedelta(minutes=response),
                )
            )
        for n, late in enumerate([True, False]):
            session.add(
                ChangeRequest(
                    title=f"c{n}",
                    requester="u",
                    size="big",
                    effective_date=date(2026, 12, 20),
                    late=late,
                    campaign="年度发布会",
                    created_at=NOW - timedelta(days=3),
                )
            )
        for n in range(5):
            session.add(
                ChangeRequest(
                    title=f"o{n}",
                    requester="u",
                    size="big",
                    effective_date=date(2025, 12, 20),
                    late=True,
                    campaign="",
                    created_at=NOW - timedelta(days=365 + n),
                )
            )
        for n, understood in enumerate([True, True, True, False]):
            session.add(
                NoteFeedback(doc_id="note-1", user_id=f"u{n}", understood=understood, at=NOW - timedelta(days=1))
            )
    service = KpiService(engine, settings, clock=lambda: NOW)
    yield service
    engine.dispose()


def chat_router(kpi: KpiService) -> Router:
    router = Router()
    router.scan(KpiCommands(kpi))
    router.on_intent(KPI_QUESTION, "kpi")  # as the app registers it
    return router


def test_figures_from_the_records_beside_their_targets(kpi: KpiService) -> None:
    board = kpi.scoreboard(period="quarter")
    figures = {f.key: f for f in board.figures}
    assert figures["resolved"].value == pytest.approx(2 / 3) and figures["resolved"].met is False
    assert figures["resolved"].detail == "L1 2/2 · L2 0/1"
    assert figures["response"].value == pytest.approx(2 / 3)
    assert figures["late_changes"].value == pytest.approx(1 - 1 / 5) and figures["late_changes"].met is True
    assert figures["understanding"].value == pytest.approx(0.75) and figures["understanding"].met is False
    assert figures["warning"].value is None
    text = render.text(board, "zh")
    assert "重大事件 48 小时内解决：67%" in text and "目标 ≥ 90%" in text


def test_the_question_in_words_routes_to_the_scoreboard(kpi: KpiService) -> None:
    router = chat_router(kpi)
    reply = router.handle(Request("这个季度的 KPI 怎么样？"))
    assert reply.text.startswith("年度计划 KPI · 2026Q4") and reply.files[0].mime == "image/png"
    assert router.handle(Request("本月 KPI 如何")).text.startswith("年度计划 KPI · 2026-12")
    assert "用法" in router.handle(Request("kpi weekly")).text
    question = router.handle(Request("有没有提升客服KPI的案例，效果如何"))
    assert not question.text.startswith("年度计划 KPI")  # a question for the library stays one


def test_a_period_named_in_words_is_the_one_shown(kpi: KpiService) -> None:
    router = chat_router(kpi)
    assert router.handle(Request("第一季度的KPI完成得怎么样")).text.startswith("年度计划 KPI · 2026Q1")
    last_quarter = router.handle(Request("上季度的 KPI 怎么样？")).text
    assert last_quarter.startswith("年度计划 KPI · 2026Q3")
    # The change figures are that quarter's, and say so (not 「本季度」).
    assert "2026年第3季度" in last_quarter and "本季度" not in last_quarter
    assert router.handle(Request("上个月 KPI 如何")).text.startswith("年度计划 KPI · 2026-11")
    assert router.handle(Request("去年的KPI怎么样")).text.startswith("年度计划 KPI · 2025")
    # a quarter still to come this year: last year's
    assert named_day("第四季度KPI", date(2026, 2, 1)) == date(2025, 10, 1)


def test_cases_marked_for_bids_count_once_and_bad_ids_are_explained(kpi: KpiService) -> None:
    router = chat_router(kpi)
    reply = router.handle(Request("case used-in-bid case-012 --bid 某省政务云招标", user_id="U1", platform="slack"))
    assert "已记录" in reply.text
    assert "未重复计数" in router.handle(Request("case used-in-bid case-012 --bid 某省政务云招标")).text
    assert "不是案例" in router.handle(Request("case used-in-bid note-1 --bid 某标")).text
    assert "--bid" in router.handle(Request("case used-in-bid case-012")).text
    form = router.handle(Request("用于投标", action=Action("bid:form", "case-012")))
    assert form.form is not None and form.form.action == "bid:mark"
    done = router.handle(Request("x", action=Action("bid:mark", "case-012", {"case": "case-012", "bid": "某市医院"})))
    assert "已记录" in done.text
    figures = {f.key: f for f in kpi.scoreboard(period="year").figures}
    assert figures["bids"].value == 1 and "2 个标书" in figures["bids"].detail
    with pytest.raises(UserError):
        kpi.mark_bid(case_id="case-999", bid="x", user="u", source="cli")


def test_monthly_post_goes_out_once_per_month_and_channel(kpi: KpiService) -> None:
    notifier = RecordingNotifier()
    first = MonthlyPost(kpi, {"slack": notifier}, clock=lambda: NOW)
    second = MonthlyPost(kpi, {"slack": notifier}, clock=lambda: NOW + timedelta(hours=1))
    assert first.run() == ["slack:C_MGR"]
    assert second.run() == []
    assert len(notifier.posts) == 1 and notifier.posts[0].reply.files[0].content.startswith(b"\x89PNG")
    assert MonthlyPost(kpi, {"slack": notifier}, clock=lambda: NOW.replace(hour=9)).due(NOW.replace(hour=9)) is None


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install -y chromium) to render the report")
def test_html_report_renders_in_headless_chromium(kpi: KpiService, tmp_path: Path) -> None:
    board = kpi.scoreboard(period="quarter")
    report = tmp_path / "report.html"
    report.write_text(render.html_report(board, render.chart(board), "zh"), encoding="utf-8")
    flags = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run([*flags, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert 'id="kpi"' in dom and "重大事件 48 小时内解决" in dom and "67%" in dom
    assert 'src="data:image/png;base64,' in dom and "http" not in dom.split("<body>")[1]
    shot = tmp_path / "shot.png"
    subprocess.run(
        [*flags, f"--screenshot={shot}", "--window-size=1100,900", report.as_uri()], capture_output=True, timeout=120
    )
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    drawn = (pixels[:, :, :3].mean(axis=2) < 0.9).mean()
    assert drawn > 0.02  # the table and the embedded chart were painted, not a blank page
