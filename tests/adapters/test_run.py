"""``prbot run`` wiring, health endpoints, notifiers, settings names and Block Kit limits."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bot.adapters import web as web_module
from bot.adapters.chat import Workers
from bot.adapters.feishu.app import FeishuNotifier
from bot.adapters.feishu.app import make_client as make_feishu_client
from bot.adapters.notify import build_notifiers
from bot.adapters.runner import RunOptions, Runtime
from bot.adapters.slack import app as slack_module
from bot.adapters.slack.app import SlackNotifier, make_client
from bot.adapters.slack.blocks import MAX_BLOCKS, SECTION_CHARS, render
from bot.adapters.web import WebServer
from bot.app import Services
from bot.core import Attachment, Button, Citation, Destination, NotifyError, Reply
from bot.settings import FeishuSettings, Settings, SlackSettings
from tests.fakes.feishu_api import FakeFeishuAPI
from tests.fakes.slack_api import FakeSlackAPI, event_body, mention, signed_headers


def test_settings_honour_the_platforms_own_variable_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.setenv("SLACK_API_URL", "http://proxy.local/api/")
    monkeypatch.setenv("FEISHU_APP_ID", "cli_1")
    monkeypatch.setenv("FEISHU_APP_SECRET", "s")
    monkeypatch.setenv("FEISHU_DOMAIN", "lark")
    monkeypatch.setenv("PRBOT_SLACK_SIGNING_SECRET", "prefixed")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "unprefixed")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.slack.bot_token is not None and settings.slack.bot_token.get_secret_value() == "xoxb-1"
    assert settings.slack.api_url == "http://proxy.local/api/"
    assert settings.slack.signing_secret.get_secret_value() == "prefixed"  # type: ignore[union-attr]
    assert settings.feishu.configured and settings.feishu.domain == "lark"
    assert "xoxb-1" not in repr(settings)  # secrets stay out of logs


def test_build_notifiers_has_console_always_and_platforms_when_configured() -> None:
    bare = Settings(_env_file=None)  # type: ignore[call-arg]
    assert set(build_notifiers(bare)) == {"console"}
    bare.slack = SlackSettings(bot_token=SecretStr("xoxb-1"))
    bare.feishu = FeishuSettings(app_id="cli", app_secret=SecretStr("s"))
    notifiers = build_notifiers(bare)
    assert set(notifiers) == {"console", "slack", "feishu"}
    assert isinstance(notifiers["slack"], SlackNotifier) and isinstance(notifiers["feishu"], FeishuNotifier)


def test_run_with_nothing_configured_still_serves_health(services: Services, caplog: pytest.LogCaptureFixture) -> None:
    runtime = Runtime(services, RunOptions(host="127.0.0.1", port=0, health_port=0))
    with caplog.at_level(logging.INFO, logger="prbot.run"):
        runtime.start()
    try:
        assert runtime.web is None and runtime.scheduler.running
        base = f"http://127.0.0.1:{runtime.health_server.port}"  # type: ignore[union-attr]
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"{base}/readyz")
        assert ready.status_code == 200
        assert set(ready.json()["checks"]) == {"database", "index", "lexical"}
        assert "console" in services.notifiers
        logged = caplog.text
        assert "Slack is off" in logged and "SLACK_BOT_TOKEN" in logged
        assert "Feishu is off" in logged and "FEISHU_APP_ID" in logged
    finally:
        runtime.stop()
    assert not runtime.scheduler.running


def test_run_starts_configured_platforms_and_readyz_checks_them(library_services: Services) -> None:
    with FakeSlackAPI() as slack_fake, FakeFeishuAPI() as feishu_fake:
        settings = library_services.settings
        settings.slack = SlackSettings(
            bot_token=SecretStr("xoxb-t"), signing_secret=SecretStr("sec"), api_url=slack_fake.api_url
        )
        settings.feishu = FeishuSettings(
            app_id="cli_t", app_secret=SecretStr("s"), verification_token=SecretStr("vt"), domain=feishu_fake.url
        )
        runtime = Runtime(library_services, RunOptions("http", "http", host="127.0.0.1", port=0, health_port=0))
        runtime.start()
        try:
            assert set(library_services.notifiers) >= {"console", "slack", "feishu"}
            ready = httpx.get(f"http://127.0.0.1:{runtime.health_server.port}/readyz")  # type: ignore[union-attr]
            assert ready.status_code == 200, ready.text
            assert {"slack", "feishu"} <= set(ready.json()["checks"])
            assert ready.json()["checks"]["lexical"]["ok"], "the library's BM25 index is there"
            body = event_body(mention("城商行上线智能客服后人工坐席成本下降了多少？", ts="1.1"), "EvRun")
            url = f"http://127.0.0.1:{runtime.web.port}/slack/events"  # type: ignore[union-attr]
            assert httpx.post(url, content=body, headers=signed_headers("sec", body)).status_code == 200
            slack_fake.wait_for(lambda: [c for c in slack_fake.of("chat.postMessage") if c["body"].get("thread_ts")])
        finally:
            runtime.stop()


def test_socket_mode_that_cannot_connect_is_reported_and_retried(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_module, "RECONNECT_BACKOFF_S", (0.05, 0.1))
    with FakeSlackAPI() as fake:  # the fake cannot hand out a websocket URL, as when Slack's side is down
        services.settings.slack = SlackSettings(
            bot_token=SecretStr("xoxb-t"), app_token=SecretStr("xapp-1"), api_url=fake.api_url
        )
        runtime = Runtime(services, RunOptions("socket", host="127.0.0.1", port=0, health_port=0))
        runtime.start()
        try:
            fake.wait_for(lambda: len(fake.of("apps.connections.open")) >= 3)  # the first connection is retried
            ready = httpx.get(f"http://127.0.0.1:{runtime.health_server.port}/readyz")  # type: ignore[union-attr]
            assert ready.status_code == 503
            detail = ready.json()["checks"]["slack"]["detail"]
            assert "socket mode not connected" in detail and "retrying" in detail
            assert runtime.scheduler.running  # the rest of the process keeps going
        finally:
            runtime.stop()


@pytest.mark.full  # runs prbot as a subprocess
def test_bad_slack_token_at_start_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with FakeSlackAPI() as fake:
        fake.fail("auth.test", "invalid_auth", times=10)
        env = {
            **os.environ,
            "PRBOT_DATA_DIR": str(tmp_path),
            "SLACK_BOT_TOKEN": "xoxb-wrong",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": fake.api_url,
        }
        for name in ("SLACK_APP_TOKEN", "FEISHU_APP_ID", "PRBOT_FEISHU_APP_ID"):
            env.pop(name, None)
        command = [sys.executable, "-m", "bot", "run", "--slack-mode", "http", "--port", "0", "--health-port", "0"]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "invalid_auth" in result.stderr and "SLACK_BOT_TOKEN" in result.stderr


def test_slack_outage_at_start_degrades_readyz_and_recovers(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_module, "RECONNECT_BACKOFF_S", (0.05, 0.1))
    with FakeSlackAPI() as fake:
        fake.fail("auth.test", "service_unavailable", times=1000, status=503)  # Slack is down
        services.settings.slack = SlackSettings(bot_token=SecretStr("xoxb-t"), signing_secret=SecretStr("s"),
                                                api_url=fake.api_url)  # fmt: skip
        runtime = Runtime(services, RunOptions("http", host="127.0.0.1", port=0, health_port=0))
        runtime.start()  # no exception: an outage is not a configuration error
        try:
            url = f"http://127.0.0.1:{runtime.health_server.port}/readyz"  # type: ignore[union-attr]
            first = httpx.get(url).json()["checks"]["slack"]
            assert first["ok"] is False and "service_unavailable" in first["detail"] and "retrying" in first["detail"]
            fake.recover("auth.test")  # Slack is back
            fake.wait_for(lambda: httpx.get(url).status_code == 200)
        finally:
            runtime.stop()


def test_a_revoked_slack_token_makes_readyz_fail(library_services: Services) -> None:
    with FakeSlackAPI() as fake:
        library_services.settings.slack = SlackSettings(bot_token=SecretStr("xoxb-r"), signing_secret=SecretStr("s"),
                                                        api_url=fake.api_url)  # fmt: skip
        runtime = Runtime(library_services, RunOptions("http", host="127.0.0.1", port=0, health_port=0))
        runtime.start()
        try:
            url = f"http://127.0.0.1:{runtime.health_server.port}/readyz"  # type: ignore[union-attr]
            assert httpx.get(url).status_code == 200
            fake.revoke("xoxb-r")
            runtime.adapters["slack"]._checked = (0.0, True, "")  # the 30 s re-check is due
            ready = httpx.get(url)
            assert ready.status_code == 503 and "token_revoked" in ready.json()["checks"]["slack"]["detail"]
        finally:
            runtime.stop()


def test_readyz_names_a_half_configured_platform(services: Services) -> None:
    services.settings.slack = SlackSettings(bot_token=SecretStr("xoxb-t"))  # socket mode without SLACK_APP_TOKEN
    runtime = Runtime(services, RunOptions("socket", host="127.0.0.1", port=0, health_port=0))
    runtime.start()
    try:
        ready = httpx.get(f"http://127.0.0.1:{runtime.health_server.port}/readyz")  # type: ignore[union-attr]
        assert ready.status_code == 503
        assert "SLACK_APP_TOKEN" in ready.json()["checks"]["slack"]["detail"]
    finally:
        runtime.stop()


def test_slack_notifier_posts_blocks_and_files_and_reports_refusals() -> None:
    with FakeSlackAPI() as fake:
        notifier = SlackNotifier(make_client(SlackSettings(bot_token=SecretStr("xoxb-n"), api_url=fake.api_url)))
        reply = Reply(text="本周变更摘要", files=[Attachment("chart.png", b"png-bytes", "image/png")])
        ts = notifier.post(Destination("slack", "C9"), reply)
        assert ts and fake.of("chat.postMessage")[0]["body"]["channel"] == "C9"
        assert fake.of("files.completeUploadExternal")[0]["body"]["channel_id"] == "C9"
        fake.fail("chat.postMessage", "channel_not_found")
        with pytest.raises(NotifyError) as refused:
            notifier.post(Destination("slack", "C404"), Reply(text="x"))
        assert not refused.value.retryable and "channel_not_found" in str(refused.value)


def test_feishu_notifier_creates_a_card_message() -> None:
    with FakeFeishuAPI() as fake:
        settings = FeishuSettings(app_id="cli_n", app_secret=SecretStr("s"), domain=fake.url)
        notifier = FeishuNotifier(make_feishu_client(settings))
        message_id = notifier.post(Destination("feishu", "oc_team"), Reply(text="演练提醒"))
        sent = fake.messages[0]
        assert message_id == sent["message_id"] and sent["receive_id"] == "oc_team"
        assert "receive_id_type=chat_id" in next(c["path"] for c in fake.calls if c["path"].startswith("/open-apis/im"))
        assert "演练提醒" in json.loads(sent["content"])["elements"][0]["content"]
        chart = Attachment("chart.png", b"\x89PNG fake", "image/png")
        table = Attachment("changes.xlsx", b"xlsx bytes")
        notifier.post(Destination("feishu", "oc_team"), Reply(text="本周图表", files=[chart, table]))
        assert [m["msg_type"] for m in fake.messages[1:]] == ["interactive", "image", "file"]
        assert json.loads(fake.messages[2]["content"])["image_key"].startswith("img_")
        assert any(c["path"].endswith("/im/v1/files") for c in fake.calls)
        fake.fail("create", code=230001, msg="invalid receive_id")
        with pytest.raises(NotifyError, match="230001"):
            notifier.post(Destination("feishu", "oc_gone"), Reply(text="x"))


def test_block_kit_respects_slack_limits() -> None:
    long_text = "\n".join(f"第{i}段：" + "很长的回答。" * 40 for i in range(60))
    citations = [Citation(f"case-{i:03d}", f"标题{i}", "case", "x.md", "摘要" * 400, 0.9) for i in range(60)]
    buttons = [Button("按钮" * 60, f"act:{i}", "v" * 3000) for i in range(30)]
    messages = render(Reply(text=long_text, citations=citations, buttons=buttons), "zh", answer_id="a1", feedback=True)
    assert len(messages) > 1
    for message in messages:
        assert len(message.blocks) <= MAX_BLOCKS
        for block in message.blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= SECTION_CHARS
            if block["type"] == "actions":
                assert len(block["elements"]) <= 25
                assert all(len(e["text"]["text"]) <= 75 and len(e.get("value", "")) <= 2000 for e in block["elements"])
    joined = "".join(b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section")
    assert "第59段" in joined and "case-059" in joined  # split, not cut


@pytest.mark.full  # a fresh interpreter
def test_cli_and_slack_do_not_import_lark() -> None:
    """lark-oapi takes seconds to import: only the Feishu adapter loads it, and only when used."""
    import subprocess
    import sys

    code = (
        "import sys, bot.adapters.cli.app, bot.adapters.slack.app, bot.adapters.notify; "
        "print('lark_oapi' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# ---- the HTTP server at the edge ----------------------------------------------------------------------


def _echo(environ: dict, start_response) -> list[bytes]:
    data = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Length", str(len(data)))])
    return [data]


def test_an_oversize_body_gets_413_without_being_read() -> None:
    server = WebServer("t", "127.0.0.1", 0, {"/slack/events": _echo})
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
            conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n\r\n")
            head = conn.recv(200)  # answered before a byte of the 20 MB was sent
        assert head.startswith(b"HTTP/1.0 413") or head.startswith(b"HTTP/1.1 413")
        assert httpx.post(f"http://127.0.0.1:{server.port}/slack/events", content=b"ok").content == b"ok"
    finally:
        server.stop()


def test_a_half_sent_request_is_dropped_after_the_read_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_module._QuietHandler, "timeout", 0.3)
    server = WebServer("t", "127.0.0.1", 0, {"/slack/events": _echo})
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
            conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part")
            # Answered after the read timeout, not after the other 91 bytes (which never come).
            assert conn.recv(100).split(b"\r\n")[0].endswith(b"408 Request Timeout")
    finally:
        server.stop()


def test_slow_connections_are_served_by_a_bounded_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_module, "SERVER_THREADS", 4)
    monkeypatch.setattr(web_module, "MAX_CONNECTIONS", 8)
    server = WebServer("t", "127.0.0.1", 0, {"/slack/events": _echo})
    server.start()
    before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(30)]
    try:
        time.sleep(0.3)  # let the server accept them all
        assert threading.active_count() - before <= 4
        refused = idle[-1].recv(200)  # beyond MAX_CONNECTIONS: 503 at once
        assert refused.startswith(b"HTTP/1.1 503")
    finally:
        for conn in idle:
            conn.close()
        server.stop()


def test_a_forged_body_is_not_logged(library_services: Services, caplog: pytest.LogCaptureFixture) -> None:
    from bot.adapters.slack.app import SlackAdapter

    with FakeSlackAPI() as fake:
        settings = SlackSettings(bot_token=SecretStr("xoxb-t"), signing_secret=SecretStr("s"), api_url=fake.api_url)
        adapter = SlackAdapter(library_services, settings, mode="http")
        server = WebServer("t", "127.0.0.1", 0, {"/slack/events": adapter.wsgi()})
        server.start()
        try:
            body = event_body(mention("SECRET-BODY-MARKER " * 100, ts="1.1"), "EvForged")
            with caplog.at_level(logging.DEBUG):
                response = httpx.post(
                    f"http://127.0.0.1:{server.port}/slack/events", content=body, headers=signed_headers("wrong", body)
                )
            assert response.status_code == 401
            assert "SECRET-BODY-MARKER" not in caplog.text
        finally:
            server.stop()
            adapter.close()


# ---- fairness in the answer pool ----------------------------------------------------------------------


def test_one_users_slow_requests_never_take_every_worker() -> None:
    workers = Workers("fair", 4)
    release = threading.Event()
    started: list[str] = []
    lock = threading.Lock()

    def job(name: str) -> None:
        with lock:
            started.append(name)
        release.wait(10)

    try:
        for index in range(8):
            workers.submit(job, f"heavy{index}", user="UHEAVY")
        late = workers.submit(job, "light", user="ULIGHT")
        deadline = time.monotonic() + 10
        while "light" not in started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "light" in started  # started while the heavy user's six others still wait
        assert sum(name.startswith("heavy") for name in started) == workers.per_user == 2
    finally:
        release.set()
        workers.shutdown(wait=True)
    assert late.done() and len(started) == 9


def test_workers_take_users_in_turn() -> None:
    workers = Workers("turns", 1)
    gate = threading.Event()
    order: list[str] = []
    workers.submit(gate.wait, 10, user="A")  # holds the only worker while the queue fills
    for index in range(3):
        workers.submit(order.append, f"A{index}", user="A")
    for index in range(2):
        workers.submit(order.append, f"B{index}", user="B")
    gate.set()
    workers.shutdown(wait=True)
    assert order == ["B0", "A0", "B1", "A1", "A2"]
