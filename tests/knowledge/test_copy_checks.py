"""Length counting, fact check, compliance check and readability on real example sentences."""

from __future__ import annotations

from knowledge.writing import factcheck, length, readability
from knowledge.writing.compliance import load_rulebook

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


import pytest  # noqa: E402

from bench.drafting import LABELLED, compliance  # noqa: E402
from knowledge.writing.personas import DataFileError  # noqa: E402


@pytest.fixture(scope="module")
def rulebook():  # type: ignore[no-untyped-def]
    return load_rulebook()


def test_claims_are_phrases_with_severity_reason_and_one_suggestion(rulebook) -> None:  # type: ignore[no-untyped-def]
    findings = rulebook.check("我们是国内第一家通过国家级认证的适老化平板厂商。")
    assert [(f.term, f.severity) for f in findings] == [("国内第一家", "needs_source"), ("国家级", "violation")]
    assert all("第九条" in f.rule and f.reason for f in findings)
    # One suggested sentence with both fixes, carried by both findings (not one copy per finding).
    assert {f.rewrite for f in findings} == {"我们是国内较早通过认证的适老化平板厂商。"}


def test_rewrites_replace_the_phrase_and_read_as_chinese(rulebook) -> None:  # type: ignore[no-untyped-def]
    [absolute] = rulebook.review("绝对是行业唯一选择。")
    assert absolute.suggestion and "切实" not in absolute.suggestion and "少有" not in absolute.suggestion
    [leading] = rulebook.review("我们是国内最领先的AI企业之一。")
    assert "之一" not in leading.suggestion and "更" not in leading.suggestion and "最" not in leading.suggestion
    [price] = rulebook.review("全网最低价，仅此三天。")
    assert price.suggestion == "限时优惠价，仅此三天。"
    [superlative] = rulebook.review("我们是行业第一的智能客服平台，采用最先进的大模型技术。")
    assert superlative.suggestion == "我们是广受行业认可的智能客服平台，采用先进的大模型技术。"


def test_a_claim_without_a_safe_rewording_says_remove_or_source(rulebook) -> None:  # type: ignore[no-untyped-def]
    [ranking] = rulebook.review("我们的客服响应速度全国第一。")
    assert ranking.suggestion == "" and "出处" in ranking.note
    assert "来源" in ranking.findings[0].advice


def test_everyday_uses_of_the_same_words_are_not_claims(rulebook) -> None:  # type: ignore[no-untyped-def]
    everyday = [
        "我们始终把用户数据安全放在第一位。",
        "每台设备都有唯一的序列号。",
        "技术团队在最短的时间内恢复了全部服务。",
        "事件发生后，我们第一时间成立了专项工作组，第一季度完成整改。",
        "最近上线的第一期项目，最终用户满意，最后一公里也打通了。",
        "首先，我们向受影响的用户致歉；最多两个工作日内客服会联系您。",
        "系统最高支持 8K 输出，电池最长续航可达 12 小时。",
        "不用“最”“第一”这类词。",
        "我们向用户致以最诚挚的歉意。",
    ]
    for sentence in everyday:
        assert rulebook.check(sentence) == [], sentence


def test_claims_the_old_list_missed(rulebook) -> None:  # type: ignore[no-untyped-def]
    for sentence in ("全球领先的智能客服平台", "技术国内领先", "连续三年销量冠军", "位居榜首", "便利店行业No.1"):
        assert rulebook.check(sentence), sentence


def test_english_copy_is_checked_for_the_same_claims(rulebook) -> None:  # type: ignore[no-untyped-def]
    found = rulebook.check("The best AI platform in China: industry-leading, 100% secure and guaranteed to save.")
    assert [(f.term.lower(), f.severity) for f in found] == [
        ("the best", "violation"),
        ("industry-leading", "needs_source"),
        ("100% secure", "violation"),
        ("guaranteed", "violation"),
    ]
    assert rulebook.check("Named the No. 1 provider of smart customer service") != []
    for everyday in ("We share best practices with our partners.", "Best regards, the PR team", "It helped the bank."):
        assert rulebook.check(everyday) == [], everyday
    # A ranking with its source and year is allowed in English as in Chinese.
    assert rulebook.check("Industry-leading, according to the IDC 2025 China report.") == []


