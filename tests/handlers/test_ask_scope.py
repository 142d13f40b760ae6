"""A list's heading says its filters in words, in the reply's language."""

from __future__ import annotations

from handlers.ask.service import describe_scope
from knowledge.library.filters import Filters


def test_every_filter_is_said_in_words() -> None:
    scope = Filters({"industry": "金融", "products": "智能客服", "customer": "证券公司", "type": "case"})
    assert describe_scope(scope, "zh") == "金融行业、用到「智能客服」、客户含「证券公司」"
    assert describe_scope(Filters({"year": 2023, "tags": "风险控制"}), "en") == "from 2023, tagged 风险控制"
    assert "=" not in describe_scope(Filters({"customer": "证券公司"}), "en")


def test_an_english_heading_gives_the_industry_its_english_name() -> None:
    assert describe_scope(Filters({"industry": "制造"}), "en") == "in 制造 (manufacturing)"
    assert describe_scope(Filters({"industry": "金融"}), "zh") == "金融行业"
    assert describe_scope(Filters({"industry": "宠物"}), "en") == "in 宠物"  # a name not known stays as it is
