"""The conversation layer end to end: real router, SQLite, Chroma and the offline model."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from bot.app import Services
from bot.conversation import Conversation
from bot.core import Action, Reply, Request
from storage.changes import ChangeRequest
from storage.conversation import ConversationMemory


def say(svc: Services, text: str, thread: str = "t1", user: str = "slack:U1") -> Reply:
    return svc.router.handle(Request(text=text, user_id=user, channel_id="C1", platform="slack", thread_id=thread))


def click(svc: Services, action: str, user: str = "slack:U1") -> Reply:
    # a click carries only its action: the token finds the conversation it belongs to
    return svc.router.handle(Request(text="", user_id=user, channel_id="C1", platform="slack", action=Action(action)))


def command_of(reply: Reply) -> str:
    return str(reply.data.get("conversation", {}).get("command", ""))


def cited(reply: Reply) -> list[str]:
    return [c.id.split("#")[0] for c in reply.citations]


def changes(svc: Services) -> list[ChangeRequest]:
    with Session(svc.engine) as session:
        return list(session.exec(select(ChangeRequest)))


def test_the_app_installs_the_conversation_layer(conv: Services) -> None:
    assert isinstance(conv.router.interpreter, Conversation)


def test_greetings_and_capability_questions_get_an_overview_in_the_users_language(conv: Services) -> None:
    hello = say(conv, "你好", thread="hello")
    assert command_of(hello) == "help"
    assert "我能" in hello.text and "案例" in hello.text
    assert "没有找到相关资料" not in hello.text
    # two examples per capability: 「…」「…」 on each line
    lines = [line for line in hello.text.splitlines() if line.startswith("•")]
    assert len(lines) >= 8 and all(line.count("「") >= 2 for line in lines)
    english = say(conv, "What can you do?", thread="hello-en")
    assert english.text.startswith("Hi!") and "e.g." in english.text
    assert "welcome" in say(conv, "Thanks a lot!", thread="thanks").text


def test_nothing_fits_names_the_nearest_commands_never_a_bare_not_found(conv: Services) -> None:
    reply = say(conv, "把会议室空调调低一点", thread="nearest")
    assert "没有找到相关资料" not in reply.text
    assert "最接近" in reply.text and reply.text.count("例如") >= 2


def test_an_inferred_change_request_is_confirmed_once_and_a_second_click_does_nothing(conv: Services) -> None:
    before = len(changes(conv))
    reply = say(conv, "我想加一个小变更：官网首页换横幅，下周一生效", thread="click")
    assert command_of(reply) == "cr"
    assert "官网首页换横幅" in reply.text and "小变更" in reply.text
    assert [b.label for b in reply.buttons] == ["确认", "取消"]
    assert len(changes(conv)) == before  # nothing happens before the confirmation
    yes = reply.buttons[0].action
    first = click(conv, yes)
    assert "官网首页换横幅" in first.text and len(changes(conv)) == before + 1
    second = click(conv, yes)
    assert "不会重复执行" in second.text
    assert len(changes(conv)) == before + 1
    # typing 是 after the click does not submit again either
    assert "不会重复执行" in say(conv, "是", thread="click").text
    assert len(changes(conv)) == before + 1


def test_a_typed_yes_confirms_and_no_cancels(conv: Services) -> None:
    before = len(changes(conv))
    asked = say(conv, "提一个大变更，年度发布会改到2027年12月31日生效", thread="big")
    assert "大变更" in asked.text and "2027-12-31" in asked.text
    done = say(conv, "是", thread="big")
    assert "年度发布会" in done.text and len(changes(conv)) == before + 1
    say(conv, "提一个小变更：客服热线换号码，明天起生效", thread="other")
    cancelled = say(conv, "否", thread="other")
    assert "已取消" in cancelled.text and len(changes(conv)) == before + 1


def test_a_new_request_while_a_slot_is_asked_for_is_answered_and_the_unfinished_one_dropped(conv: Services) -> None:
    before = len(changes(conv))
    assert "小变更还是大变更" in say(conv, "登记一个变更，把客服热线换成新号码", thread="switch").text
    reply = say(conv, "有哪些金融行业的案例？", thread="switch")
    assert reply.text.startswith("（上一个没有完成的请求已放下，什么都没有提交。）"), reply.text
    assert "小变更还是大变更" not in reply.text and len(changes(conv)) == before
    # Said in words, 「算了」 drops the request too.
    assert "小变更还是大变更" in say(conv, "登记一个变更，把客服热线换成新号码", thread="never").text
    assert "已取消" in say(conv, "算了，不提了", thread="never").text and len(changes(conv)) == before


def test_a_missing_slot_is_asked_for_and_a_bad_answer_is_asked_again_keeping_the_rest(conv: Services) -> None:
    before = len(changes(conv))
    first = say(conv, "登记一个变更，把客服热线换成新号码", thread="slots")
    assert "小变更还是大变更" in first.text
    second = say(conv, "小变更", thread="slots")
    assert "哪天" in second.text
    bad = say(conv, "下下下周八", thread="slots")
    assert "下下下周八" in bad.text and "例如" in bad.text
    # what was given is kept, in words
    assert "小变更" in bad.text and "内容「把客服热线换成新号码」" in bad.text and "size=" not in bad.text
    confirm = say(conv, "明天起", thread="slots")
    assert "确认吗" in confirm.text and "小变更" in confirm.text
    say(conv, "是", thread="slots")
    assert len(changes(conv)) == before + 1
    # a second 「是」 acts no more, and says so
    again = say(conv, "是", thread="slots")
    assert "不会重复执行" in again.text and command_of(again) == "cr"
    assert len(changes(conv)) == before + 1


def test_a_yes_with_nothing_to_confirm_says_so(conv: Services) -> None:
    reply = say(conv, "是", thread="nothing-pending")
    assert "没有等你确认的操作" in reply.text


def test_an_incident_level_is_a_rule_and_starting_asks_first(conv: Services) -> None:
    reply = say(conv, "紧急！微博上有人说我们平板充电起火，帮我启动二级响应", thread="incident")
    assert command_of(reply) == "incident"
    assert "2级响应" in reply.text and "平板充电起火" in reply.text and reply.buttons


def test_an_explicit_command_acts_at_once(conv: Services) -> None:
    soon = (date.today() + timedelta(days=40)).isoformat()  # within the effective-date horizon
    reply = say(conv, f"cr add --title 官网换横幅 --size small --effective {soon}", thread="explicit")
    assert "官网换横幅" in reply.text and "#" in reply.text
    assert not any(b.action.startswith("conv:") for b in reply.buttons)  # no confirmation asked


def test_follow_ups_replace_the_industry_and_resolve_references(conv: Services) -> None:
    svc = conv
    first = say(svc, "2023年医疗行业有哪些案例？", thread="follow")
    assert cited(first)[:1] == ["fx-hospital"]
    again = say(svc, "那制造业呢？", thread="follow")
    assert command_of(again) == "ask"
    assert again.data["answer"]["question"] == "2023年制造业有哪些案例？"
    assert cited(again)[:1] == ["fx-factory"]
    year = say(svc, "它是哪一年上线的？", thread="follow")
    assert "fx-factory" in cited(year)[:3]


def test_a_follow_up_with_no_earlier_question_is_answered_with_a_note(conv: Services) -> None:
    reply = say(conv, "那金融行业呢？", thread="fresh")
    assert "还没有上一个问题" in reply.text
    assert command_of(reply) == "ask"


def test_an_ordinal_past_the_end_says_how_many_there_were(conv: Services) -> None:
    svc = conv
    listed = say(svc, "有没有医疗行业的案例？", thread="list")
    shown = len(
        svc.router.interpreter.memory.load(  # type: ignore[union-attr]
            Request(text="", channel_id="C1", platform="slack", thread_id="list")
        ).list_ids
    )
    assert shown == len(listed.citations) or shown >= 1
    reply = say(svc, "第九个详细说说", thread="list")
    assert f"只有 {shown} 项" in reply.text


def test_more_goes_on_after_the_first_page_of_a_list(conv: Services) -> None:
    settings = conv.settings.retrieval
    page_size = settings.list_page_size
    settings.list_page_size = 1
    try:
        first = say(conv, "2023年有哪些案例？", thread="paged")
        assert len(first.citations) == 1 and '还有 1 个，回复"更多"' in first.text
        rest = say(conv, "更多", thread="paged")
        assert "接上文（第 2 项，共 2 项）" in rest.text, rest.text
        # The next page is quoted and cited as the first was.
        assert [c.id for c in rest.citations] == [i for i in list_ids(first) if i not in cited(first)]
        assert "2. 《" in rest.text and "[1]" in rest.text
        assert "都已经列出了" in say(conv, "更多", thread="paged").text
    finally:
        settings.list_page_size = page_size


def list_ids(reply: Reply) -> list[str]:
    return [str(i) for i in reply.data["list"]["ids"]]


def test_copy_brought_to_be_checked_is_checked_even_after_an_answer(conv: Services) -> None:
    assert cited(say(conv, "某三甲医院智能导诊的案例有吗", thread="check-after"))[:1] == ["fx-hospital"]
    reply = say(conv, "这个说法合规吗：全网第一的智能客服", thread="check-after")
    assert command_of(reply) == "check", reply.text
    assert "第一" in reply.text and not reply.citations


def test_a_headline_brought_to_be_checked_is_checked_without_a_format(conv: Services) -> None:
    reply = say(conv, "这个标题有没有违反广告法：业界领先的数字孪生平台", thread="check-headline")
    assert command_of(reply) == "check" and "业界领先" in reply.text, reply.text


def test_an_expired_conversation_says_so(conv: Services) -> None:
    svc = conv
    say(svc, "有没有医疗行业的案例？", thread="old")
    with Session(svc.engine) as session:
        row = session.get(ConversationMemory, ("slack", "C1", "old"))
        assert row is not None
        row.updated_at = row.updated_at - timedelta(days=2)
        session.add(row)
        session.commit()
    reply = say(svc, "那金融行业呢？", thread="old")
    assert "已过期" in reply.text


def test_a_draft_about_the_threads_case_then_a_check_of_the_draft(conv: Services) -> None:
    svc = conv
    say(svc, "某城商行智能客服升级的案例有吗", thread="chain")
    draft = say(svc, "给这个案例写3个标题，给银发群体", thread="chain")
    assert command_of(draft) == "draft"
    assert len(draft.data["draft"]["variants"]) == 3
    assert draft.data["draft"]["persona"] == "银发科技爱好者"
    check = say(svc, "这条文案合规吗", thread="chain")
    assert command_of(check) == "check"
    assert "check" in check.data


def test_threads_do_not_share_memory(conv: Services) -> None:
    svc = conv
    say(svc, "有没有医疗行业的案例？", thread="one")
    other = say(svc, "那金融行业呢？", thread="two")
    assert "还没有上一个问题" in other.text


def test_more_without_a_list_and_similar_cases_without_those_shown(conv: Services) -> None:
    assert "还没有列出过结果" in say(conv, "更多", thread="more0").text
    first = say(conv, "2023年医疗行业有哪些案例？", thread="similar")
    assert "fx-hospital" in cited(first)
    more = say(conv, "还有别的类似案例吗？", thread="similar")
    assert command_of(more) == "ask"
    assert "fx-hospital" not in cited(more)


def test_a_change_request_with_no_details_opens_the_form_where_there_are_forms(conv: Services) -> None:
    on_slack = say(conv, "帮我填一个变更申请表", thread="form")
    assert on_slack.form is not None and on_slack.form.action == "cr:create"
    assert command_of(on_slack) == "cr"
    # the terminal asks in words, and so does Slack once some detail was given (forms are not prefilled)
    terminal = conv.router.handle(Request(text="我要提一个需求变更", channel_id="console", thread_id="form-cli"))
    assert terminal.form is None and "要变更的是什么" in terminal.text
    partial = say(conv, "提一个小变更：客服热线换号码", thread="form-partial")
    assert partial.form is None and "哪天" in partial.text


def test_a_question_about_this_case_on_what_it_never_mentions_says_so(conv: Services) -> None:
    first = say(conv, "2023年医疗行业有哪些案例？", thread="absent")
    assert cited(first)[:1] == ["fx-hospital"]
    # The rewritten question would carry the case's title, and the title would carry the evidence.
    reply = say(conv, "它的舆情怎么样", thread="absent")
    assert reply.text.startswith("《某三甲医院智能导诊》里没有说到这一点"), reply.text
    assert not reply.citations
    # A rate the case does not report, though it shares a word with the case (导诊 is in it).
    rate = say(conv, "它的导诊准确率提升了多少？", thread="absent")
    assert rate.text.startswith("《某三甲医院智能导诊》里没有说到这一点"), rate.text
    # Words the case does use, and the fields of its front matter, are answered from it.
    assert "fx-hospital" in cited(say(conv, "它的导诊台咨询量减少了多少？", thread="absent"))
    assert "fx-hospital" in cited(say(conv, "它挂错科室的比例降到多少？", thread="absent"))
    assert "fx-hospital" in cited(say(conv, "它用了什么产品？", thread="absent"))


def test_english_references_point_at_the_thread_case(conv: Services) -> None:
    say(conv, "2023年医疗行业有哪些案例？", thread="en-ref")
    who = say(conv, "Who was the customer?", thread="en-ref")
    # The field asked for survives the rewrite around the Chinese title, and the reply stays English.
    assert who.text.startswith(
        "(Quoted from the Chinese sources.)\n《某三甲医院智能导诊》: customer 西南某三甲医院."
    ), who.text
    assert cited(who)[:1] == ["fx-hospital"]
    assert cited(say(conv, "What did the project achieve?", thread="en-ref"))[:1] == ["fx-hospital"]


def test_another_period_after_the_scoreboard_is_the_scoreboard_for_it(conv: Services) -> None:
    first = say(conv, "这个季度的KPI怎么样？", thread="kpi-then")
    assert command_of(first) == "kpi"
    today = date.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    again = say(conv, "上个月的呢", thread="kpi-then")
    assert command_of(again) == "kpi" and f"KPI · {last_month}" in again.text, again.text
    # Without the scoreboard before it, the same words are a follow-up of nothing.
    assert command_of(say(conv, "上个月的呢", thread="kpi-fresh")) != "kpi"


def test_how_many_after_a_list_is_its_length(conv: Services) -> None:
    listed = say(conv, "有哪些案例？", thread="count")
    total = listed.data["list"]["total"]
    assert say(conv, "一共多少家？", thread="count").text == f"上一个列表一共 {total} 项。"
    # With no list before it, it is a question like any other.
    assert "上一个列表" not in say(conv, "一共多少家？", thread="count-fresh").text


def test_the_next_copy_after_a_check_is_checked_the_same_way(conv: Services) -> None:
    first = say(conv, "帮我看看这句话能不能发：我们是全国最好的智能客服", thread="recheck")
    assert command_of(first) == "check" and "最好" in first.text
    again = say(conv, "那这句呢：我们业内领先", thread="recheck")
    assert command_of(again) == "check" and "业内领先" in again.text, again.text


def test_a_persona_named_in_words_is_shown_and_a_question_for_all_lists_them(conv: Services) -> None:
    one = say(conv, "投资者那个画像关心什么？", thread="persona")
    assert one.text.startswith("**投资人与分析师**"), one.text
    every = say(conv, "我们有哪些受众画像？", thread="personas")
    assert every.text.startswith("受众画像") and "投资人与分析师" in every.text
    assert say(conv, "What does the IT decision-maker persona care about?", thread="p-en").text.startswith(
        "**企业IT决策人**"
    )


def test_a_request_to_submit_a_note_opens_its_form_at_once(conv: Services) -> None:
    reply = say(conv, "我写了一篇模型蒸馏的技术解读，想提交到笔记库", thread="submit")
    # Nothing is stored before the form is sent, so the form itself is the confirmation.
    assert reply.form is not None and [f.name for f in reply.form.fields][:2] == ["title", "technology"]


def test_a_drill_plan_confirmation_names_its_year(conv: Services) -> None:
    reply = say(conv, "下个月安排一次舆情危机演练，场景是用户数据泄露", thread="drill-year")
    assert f"规划{date.today().year + 1}年的危机演练" in reply.text, reply.text


def test_asking_how_monitoring_goes_shows_its_status(conv: Services) -> None:
    reply = say(conv, "最近舆情怎么样？有没有预警", thread="watch")
    assert command_of(reply) == "watch" and reply.text.startswith("舆情监测："), reply.text


def test_a_case_used_in_a_bid_is_recorded_from_words(conv: Services) -> None:
    assert "fx-bank" in cited(say(conv, "城商行智能客服升级的效果怎么样？", thread="bid"))
    asked = say(conv, "这个案例我们用在了某银行的投标里", thread="bid")
    assert command_of(asked) == "case" and "记录案例 fx-bank 用于「某银行投标」" in asked.text, asked.text
    done = say(conv, "是", thread="bid")
    assert "已记录" in done.text and "fx-bank" in done.text, done.text
    named = say(conv, "把 fx-factory 记为用于某省政务云招标", thread="bid-named")
    assert "记录案例 fx-factory 用于「某省政务云招标」" in named.text, named.text


def test_the_last_draft_is_redone_shorter_for_another_audience_or_format(conv: Services) -> None:
    first = say(conv, "帮我写一段100字的摘要，讲城商行智能客服升级那个案例", thread="redraft")
    assert first.data["draft"]["limit"] == 100 and first.data["draft"]["source"] == "fx-bank", first.text
    shorter = say(conv, "再短一点", thread="redraft")
    assert shorter.data["draft"]["limit"] == 70 and shorter.data["draft"]["source"] == "fx-bank", shorter.text
    assert all(v["chars"] <= 70 for v in shorter.data["draft"]["variants"])
    investors = say(conv, "换成面向投资者的", thread="redraft")
    draft = investors.data["draft"]
    assert (draft["persona"], draft["limit"], draft["source"]) == ("投资人与分析师", 70, "fx-bank"), investors.text
    weibo = say(conv, "改成微博", thread="redraft")
    assert (weibo.data["draft"]["format"], weibo.data["draft"]["persona"]) == ("微博", "投资人与分析师")
    # With no draft in the thread, 「再短一点」 is nothing to redo.
    assert "draft" not in say(conv, "再短一点", thread="redraft-none").data


def test_a_change_request_in_english_is_submitted_and_listed(conv: Services) -> None:
    before = len(changes(conv))
    asked = say(conv, "Submit a big change: new pricing page goes live on 2027-03-01", thread="english-cr")
    assert "big" in asked.text and "2027-03-01" in asked.text, asked.text
    say(conv, "yes", thread="english-cr")
    assert len(changes(conv)) == before + 1
    listed = say(conv, "What changes are pending?", thread="english-cr-list")
    assert "new pricing page" in listed.text and not listed.citations, listed.text
