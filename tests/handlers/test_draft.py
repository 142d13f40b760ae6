"""``draft``, ``check`` and ``personas`` through the router and the console adapter (real SQLite)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.adapters.cli.console import ConsoleChat
from bot.app import Services
from bot.core import Action, Request
from handlers.drafting.requests import topic_of
from storage import drafting as store
from storage.db import session_scope

SOURCE = (
    "华东某城商行上线智能客服一年后，人工坐席成本下降 32%，客户满意度提升到 95%。"
    "系统每天处理 12 万次咨询，复杂问题带着对话记录转人工。"
)


def ask(svc: Services, text: str, user: str = "cli:amy"):  # type: ignore[no-untyped-def]
    return svc.router.handle(Request(text=text, user_id=user))


def batches(svc: Services) -> list[store.DraftBatch]:
    with session_scope(svc.engine) as session:
        return list(session.exec(select(store.DraftBatch)))


def test_draft_headline_offline_with_buttons_and_pick(services: Services) -> None:
    reply = ask(services, f"draft headline {SOURCE} --persona 企业IT决策人 --count 3")
    draft = reply.data["draft"]
    assert "离线草稿" in reply.text
    assert draft["offline"] is True and draft["persona"] == "企业IT决策人"
    assert 1 <= len(draft["variants"]) <= 3
    assert len(reply.buttons) == len(draft["variants"])
    assert all(v["fact_issues"] == [] for v in draft["variants"])
    # A click comes back as an Action and is stored with persona and format.
    click = reply.buttons[0]
    picked = services.router.handle(
        Request(text=click.label, user_id="cli:amy", action=Action(click.action, click.value))
    )
    assert "已记下" in picked.text
    stats = ask(services, "draft stats")
    assert stats.data["stats"][0]["persona"] == "企业IT决策人"
    assert stats.data["stats"][0]["picked"] == 1


def test_draft_pick_by_number_uses_the_users_last_batch(services: Services) -> None:
    ask(services, f"draft summary {SOURCE} --format 微博 --count 2")
    reply = ask(services, "draft pick 1")
    assert reply.data["pick"]["format"] == "微博"
    bad = ask(services, "draft pick 9")
    assert "1 到" in bad.text


def test_summary_for_weibo_is_within_140(services: Services) -> None:
    reply = ask(services, f"draft summary {SOURCE * 4} --format 微博 --max-chars 500")
    draft = reply.data["draft"]
    assert draft["limit"] == 140  # the channel's limit cannot be asked away
    assert all(v["chars"] <= 140 for v in draft["variants"])


def test_compliance_problems_in_the_source_are_flagged(services: Services) -> None:
    reply = ask(services, "draft summary 我们是行业第一的智能客服平台。上线后人工坐席成本下降 32%。 --count 1")
    flagged = [c for v in reply.data["draft"]["variants"] for c in v["compliance"]]
    assert flagged and flagged[0]["term"] == "第一"
    assert "⚠️" in reply.text and "第九条" in reply.text


def test_bad_input_gets_clear_messages_and_stores_nothing(services: Services) -> None:
    assert "没有原文" in ask(services, "draft headline --persona 企业IT决策人").text
    assert "1 到 20" in ask(services, f"draft headline {SOURCE} --count 0").text
    assert "1 到 20" in ask(services, f"draft headline {SOURCE} --count 100").text
    typo = ask(services, f"draft headline {SOURCE} --persona Z时代极客").text
    assert "Z世代极客" in typo and "银发科技爱好者" in typo and "是不是" in typo
    assert "case-404" in ask(services, "draft headline --doc case-404").text
    assert "服务器上的文件" in ask(services, "draft headline --file /etc/passwd").text
    assert "用法" in ask(services, "draft").text
    assert batches(services) == []


def test_draft_from_a_library_document_cites_it(library_services: Services) -> None:
    reply = ask(library_services, "draft headline --doc fx-bank --persona 行业媒体记者")
    assert [c.id for c in reply.citations] == ["fx-bank"]
    assert reply.data["draft"]["source"] == "fx-bank"
    assert all(v["fact_issues"] == [] for v in reply.data["draft"]["variants"])


def test_check_command_flags_and_counts(services: Services) -> None:
    reply = ask(services, "check 全网最低价，国家级品质，100%满意 --format 微博")
    check = reply.data["check"]
    assert [f["term"] for f in check["findings"]] == ["全网最低价", "国家级", "100%"]
    assert {f["severity"] for f in check["findings"]} == {"violation"}
    assert check["length"]["fits"] is True and check["flagged"] is True
    # One suggested sentence for the sentence, shown once.
    [sentence] = check["sentences"]
    assert sentence["suggestion"].startswith("限时优惠价")
    assert reply.text.count("建议改为") == 1
    clean = ask(services, "check 最近上线的新版本更好用")
    assert "未发现" in clean.text and clean.data["check"]["flagged"] is False
    assert "用法" in ask(services, "check").text
    oversize = ask(services, "check " + "最" * 20001)
    assert "20000" in oversize.text and "check" not in oversize.data


def test_a_check_request_in_words_is_a_check_not_a_summary(services: Services) -> None:
    copy = "我们是国内第一家通过国家级认证的平板厂商。始终把用户数据安全放在第一位。"
    for text in (f"帮我检查一下这段文案合不合规：{copy}", f"draft 帮我检查一下这段文案合不合规：{copy}"):
        reply = ask(services, text)
        assert "draft" not in reply.data, text
        sentences = reply.data["check"]["sentences"]
        assert [s["sentence"] for s in sentences] == ["我们是国内第一家通过国家级认证的平板厂商。"]
        assert "放在第一位" not in reply.text


def test_personas_listed_and_shown(services: Services) -> None:
    listing = ask(services, "personas")
    assert len(listing.data["personas"]) == 12
    assert "银发科技爱好者" in listing.text
    assert "示例标题" in ask(services, "personas 银发").text


def test_console_chat_drafts_and_picks_with_b1(services: Services) -> None:
    chat = ConsoleChat(services.router, user_id="cli:amy", output=lambda s: None)
    first = chat.send(f"draft headline {SOURCE} --persona 中小企业主 --count 2")
    assert first.buttons
    picked = chat.send("b1")
    assert picked.data["pick"]["persona"] == "中小企业主"


def test_a_request_in_words_finds_persona_count_and_the_case(library_services: Services) -> None:
    reply = ask(library_services, "draft 给银发群体写3个标题，讲城商行智能客服降本那个案例")
    draft = reply.data["draft"]
    assert (draft["kind"], draft["persona"], draft["source"]) == ("headline", "银发科技爱好者", "fx-bank")
    assert 1 <= len(draft["variants"]) <= 3
    assert [c.id for c in reply.citations] == ["fx-bank"]
    nothing = ask(library_services, "draft 给Z世代写3个标题，讲火星移民那个案例")
    assert "没有找到" in nothing.text and "火星移民" in nothing.text and "z世代" not in nothing.text


def test_a_request_in_words_with_the_text_after_a_colon(services: Services) -> None:
    reply = ask(services, f"draft 把这段新闻稿压成60字微博：{SOURCE}")
    draft = reply.data["draft"]
    assert (draft["kind"], draft["format"], draft["limit"], draft["source"]) == ("summary", "微博", 60, "inline")
    assert all(v["chars"] <= 60 for v in draft["variants"])
    assert "用法" in ask(services, "draft 随便聊聊").text


def test_a_drafting_request_without_the_command_word_is_drafted_not_answered(library_services: Services) -> None:
    reply = ask(library_services, "给银发群体写3个标题，讲城商行智能客服降本那个案例")
    assert reply.data["draft"]["kind"] == "headline" and reply.data["draft"]["source"] == "fx-bank"
    weibo = ask(library_services, f"把这段新闻稿压成60字微博：{SOURCE}")
    assert weibo.data["draft"]["format"] == "微博"
    question = ask(library_services, "城商行人工坐席成本下降了多少？")
    assert "answer" in question.data and "draft" not in question.data


def test_an_english_request_in_words_is_honoured_offline_with_a_note(services: Services) -> None:
    reply = ask(services, f"Write 3 headlines for IT decision makers in English: {SOURCE}")
    draft = reply.data["draft"]
    assert (draft["kind"], draft["persona"], draft["language"]) == ("headline", "企业IT决策人", "zh")
    assert draft["english_needs_model"] is True
    assert 1 <= len(draft["variants"]) <= 3
    assert "English copy needs a language model" in reply.text  # the reply speaks the request's language
    chinese = ask(services, f"draft 写3个标题：{SOURCE}")
    assert chinese.data["draft"]["english_needs_model"] is False and len(chinese.data["draft"]["variants"]) <= 3


def test_offline_headlines_of_an_english_source_are_its_own_clauses(services: Services) -> None:
    source = "City bank chatbot cut service costs by 30%, and answered 78% of calls alone. Staff fell from 140 to 95."
    reply = ask(services, f"Write 3 headlines for investors: {source}")
    draft = reply.data["draft"]
    assert draft["language"] == "en" and draft["english_needs_model"] is False
    texts = [v["text"] for v in draft["variants"]]
    assert texts and all(t in source or t[:1].lower() + t[1:] in source for t in texts), texts
    assert not any("与" in t for t in texts) and "English copy needs a language model" not in reply.text
    assert "characters)" in reply.text and " 字）" not in reply.text


def test_weibo_summaries_in_words_name_the_subject_and_a_result(services: Services) -> None:
    reply = ask(services, f"把这段新闻稿压成140字微博，写3版：{SOURCE}")
    variants = reply.data["draft"]["variants"]
    assert len(variants) >= 1
    for variant in variants:
        assert "华东某城商行" in variant["text"], variant["text"]
        assert any(w in variant["text"] for w in ("下降", "提升")), variant["text"]


def test_incident_statements_use_the_same_check(settings) -> None:  # type: ignore[no-untyped-def]
    from handlers.crisis.drills import compliance_check

    check = compliance_check(settings)
    assert check is not None
    assert check("我们始终把用户数据安全放在第一位，第一时间成立了专项组。") == []
    [line] = check("我们的产品是行业最好的，绝对安全。")
    assert "最好" in line and "绝对" in line and line.count("行业最好的") == 1


@pytest.mark.parametrize(
    ("request_text", "topic"),
    [
        ("帮我把光伏质检那个案例写成一条微博", "光伏质检"),
        ("能不能把风电运维助手的案例浓缩成一段100字以内的新闻稿导语", "风电运维助手"),
        ("给省新闻办舆情平台写个标题", "省新闻办舆情平台"),
    ],
)
def test_the_topic_of_a_request_in_words_is_the_document_it_describes(request_text: str, topic: str) -> None:
    # 「写成」 left 「成」 behind, and 「光伏质检 成」 found no document to draft from.
    assert topic_of(request_text) == topic


def test_a_request_in_words_names_its_case_by_what_it_did(library_services: Services) -> None:
    reply = ask(library_services, "帮我把汽车零部件厂视觉质检那个案例写成一条微博")
    assert reply.data["draft"]["source"] == "fx-factory", reply.text
