"""How a follow-up is rewritten into a standalone question (no model, no library needed)."""

from __future__ import annotations

from bot.conversation import followups
from bot.conversation.memory import Thread, ThreadKey
from knowledge.library.filters import Vocabulary


def test_something_similar_elsewhere_keeps_what_the_case_did_but_no_other_customers_name() -> None:
    vocab = Vocabulary.from_documents(
        [
            ("case", {"industry": "能源", "customer": "华北某省级电网公司", "products": ["织言大模型"]}),
            ("case", {"industry": "政务", "customer": "华东某市12345政务服务热线中心"}),
            ("case", {"industry": "水务", "customer": "华东某市水务集团"}),
        ]
    )
    thread = Thread(ThreadKey("slack", "C1", "t"), {})
    subject = "供电服务热线引入织言大模型"
    question = followups._merge("咱们有电网的案例吗", "那水务行业有没有类似的", vocab, thread, subject)
    # 「服务热线」 is part of another customer's name: left out, so it cannot become a customer filter.
    assert "水务" in question and "织言大模型" in question and "服务热线" not in question, question


def test_questions_asking_how_long_or_who_are_questions_for_the_library() -> None:
    from bot.conversation import cues

    for text in ("上线用了多久", "负责人是谁", "这是啥"):
        assert cues.QUESTION.search(text), text
    assert not cues.QUESTION.search("提一个小变更")
