"""A small WSGI server (stdlib) that routes by path: Slack and Feishu callbacks, health.

Hardened for the open internet: a body larger than ``MAX_BODY_BYTES`` gets 413 before it is read,
a chunked body 411, a body that stops arriving 408; every read on a connection times out after
``READ_TIMEOUT_S``, and connections are served by a bounded pool (beyond ``MAX_CONNECTIONS`` waiting
or running, a new connection gets 503 at once). Request bodies are never logged.
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Slack and Feishu payloads are a few kilobytes; a megabyte leaves room and refuses floods.
MAX_BODY_BYTES = 1_000_000
# A half-sent request is dropped after this long without a byte.
READ_TIMEOUT_S = 10.0
# Threads serving connections, and connections allowed to wait or run before new ones are refused.
SERVER_THREADS = 32
MAX_CONNECTIONS = 256
_BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"


class _PooledServer(WSGIServer):
    # A burst of platform retries must not be refused at the socket.
    request_queue_size = 128

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool = ThreadPoolExecutor(max_workers=SERVER_THREADS, thread_name_prefix="web")
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        self._pool.submit(self._serve, request, client_address)

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except (TimeoutError, ConnectionError) as exc:  # a slow or vanished client: nothing to report
            log.debug("connection from %s dropped: %s", client_address[0], exc.__class__.__name__)
        except Exception:
            log.exception("web server: request from %s failed", client_address[0])
        finally:
            self.shutdown_request(request)
            self._slots.release()

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)


class _QuietHandler(WSGIRequestHandler):
    timeout = READ_TIMEOUT_S  # applied to the socket: every read (headers and body) is bounded

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def route(routes: dict[str, WSGIApp], max_body: int = MAX_BODY_BYTES) -> WSGIApp:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        handler = routes.get(environ.get("PATH_INFO", ""))
        if handler is None:
            return _plain(start_response, "404 Not Found", "not found")
        if environ.get("HTTP_TRANSFER_ENCODING"):
            return _plain(start_response, "411 Length Required", "send a Content-Length")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _plain(start_response, "400 Bad Request", "bad Content-Length")
        if length > max_body:
            log.warning("refused a %d-byte body on %s (limit %d)", length, environ.get("PATH_INFO"), max_body)
            return _plain(start_response, "413 Content Too Large", f"body over {max_body} bytes")
        # Read the body here, once and bounded by the socket's read timeout, so a client that stops
        # half-way gets 408 instead of holding a handler (and a traceback) inside Slack's or lark's code.
        try:
            body = environ["wsgi.input"].read(length) if length else b""
        except TimeoutError:
            return _plain(start_response, "408 Request Timeout", "the body did not arrive in time")
        if len(body) < length:
            return _plain(start_response, "400 Bad Request", "the body is shorter than Content-Length")
        environ["wsgi.input"] = io.BytesIO(body)
        return handler(environ, start_response)

    return app


def _plain(start_response: Callable[..., Any], status: str, text: str) -> list[bytes]:
    data = text.encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))]
    start_response(status, headers)
    return [data]


class WebServer:
    """Serves ``routes`` on host:port from a background thread; ``port=0`` picks a free port."""

    def __init__(self, name: str, host: str, port: int, routes: dict[str, WSGIApp]) -> None:
        self.name = name
        self._server = make_server(host, port, route(routes), server_class=_PooledServer, handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"web-{name}", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()
        log.info("%s listening on port %d", self.name, self.port)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
