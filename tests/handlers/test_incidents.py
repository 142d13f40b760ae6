"""The incident clock on a scripted timeline: reminders before each checkpoint, escalations when one is
missed, level changes, statements through the compliance check, the report's numbers, bad input."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlmodel import Session, select

from storage.drills import Incident, IncidentLevelChange, IncidentStatement, IncidentStep
from tests.handlers.crisis_setup import MANAGER, Crisis, at, build, crisis_settings

T0 = at(2026, 3, 2, 10, 0)


@pytest.fixture
def crisis(tmp_path: Path) -> Crisis:
    return build(crisis_settings(tmp_path / "data"))


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def incidents(crisis: Crisis) -> list[Incident]:
    with Session(crisis.engine) as session:
        return list(session.exec(select(Incident).order_by(Incident.id)))


def test_scripted_incident_timeline_and_report(crisis: Crisis) -> None:
    posts = crisis.notifier
    with time_machine.travel(T0, tick=False) as clock:
        started = crisis.say('事件 start --level 2 "微博曝光用户数据疑似泄露"', user="slack:U_PR")
        assert "事件 #1 已创建，级别 2" in started.text
        assert "公关经理 slack:U_MGR2" in started.text and "媒体 15 家" in started.text
        assert started.data["lead_id"] == "slack:U_MGR2"
        opening = posts.to("C_PR")[0]
        assert "🚨 事件 #1" in opening.reply.text and "首次响应 03-02 10:30" in opening.reply.text
        thread = started.data["thread_id"]
        assert thread == opening.message_id, "later posts go to the thread the opening post started"
        posts.clear()

        clock.move_to(minutes(20))
        crisis.timers.fire_due()
        assert Counter((p.destination.channel_id, p.destination.thread_id) for p in posts.posts) == {
            ("C_PR", thread): 1,
            ("U_MGR2", None): 1,
        }
        assert "「首次响应」还剩约 10 分钟" in posts.posts[0].reply.text
        posts.clear()

        clock.move_to(minutes(25))
        done = crisis.say("事件 done response --text 我们已关注到相关反馈，正在核实。", user="slack:U_PR")
        assert "用时 25 分钟（目标 30 分钟）✅" in done.text
        clock.move_to(minutes(30))
        results = crisis.timers.fire_due()
        assert [r.status for r in results] == ["skipped"], "no escalation for a checkpoint done in time"
        posts.clear()  # (the done line was echoed to the thread)

        clock.move_to(minutes(50))
        crisis.say("事件 log 1", user="slack:U_LEGAL")
        crisis.say("事件 log 2", user="slack:U_PR")
        crisis.say("事件 log 3", user="slack:U_LEGAL")
        posts.clear()
        clock.move_to(minutes(100))
        crisis.timers.fire_due()
        assert len(posts.posts) == 2 and all("深度分析" in p.reply.text for p in posts.posts)
        posts.clear()

        clock.move_to(minutes(120))  # analysis missed: escalate to the thread, the lead and the manager
        crisis.timers.fire_due()
        assert Counter(p.destination.channel_id for p in posts.posts) == {"C_PR": 1, "U_MGR2": 1, "U_BOSS": 1}
        assert all("升级" in p.reply.text and "深度分析" in p.reply.text for p in posts.posts)
        posts.clear()

        clock.move_to(minutes(135))
        assert "超出目标" in crisis.say("事件 done analysis", user="slack:U_PR").text
        clock.move_to(minutes(140))
        refused = crisis.say("事件 level 1", user="slack:U_LEGAL")
        assert "只有本次的负责人或经理" in refused.text
        raised = crisis.say("事件 level 1", user=MANAGER)
        assert "级别 2 → 1" in raised.text and "公关总监 slack:U_DIR" in raised.text
        assert incidents(crisis)[0].lead_id == "slack:U_DIR"
        crisis.say("事件 log 4", user="slack:U_PR")
        crisis.say("事件 log 5", user="slack:U_PROD")
        crisis.say("事件 log 6", user="slack:U_LEGAL")
        again = crisis.say("事件 log 6 法务再次确认", user="slack:U_LEGAL")
        assert "此前已记录" in again.text and "6/9" in again.text
        posts.clear()

        clock.move_to(minutes(220))  # the reminder goes to the new lead
        crisis.timers.fire_due()
        assert {p.destination.channel_id for p in posts.posts} == {"C_PR", "U_DIR"}

        clock.move_to(minutes(230))
        statement = crisis.say("事件 done statement --text 我们的产品是行业最好的，绝对安全。", user="slack:U_PR")
        assert "用时 230 分钟（目标 240 分钟）✅" in statement.text
        assert "合规检查发现以下问题" in statement.text and "最好的" in statement.text
        with Session(crisis.engine) as session:
            saved = session.exec(select(IncidentStatement).where(IncidentStatement.checkpoint == "statement")).one()
            assert "绝对" in saved.compliance
        posts.clear()
        clock.move_to(minutes(240))
        assert [r.status for r in crisis.timers.fire_due()] == ["skipped"]

        clock.move_to(minutes(250))
        assert "只有本次的负责人或经理" in crisis.say("事件 close", user="slack:U_PR").text
        closed = crisis.say("事件 close", user="slack:U_DIR")
        report = closed.data["report"]
        assert [(c["key"], c["minutes"], c["on_time"]) for c in report["checkpoints"]] == [
            ("response", 25.0, True),
            ("analysis", 135.0, False),
            ("statement", 230.0, True),
        ]
        assert report["checkpoints"][1]["late_minutes"] == 15.0
        assert report["checkpoint_score"] == pytest.approx(2.5 / 3, abs=1e-3)
        assert report["steps_done"] == 6 and report["step_share"] == pytest.approx(6 / 9, abs=1e-3)
        # 100 × (0.6 × 0.8333 + 0.4 × 0.6667) = 76.7
        assert report["score"] == 76.7
        assert report["missed_steps"][0].startswith("7. 渠道发布")
        assert report["level_changes"] == ["2 → 1 (12:20, slack:U_BOSS)"]
        assert "熟练度 76.7 分" in closed.text and "超时 15 分钟" in closed.text
        assert not closed.text.startswith("【演练】"), "a real incident is not labelled as a drill"

        # A closed incident: nothing more can be marked, and no timer fires any more.
        assert "已关闭" in crisis.say("事件 done response --id 1", user="slack:U_PR").text
        assert "已关闭" in crisis.say("事件 log 7 --id 1", user="slack:U_PR").text
        assert "已关闭" in crisis.say("事件 level 3 --id 1", user=MANAGER).text
        with Session(crisis.engine) as session:
            assert len(list(session.exec(select(IncidentStep)))) == 7
            assert len(list(session.exec(select(IncidentLevelChange)))) == 1
        posts.clear()
        clock.move_to(minutes(600))
        assert crisis.timers.fire_due() == []
        assert posts.posts == []
        shown = crisis.say("事件 show 1", user="slack:U_PR")
        assert "已关闭" in shown.text and "L2 → L1" in shown.text


@pytest.mark.parametrize("level", ["0", "6", "abc", "-1"])
def test_level_outside_one_to_five_is_refused(crisis: Crisis, level: str) -> None:
    reply = crisis.say(f'事件 start --level {level} "某事"', user="slack:U_PR")
    assert "级别应为 1 到 5" in reply.text and reply.private
    assert incidents(crisis) == []


def test_missing_parts_and_unknown_people_get_clear_messages(crisis: Crisis) -> None:
    assert "请给出级别" in crisis.say('事件 start "没有级别"', user="slack:U_PR").text
    assert "请描述事件" in crisis.say("事件 start --level 3", user="slack:U_PR").text
    assert "不在应急名单中" in crisis.say('事件 start --level 3 "陌生人"', user="slack:U_STRANGER").text
    assert "当前没有进行中的事件" in crisis.say("事件 done response", user="slack:U_PR").text
    assert "未知的选项「--levle」" in crisis.say('事件 start --levle 3 "拼错"', user="slack:U_PR").text
    assert incidents(crisis) == []
    crisis.say('事件 start --level 3 "甲"', user="slack:U_PR")
    crisis.say('事件 start --level 4 "乙"', user="slack:U_PR")
    assert "有多个进行中的事件（#1, #2）" in crisis.say("事件 done response", user="slack:U_PR").text
    assert "检查点「publish」无效" in crisis.say("事件 done publish --id 1", user="slack:U_PR").text
    assert "步骤号「12」无效" in crisis.say("事件 log 12 --id 1", user="slack:U_PR").text
    assert "没有编号为 9 的事件" in crisis.say("事件 show 9", user="slack:U_PR").text
    assert "已经是 3 级" in crisis.say("事件 level 3 --id 1", user=MANAGER).text
    listing = crisis.say("incident list", user="slack:U_PR")
    assert "#1" in listing.text and "#2" in listing.text


def test_english_request_gets_english_reply(crisis: Crisis) -> None:
    reply = crisis.say('incident start --level 4 "Outage reported on social media"', user="slack:U_PR")
    assert "Incident #1 opened at level 4" in reply.text
    assert "Level 'x' is invalid" in crisis.say("incident level x --lang en", user=MANAGER).text
    assert "级别「x」无效" in crisis.say("incident level x", user=MANAGER).text, (
        "commands alone are answered in Chinese"
    )
    assert "zh 或 en" in crisis.say("incident list --lang fr", user=MANAGER).text


def test_show_gives_the_time_left_on_each_open_checkpoint(crisis: Crisis) -> None:
    with time_machine.travel(at(2026, 12, 1, 9, 0), tick=False) as clock:
        crisis.say('事件 start --level 2 "门店屏幕显示错误价格"', user="slack:U_PR")
        clock.shift(timedelta(minutes=10))
        shown = crisis.say("incident show", user="slack:U_PR").text
        assert "首次响应 (response) · 截止 12-01 09:30 · 还剩 20 分钟" in shown
        assert "还剩 110 分钟" in shown and "还剩 230 分钟" in shown
        clock.shift(timedelta(minutes=40))
        late = crisis.say("incident show --lang en", user="slack:U_PR").text
        assert "overdue by 20 min" in late
