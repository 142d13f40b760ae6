"""The offline writer and the LLM path (real langchain-openai client against a loopback fake)."""

from __future__ import annotations

import pytest

from knowledge import factcheck, length
from knowledge.compliance import load_rulebook
from knowledge.drafting import Drafter
from knowledge.llm import OpenAIChatModel
from knowledge.note_draft import HEADINGS, OFFLINE_MARK, llm_user_value, offline_user_value
from knowledge.personas import load_catalog
from knowledge.text import split_sentences
from tests.fakes.openai_server import FakeOpenAI

SOURCE = (
    "## 背景\n该超市在华北两省有 210 家门店，实体会员卡约 380 万张，但近一年有消费的活跃会员不足 30%。"
    "促销活动以门店海报和全场优惠为主，无法区分顾客，营销费用逐年上升。\n## 成效\n"
    "一年内新增电子会员 160 万人，活跃会员占比由 28% 提升到 46%；定向券核销率达到 18%，是原来全场优惠的 3 倍。"
    "会员客单价比非会员高 35%。"
)
META = {"customer": "华北某区域连锁超市", "industry": "零售", "products": ["会员运营平台", "小程序"]}


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog()


def test_offline_headlines_per_persona_are_grounded_and_short(catalog) -> None:  # type: ignore[no-untyped-def]
    drafter = Drafter(load_rulebook())
    seen = {}
    for name in ("银发科技爱好者", "企业IT决策人", "Z世代极客"):
        result = drafter.draft(
            "headline", SOURCE, catalog.persona(name), None, 5, title="某区域连锁超市会员数字化运营", meta=META
        )
        assert result.mode == "offline" and not result.fell_back
        assert 3 <= len(result.variants) <= 5
        for variant in result.variants:
            assert variant.chars <= result.limit
            assert factcheck.check(variant.text, SOURCE) == []
        seen[name] = [v.text for v in result.variants]
    assert seen["银发科技爱好者"] != seen["企业IT决策人"]
    assert any("省心" in t or "放心" in t or "爸妈" in t for t in seen["银发科技爱好者"])


def test_offline_summary_fits_weibo_and_ends_at_a_sentence(catalog) -> None:  # type: ignore[no-untyped-def]
    result = Drafter(load_rulebook()).draft(
        "summary", SOURCE, catalog.persona("行业媒体记者"), catalog.format("微博"), 3
    )
    assert result.limit == 140 and result.counter == "weibo"
    assert result.variants
    for variant in result.variants:
        assert length.count(variant.text, "weibo") <= 140
        assert variant.text.endswith(("。", "！", "？"))
        assert all(sentence in SOURCE for sentence in split_sentences(variant.text))  # quoted, not reworded
        assert "##" not in variant.text


def test_short_limit_cuts_at_clause_or_drops(catalog) -> None:  # type: ignore[no-untyped-def]
    result = Drafter(load_rulebook()).draft("summary", SOURCE, catalog.persona("行业媒体记者"), None, 2, max_chars=20)
    for variant in result.variants:
        assert variant.chars <= 20


def test_short_video_script_has_sections(catalog) -> None:  # type: ignore[no-untyped-def]
    result = Drafter(load_rulebook()).draft(
        "summary", SOURCE, catalog.persona("Z世代极客"), catalog.format("短视频"), 1
    )
    text = result.variants[0].text
    assert text.startswith("【开场】") and "【结尾】" in text and len(text) <= 300


def llm_reply(messages):  # type: ignore[no-untyped-def]
    return 200, (
        "1. 活跃会员占比由 28% 提升到 46%：一家超市的会员账本\n"
        "2. 最懂长辈的会员小程序，活跃会员提升 50%\n"
        "3. " + "很长的标题" * 20 + "\n"
        "4. 一年新增电子会员 160 万人"
    )


def test_llm_headlines_are_checked_cut_and_flagged(catalog) -> None:  # type: ignore[no-untyped-def]
    with FakeOpenAI(chat=llm_reply) as fake:
        model = OpenAIChatModel(fake.base_url, "test-key", "fake-model", timeout_s=10, max_retries=0)
        result = Drafter(load_rulebook(), model).draft("headline", SOURCE, catalog.persona("银发科技爱好者"), None, 4)
        request = fake.chat_requests()[0]["body"]
    assert result.mode == "llm"
    prompt = " ".join(m["content"] for m in request["messages"])
    assert "银发科技爱好者" in prompt and "210 家门店" in prompt and "不超过 40 字" in prompt
    texts = [v.text for v in result.variants]
    assert texts[0] == "活跃会员占比由 28% 提升到 46%：一家超市的会员账本"
    flagged = result.variants[1]
    assert [i.claim for i in flagged.facts] == ["50%"]
    assert [f.term for f in flagged.compliance] == ["最懂长"]
    assert len(result.dropped) == 1  # the overlong one has no clause boundary to cut at
    assert texts[-1] == "一年新增电子会员 160 万人"


def test_llm_failure_falls_back_offline_and_says_so(catalog) -> None:  # type: ignore[no-untyped-def]
    with FakeOpenAI(chat=lambda messages: (500, "")) as fake:
        model = OpenAIChatModel(fake.base_url, "test-key", "fake-model", timeout_s=10, max_retries=0)
        result = Drafter(load_rulebook(), model).draft("summary", SOURCE, catalog.persona("企业IT决策人"), None, 2)
    assert result.mode == "offline" and result.fell_back
    assert result.variants


def test_offline_user_value_is_a_marked_scaffold_under_four_headings() -> None:
    technical = (
        "联邦学习让各参与方在本地训练模型，只上传加密的参数。这样可以防止原始数据泄露，解决数据孤岛问题。"
        "适用于多家医院、银行与运营商联合建模的场景。"
    )
    draft = offline_user_value(technical)
    assert draft.startswith(OFFLINE_MARK)
    for heading in HEADINGS:
        assert f"### {heading}" in draft
    assert "防止原始数据泄露" in draft  # the problem it solves, quoted from the technical section
    assert "（待补充" in draft


def test_llm_user_value_through_the_prompt() -> None:
    text = "### 解决什么问题\n数据不能出门。\n### 打个比方\n像会诊。\n### 客户得到什么\n更准。\n### 适合谁\n医院。"
    with FakeOpenAI(chat=lambda messages: (200, text)) as fake:
        model = OpenAIChatModel(fake.base_url, "k", "m", timeout_s=10, max_retries=0)
        assert llm_user_value(model, "联邦学习", "联邦学习", "技术原理") == text
        assert "技术原理" in fake.chat_requests()[0]["body"]["messages"][1]["content"]


def test_llm_replies_are_split_into_variants() -> None:
    from knowledge.drafting import parse_variants

    summary = "### 版本 1\n第一段。\n第二句。\n### 版本 2\n另一版。"
    assert parse_variants(summary, "summary") == ["第一段。\n第二句。", "另一版。"]
    assert parse_variants("1. 标题一\n2、标题二\n- 标题三\n\n", "headline") == ["标题一", "标题二", "标题三"]
