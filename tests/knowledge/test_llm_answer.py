"""The language-model path through the real langchain-openai client against a loopback fake."""

from __future__ import annotations

from pydantic import SecretStr

from bot.app import Services, build_chat_model, build_services
from bot.settings import Settings
from handlers.ask import AskService
from tests.conftest import FIXTURE_LIBRARY, make_settings
from tests.fakes.openai_server import FakeOpenAI


def llm_services(tmp_path, embedder, fake: FakeOpenAI, timeout_s: float = 10.0) -> Services:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings(tmp_path / "data")
    settings.openai.base_url = fake.base_url
    settings.openai.api_key = SecretStr("sk-test-secret")
    settings.openai.model = "fake-model"
    settings.openai.timeout_s = timeout_s
    settings.openai.max_retries = 0
    svc = build_services(settings, embedder=embedder)
    assert svc.chat_model is not None
    svc.ingestor.ingest([FIXTURE_LIBRARY])
    return svc


def ask(svc: Services, question: str) -> dict:
    return AskService(svc.answerer, svc.settings.retrieval).ask(question).data["answer"]


def test_llm_answer_cites_and_renumbers(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    with FakeOpenAI(chat=lambda messages: (200, "人工坐席成本下降了 32% [1]。")) as fake:
        svc = llm_services(tmp_path, embedder, fake)
        result = ask(svc, "城商行智能客服降本多少？")
    assert result["mode"] == "llm"
    assert result["answer"] == "人工坐席成本下降了 32% [1]。"
    assert [c["id"] for c in result["citations"]] == ["fx-bank"]
    request = fake.chat_requests()[0]
    assert request["auth"] == "Bearer sk-test-secret"
    assert request["body"]["model"] == "fake-model"
    prompt = request["body"]["messages"][1]["content"]
    assert "城商行智能客服降本多少" in prompt and "[1]" in prompt and "32%" in prompt


def test_server_error_falls_back_to_offline_and_says_so(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    with FakeOpenAI(chat=lambda messages: (500, "")) as fake:
        svc = llm_services(tmp_path, embedder, fake)
        result = ask(svc, "城商行智能客服降本多少？")
    assert result["mode"] == "offline"
    assert "大模型暂不可用" in result["answer"] and "32%" in result["answer"]
    assert result["citations"][0]["id"] == "fx-bank"


def test_answer_without_citations_falls_back(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    with FakeOpenAI(chat=lambda messages: (200, "成本下降了很多，效果很好。")) as fake:
        svc = llm_services(tmp_path, embedder, fake)
        result = ask(svc, "城商行智能客服降本多少？")
    assert result["mode"] == "offline" and "32%" in result["answer"]


def test_timeout_falls_back(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    with FakeOpenAI(chat=lambda messages: (200, "答案 [1]"), delay_s=3.0) as fake:
        svc = llm_services(tmp_path, embedder, fake, timeout_s=0.5)
        result = ask(svc, "城商行智能客服降本多少？")
    assert result["mode"] == "offline" and "大模型暂不可用" in result["answer"]


def test_unrelated_question_never_reaches_the_model(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    with FakeOpenAI(chat=lambda messages: (200, "编一个 [1]")) as fake:
        svc = llm_services(tmp_path, embedder, fake)
        result = ask(svc, "公司年会的抽奖规则是什么？")
    assert result["confident"] is False and fake.chat_requests() == []


def test_unprefixed_openai_variables_are_honoured(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.openai.api_key is not None and settings.openai.api_key.get_secret_value() == "sk-from-env"
    assert build_chat_model(settings) is not None


def test_no_key_means_offline(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert build_chat_model(make_settings(tmp_path)) is None
