"""Length counting, fact check, compliance check and readability on real example sentences."""

from __future__ import annotations

from knowledge import factcheck, length, readability
from knowledge.compliance import load_rulebook

CASE = (
    "该超市在华北两省有 210 家门店，实体会员卡约 380 万张，但近一年有消费的活跃会员不足 30%。"
    "一年内新增电子会员 160 万人，活跃会员占比由 28% 提升到 46%；定向券核销率达到 18%，是原来全场优惠的 3 倍，"
    "营销费用占销售额的比例下降 0.7 个百分点。项目于 2021年3月5日 上线。"
)


# ---- length ---------------------------------------------------------------------------------------


def test_weibo_counts_han_and_full_width_as_one_half_width_as_half() -> None:
    assert length.count("公关助手。", "weibo") == 5
    assert length.count("AI", "weibo") == 1
    assert length.count("AIx", "weibo") == 2  # 1.5 rounds up
    assert length.count("公关助手。AI", "plain") == 7


def test_cut_keeps_whole_sentences_then_whole_clauses() -> None:
    text = "一年内新增电子会员 160 万人，活跃会员占比由 28% 提升到 46%。会员客单价比非会员高 35%。"
    assert length.cut(text, 200) == text
    assert length.cut(text, 40) == "一年内新增电子会员 160 万人，活跃会员占比由 28% 提升到 46%。"
    assert length.cut(text, 20) == "一年内新增电子会员 160 万人…"
    assert length.cut(text, 5) is None


def test_cut_never_splits_a_thousands_separator() -> None:
    text = "学费为港币 14,520 元，另收杂费"
    assert length.cut(text, 16) in (None, "学费为港币 14,520 元…")


# ---- fact check -----------------------------------------------------------------------------------


def test_numbers_from_the_source_pass_in_any_spelling() -> None:
    draft = "210家门店，会员380万，活跃占比提升到46％，核销率是原来的3倍，百分之二十八，2021年上线，2021年3月"
    assert factcheck.check(draft, CASE) == []


def test_invented_numbers_are_flagged_with_the_clause_quoted() -> None:
    issues = factcheck.check("活跃会员占比提升到 50%，营销费用下降 18 个百分点，会员达 4,500,000 人。", CASE)
    assert [i.claim for i in issues] == ["50%", "18 个百分点", "4,500,000"]
    assert issues[0].quote == "活跃会员占比提升到 50%"


def test_a_percentage_needs_a_percentage_in_the_source() -> None:
    assert [i.claim for i in factcheck.check("门店增长 210%", CASE)] == ["210%"]


def test_dates_must_match() -> None:
    assert factcheck.check("2021年3月5日上线", CASE) == []
    assert [i.claim for i in factcheck.check("2022年3月5日上线", CASE)] == ["2022年3月5日"]


def test_model_names_are_not_numbers() -> None:
    assert factcheck.check("基于 GPT4 和 H800", "基于大模型") == []


# ---- compliance -----------------------------------------------------------------------------------


def test_superlatives_flagged_with_rule_and_rewrite() -> None:
    rulebook = load_rulebook()
    findings = rulebook.check("我们是行业第一的智能客服平台，采用最先进的大模型技术。")
    assert [f.term for f in findings] == ["第一", "最先进"]
    assert all("第九条" in f.rule for f in findings)
    assert findings[0].rewrite == "我们是行业主流的智能客服平台，采用更先进的大模型技术。"


def test_absolute_claims_from_the_ad_law_list() -> None:
    terms = [
        f.term
        for f in load_rulebook().check("国内首个通过国家级认证的适老化平板，识别准确率100%！极致体验，唯一选择。")
    ]
    assert terms == ["首个", "国家级", "100%", "极致", "唯一"]


def test_ordinary_words_are_not_claims() -> None:
    assert load_rulebook().check("最近上线的第一期项目，第一时间响应，最终用户满意。") == []


def test_team_list_extends_and_overrides(tmp_path) -> None:  # type: ignore[no-untyped-def]
    extra = tmp_path / "team.yaml"
    extra.write_text(
        "rules: {team_x: 团队规定：不写竞品名}\n"
        "terms:\n  - {term: 某竞品, rule: team_x, replace: 同类产品, advice: 不点名竞品}\n",
        encoding="utf-8",
    )
    findings = load_rulebook(extra).check("比某竞品快。")
    assert findings[0].rule == "团队规定：不写竞品名"
    assert findings[0].rewrite == "比同类产品快。"


# ---- readability ----------------------------------------------------------------------------------

TECHNICAL = (
    "联邦学习是一种分布式机器学习范式：各参与方在本地用自有数据训练模型，只上传梯度或模型参数，由协调方聚合"
    "（如 FedAvg 加权平均）后下发新一轮全局模型。纵向联邦需先用隐私求交 PSI 做加密样本对齐。"
)


def test_plain_value_text_passes() -> None:
    plain = "好比几家医院想一起会诊，但病历不能带出医院。每家医院在自己家里先学一遍，只把学习心得交给大家汇总。"
    result = readability.check(plain, TECHNICAL, "联邦学习")
    assert not result.too_technical, result.as_dict()


def test_jargon_and_unexplained_abbreviations_are_named() -> None:
    jargon = "联邦学习通过FedAvg聚合梯度和模型参数，并用PSI做样本对齐。"
    result = readability.check(jargon, TECHNICAL, "联邦学习")
    assert result.too_technical
    assert {"梯度", "模型", "参数", "样本"} <= set(result.jargon)
    assert result.abbreviations == ["FedAvg", "PSI"]


def test_explained_abbreviation_is_fine() -> None:
    result = readability.check("先做 PSI（隐私求交，也就是只找出双方共有的客户）。", TECHNICAL, "联邦学习")
    assert result.abbreviations == []
