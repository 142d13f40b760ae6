"""The other embedding backends, selected by setting: USE (offline) and an OpenAI-compatible endpoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import SecretStr

from bot.app import build_embedder, build_services
from knowledge.library.embed import OpenAIEmbedder, UniversalSentenceEncoderEmbedder
from tests.conftest import FIXTURE_LIBRARY, make_settings
from tests.fakes.openai_server import FakeOpenAI


def test_use_backend_embeds_offline_and_ranks_the_related_text_first(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    settings.embedding.backend = "use"
    embedder = build_embedder(settings)
    assert isinstance(embedder, UniversalSentenceEncoderEmbedder)
    passages = embedder.embed_passages(["医院门诊挂号和导诊", "银行信用卡客服"])
    query = embedder.embed_query("hospital triage")
    assert passages.shape == (2, embedder.dim)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert float(passages[0] @ query) > float(passages[1] @ query)


def test_openai_backend_ingests_and_answers_through_the_real_client(tmp_path: Path) -> None:
    with FakeOpenAI(dim=16) as fake:
        settings = make_settings(tmp_path / "data")
        settings.embedding.backend = "openai"
        settings.openai.base_url = fake.base_url
        settings.openai.api_key = SecretStr("sk-embed")
        settings.openai.embedding_model = "fake-embed"
        svc = build_services(settings, use_configured_chat_model=False)
        assert isinstance(svc.embedder, OpenAIEmbedder)
        report = svc.ingestor.ingest([FIXTURE_LIBRARY])
        hits = svc.retriever.search("城商行智能客服人工坐席成本", k=3).hits
    assert report.ok and report.chunks_embedded > 0
    embedding_calls = [r for r in fake.requests if r["path"].endswith("/embeddings")]
    assert embedding_calls and embedding_calls[0]["body"]["model"] == "fake-embed"
    assert embedding_calls[0]["auth"] == "Bearer sk-embed"
    assert hits and hits[0].id == "fx-bank"  # BM25 carries the toy vectors
