"""POST /mentions over real loopback HTTP: signed bodies are stored, anything else is refused and
nothing is stored."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bot.adapters.mentions_http import mentions_app
from bot.adapters.web import WebServer
from bot.settings import WatchSettings
from handlers.watch.service import WatchService
from handlers.watch.signing import sign
from storage.db import make_engine, migrate, session_scope
from storage.watch import Mention
from tests.conftest import make_settings

SECRET = "s3cret"
BODY = [
    {
        "platform": "微博",
        "author": "a",
        "followers": 12,
        "text": "网曝某云平台用户数据泄露",
        "url": "https://social.example/1",
        "published": "2026-12-01T09:12:00+08:00",
        "reposts": 3,
    }
]


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path / "data")
    settings.watch = WatchSettings(webhook_secret=SecretStr(SECRET), webhook_max_bytes=4000)
    settings.data_dir.mkdir(parents=True)
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    web = WebServer("test", "127.0.0.1", 0, {"/mentions": mentions_app(WatchService(engine, settings, {}))})
    web.start()
    yield f"http://127.0.0.1:{web.port}/mentions", engine
    web.stop()
    engine.dispose()


def post(url: str, body: bytes, secret: str = SECRET, ts: str | None = None) -> httpx.Response:
    ts = ts or str(int(time.time()))
    headers = {"X-Prbot-Timestamp": ts, "X-Prbot-Signature": sign(secret, ts, body)}
    return httpx.post(url, content=body, headers=headers, timeout=10)


def stored(engine) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        return session.query(Mention).count()


def test_signed_list_is_stored_once(server) -> None:  # type: ignore[no-untyped-def]
    url, engine = server
    body = json.dumps(BODY, ensure_ascii=False).encode()
    assert post(url, body).json() == {"stored": 1, "duplicates": 0, "new_stories": 1}
    assert post(url, body).json()["duplicates"] == 1
    assert stored(engine) == 1


def test_unsigned_stale_malformed_and_oversize_bodies_store_nothing(server) -> None:  # type: ignore[no-untyped-def]
    url, engine = server
    body = json.dumps(BODY, ensure_ascii=False).encode()
    assert httpx.post(url, content=body, timeout=10).status_code == 401
    assert post(url, body, secret="wrong").status_code == 401
    assert post(url, body, ts=str(int(time.time()) - 3600)).status_code == 401
    assert post(url, b"{not json").status_code == 400
    bad = post(url, json.dumps([BODY[0], {"text": "no url"}]).encode())
    assert bad.status_code == 400 and bad.json()["bad"][0]["item"] == 2
    assert post(url, b"[" + b" " * 5000 + b"]").status_code == 413
    assert stored(engine) == 0


def test_prbot_run_serves_mentions_only_with_a_secret(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from bot.adapters.mentions_http import route_for

    settings = make_settings(tmp_path / "data")
    off = SimpleNamespace(settings=settings, engine=None, notifiers={})
    assert route_for(off) == {}
    settings.watch = WatchSettings(webhook_secret=SecretStr(SECRET))
    assert list(route_for(SimpleNamespace(settings=settings, engine=None, notifiers={}))) == ["/mentions"]
