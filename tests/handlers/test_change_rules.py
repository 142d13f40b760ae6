"""The 15-day rule at its edges, counted in Asia/Shanghai calendar days, and field validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from handlers.changes import rules
from tests.handlers.changes_support import SH, sh

RULE = rules.ChangeRule()  # the defaults: 15 days' notice, digest on Wednesday


@pytest.mark.parametrize(
    ("days", "late"),
    [(14, True), (15, False), (16, False), (0, True), (1, True)],
)
def test_big_change_is_late_under_15_days(days: int, late: bool) -> None:
    submitted = sh(2026, 12, 1, 15, 0)
    effective = date(2026, 12, 1) + timedelta(days=days)
    assert rules.notice_days(submitted, effective, SH) == days
    assert RULE.is_late("big", submitted, effective, SH) is late


@pytest.mark.parametrize(("days", "late"), [(9, True), (10, False), (14, False)])
def test_the_notice_a_big_change_needs_is_the_settings(days: int, late: bool) -> None:
    rule = rules.ChangeRule(notice_days=10, digest_day="thu")
    submitted = sh(2026, 12, 1, 15, 0)
    assert rule.is_late("big", submitted, date(2026, 12, 1) + timedelta(days=days), SH) is late


def test_the_rules_texts_say_the_settings_values() -> None:
    rule = rules.ChangeRule(notice_days=10, digest_day="thu")
    with pytest.raises(rules.InvalidValue) as zh:
        rules.parse_size("huge", "zh", rule)
    assert "需提前10天" in str(zh.value) and "每周四统一处理" in str(zh.value) and "15" not in str(zh.value)
    with pytest.raises(rules.InvalidValue) as en:
        rules.parse_size("huge", "en", rule)
    assert "needs 10 days' notice" in str(en.value) and "every Thursday" in str(en.value)
    assert rule.say("late_tag", "zh") == "未提前10天"


def test_small_changes_are_never_late() -> None:
    assert RULE.is_late("small", sh(2026, 12, 1, 9, 0), date(2026, 12, 2), SH) is False


def test_days_are_counted_in_shanghai_not_utc() -> None:
    # 23:30 UTC on 1 Dec is 07:30 on 2 Dec in Beijing: the request was made on the 2nd.
    submitted = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    effective = date(2026, 12, 16)
    assert (effective - submitted.date()).days == 15  # what a UTC count would say
    assert rules.notice_days(submitted, effective, SH) == 14
    assert RULE.is_late("big", submitted, effective, SH) is True


def test_just_before_and_after_midnight_in_shanghai() -> None:
    effective = date(2026, 12, 16)
    before = sh(2026, 11, 30, 23, 59, 59)  # still the 30th: 16 days
    after = sh(2026, 12, 2, 0, 0, 0)  # the 2nd: 14 days
    on_the_edge = sh(2026, 12, 1, 23, 59, 59)  # the 1st: exactly 15 days
    assert RULE.is_late("big", before, effective, SH) is False
    assert RULE.is_late("big", on_the_edge, effective, SH) is False
    assert RULE.is_late("big", after, effective, SH) is True


def _valid(**overrides: object) -> dict[str, object]:
    return {"title": "官网首页改版", "size": "big", "effective_date": "2026-12-31", **overrides}


def test_validate_accepts_chinese_sizes_and_date_formats() -> None:
    now = sh(2026, 12, 1, 10, 0)
    for size, expected in (("大变更", "big"), ("小", "small"), ("SMALL", "small")):
        assert rules.validate(_valid(size=size), "u", now, SH, "zh", RULE).size == expected
    for text in ("2026/12/31", "2026年12月31日", "2026.12.31"):
        assert rules.validate(_valid(effective_date=text), "u", now, SH, "zh", RULE).effective_date == date(
            2026, 12, 31
        )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"effective_date": "2026-11-30"}, "已经过去"),
        ({"effective_date": "下周三"}, "不是日期"),
        ({"effective_date": "2026-02-30"}, "不是日期"),
        ({"effective_date": ""}, "缺少生效日期"),
        ({"size": "medium"}, "大小「medium」无效"),
        ({"title": "标" * 201}, "标题最多 200 个字符（现在 201 个）"),
        ({"title": "  "}, "缺少标题"),
    ],
)
def test_validate_explains_each_problem(overrides: dict[str, object], expected: str) -> None:
    with pytest.raises(rules.InvalidChange) as caught:
        rules.validate(_valid(**overrides), "u", sh(2026, 12, 1, 10, 0), SH, "zh", RULE)
    assert expected in str(caught.value)


def test_validate_reports_every_problem_at_once_in_english() -> None:
    with pytest.raises(rules.InvalidChange) as caught:
        rules.validate(
            {"title": "x" * 250, "size": "huge", "effective_date": "soon"}, "u", sh(2026, 12, 1), SH, "en", RULE
        )
    message = str(caught.value)
    assert len(caught.value.problems) == 3
    assert "at most 200 characters" in message and "'huge' is unknown" in message and "not a date" in message


def test_title_of_exactly_200_characters_is_fine() -> None:
    assert len(rules.validate(_valid(title="标" * 200), "u", sh(2026, 12, 1), SH, "zh", RULE).title) == 200


def test_effective_today_is_allowed() -> None:
    assert rules.validate(_valid(effective_date="2026-12-01"), "u", sh(2026, 12, 1, 23, 0), SH, "zh", RULE)


def test_notice_reads_as_english_for_one_day() -> None:
    from handlers.changes.strings import notice

    assert notice(1, "en") == "1 day's notice"
    assert notice(3, "en") == "3 days' notice"
    assert notice(1, "zh") == "提前 1 天提出"
