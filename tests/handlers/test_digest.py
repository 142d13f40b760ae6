"""The digest's calendar (holidays, make-up workdays, unknown years) and its contents."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from bot.core import Request
from bot.router import Router
from bot.settings import Settings
from handlers.changes.commands import ChangeCommands
from handlers.changes.digest import build_digest, preview_digest
from handlers.changes.digest_calendar import DigestCalendar
from handlers.changes.digest_job import DigestDesk
from handlers.changes.service import ChangeService
from tests.handlers import changes_support
from tests.handlers.changes_support import MANAGER, RULE, Clock, change_settings, sh

db = changes_support.db  # fixtures shared with the other change-request tests
db_template = changes_support.db_template
calendar = DigestCalendar("wed", "10:00", "Asia/Shanghai", holiday_shift=True)


# ---- calendar ---------------------------------------------------------------------------------------


def test_an_ordinary_wednesday() -> None:
    slot = calendar.slot(2025, 42)
    assert (slot.period, slot.post_at, slot.shifted, slot.calendar_known) == (
        "2025-W42",
        sh(2025, 10, 15, 10, 0),
        False,
        True,
    )


def test_national_day_wednesdays_move_to_the_next_working_day() -> None:
    # 国庆 2025: 1-8 October off. Both Wednesdays move to Thursday 9 October; only W41 is posted.
    assert calendar.slot(2025, 40).post_at == sh(2025, 10, 9, 10, 0)
    assert calendar.slot(2025, 41).post_at == sh(2025, 10, 9, 10, 0)
    assert calendar.due(sh(2025, 10, 1, 10, 0)) is None
    assert calendar.due(sh(2025, 10, 8, 12, 0)) is None
    assert calendar.due(sh(2025, 10, 9, 10, 0)).period == "2025-W41"  # type: ignore[union-attr]
    assert calendar.upcoming(sh(2025, 10, 1, 10, 0)).period == "2025-W41"
    # 国庆 2026: 1-7 October off; Wednesday 7 October moves to Thursday 8 October.
    assert calendar.slot(2026, 41).post_at == sh(2026, 10, 8, 10, 0)
    # 春节 2026: Wednesday 18 February moves to Tuesday 24 February.
    assert calendar.slot(2026, 8).post_at == sh(2026, 2, 24, 10, 0)


def test_make_up_workdays_count_as_working_days() -> None:
    saturday = DigestCalendar("sat", "10:00")
    # Saturday 11 October 2025 is a make-up workday (调休上班): no shift.
    assert saturday.slot(2025, 41).post_at == sh(2025, 10, 11, 10, 0)
    # An ordinary Saturday is not a working day: next working day is Monday.
    assert saturday.slot(2025, 42).post_at == sh(2025, 10, 20, 10, 0)


def test_holiday_shift_can_be_turned_off() -> None:
    fixed = DigestCalendar("wed", "10:00", holiday_shift=False)
    assert fixed.slot(2025, 40).post_at == sh(2025, 10, 1, 10, 0)


def test_a_year_the_calendar_does_not_know_falls_back_to_weekends() -> None:
    slot = calendar.slot(2030, 40)  # 2 October 2030, surely a holiday, but not announced yet
    assert slot.calendar_known is False
    assert slot.post_at == sh(2030, 10, 2, 10, 0)
    assert DigestCalendar("sat", "10:00").slot(2030, 40).post_at == sh(2030, 10, 7, 10, 0)


def test_a_missed_digest_is_due_until_the_end_of_its_week() -> None:
    assert calendar.due(sh(2025, 10, 15, 9, 59)) is None
    assert calendar.due(sh(2025, 10, 15, 10, 0)).period == "2025-W42"  # type: ignore[union-attr]
    assert calendar.due(sh(2025, 10, 19, 23, 59)).period == "2025-W42"  # type: ignore[union-attr]
    assert calendar.due(sh(2025, 10, 20, 0, 0)) is None


def test_other_days_and_times() -> None:
    friday = DigestCalendar("fri", "17:30", "Asia/Shanghai")
    assert friday.slot(2025, 42).post_at == sh(2025, 10, 17, 17, 30)
    utc = DigestCalendar("wed", "02:00", "UTC")
    assert utc.slot(2025, 42).post_at.utcoffset() == timedelta(0)


# ---- contents ---------------------------------------------------------------------------------------


def _seed(engine: Engine, tmp_path: Path, url: str) -> ChangeService:
    clock = Clock(sh(2025, 10, 13, 9, 0))  # Monday of W42
    service = ChangeService(engine, change_settings(tmp_path, url), clock)
    service.create({"title": "海报改色", "size": "small", "effective_date": "2025-10-20"}, "slack:UA", "zh")
    service.create({"title": "官网改版", "size": "big", "effective_date": "2025-11-30", "team": "市场部"}, "u", "zh")
    service.create({"title": "发布会主视觉", "size": "big", "effective_date": "2025-10-22"}, "slack:UB", "zh")  # late
    service.approve(2, MANAGER, "", False, "zh")
    clock.set(sh(2025, 9, 20, 9, 0))  # older weeks, for the trend
    for n in range(4):
        service.create({"title": f"旧变更{n}", "size": "small", "effective_date": "2025-12-31"}, "u", "zh")
    service.done(4, MANAGER, "", "zh")
    clock.set(sh(2025, 10, 16, 9, 0))  # after the digest: not in it
    service.create({"title": "之后提交的", "size": "small", "effective_date": "2025-12-31"}, "u", "zh")
    return service


def test_digest_contents(db: tuple[Engine, str], tmp_path: Path) -> None:
    engine, url = db
    _seed(engine, tmp_path, url)
    slot = calendar.slot(2025, 42)
    reply = build_digest(engine, slot, slot.post_at, "zh", late_since=calendar.previous(slot).post_at, rule=RULE)
    text = reply.text
    assert text.startswith("**📋 需求变更周报 · 2025年第42周（2025-10-15 周三）**")
    small = text.split("本周统一处理的小变更（4）")[1].split("即将生效的大变更")[0]
    assert "#1 海报改色" in small and "#4" not in small and "之后提交的" not in small
    big = text.split("即将生效的大变更（2）")[1].split("本周未提前15天")[0]
    assert big.index("#3 发布会主视觉 — 还有 7 天生效（2025-10-22）· 待审批 · ⚠未提前15天") < big.index(
        "#2 官网改版 — 还有 46 天生效（2025-11-30）· 已批准"
    )
    late = text.split("本周未提前15天提出的大变更（1）")[1].split("与前 4 周对比")[0]
    assert "#3 发布会主视觉 — 提前 9 天提出" in late
    assert "本周新增 3 条（大 2 / 小 1），其中未提前15天 1 条；前 4 周平均每周 1.0 条" in text
    [chart] = reply.files
    assert (
        chart.mime == "image/png" and chart.content.startswith(b"\x89PNG") and chart.filename == "digest-2025-W42.png"
    )
    data = reply.data["digest"]
    assert (data["small"], data["big"], data["late"]) == ([1, 5, 6, 7], [3, 2], [3])
    assert [w["total"] for w in data["weeks"]] == [0, 4, 0, 0, 3]


def test_english_digest_and_notes(db: tuple[Engine, str], tmp_path: Path) -> None:
    engine, url = db
    _seed(engine, tmp_path, url)
    reply = build_digest(
        engine, calendar.slot(2025, 41), sh(2025, 10, 9, 15, 0), "en", delayed=True, chart=False, rule=RULE
    )
    assert "Change-request digest · week 41 of 2025 (2025-10-09 Thu)" in reply.text
    assert "2025-10-08 Wed is a public holiday" in reply.text
    assert "Delayed: it was due 2025-10-09 10:00" in reply.text
    assert reply.files == []


def test_preview_of_a_holiday_date_shows_what_goes_out_instead(db: tuple[Engine, str]) -> None:
    engine, _ = db
    reply = preview_digest(engine, calendar, date(2025, 10, 1), "zh", chart=False, rule=RULE, channels=[])
    assert reply.data["digest"]["period"] == "2025-W41"
    assert "2025-10-08 周三 是法定节假日，周报顺延到下一个工作日 2025-10-09 周四" in reply.text
    assert "• 无" in reply.text


def test_preview_in_an_unknown_year_says_so(db: tuple[Engine, str]) -> None:
    engine, _ = db
    reply = preview_digest(engine, calendar, date(2030, 10, 2), "zh", chart=False, rule=RULE, channels=[])
    assert "节假日日历尚无 2030 年的数据，本期只按周末顺延" in reply.text


def test_digest_command_in_chat(db: tuple[Engine, str], tmp_path: Path) -> None:
    engine, url = db
    router = Router()
    settings = change_settings(tmp_path, url)
    router.scan(ChangeCommands(ChangeService(engine, settings), DigestDesk(engine, settings, {})))
    reply = router.handle(Request(text="digest 2025-10-15", user_id="slack:UA"))
    assert "2025年第42周" in reply.text and reply.private and reply.files
    bad = router.handle(Request(text="digest 下周三", user_id="slack:UA"))
    assert bad.text == "日期「下周三」不是日期，请写成 YYYY-MM-DD，例如 2026-12-31"
    english = router.handle(Request(text="digest 2025-10-15 en", user_id="slack:UA"))
    assert "week 42 of 2025" in english.text


def test_long_sections_are_cut_with_a_count(db: tuple[Engine, str], tmp_path: Path) -> None:
    engine, url = db
    service = ChangeService(engine, change_settings(tmp_path, url), Clock(sh(2025, 10, 13, 9, 0)))
    for n in range(25):
        service.create({"title": f"小改动{n}", "size": "small", "effective_date": "2025-10-20"}, "u", "zh")
    slot = calendar.slot(2025, 42)
    reply = build_digest(engine, slot, slot.post_at, "zh", chart=False, rule=RULE)
    assert "本周统一处理的小变更（25）" in reply.text and "……另有 5 条" in reply.text
    assert reply.text.count("• #") == 20
    assert reply.data["digest"]["counts"] == {"small": 25, "big": 0, "late": 0}


def test_digest_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRBOT_DIGEST_CHANNELS", "slack:C123, feishu:oc_abc")
    monkeypatch.setenv("PRBOT_DIGEST_DAY", "周四")
    monkeypatch.setenv("PRBOT_DIGEST_HOLIDAY_SHIFT", "false")
    monkeypatch.setenv("PRBOT_CLI_USER", "cli:wang")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.digest.channels == ["slack:C123", "feishu:oc_abc"]
    assert (settings.digest.day, settings.digest.holiday_shift, settings.cli_user) == ("thu", False, "cli:wang")
    monkeypatch.setenv("PRBOT_DIGEST_CHANNELS", '["slack:C9"]')
    monkeypatch.setenv("PRBOT_DIGEST_DAY", "Wednesday")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.digest.channels, settings.digest.day) == (["slack:C9"], "wed")
    monkeypatch.setenv("PRBOT_DIGEST_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(_env_file=None)  # type: ignore[call-arg]
