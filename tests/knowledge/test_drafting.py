"""The offline writer and the LLM path (real langchain-openai client against a loopback fake)."""

from __future__ import annotations

import pytest

from knowledge.llm import OpenAIChatModel
from knowledge.text import split_sentences
from knowledge.writing import factcheck, length
from knowledge.writing.compliance import load_rulebook
from knowledge.writing.drafting import Drafter
from knowledge.writing.note_draft import HEADINGS, OFFLINE_MARK, llm_user_value, offline_user_value
from knowledge.writing.personas import load_catalog
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


AUDIENCE_WORDS = ("爸妈", "长辈", "老人", "家长", "孩子")
BANK = (
    "华东某城商行上线智能客服一年后，人工坐席话务量下降 46%，年节约人力成本约 1,150 万元。"
    "客户满意度由 86.3 分提升到 92.1 分。复杂问题自动转人工，并把对话摘要推送给坐席。"
)
TABLET = (
    "## 背景\n某市有 60 岁以上老人 42 万，独居老人约 3 万。\n## 成效\n"
    "向 5,000 户独居老人发放适老化平板，老人 30 天内自主使用率达到 88%；社区线上探访占比提升至 60%。"
    "老人满意度达到 98%。"
)


def test_offline_headlines_name_the_subject_and_never_invent_an_audience(catalog) -> None:  # type: ignore[no-untyped-def]
    drafter = Drafter(load_rulebook())
    seen = {}
    subjects = ("某区域连锁超市会员数字化运营", META["customer"], *META["products"])
    for name in ("银发科技爱好者", "企业IT决策人", "Z世代极客"):
        result = drafter.draft(
            "headline", SOURCE, catalog.persona(name), None, 5, title="某区域连锁超市会员数字化运营", meta=META
        )
        assert result.mode == "offline" and not result.fell_back
        assert 3 <= len(result.variants) <= 5
        for variant in result.variants:
            assert variant.chars <= result.limit
            assert factcheck.check(variant.text, SOURCE) == []
            assert any(s in variant.text for s in subjects), variant.text
            # A supermarket case is not about seniors or parents: no headline says it is.
            assert not any(w in variant.text for w in AUDIENCE_WORDS), variant.text
            assert "实测" not in variant.text  # nobody tested anything
        seen[name] = [v.text for v in result.variants]
        # Variants differ in the result they state, not only in a prefix.
        results = {t.split("：", 1)[-1].split("，", 1)[-1] for t in seen[name]}
        assert len(results) >= 3, seen[name]
    assert seen["银发科技爱好者"] != seen["企业IT决策人"] != seen["Z世代极客"]


def test_audience_templates_only_for_a_source_about_that_audience(catalog) -> None:  # type: ignore[no-untyped-def]
    result = Drafter(load_rulebook()).draft(
        "headline",
        TABLET,
        catalog.persona("银发科技爱好者"),
        None,
        5,
        title="某市适老化平板项目",
        meta={"customer": "某市民政局", "products": ["适老化平板"]},
    )
    texts = [v.text for v in result.variants]
    assert any(w in t for t in texts for w in ("爸妈", "长辈")), texts
    assert all(factcheck.check(t, TABLET) == [] for t in texts)


def test_the_persona_changes_which_result_leads(catalog) -> None:  # type: ignore[no-untyped-def]
    drafter = Drafter(load_rulebook())
    it = drafter.draft("headline", BANK, catalog.persona("企业IT决策人"), None, 3).variants[0].text
    senior = drafter.draft("headline", BANK, catalog.persona("银发科技爱好者"), None, 3).variants[0].text
    assert "成本" in it or "话务量" in it
    assert "满意度" in senior
    assert "华东某城商行" in it or "智能客服" in it


def test_offline_summary_fits_weibo_names_the_subject_and_states_a_result(catalog) -> None:  # type: ignore[no-untyped-def]
    result = Drafter(load_rulebook()).draft(
        "summary",
        SOURCE,
        catalog.persona("行业媒体记者"),
        catalog.format("微博"),
        3,
        title="某区域连锁超市会员数字化运营",
        meta=META,
    )
    assert result.limit == 140 and result.counter == "weibo"
    assert len(result.variants) == 3
    for variant in result.variants:
        assert length.count(variant.text, "weibo") <= 140
        assert variant.text.endswith(("。", "！", "？"))
        assert variant.text.startswith("【某区域连锁超市会员数字化运营】") or META["customer"] in variant.text
        body = variant.text.removeprefix("【某区域连锁超市会员数字化运营】")
        assert all(sentence in SOURCE for sentence in split_sentences(body))  # quoted, not reworded
        assert any(w in body for w in ("提升", "增加", "下降", "高 35%")), variant.text  # a stated result
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


