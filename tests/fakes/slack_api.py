"""A loopback fake of the Slack Web API (and of response_url / file-upload URLs) for the real
slack_sdk / slack-bolt clients, plus helpers to sign requests the way Slack does.

Every call is recorded; ``fail`` scripts errors (an API error, HTTP 429 with Retry-After, a 503 then
success). It also behaves like a workspace where it matters: a ``trigger_id`` from ``trigger()``
expires three seconds after it was issued (``expired_trigger_id``), channels the bot was not invited
to refuse posts (``not_in_channel``) while their ``response_url`` still works, and a revoked token
is refused everywhere (``token_revoked``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
_JSON_FIELDS = ("blocks", "view", "files", "attachments")


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request (the crash tests' SIGKILL) is not an error of the fake."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeSlackAPI:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._failures: dict[str, list[tuple[int, str, dict[str, str]]]] = {}
        self._ts = itertools.count(1)
        # What chat.postMessage put in each conversation (for conversations.history / .replies).
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self._triggers: dict[str, float] = {}
        self.trigger_ttl_s = 3.0
        self.outside: set[str] = set()  # channels the bot is not a member of
        self.revoked: set[str] = set()  # tokens no longer valid
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, payload, headers = fake._handle(self.path, dict(self.headers), raw)
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.api_url = f"{self.url}/api/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSlackAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- scripting and inspection ----------------------------------------------------------------

    def fail(
        self, method: str, error: str = "internal_error", times: int = 1, status: int = 200, **headers: str
    ) -> None:
        """The next ``times`` calls of ``method`` fail with ``error`` (status 429 → rate limited)."""
        with self._lock:
            self._failures.setdefault(method, []).extend([(status, error, headers)] * times)

    def recover(self, method: str) -> None:
        """Drop the failures still scripted for ``method``."""
        with self._lock:
            self._failures.pop(method, None)

    def of(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c for c in self.calls if c["method"] == method]

    def wait_for(self, check: Callable[[], Any], timeout: float = 20.0) -> Any:
        """Poll until ``check()`` is truthy (bounded); return its value or raise with what was seen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"timed out; calls so far: {[c['method'] for c in self.calls]}")

    def response_url(self, name: str = "r1") -> str:
        return f"{self.url}/response/{name}"

    def trigger(self, name: str) -> str:
        """A trigger id as Slack issues it with a slash command or a click: valid for three seconds."""
        with self._lock:
            self._triggers[name] = time.monotonic()
        return name

    def not_in(self, *channels: str) -> None:
        """The bot is not a member of these channels."""
        self.outside.update(channels)

    def revoke(self, token: str) -> None:
        self.revoked.add(token)

    # ---- the server side -------------------------------------------------------------------------

    def _handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
        if path.startswith("/response/"):
            body = json.loads(raw or b"{}")
            call = self._record("response_url", path, headers, body)
            with self._lock:
                pending = self._failures.get("response_url")
                failure = pending.pop(0) if pending else None
            if failure is not None:  # Slack answers an expired or used-up response_url with 404 and text
                call["failed"] = failure[1]
                return failure[0], failure[1], {}
            return 200, "ok", {}
        if path.startswith("/upload/"):
            self._record("upload", path, headers, {"bytes": len(raw)})
            return 200, f"OK - {len(raw)}", {}
        method = path.split("?")[0].removeprefix("/api/")
        body = _parse(headers, raw)
        call = self._record(method, path, headers, body)
        with self._lock:
            pending = self._failures.get(method)
            failure = pending.pop(0) if pending else None
        if failure is not None:
            status, error, extra = failure
            call["failed"] = error
            return status, {"ok": False, "error": error}, extra
        refusal = self._refusal(method, headers, body)
        if refusal:
            call["failed"] = refusal
            return 200, {"ok": False, "error": refusal}, {}
        return 200, self._reply(method, body), {}

    def _refusal(self, method: str, headers: dict[str, str], body: dict[str, Any]) -> str | None:
        """What a real workspace would refuse: a revoked token, a stale trigger, a channel without the bot."""
        token = (headers.get("Authorization") or "").removeprefix("Bearer ")
        if token and token in self.revoked:
            return "token_revoked"
        if method == "views.open":
            with self._lock:
                issued = self._triggers.get(str(body.get("trigger_id")))
            if issued is not None and time.monotonic() - issued > self.trigger_ttl_s:
                return "expired_trigger_id"
        if method in ("chat.postMessage", "chat.postEphemeral") and body.get("channel") in self.outside:
            return "not_in_channel"
        return None

    def _record(self, method: str, path: str, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        call = {"method": method, "path": path, "body": body, "auth": headers.get("Authorization"), "at": time.time()}
        with self._lock:
            self.calls.append(call)
        return call

    def _reply(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        ts = f"{1700000000 + next(self._ts)}.000100"
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "user": "prbot",
                "team": "PR",
                "team_id": "T1",
            }
        if method == "chat.postMessage":
            message = {"type": "message", "ts": ts, "text": body.get("text", ""), "bot_id": BOT_ID}
            if body.get("thread_ts"):
                message["thread_ts"] = body["thread_ts"]
            if body.get("metadata"):
                message["metadata"] = body["metadata"]
            with self._lock:
                self.messages.setdefault(_conversation(str(body.get("channel", ""))), []).append(message)
        if method in ("chat.postMessage", "chat.update"):
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts") or ts, "message": {"text": ""}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": _conversation(str(body.get("users", "")))}}
        if method in ("conversations.history", "conversations.replies"):
            with_metadata = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
            with self._lock:
                found = list(self.messages.get(str(body.get("channel", "")), []))
            if method == "conversations.history":
                found = [m for m in found if "thread_ts" not in m]
            else:
                found = [m for m in found if m.get("thread_ts") == body.get("ts")]
            shown = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in reversed(found)]
            return {"ok": True, "messages": shown[: int(body.get("limit") or 100)], "has_more": False}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in body.get("files", [])]}
        if method == "views.open":
            return {"ok": True, "view": {"id": "V1"}}
        if method == "apps.connections.open":
            return {"ok": False, "error": "not_supported_by_fake"}
        if method == "users.info":
            return {"ok": True, "user": {"id": body.get("user"), "name": "someone"}}
        return {"ok": True}


