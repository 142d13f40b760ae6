"""The storage tiers: every test that takes ``db_url`` runs on SQLite and on PostgreSQL (a scratch
schema on the local server, dropped afterwards; skipped with the reason when none is reachable)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.pgtemp import scratch_schema, unreachable_reason


@pytest.fixture(scope="session")
def postgres_reason() -> str | None:
    return unreachable_reason()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_reason: str | None) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'prbot.db'}"
        return
    if postgres_reason is not None:
        if os.environ.get("CI_REQUIRE_POSTGRES"):  # CI provides a server: a missing one is a failure
            pytest.fail(f"PostgreSQL tier required (CI_REQUIRE_POSTGRES) but {postgres_reason}")
        pytest.skip(f"PostgreSQL tier skipped: {postgres_reason}")
    with scratch_schema() as url:
        yield url
