"""Quarterly drills on a controlled clock: planning around holidays, the reminder ladder, RSVPs, the
unconfirmed list at 3 days, moving and cancelling, the drill run in drill mode and its report."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlmodel import Session, select

from bot.core import Action, Request
from handlers.crisis import drill_calendar as cal
from handlers.crisis import rules
from storage.drills import Drill, DrillParticipant, Incident
from tests.handlers.crisis_setup import MANAGER, Crisis, at, build, crisis_settings


@pytest.fixture
def crisis(tmp_path: Path) -> Crisis:
    return build(crisis_settings(tmp_path / "data"))


def drills(crisis: Crisis) -> list[Drill]:
    with Session(crisis.engine) as session:
        return list(session.exec(select(Drill).order_by(Drill.id)))


def rsvps(crisis: Crisis, drill_id: int) -> dict[str, str]:
    with Session(crisis.engine) as session:
        rows = session.exec(select(DrillParticipant).where(DrillParticipant.drill_id == drill_id))
        return {p.user_id: p.rsvp for p in rows}


def local_day(drill: Drill) -> date:
    return drill.starts_at.astimezone(at(2026, 1, 1).tzinfo).date()


def test_plan_rotates_scenarios_and_avoids_holidays_and_weekends(crisis: Crisis) -> None:
    with time_machine.travel(at(2026, 1, 5), tick=False):
        reply = crisis.say("演练 plan --year 2026")
        planned = drills(crisis)
        assert [d.quarter for d in planned] == [1, 2, 3, 4]
        assert [d.scenario for d in planned] == ["数据泄露", "虚假宣传", "产品质量事故", "高管不当言论"]
        days = [local_day(d) for d in planned]
        # From the 15th of each quarter's middle month, the first Thursday that is not a holiday:
        # 2026-02-19 is 春节, so Q1 lands a week later.
        assert days == [date(2026, 2, 26), date(2026, 5, 21), date(2026, 8, 20), date(2026, 11, 19)]
        assert all(cal.check_day(d).ok for d in days)
        assert all(d.status == "proposed" and d.lead_id == "slack:U_MGR2" for d in planned)
        assert "待确认" in reply.text
        assert {b.action for b in reply.buttons} == {"drill:confirm", "drill:move_form", "drill:cancel"}

        again = crisis.say("演练 plan --year 2026")
        assert len(drills(crisis)) == 4, "planning a year twice proposes nothing new"
        assert "新提议 0 场" in again.text

        next_year = crisis.say("演练 plan --year 2027")
        new = drills(crisis)[4:]
        assert new[0].scenario == "服务中断", "the rotation continues where the last plan ended"
        assert new[1].scenario == "数据泄露"
        assert "没有 2027 年的法定节假日数据" in next_year.text
        assert all(local_day(d).weekday() < 5 for d in new)


def test_plan_skips_quarters_without_enough_notice_and_needs_a_manager(crisis: Crisis) -> None:
    with time_machine.travel(at(2026, 8, 10), tick=False):
        refused = crisis.say("演练 plan --year 2026", user="slack:U_LEGAL")
        assert "只有经理" in refused.text and drills(crisis) == []
        reply = crisis.say("演练 plan --year 2026")
        assert [d.quarter for d in drills(crisis)] == [3, 4]
        assert local_day(drills(crisis)[0]) >= date(2026, 8, 24), "at least 14 days' notice"
        assert "第 1 季度" in reply.text and "第 2 季度" in reply.text


def test_default_year_is_next_year_in_the_fourth_quarter() -> None:
    assert rules.default_year(date(2026, 11, 26)) == 2027
    assert rules.default_year(date(2026, 5, 1)) == 2026


def test_reminder_ladder_rsvp_and_unconfirmed_list(crisis: Crisis) -> None:
    with time_machine.travel(at(2026, 1, 5), tick=False) as clock:
        crisis.say("演练 plan --year 2026")
        confirmed = crisis.say("演练 confirm 1")
        assert "已确认演练 #1" in confirmed.text and "14d 2026-02-12 14:00" in confirmed.text
        assert crisis.notifier.posts == []

        clock.move_to(at(2026, 2, 12, 14))  # 14 days ahead
        crisis.timers.fire_due()
        crisis.timers.fire_due()  # a second pass (or a second replica) posts nothing again
        assert Counter(p.destination.channel_id for p in crisis.notifier.posts) == {
            "U_LEGAL": 1,
            "U_PROD": 1,
            "ou_cs": 1,
            "U_PR": 1,
        }
        invitation = crisis.notifier.to("U_LEGAL")[0].reply
        assert "提前 14 天" in invitation.text and "数据泄露" in invitation.text
        assert [(b.label, b.action, b.value) for b in invitation.buttons] == [
            ("参加", "drill:rsvp", "1:accept"),
            ("请假", "drill:rsvp", "1:decline"),
        ]
        # Clicks come back as actions; a Feishu user answers with the command.
        button = invitation.buttons[0]
        assert "你将参加" in crisis.click(button.action, button.value, "slack:U_LEGAL").text
        assert "请假" in crisis.say("演练 rsvp 1 请假", user="feishu:ou_cs").text
        assert rsvps(crisis, 1) == {
            "slack:U_LEGAL": "accepted",
            "slack:U_PROD": "pending",
            "feishu:ou_cs": "declined",
            "slack:U_PR": "pending",
        }

        crisis.notifier.clear()
        clock.move_to(at(2026, 2, 23, 14))  # 3 days ahead: reminders, and the unconfirmed list
        crisis.timers.fire_due()
        by_dest = Counter(p.destination.channel_id for p in crisis.notifier.posts)
        assert by_dest == {"U_LEGAL": 1, "U_PROD": 1, "U_PR": 1, "U_MGR2": 1, "U_BOSS": 1}, "no reminder to ou_cs"
        listing = crisis.notifier.to("U_MGR2")[0].reply.text
        assert crisis.notifier.to("U_BOSS")[0].reply.text == listing
        assert "未确认名单" in listing and "slack:U_PROD" in listing and "slack:U_PR" in listing
        assert "slack:U_LEGAL" not in listing.split("请假")[0], "those who answered are not listed as unconfirmed"
        assert "请假：feishu:ou_cs" in listing and "已确认参加 1/4" in listing

        crisis.notifier.clear()
        clock.move_to(at(2026, 2, 25, 14))
        crisis.timers.fire_due()
        clock.move_to(at(2026, 2, 26, 13))
        crisis.timers.fire_due()
        texts = crisis.notifier.texts("U_PROD")
        assert len(texts) == 2 and "提前 1 天" in texts[0] and "提前 1 小时" in texts[1]
        assert crisis.notifier.to("ou_cs") == []


def test_rsvp_from_someone_not_invited_changes_nothing(crisis: Crisis) -> None:
    with time_machine.travel(at(2026, 1, 5), tick=False):
        crisis.say("演练 plan --year 2026")
        before = rsvps(crisis, 1)
        reply = crisis.click("drill:rsvp", "1:accept", "slack:U_STRANGER")
        assert "不在演练 #1 的参与名单中" in reply.text and reply.private
        assert "不认识「slack:U_NOBODY」" in crisis.say("演练 invite 1 slack:U_NOBODY").text
        assert "不认识" in crisis.say("演练 confirm 1 --lead slack:U_NOBODY").text
        assert drills(crisis)[0].status == "proposed"
        assert rsvps(crisis, 1) == before
        assert "已邀请 slack:U_DIR" in crisis.say("演练 invite 1 slack:U_DIR --team 管理层").text
        assert rsvps(crisis, 1)["slack:U_DIR"] == "pending"


def test_move_warns_on_holidays_weekends_and_the_past_and_allows_force(crisis: Crisis) -> None:
    with time_machine.travel(at(2026, 1, 5), tick=False):
        crisis.say("演练 plan --year 2026")
        crisis.say("演练 confirm 1")
        holiday = crisis.say("演练 move 1 2026-10-01")
        assert "国庆节" in holiday.text and "--force" in holiday.text
        weekend = crisis.say("演练 move 1 2026-03-07")
        assert "周末" in weekend.text
        past = crisis.say("演练 move 1 2025-12-30")
        assert "已经过去" in past.text
        assert local_day(drills(crisis)[0]) == date(2026, 2, 26), "a refused move changes nothing"
        bad = crisis.say("演练 move 1 2026-13-01")
        assert "YYYY-MM-DD" in bad.text

        forced = crisis.say("演练 move 1 2026-10-01 10:00 --force")
        assert "已从 2026-02-26 14:00 改到 2026-10-01 10:00" in forced.text
        moved = drills(crisis)[0]
        assert moved.quarter == 4 and "国庆节" in moved.note
        # The old reminders are cancelled and new ones keyed to the new date.
        pending = [t for t in crisis.timer_rows() if t.status == "pending"]
        assert {t.period for t in pending} == {moved.starts_at.isoformat()}
        assert {t.label for t in pending} == {"14d", "3d", "1d", "1h", "start"}
        assert crisis.notifier.to("U_LEGAL")[0].reply.text.startswith("【演练改期】")

        unknown_year = crisis.say("演练 move 2 2027-03-04")
        assert "没有 2027 年的法定节假日数据" in unknown_year.text and "改到 2027-03-04 14:00" in unknown_year.text
        assert "周末" in crisis.say("演练 move 2 2027-03-06").text


def test_cancel_stops_reminders(crisis: Crisis) -> None:
    with time_machine.travel(at(2026, 1, 5), tick=False) as clock:
        crisis.say("演练 plan --year 2026")
        crisis.say("演练 confirm 1")
        assert "已取消" in crisis.say("演练 cancel 1").text
        assert "无法取消" in crisis.say("演练 cancel 1").text
        assert len(crisis.notifier.posts) == 4 and all("演练取消" in t for t in crisis.notifier.texts())
        crisis.notifier.clear()
        clock.move_to(at(2026, 3, 1))
        assert crisis.timers.fire_due() == []
        assert crisis.notifier.posts == []


def test_drill_runs_in_drill_mode_and_reports_with_a_trend(crisis: Crisis) -> None:
    with time_machine.travel(at(2026, 1, 5), tick=False) as clock:
        crisis.say("演练 plan --year 2026")
        crisis.say("演练 confirm 1")
        crisis.say("演练 confirm 2")
        clock.move_to(at(2026, 2, 26, 14))  # the drill starts by itself
        crisis.timers.fire_due()
        drill = drills(crisis)[0]
        assert drill.status == "running" and drill.incident_id is not None
        kickoff = crisis.notifier.to("U_LEGAL")[-1].reply.text
        assert kickoff.startswith("【演练】演练 #1 现在开始") and "信息核查" in kickoff
        thread = crisis.notifier.to("C_PR")[0]
        assert thread.reply.text.startswith("【演练】") and thread.destination.thread_id is None

        # Scripted: response at 20 min, analysis at 150 (30 late), no statement; steps 1, 2 and 4.
        clock.move_to(at(2026, 2, 26, 14, 20))
        assert "✅" in crisis.say("事件 done response", user="slack:U_PR").text
        crisis.say("事件 log 1 已核实", user="slack:U_LEGAL")
        crisis.say("事件 log 2", user="slack:U_PR")
        crisis.say("事件 log 4", user="slack:U_PR")
        clock.move_to(at(2026, 2, 26, 16, 30))
        crisis.timers.fire_due()
        escalation = [t for t in crisis.notifier.texts("C_PR") if "升级" in t]
        assert len(escalation) == 1 and escalation[0].startswith("【演练】") and "深度分析" in escalation[0]
        assert "超出目标" in crisis.say("事件 done analysis", user="slack:U_PR").text
        clock.move_to(at(2026, 2, 26, 18))  # planned end (4 h): the report goes out by itself
        crisis.timers.fire_due()
        report = [t for t in crisis.notifier.texts("C_PR") if "复盘报告" in t]
        assert len(report) == 1 and report[0].startswith("【演练】")
        assert "❌ 官方声明：未完成" in report[0] and "深度分析：150 分钟（目标 120 分钟）超时 30 分钟" in report[0]
        # checkpoints (1 + 0.5 + 0) / 3 = 0.5, steps 3/9 → 100 × (0.6 × 0.5 + 0.4 × 0.333) = 43.3
        assert "熟练度 43.3 分" in report[0] and "清单步骤完成 3/9" in report[0]
        assert drills(crisis)[0].status == "done"

        # The second drill, started by its lead, all on time with every step: the trend shows the gain.
        clock.move_to(at(2026, 5, 21, 14, 0))
        started = crisis.say("演练 start 2", user="slack:U_MGR2")
        assert "演练模式" in started.text
        drill2 = drills(crisis)[1]
        with Session(crisis.engine) as session:
            assert session.get(Incident, drill2.incident_id).is_drill
        for minute, key in ((10, "response"), (100, "analysis"), (200, "statement")):
            clock.move_to(at(2026, 5, 21, 14, 0) + timedelta(minutes=minute))
            crisis.say(f"事件 done {key}", user="slack:U_PR")
        for step in range(1, 10):
            crisis.say(f"事件 log {step}", user="slack:U_PR")
        closed = crisis.say("事件 close", user="slack:U_MGR2")
        data = closed.data["report"]
        assert data["score"] == 100.0 and data["is_drill"]
        assert [p["score"] for p in data["trend"]] == [43.3, 100.0]
        assert data["improvement"] == pytest.approx((100 - 43.3) / 43.3, abs=1e-3)
        assert "已达到提升 50% 的目标" in closed.text


def test_buttons_confirm_and_move_through_a_form(crisis: Crisis) -> None:
    with time_machine.travel(at(2026, 1, 5), tick=False):
        plan = crisis.say("演练 plan --year 2026")
        confirm = next(b for b in plan.buttons if b.action == "drill:confirm" and b.value == "2")
        refused = crisis.click(confirm.action, confirm.value, "slack:U_PR")
        assert "只有经理" in refused.text and drills(crisis)[1].status == "proposed"
        assert "已确认演练 #2" in crisis.click(confirm.action, confirm.value, MANAGER).text
        move = next(b for b in plan.buttons if b.action == "drill:move_form" and b.value == "2")
        form = crisis.click(move.action, move.value, MANAGER).form
        assert form is not None and form.action == "drill:move:2"
        values = {"date": "2026-05-01", "time": "", "force": "no"}
        platform, _, uid = MANAGER.partition(":")
        holiday = crisis.router.handle(
            Request(text="改期", user_id=uid, platform=platform, action=Action(form.action, values=values))
        )
        assert "劳动节" in holiday.text and local_day(drills(crisis)[1]) == date(2026, 5, 21)
        values = {"date": "2026-05-28", "time": "10:00", "force": "no"}
        moved = crisis.router.handle(
            Request(text="改期", user_id=uid, platform=platform, action=Action(form.action, values=values))
        )
        assert "改到 2026-05-28 10:00" in moved.text
        assert drills(crisis)[1].status == "confirmed"


def test_confirming_late_invites_everyone_at_once(crisis: Crisis) -> None:
    with time_machine.travel(at(2026, 1, 5), tick=False) as clock:
        crisis.say("演练 plan --year 2026")
        clock.move_to(at(2026, 2, 20, 9))  # six days ahead: the 14-day rung is gone
        crisis.say("演练 confirm 1")
        assert {t.label for t in crisis.timer_rows() if t.status == "pending"} == {"invite", "3d", "1d", "1h", "start"}
        crisis.timers.fire_due()
        assert len(crisis.notifier.posts) == 4
        assert all(p.reply.text.startswith("【演练提醒 · 邀请】") for p in crisis.notifier.posts)