def test_a_named_source_and_date_allow_a_ranking_not_a_violation(rulebook) -> None:  # type: ignore[no-untyped-def]
    assert rulebook.check("据IDC《2024年中国智能客服市场报告》，公司市场份额位居第一。") == []
    still = rulebook.check("据IDC 2024年的报告，我们是最好的智能客服。")
    assert [f.term for f in still] == ["最好"]


def test_fluency_guard_refuses_broken_chinese(rulebook) -> None:  # type: ignore[no-untyped-def]
    guard = rulebook.guard
    sentence = "我们是国内第一家通过认证的厂商。"
    assert not guard.reads_well(sentence, 5, 7, "主流")  # 「国内主流家」: a classifier without its numeral
    assert not guard.reads_well("把安全放在第一位。", 5, 7, "主流")  # 「放在主流位」
    assert not guard.reads_well("是最领先的企业之一。", 1, 2, "更")  # 「更领先的企业之一」
    assert not guard.reads_well("这款耳机音质无敌。", 6, 8, "")  # 「音质。」: the predicate is gone
    assert guard.reads_well(sentence, 3, 8, "国内较早")
    assert guard.reads_well("采用最先进的技术。", 2, 3, "")


def test_every_suggestion_on_the_labelled_set_passes_the_checker(rulebook) -> None:  # type: ignore[no-untyped-def]
    report = compliance(rulebook, LABELLED)
    assert report["claims"] >= 60 and report["everyday"] >= 60
    assert report["recall"] >= 0.95, report["missed"]
    assert report["false_flag_rate"] <= 0.05, report["false_flags"]
    assert report["suggested"] > 0 and report["suggestions_passing"] == 1.0, report["failing_suggestions"]


def test_a_long_run_is_checked_without_a_rewrite(rulebook) -> None:  # type: ignore[no-untyped-def]
    [flagged] = rulebook.review("最" * 20000)
    assert flagged.findings and flagged.suggestion == "" and "过长" in flagged.note


def test_team_file_extends_and_replaces_entries(tmp_path) -> None:  # type: ignore[no-untyped-def]
    extra = tmp_path / "team.yaml"
    extra.write_text(
        "rules: {team_x: 团队规定：不写竞品名}\n"
        "claims:\n"
        "  - {id: rival, rule: team_x, severity: style, reason: 点名竞品, match: [某竞品],\n"
        "     everyday: [某竞品公告], rewrite: [{find: 某竞品, to: 同类产品}]}\n"
        "  - {id: first_of_kind, rule: team_x, match: [首家]}\n",
        encoding="utf-8",
    )
    book = load_rulebook(extra)
    [finding] = book.check("比某竞品快。")
    assert (finding.rule, finding.severity, finding.rewrite) == ("团队规定：不写竞品名", "style", "比同类产品快。")
    assert book.check("据某竞品公告，今天停服。") == []
    assert [f.claim for f in book.check("国内首家。")] == ["first_of_kind"]
    assert book.check("国内首个。") == []  # the team's entry replaced the bundled one


def test_patterns_that_could_make_a_scan_slow_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    extra = tmp_path / "team.yaml"
    extra.write_text("claims:\n  - {id: x, rule: team, match: ['re:最.*好']}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="上限"):
        load_rulebook(extra)
    extra.write_text("claims:\n  - {id: x, rule: nope, match: [某词]}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="nope"):
        load_rulebook(extra)


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


def test_work_per_text_is_bounded(rulebook) -> None:  # type: ignore[no-untyped-def]
    from knowledge.writing.compliance import MAX_SUGGESTED_SENTENCES
    from knowledge.writing.summarize import MAX_RANKED_SENTENCES, rank_sentences

    flagged = rulebook.review("采用最先进的技术。" * (MAX_SUGGESTED_SENTENCES + 5))
    assert len(flagged) == MAX_SUGGESTED_SENTENCES + 5  # every sentence is still checked
    assert all(f.suggestion for f in flagged[:MAX_SUGGESTED_SENTENCES])
    assert not flagged[-1].suggestion and "200" in flagged[-1].note
    assert len(rank_sentences("好的。" * 1000)) == MAX_RANKED_SENTENCES
    # An unscoped 「第一家通过」 is a claim; an ordinal 「第一家门店」 is not.
    assert rulebook.check("第一家通过认证。") and not rulebook.check("第一家门店明天开业。")
