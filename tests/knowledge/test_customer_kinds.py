"""The kinds of customer a question names, and whether a document speaks of them."""

from __future__ import annotations

from knowledge.library.kinds import kinds_named, mentions_kind


def test_a_kind_is_named_by_any_word_of_its_group() -> None:
    kinds = kinds_named("银行网点大堂里放个虚拟人迎宾的，咱们有案例吗？")
    assert len(kinds) == 1 and "城商行" in kinds[0]
    assert mentions_kind("华东某城商行：智能客服升级", kinds)
    assert not mentions_kind("某便利店品牌门店电话智能接听", kinds)


def test_generic_words_name_no_kind() -> None:
    assert kinds_named("有没有连锁企业用智能客服的案例？") == []
    assert kinds_named("拆卸后的道路改建成了什么建筑？") == []


def test_english_words_name_kinds_checked_in_chinese_text() -> None:
    kinds = kinds_named("Have we built a phone assistant for a hotel chain?")
    assert kinds and mentions_kind("某连锁酒店订房电话智能接听", kinds)
    # A word inside another is no mention: "data mining" names no mine, "banking" still names banks.
    assert kinds_named("What does data mining do?") == []
    assert kinds_named("any banking cases?")


def test_a_word_may_name_two_kinds() -> None:
    # A petrochemical plant is both a refinery and a chemical plant.
    assert mentions_kind("华南某石化企业：炼化厂区AI视频安全监管", kinds_named("化工厂有没有类似的？"))