FIRST_REPLY = (
    "1. 活跃会员占比由 28% 提升到 46%：一家超市的会员账本\n"
    "2. 最懂长辈的会员小程序，活跃会员提升 50%\n"
    "3. " + "很长的标题" * 20 + "\n"
    "4. 一年新增电子会员 160 万人"
)


def scripted(rewrite: str):  # type: ignore[no-untyped-def]
    """First call: four headlines; a call that carries feedback about failed variants: ``rewrite``."""

    def reply(messages):  # type: ignore[no-untyped-def]
        user = messages[-1]["content"]
        return 200, (rewrite if "最懂长辈" in user else FIRST_REPLY)

    return reply


def test_llm_headlines_failing_a_check_are_rewritten_once(catalog) -> None:  # type: ignore[no-untyped-def]
    with FakeOpenAI(chat=scripted("1. 会员小程序一年新增电子会员 160 万人")) as fake:
        model = OpenAIChatModel(fake.base_url, "test-key", "fake-model", timeout_s=10, max_retries=0)
        result = Drafter(load_rulebook(), model).draft("headline", SOURCE, catalog.persona("银发科技爱好者"), None, 4)
        first, second = (r["body"]["messages"] for r in fake.chat_requests())
    assert result.mode == "llm" and result.rewritten == 1
    prompt = " ".join(m["content"] for m in first)
    # The persona card, the format rule and the compliance list are in the prompt.
    assert "银发科技爱好者" in prompt and "忌用词" in prompt and "210 家门店" in prompt and "不超过 40 字" in prompt
    assert "全球领先" in prompt and "须注明来源" in prompt
    # The rewrite request names the failed variant and what was wrong with it.
    feedback = second[-1]["content"]
    assert "最懂长辈的会员小程序" in feedback and "50%" in feedback and "最高级" in feedback
    texts = [v.text for v in result.variants]
    assert texts == [
        "活跃会员占比由 28% 提升到 46%：一家超市的会员账本",
        "一年新增电子会员 160 万人",
        "会员小程序一年新增电子会员 160 万人",
    ]
    assert all(v.clean for v in result.variants)
    assert len(result.dropped) == 1  # the overlong one has no clause boundary to cut at


def test_llm_variant_failing_again_is_dropped_with_the_reason(catalog) -> None:  # type: ignore[no-untyped-def]
    with FakeOpenAI(chat=scripted("1. 国内首个会员小程序，活跃会员提升 50%")) as fake:
        model = OpenAIChatModel(fake.base_url, "test-key", "fake-model", timeout_s=10, max_retries=0)
        result = Drafter(load_rulebook(), model).draft("headline", SOURCE, catalog.persona("企业IT决策人"), None, 4)
        assert len(fake.chat_requests()) == 2  # rewritten once, not again
    assert [v.text for v in result.variants] == [
        "活跃会员占比由 28% 提升到 46%：一家超市的会员账本",
        "一年新增电子会员 160 万人",
    ]
    reasons = dict(result.dropped)
    assert "已重写一次仍未通过" in reasons["国内首个会员小程序，活跃会员提升 50%"]
    assert "50%" in reasons["国内首个会员小程序，活跃会员提升 50%"]


def test_english_copy_offline_is_chinese_with_a_note(catalog) -> None:  # type: ignore[no-untyped-def]
    result = Drafter(load_rulebook()).draft("headline", SOURCE, catalog.persona("企业IT决策人"), None, 3, lang="en")
    assert result.english_needs_model and result.language == "zh" and len(result.variants) == 3


def test_english_copy_with_a_model_is_asked_for_in_english(catalog) -> None:  # type: ignore[no-untyped-def]
    with FakeOpenAI(chat=lambda m: (200, "1. Supermarket members: active share up from 28% to 46%")) as fake:
        model = OpenAIChatModel(fake.base_url, "k", "m", timeout_s=10, max_retries=0)
        result = Drafter(load_rulebook(), model).draft(
            "headline", SOURCE, catalog.persona("企业IT决策人"), None, 1, lang="en"
        )
        system = fake.chat_requests()[0]["body"]["messages"][0]["content"]
    assert "English" in system and result.language == "en" and not result.english_needs_model
    assert result.variants[0].text.startswith("Supermarket members")


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
    from knowledge.writing.drafting import parse_variants

    summary = "### 版本 1\n第一段。\n第二句。\n### 版本 2\n另一版。"
    assert parse_variants(summary, "summary") == ["第一段。\n第二句。", "另一版。"]
    assert parse_variants("1. 标题一\n2、标题二\n- 标题三\n\n", "headline") == ["标题一", "标题二", "标题三"]
