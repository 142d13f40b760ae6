"""What a question asks for: which half of a note, a note at all, or a list of documents."""

from __future__ import annotations

import pytest

from knowledge.library.filters import Vocabulary, infer_filters
from knowledge.library.offline_writer import is_list_question
from knowledge.library.sections import asks_for_note, wanted_section


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("用大白话讲讲零信任是什么", "用户价值说明"),
        ("How would I explain RAG to a customer in plain words?", "用户价值说明"),
        ("零信任技术上怎么实现？", "技术原理解读"),
        ("How does retrieval-augmented generation work under the hood?", "技术原理解读"),
    ],
)
def test_an_explanation_asks_for_its_half_of_the_note(question: str, heading: str) -> None:
    wanted = wanted_section(question)
    assert wanted is not None and wanted(heading)
    assert asks_for_note(question)


@pytest.mark.parametrize(
    "question",
    [
        "值班员用大白话问操作规程，系统直接翻出原文，查一条要多久？",
        "给客户讲的那个智能客服项目，人工成本下降了多少？",
        "In plain words, how much did the bank save?",
    ],
)
def test_a_question_asking_for_a_figure_is_not_sent_to_the_notes(question: str) -> None:
    # The words 「大白话」「给客户」 describe the product or the tone; the figure is in a case.
    assert not asks_for_note(question)


def test_a_plain_question_asks_for_no_note() -> None:
    assert wanted_section("城商行的智能客服项目是哪一年做的？") is None
    assert not asks_for_note("城商行的智能客服项目是哪一年做的？")


@pytest.mark.parametrize(
    ("question", "lists"),
    [
        ("2021年一共有几个案例？", True),
        ("金融行业的项目总共多少个？", True),
        ("我们一共服务过多少家银行？", True),
        ("How many cases do we have from 2021?", True),
        # What is counted is measured inside one case, not a number of documents.
        ("光翻旧档案就要几个月的那个项目，最后一共攒了多少份病历？", False),
        ("那个项目一共节省了多少万元？", False),
        ("How many hours a day did the bank's agents save?", False),
    ],
)
def test_counting_words_ask_for_a_list_only_when_they_count_documents(question: str, lists: bool) -> None:
    assert is_list_question(question) is lists


@pytest.mark.parametrize(
    ("question", "industry"),
    [
        ("Which logistics customer bursts into the public cloud during shopping-festival peaks?", None),
        ("有没有医院和学校都用过的方案？", None),
        ("有没有银行或保险公司的案例？", "金融"),  # two words, one industry
        ("Any logistics customers?", "交通"),
        ("制造行业做过什么", "制造"),
        # A solar-panel maker is manufacturing, a solar farm energy: 光伏 names no one industry.
        ("光伏质检那个案例", None),
        ("电网公司的巡检案例", "能源"),
    ],
)
def test_an_industry_is_inferred_only_when_the_question_names_one(question: str, industry: str | None) -> None:
    vocab = Vocabulary(industries={"交通", "零售", "医疗", "教育", "金融", "制造", "能源"})
    assert infer_filters(question, vocab).values.get("industry") == industry
