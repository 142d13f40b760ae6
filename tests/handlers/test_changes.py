"""Change requests through the router, as Slack, Feishu and the terminal reach them: commands,
the new-request form, approve/reject buttons, roles, the override, and nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.core import Action, Reply, Request
from bot.router import Router
from handlers.changes.commands import ChangeCommands
from handlers.changes.digest_job import DigestDesk
from handlers.changes.service import ChangeService
from storage.changes import ChangeComment, ChangeRequest
from tests.handlers import changes_support
from tests.handlers.changes_support import MANAGER, REQUESTER, Clock, change_settings, sh

db = changes_support.db  # fixtures shared with the other change-request tests
db_template = changes_support.db_template
NOW = sh(2026, 12, 1, 10, 0)  # a Tuesday


@pytest.fixture
def router(db: tuple[Engine, str], tmp_path: Path) -> Router:
    engine, url = db
    router = Router()
    service = ChangeService(engine, change_settings(tmp_path, url), Clock(NOW))
    router.scan(ChangeCommands(service, DigestDesk(service.engine, service.settings, {})))
    return router


def say(router: Router, text: str, user: str = REQUESTER) -> Reply:
    return router.handle(Request(text=text, user_id=user, platform="slack"))


def click(router: Router, action: str, user: str, values: dict[str, str] | None = None, text: str = "批准") -> Reply:
    return router.handle(Request(text=text, user_id=user, platform="slack", action=Action(action, values=values or {})))


def rows(engine: Engine) -> list[ChangeRequest]:
    with Session(engine) as session:
        return list(session.exec(select(ChangeRequest).order_by(ChangeRequest.id)).all())


def test_new_opens_a_form_and_submitting_it_creates_the_request(router: Router, db: tuple[Engine, str]) -> None:
    reply = say(router, "cr 新建")
    assert reply.form is not None and reply.form.action == "cr:create"
    assert [f.name for f in reply.form.fields][:3] == ["title", "size", "effective_date"]
    size_field = next(f for f in reply.form.fields if f.name == "size")
    values = {
        "title": "双十二海报改色",
        "size": size_field.options[1],
        "effective_date": "2026-12-09",
        "team": "市场部",
    }
    created = click(router, "cr:create", REQUESTER, values, text="提交需求变更")
    assert "已提交变更申请 #1" in created.text
    assert "2026-12-02 的周报" in created.text  # small: joins the next Wednesday's digest
    [row] = rows(db[0])
    assert (row.title, row.size, row.team, row.requester, row.late) == (
        "双十二海报改色",
        "small",
        "市场部",
        REQUESTER,
        False,
    )


def test_late_big_change_is_accepted_marked_and_the_requester_told(router: Router, db: tuple[Engine, str]) -> None:
    reply = say(router, "cr add --title 发布会主视觉更换 --size big --effective 2026-12-15 --campaign 年度发布会")
    assert "未提前15天" in reply.text and "14 天" in reply.text and "经理特批" in reply.text
    [row] = rows(db[0])
    assert row.late is True and row.notice_days == 14 and row.status == "submitted"
    assert [b.action for b in reply.buttons] == ["cr:approve:1", "cr:reject:1"]


def test_big_change_with_15_days_is_on_time(router: Router, db: tuple[Engine, str]) -> None:
    reply = say(router, "cr add --title 官网改版 --size big --effective 2026-12-16")
    assert "符合规则" in reply.text
    assert rows(db[0])[0].late is False


def test_bad_input_gets_a_clear_message_and_writes_nothing(router: Router, db: tuple[Engine, str]) -> None:
    cases = {
        "cr add --title 改版 --size big --effective 2026-11-30": "已经过去",
        "cr add --title 改版 --size big --effective tomorrow": "不是日期",
        "cr add --title 改版 --size medium --effective 2026-12-30": "big（大变更",
        f"cr add --title {'长' * 201} --size small --effective 2026-12-30": "最多 200 个字符",
        "cr add --title 改版 --size": "需要一个值",
        "cr add --titel 改版": "未知的选项「--titel」",
        "cr frobnicate": "未知的子命令",
        "cr approve 改版": "ID「改版」不对：应为整数",
        "cr show 99": "没有编号为 99",
        "cr list --status 进行中": "状态「进行中」无效",
    }
    for text, expected in cases.items():
        reply = say(router, text)
        assert expected in reply.text, (text, reply.text)
        assert reply.private
    assert rows(db[0]) == []


def test_only_managers_approve_and_a_late_change_needs_an_override(router: Router, db: tuple[Engine, str]) -> None:
    say(router, "cr add --title 发布会主视觉更换 --size big --effective 2026-12-10")
    refused = say(router, "cr approve 1 好的", user="slack:USOMEONE")
    assert "只有经理" in refused.text and MANAGER in refused.text
    needs = say(router, "cr approve 1 好的", user=MANAGER)
    assert "--override" in needs.text
    no_reason = say(router, "cr approve 1 --override", user=MANAGER)
    assert "写明理由" in no_reason.text
    assert rows(db[0])[0].status == "submitted"
    approved = say(router, "cr approve 1 --override 发布会日期已定，不能延期", user=MANAGER)
    assert "#1 已批准" in approved.text and "经理特批" in approved.text
    row = rows(db[0])[0]
    assert (row.status, row.override, row.decided_by) == ("approved", True, MANAGER)
    with Session(db[0]) as session:
        kinds = [c.kind for c in session.exec(select(ChangeComment).order_by(ChangeComment.id))]
    assert kinds == ["submit", "override"]
    again = say(router, "cr reject 1 算了", user=MANAGER)
    assert "不能驳回" in again.text


def test_reject_needs_a_comment(router: Router, db: tuple[Engine, str]) -> None:
    say(router, "cr add --title 官网改版 --size big --effective 2026-12-30")
    assert "请写明意见" in say(router, "cr reject 1", user=MANAGER).text
    reply = say(router, "cr reject 1 与年终活动冲突，请改到一月", user=MANAGER)
    assert "#1 已驳回" in reply.text and "与年终活动冲突" in reply.text
    assert rows(db[0])[0].status == "rejected"


def test_approve_and_reject_buttons_open_a_comment_form_for_managers(router: Router, db: tuple[Engine, str]) -> None:
    say(router, "cr add --title 发布会主视觉更换 --size big --effective 2026-12-10")
    refused = click(router, "cr:approve:1", "slack:USOMEONE")
    assert "只有经理" in refused.text and refused.form is None
    form_reply = click(router, "cr:approve:1", MANAGER)
    assert form_reply.form is not None and form_reply.form.action == "cr:decide:approve:1"
    assert [f.name for f in form_reply.form.fields] == ["override", "comment"]  # late: the override is asked
    declined = click(router, "cr:decide:approve:1", MANAGER, {"override": "否", "comment": "先看看"})
    assert "--override" in declined.text
    done = click(router, "cr:decide:approve:1", MANAGER, {"override": "是", "comment": "老板已确认"})
    assert "已批准" in done.text and done.buttons == []
    say(router, "cr add --title 另一个 --size big --effective 2026-12-30")
    reject_form = click(router, "cr:reject:2", MANAGER, text="驳回")
    assert reject_form.form is not None and reject_form.form.fields[0].required
    rejected = click(router, "cr:decide:reject:2", MANAGER, {"comment": "预算不够"}, text="驳回")
    assert "已驳回" in rejected.text
    assert [r.status for r in rows(db[0])] == ["approved", "rejected"]


def test_withdraw_and_done_by_requester_or_manager_only(router: Router, db: tuple[Engine, str]) -> None:
    say(router, "cr add --title 小改动 --size small --effective 2026-12-20")
    say(router, "cr add --title 另一个小改动 --size small --effective 2026-12-20")
    assert "只有提出人或经理" in say(router, "cr withdraw 1", user="slack:USOMEONE").text
    assert "#1 已撤回" in say(router, "cr withdraw 1 不需要了").text
    assert "不能撤回" in say(router, "cr withdraw 1").text
    assert "#2 已标记完成" in say(router, "cr done 2", user=MANAGER).text
    assert [r.status for r in rows(db[0])] == ["withdrawn", "done"]


def test_big_change_must_be_approved_before_done(router: Router) -> None:
    say(router, "cr add --title 官网改版 --size big --effective 2026-12-30")
    assert "不能标记完成" in say(router, "cr done 1").text


def test_list_filters_by_status_size_since_and_mine(router: Router) -> None:
    say(router, "cr add --title 甲 --size small --effective 2026-12-20")
    say(router, "cr add --title 乙 --size big --effective 2026-12-30", user="slack:UBOB")
    say(router, "cr approve 2 ok", user=MANAGER)
    assert "甲" in say(router, "cr list --status submitted").text
    assert "甲" not in say(router, "cr list --status approved").text
    assert "乙" in say(router, "cr list --size big").text
    mine = say(router, "cr list --mine")
    assert "甲" in mine.text and "乙" not in mine.text
    assert "没有符合条件" in say(router, "cr list --since 2027-01-01").text


def test_english_requests_get_english_replies(router: Router) -> None:
    reply = say(router, "cr add --title 'Homepage redesign' --size big --effective 2026-12-10")
    assert "Change request #1 submitted" in reply.text and "override" in reply.text
    assert "Only managers" in say(router, "cr approve 1 fine").text


def test_two_managers_deciding_at_once_cannot_both_win(router: Router, db: tuple[Engine, str], tmp_path: Path) -> None:
    say(router, "cr add --title 官网改版 --size big --effective 2026-12-30")
    engine, url = db
    service = ChangeService(engine, change_settings(tmp_path, url), Clock(NOW))
    stale = service.get(1, "zh")  # both managers loaded the request while it was submitted
    service.approve(1, MANAGER, "ok", False, "zh")
    with pytest.raises(Exception, match="不能"):
        service._transition(stale, ("submitted",), "rejected", MANAGER, "reject", "no", "zh", True)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(ChangeComment)).one() == 2  # submit + approve only
    assert rows(engine)[0].status == "approved"


def test_a_long_list_shows_30_and_says_how_many_more(router: Router) -> None:
    for n in range(35):
        say(router, f"cr add --title 变更{n} --size small --effective 2026-12-20")
    reply = say(router, "cr list")
    assert reply.text.startswith("变更申请（共 35 条）") and reply.text.count("\n• ") == 30
    assert "还有 5 条" in reply.text