def _conversation(channel: str) -> str:
    """Posting to a user id lands in the bot's DM with them (``D`` + the user id's tail)."""
    return f"D{channel[1:]}" if channel[:1] in ("U", "W") else channel


def _parse(headers: dict[str, str], raw: bytes) -> dict[str, Any]:
    content_type = headers.get("Content-Type", headers.get("content-type", ""))
    if "json" in content_type:
        return json.loads(raw or b"{}")
    body: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    for name in _JSON_FIELDS:
        if isinstance(body.get(name), str):
            with contextlib.suppress(json.JSONDecodeError):
                body[name] = json.loads(body[name])
    return body


# ---- signing what Slack would send -----------------------------------------------------------------


def signed_headers(secret: str, body: str, timestamp: int | None = None, retry: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body) or "",
        "Content-Type": "application/json",
    }
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers


def event_body(event: dict[str, Any], event_id: str) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T1", "user_id": BOT_USER_ID, "is_bot": True}],
            "event": event,
        },
        ensure_ascii=False,
    )


def mention(
    text: str,
    ts: str,
    channel: str = "C1",
    user: str = "U1",
    thread_ts: str | None = None,
    edited: bool = False,
) -> dict[str, Any]:
    """An ``app_mention``; ``edited`` is what Slack re-sends (a new event id) when the message is edited."""
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts,
        "channel": channel,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    if edited:
        event["edited"] = {"user": user, "ts": f"{float(ts) + 30:.6f}"}
    return event
