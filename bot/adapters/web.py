"""A small threaded WSGI server (stdlib) that routes by path: Slack and Feishu callbacks, health."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # A burst of platform retries must not be refused at the socket.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def route(routes: dict[str, WSGIApp]) -> WSGIApp:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        handler = routes.get(environ.get("PATH_INFO", ""))
        if handler is None:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"not found"]
        return handler(environ, start_response)

    return app


class WebServer:
    """Serves ``routes`` on host:port from a background thread; ``port=0`` picks a free port."""

    def __init__(self, name: str, host: str, port: int, routes: dict[str, WSGIApp]) -> None:
        self.name = name
        self._server = make_server(
            host, port, route(routes), server_class=_ThreadingServer, handler_class=_QuietHandler
        )
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
