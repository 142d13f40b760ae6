"""A loopback fake of the OpenAI-compatible API (chat completions, embeddings) for real clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ChatBehaviour = Callable[[list[dict[str, Any]]], tuple[int, str]]
# For a request that offers tools: the messages and tool names → (status, [(tool name, arguments JSON)]).
ToolBehaviour = Callable[[list[dict[str, Any]], list[str]], tuple[int, list[tuple[str, str]]]]


class FakeOpenAI:
    """Serve ``/v1/chat/completions`` and ``/v1/embeddings`` on 127.0.0.1 with scripted behaviour.

    ``chat`` maps the request's messages to (HTTP status, reply text). ``delay_s`` makes every call slow.
    """

    def __init__(
        self,
        chat: ChatBehaviour | None = None,
        delay_s: float = 0.0,
        dim: int = 8,
        tools: ToolBehaviour | None = None,
    ) -> None:
        self.chat = chat or (lambda messages: (200, "答案 [1]"))
        self.tools = tools
        self.delay_s = delay_s
        self.dim = dim
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                if self.path.endswith("/chat/completions") and body.get("tools") and fake.tools is not None:
                    names = [tool["function"]["name"] for tool in body["tools"]]
                    status, calls = fake.tools(body.get("messages", []), names)
                    payload = _tool_calls(calls, body.get("model", "fake")) if status == 200 else _error(status)
                elif self.path.endswith("/chat/completions"):
                    status, text = fake.chat(body.get("messages", []))
                    payload = _completion(text, body.get("model", "fake")) if status == 200 else _error(status)
                elif self.path.endswith("/embeddings"):
                    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    status, payload = 200, _embeddings(inputs, fake.dim)
                else:
                    status, payload = 404, _error(404)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]


def _completion(text: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _tool_calls(calls: list[tuple[str, str]], model: str) -> dict[str, Any]:
    tool_calls = [
        {"id": f"call_{n}", "type": "function", "function": {"name": name, "arguments": arguments}}
        for n, (name, arguments) in enumerate(calls)
    ]
    message: dict[str, Any] = {"role": "assistant", "content": None if tool_calls else "no tool"}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _embeddings(inputs: list[str], dim: int) -> dict[str, Any]:
    data = []
    for index, text in enumerate(inputs):
        vector = [0.0] * dim
        for char in text:
            vector[ord(char) % dim] += 1.0
        data.append({"object": "embedding", "index": index, "embedding": vector})
    return {"object": "list", "data": data, "model": "fake-embed", "usage": {"prompt_tokens": 1, "total_tokens": 1}}


def _error(status: int) -> dict[str, Any]:
    return {"error": {"message": f"fake error {status}", "type": "server_error", "code": status}}
