"""Asking questions end to end: real model, SQLite and Chroma on the fixture library."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.core import Request, UserError
from handlers.ask.service import AskService


def ask(svc: Services, question: str, **kwargs: object) -> dict:
    reply = AskService(svc.answerer, svc.settings.retrieval).ask(question, **kwargs)  # type: ignore[arg-type]
    return reply.data["answer"]


def test_answer_cites_the_case_holding_the_number(library_services: Services) -> None:
    result = ask(library_services, "城商行上线智能客服后人工坐席成本下降了多少？")
    assert result["confident"] is True
    assert result["mode"] == "offline"
    assert result["citations"][0]["id"] == "fx-bank"
    assert "32%" in result["answer"]
    assert "[1]" in result["answer"]


def test_english_question_finds_chinese_case(library_services: Services) -> None:
    result = ask(library_services, "Do we have a hospital case?")
    assert result["confident"] is True
    assert result["citations"][0]["id"] == "fx-hospital"


def test_inferred_filters_rank_matching_documents_first(library_services: Services) -> None:
    result = library_services.retriever.search("2023年制造业有哪些案例？", k=3)
    assert result.inferred.values.get("year") == 2023
    assert result.hits[0].id == "fx-factory"


def test_explicit_filter_limits_results(library_services: Services) -> None:
    result = ask(library_services, "降本增效的案例", filter_pairs=["industry=交通物流"])
    assert [c["id"] for c in result["citations"]] == ["fx-port"]


def test_explicit_filter_matching_nothing_is_not_confident(library_services: Services) -> None:
    result = ask(library_services, "降本增效的案例", filter_pairs=["industry=航天"])
    assert result["confident"] is False
    assert result["citations"] == []


def test_unrelated_question_declines(library_services: Services) -> None:
    result = ask(library_services, "公司年会的抽奖规则是什么？")
    assert result["confident"] is False
    assert result["citations"] == []
    assert "没有找到相关资料" in result["answer"]


def test_empty_question_gets_usage_hint(library_services: Services) -> None:
    with pytest.raises(UserError, match="问题是空的"):
        ask(library_services, "   ")


def test_oversize_question_is_truncated_and_answered(library_services: Services) -> None:
    question = "城商行智能客服人工坐席成本下降多少？" + "啊" * 20_000
    result = ask(library_services, question)
    assert "只取了前" in result["answer"]
    assert len(result["question"]) == library_services.settings.retrieval.max_question_chars


def test_unknown_filter_key_names_valid_keys(library_services: Services) -> None:
    with pytest.raises(UserError) as info:
        ask(library_services, "案例", filter_pairs=["colour=red"])
    assert "industry" in str(info.value) and "colour" in str(info.value)


def test_router_sends_plain_text_to_ask(library_services: Services) -> None:
    reply = library_services.router.handle(Request(text="挂错科室的比例降到了多少？"))
    assert reply.citations and reply.citations[0].id == "fx-hospital"
    assert "6%" in reply.text


def test_router_help_lists_commands(library_services: Services) -> None:
    reply = library_services.router.handle(Request(text="help"))
    assert "ask" in reply.text
