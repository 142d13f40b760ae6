"""``POST /mentions``: a monitoring vendor pushes mentions as a JSON list, signed with the shared secret
(``PRBOT_WATCH_WEBHOOK_SECRET``). 401 without a valid signature, 413 over the size bound, 400 for a
body that is not a list of valid mentions (nothing is stored then), 200 with what was stored."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from handlers.watch import signing
from handlers.watch.service import WatchService
from handlers.watch.sources import SourceError, parse_json_body

log = logging.getLogger(__name__)


def _respond(start_response: Callable[..., Any], status: str, payload: dict[str, Any]) -> Iterable[bytes]:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    start_response(status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def mentions_app(service: WatchService) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    cfg = service.cfg
    secret = cfg.webhook_secret.get_secret_value() if cfg.webhook_secret else ""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _respond(start_response, "405 Method Not Allowed", {"error": "use POST"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _respond(start_response, "400 Bad Request", {"error": "bad Content-Length"})
        if length > cfg.webhook_max_bytes:
            return _respond(
                start_response, "413 Payload Too Large", {"error": f"body over {cfg.webhook_max_bytes} bytes"}
            )
        body = environ["wsgi.input"].read(length) if length else b""
        timestamp = environ.get("HTTP_X_PRBOT_TIMESTAMP")
        signature = environ.get("HTTP_X_PRBOT_SIGNATURE")
        if not signing.verify(secret, timestamp, signature, body, cfg.webhook_tolerance_s):
            return _respond(start_response, "401 Unauthorized", {"error": "missing or bad signature"})
        try:
            parsed = parse_json_body(body)
        except SourceError as exc:
            return _respond(start_response, "400 Bad Request", {"error": str(exc)})
        if parsed.bad:
            bad = [{"item": b.line, "reason": b.reason} for b in parsed.bad[:50]]
            return _respond(
                start_response, "400 Bad Request", {"error": "some mentions are invalid; nothing stored", "bad": bad}
            )
        try:
            result = service.ingest(parsed.mentions, source="webhook")
            service.evaluate()
        except Exception:
            log.exception("POST /mentions failed")
            return _respond(start_response, "500 Internal Server Error", {"error": "not stored; try again"})
        return _respond(
            start_response,
            "200 OK",
            {"stored": result.stored, "duplicates": result.duplicates, "new_stories": result.new_stories},
        )

    return app


def route_for(services: Any) -> dict[str, Callable[..., Iterable[bytes]]]:
    """The /mentions route when a webhook secret is configured; none otherwise (and the log says so)."""
    cfg = services.settings.watch
    if not cfg.enabled or cfg.webhook_secret is None or not cfg.webhook_secret.get_secret_value():
        log.info("POST /mentions is off: set PRBOT_WATCH_WEBHOOK_SECRET to turn it on")
        return {}
    service = WatchService(services.engine, services.settings, services.notifiers)
    return {"/mentions": mentions_app(service)}
