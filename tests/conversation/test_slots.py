"""Slot values from plain words (pure functions, no model)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.conversation import plans, slots

TUESDAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("下周一生效", date(2026, 12, 7)),
        ("这周五", date(2026, 12, 4)),
        ("周三", date(2026, 12, 2)),
        ("明天起", date(2026, 12, 2)),
        ("三个月后", date(2027, 3, 1)),
        ("10天后", date(2026, 12, 11)),
        ("3月19日", date(2027, 3, 19)),
        ("12月31日", date(2026, 12, 31)),
        ("2027-01-15", date(2027, 1, 15)),
        ("next Monday", date(2026, 12, 7)),
        ("from September 8", date(2027, 9, 8)),
        ("tomorrow", date(2026, 12, 2)),
    ],
)
def test_dates_are_read_relative_to_today(words: str, expected: date) -> None:
    assert slots.read_date(words, TUESDAY) == expected


def test_a_date_that_does_not_exist_is_an_error_not_a_guess() -> None:
    with pytest.raises(slots.SlotError):
        slots.read_date("下下下周八", TUESDAY)
    with pytest.raises(slots.SlotError):
        slots.read_date("2月30日", TUESDAY)
    assert slots.read_date("官网首页换横幅", TUESDAY) is None


def test_size_level_count_and_ordinals() -> None:
    assert slots.read_size("我想加一个小变更") == "small"
    assert slots.read_size("提一个大变更") == "big"
    assert slots.read_size("登记一个变更") is None
    assert slots.read_level("帮我启动二级响应") == 2
    assert slots.read_level("start a level 3 incident") == 3
    assert slots.read_count("给这个案例写3个标题") == 3
    assert slots.read_count("起五个标题") == 5
    assert slots.read_count("Give me three headline options") == 3
    assert slots.read_ordinal("第二个详细说说") == 2
    assert slots.read_ordinal("the third one") == 3
    assert slots.read_ordinal("最后一个呢") == -1
    # a quarter, a session, a step: not an item of the last list
    assert slots.read_ordinal("第一季度的KPI完成得怎么样") is None
    assert slots.read_ordinal("第二步怎么做") is None
    assert slots.cn_number("十二") == 12


def test_the_copy_to_check_is_the_quoted_or_pasted_text() -> None:
    assert slots.read_copy("“全国领先的智能客服解决方案”这个说法合规吗") == "全国领先的智能客服解决方案"
    assert slots.read_copy("这段文案合规吗：我们是行业第一的智能客服") == "我们是行业第一的智能客服"
    assert slots.read_copy("这条文案合规吗") is None


def test_a_change_request_in_words_fills_its_slots() -> None:
    plan = plans.plan_for("cr", "我想加一个小变更：官网首页换横幅，下周一生效", TUESDAY)
    assert plan.command == "cr add"
    assert plan.values["size"] == "small"
    assert plan.values["effective"] == "2026-12-07"
    assert plan.values["title"] == "官网首页换横幅"
    assert plan.missing == []


def test_a_missing_slot_is_named_and_a_bad_answer_keeps_what_was_given() -> None:
    plan = plans.plan_for("cr", "登记一个变更，把客服热线换成新号码", TUESDAY)
    assert plan.missing == ["size", "effective"]
    assert plans.fill(plan, "size", "小变更", TUESDAY)
    assert not plans.fill(plan, "effective", "下下下周八", TUESDAY)
    assert plan.bad and plan.values["size"] == "small" and plan.missing == ["effective"]
    assert plans.fill(plan, "effective", "明天起", TUESDAY)
    assert plan.missing == []


def test_incident_requests_become_the_clock_commands() -> None:
    start = plans.plan_for("incident", "紧急！微博上有人说我们平板充电起火，帮我启动二级响应", TUESDAY)
    assert start.command == "incident start" and start.values["level"] == 2
    assert "平板充电起火" in start.values["description"]
    assert start.words[:3] == ["start", "--level", "2"]
    assert start.effects
    done = plans.plan_for("incident", "首次回应声明已经发出去了，这个节点算完成", TUESDAY)
    assert done.command == "incident done"
    assert plans.plan_for("incident", "还有多久要出正式声明？", TUESDAY).command == "incident show"
    no_level = plans.plan_for("incident", "出事了，马上启动应急响应：有人说摄像机偷拍", TUESDAY)
    assert no_level.missing == ["level"]
    # 「现在」 asks for the clock's state, but 「现在开始计时」 starts it; what happened follows the colon.
    timed = plans.plan_for("incident", "一级舆情事件，现在开始计时：微博上有人说我们摄像机偷拍", TUESDAY)
    assert (timed.command, timed.values["level"]) == ("incident start", 1)
    assert timed.values["description"] == "微博上有人说我们摄像机偷拍"
    assert plans.plan_for("incident", "现在处置进度怎么样，哪些节点超时了？", TUESDAY).command == "incident show"
    # A yes-no question about how things stand shows the clock; it neither ticks a step nor closes.
    for question in ("声明发了吗", "事件结束了吗", "首次响应完成了没有？", "Has the statement gone out?"):
        assert plans.plan_for("incident", question, TUESDAY).command == "incident show", question
    assert plans.plan_for("incident", "事件处理完了，关闭吧", TUESDAY).command == "incident close"


def test_monitoring_requests_become_the_watch_commands() -> None:
    # The watch group has no command of its own: words must name one of its sub-commands.
    assert plans.plan_for("watch", "最近舆情怎么样？有没有预警", TUESDAY).command == "watch status"
    assert plans.plan_for("watch", "最近有哪些舆情话题？", TUESDAY).command == "watch stories"


def test_a_bid_in_words_names_the_case_and_the_tender() -> None:
    plan = plans.plan_for("case", "把case-101标记为用于某省政务云投标", TUESDAY)
    assert (plan.command, plan.values) == ("case used-in-bid", {"case": "case-101", "bid": "某省政务云投标"})
    assert plans.plan_for("case", "这个案例用在了某银行的投标里", TUESDAY).missing == ["case"]
