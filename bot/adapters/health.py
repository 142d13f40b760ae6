"""``/healthz`` (the process is alive) and ``/readyz`` (database, index and each platform answer)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

if TYPE_CHECKING:
    from bot.app import Services

Check = Callable[[], tuple[bool, str]]


def database_check(services: Services) -> Check:
    def check() -> tuple[bool, str]:
        try:
            with services.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            return False, f"database unreachable: {exc.__class__.__name__}"
        return True, services.engine.url.get_backend_name()

    return check


def index_check(services: Services) -> Check:
    def check() -> tuple[bool, str]:
        try:
            count = services.retriever.document_count
            chunks = services.vectors.count()
        except Exception as exc:
            return False, f"index unreadable: {exc.__class__.__name__}"
        return True, f"{count} documents, {chunks} chunks" if count else "empty (run prbot ingest)"

    return check


def default_checks(services: Services) -> dict[str, Check]:
    """What /readyz checks in every process; platforms add theirs when they start."""
    checks: dict[str, Check] = {
        "database": database_check(services),
        "index": index_check(services),
        "lexical": lexical_check(services),
    }
    return checks


def lexical_check(services: Services) -> Check:
    """Whether this replica's BM25 index covers the library's current chunks (it rebuilds from the
    database when another process re-indexed): answers without it would come from vectors only."""

    def check() -> tuple[bool, str]:
        if services.retriever.document_count == 0:
            return True, "empty library"
        ready = services.retriever.lexical_ready()
        return ready, "bm25 matches the library" if ready else "bm25 index missing or behind the library"

    return check


class Health:
    def __init__(self, checks: dict[str, Check]) -> None:
        self.checks = checks

    def report(self) -> tuple[bool, dict[str, Any]]:
        results = {}
        for name, check in self.checks.items():
            try:
                ok, detail = check()
            except Exception as exc:  # a check must never take the endpoint down
                ok, detail = False, exc.__class__.__name__
            results[name] = {"ok": ok, "detail": detail}
        ready = all(r["ok"] for r in results.values())
        return ready, {"status": "ready" if ready else "not ready", "checks": results}

    def healthz(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return _json(start_response, 200, {"status": "ok"})

    def readyz(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        ready, body = self.report()
        return _json(start_response, 200 if ready else 503, body)


def _json(start_response: Callable[..., Any], status: int, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body, ensure_ascii=False).encode()
    phrase = "OK" if status == 200 else "Service Unavailable"
    start_response(
        f"{status} {phrase}", [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))]
    )
    return [data]
