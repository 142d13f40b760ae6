"""A loopback fake of the Feishu / Lark open API for the real lark-oapi client (tenant token, bot
info, message create / reply, image and file upload), plus helpers that build the event callbacks
Feishu would send: plain or encrypted with the app's encrypt key, and signed.

Like Feishu, a second send with a ``uuid`` already seen returns the first message instead of a new one,
and a tenant token that was revoked (``revoke_token``) is refused with code 99991663 until a new one
is fetched.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from Crypto.Cipher import AES

BOT_OPEN_ID = "ou_bot"


class FakeFeishuAPI:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []  # messages actually delivered (uuid-deduplicated)
        self._by_uuid: dict[str, str] = {}
        self._failures: dict[str, list[tuple[int, str]]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._tokens = itertools.count(1)
        self.token = "t-fake"  # the tenant token currently valid
        self.issue_tokens = True  # False: the token endpoint refuses (app secret reset)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                status, payload = fake._handle(self.command, self.path, dict(self.headers), raw)
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeFeishuAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, kind: str, code: int = 230002, msg: str = "bot not in chat", times: int = 1) -> None:
        """The next ``times`` calls of ``kind`` ("reply", "create") fail with a Feishu error code."""
        with self._lock:
            self._failures.setdefault(kind, []).extend([(code, msg)] * times)

    def revoke_token(self) -> None:
        """The tenant token in use stops working; the next one fetched is valid."""
        with self._lock:
            self.token = f"t-fake-{next(self._tokens) + 1}"

    def wait_for(self, check: Callable[[], Any], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"timed out; calls so far: {[c['path'] for c in self.calls]}")

    def _handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        route = path.split("?")[0]
        is_json = "json" in headers.get("Content-Type", headers.get("content-type", ""))
        body = json.loads(raw or b"{}") if is_json else {"bytes": len(raw)}
        with self._lock:
            self.calls.append({"method": method, "path": path, "body": body, "auth": headers.get("Authorization")})
        if route.endswith("/auth/v3/tenant_access_token/internal"):
            if not self.issue_tokens:
                return 400, {"code": 10014, "msg": "app secret invalid"}
            return 200, {"code": 0, "msg": "ok", "tenant_access_token": self.token, "expire": 7200}
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 400, {"code": 99991663, "msg": "Invalid access token for authorization."}
        if route.endswith("/bot/v3/info"):
            return 200, {"code": 0, "msg": "ok", "bot": {"open_id": BOT_OPEN_ID, "app_name": "prbot"}}
        if route.endswith("/im/v1/images"):
            return 200, {"code": 0, "msg": "ok", "data": {"image_key": f"img_{next(self._ids)}"}}
        if route.endswith("/im/v1/files"):
            return 200, {"code": 0, "msg": "ok", "data": {"file_key": f"file_{next(self._ids)}"}}
        if route.endswith("/reply") or route.endswith("/im/v1/messages"):
            kind = "reply" if route.endswith("/reply") else "create"
            with self._lock:
                pending = self._failures.get(kind)
                failure = pending.pop(0) if pending else None
            if failure is not None:
                return 400, {"code": failure[0], "msg": failure[1]}
            return 200, {"code": 0, "msg": "ok", "data": self._deliver(kind, route, body)}
        return 404, {"code": 404, "msg": "not found"}

    def _deliver(self, kind: str, route: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            send_id = body.get("uuid")
            if send_id and send_id in self._by_uuid:
                return {"message_id": self._by_uuid[send_id]}
            message_id = f"om_{next(self._ids)}"
            if send_id:
                self._by_uuid[send_id] = message_id
            reply_to = route.split("/messages/")[1].split("/")[0] if kind == "reply" else None
            self.messages.append({"kind": kind, "message_id": message_id, "reply_to": reply_to, **body})
        return {"message_id": message_id, "msg_type": body.get("msg_type")}

    def replies_to(self, message_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.messages if m["reply_to"] == message_id]


# ---- what Feishu sends -----------------------------------------------------------------------------


def message_event(
    event_id: str,
    text: str,
    *,
    token: str,
    chat_type: str = "group",
    message_id: str = "om_user_1",
    chat_id: str = "oc_chat",
    mention_bot: bool = True,
    message_type: str = "text",
    root_id: str | None = None,
    sender_type: str = "user",
    content: str | None = None,
) -> dict[str, Any]:
    mentions = [{"key": "@_user_1", "id": {"open_id": BOT_OPEN_ID}, "name": "公关助手", "tenant_key": "t"}]
    if content is not None:
        text_content = content
    elif message_type == "image":
        text_content = json.dumps({"image_key": "img_v2_x"})
    else:
        text_content = json.dumps({"text": f"@_user_1 {text}" if mention_bot else text}, ensure_ascii=False)
    message = {
        "message_id": message_id,
        "chat_id": chat_id,
        "chat_type": chat_type,
        "message_type": message_type,
        "content": text_content,
        "create_time": str(int(time.time() * 1000)),
        "mentions": mentions if mention_bot else [],
    }
    if root_id:
        message["root_id"] = root_id
    return {
        "schema": "2.0",
        "header": {
            "event_id": event_id,
            "token": token,
            "create_time": str(int(time.time() * 1000)),
            "event_type": "im.message.receive_v1",
            "tenant_key": "t",
            "app_id": "cli_test",
        },
        "event": {
            "sender": {"sender_id": {"open_id": "ou_user"}, "sender_type": sender_type, "tenant_key": "t"},
            "message": message,
        },
    }


def plain_event(event_type: str, event: dict[str, Any], event_id: str, *, token: str) -> dict[str, Any]:
    """A v2 event of any type (for the ones the bot does not subscribe to, or bot.added)."""
    header = {
        "event_id": event_id,
        "token": token,
        "create_time": str(int(time.time() * 1000)),
        "event_type": event_type,
        "tenant_key": "t",
        "app_id": "cli_test",
    }
    return {"schema": "2.0", "header": header, "event": event}


def v1_message_event(text: str, *, token: str) -> dict[str, Any]:
    """The old (v1 schema) message event some apps still receive."""
    return {
        "uuid": "v1-uuid-1",
        "token": token,
        "ts": str(time.time()),
        "type": "event_callback",
        "event": {"type": "message", "msg_type": "text", "text": text, "open_chat_id": "oc_chat"},
    }


def card_action(
    event_id: str,
    value: dict[str, Any],
    *,
    token: str,
    message_id: str = "om_card",
    form_value: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "schema": "2.0",
        "header": {
            "event_id": event_id,
            "token": token,
            "create_time": str(int(time.time() * 1000)),
            "event_type": "card.action.trigger",
            "tenant_key": "t",
            "app_id": "cli_test",
        },
        "event": {
            "operator": {"open_id": "ou_user", "tenant_key": "t"},
            "token": "c-token",
            "action": {"tag": "button", "value": value, **({"form_value": form_value} if form_value else {})},
            "context": {"open_message_id": message_id, "open_chat_id": "oc_chat"},
        },
    }


def encrypt(payload: dict[str, Any], key: str) -> str:
    """AES-256-CBC with sha256(key), random IV, PKCS#7 — Feishu's event encryption."""
    plain = json.dumps(payload, ensure_ascii=False).encode()
    pad = 16 - len(plain) % 16
    iv = os.urandom(16)
    cipher = AES.new(hashlib.sha256(key.encode()).digest(), AES.MODE_CBC, iv)
    return base64.b64encode(iv + cipher.encrypt(plain + bytes([pad]) * pad)).decode()


def signed(body: bytes, key: str) -> dict[str, str]:
    ts, nonce = str(int(time.time())), "nonce-1"
    signature = hashlib.sha256((ts + nonce + key).encode() + body).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Lark-Request-Timestamp": ts,
        "X-Lark-Request-Nonce": nonce,
        "X-Lark-Signature": signature,
    }
