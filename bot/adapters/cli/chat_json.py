"""``prbot chat --json``: the chat contract for scripts and tests.

stdin: one message per line, a JSON object ``{"text": "…", "user": "slack:U1", "thread": "t1"}``
(``user`` and ``thread`` optional) or plain text (the terminal user, one thread). stdout: one JSON
object per message, in order: ``{"command", "text", "confident", "citations", "data"}``. Messages go
through the same path as Slack and Feishu (``respond``), so thread memory behaves the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from bot.adapters.chat import Inbound, respond
from bot.core import Reply
from bot.router import Router

DEFAULT_THREAD = "main"


def parse_line(line: str, default_user: str) -> Inbound | dict[str, Any]:
    """The message on one input line, or an error object saying what was wrong with it."""
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except ValueError:
            return {"error": '不是合法的 JSON / not valid JSON: send {"text": "…"} or a plain line'}
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            return {"error": '缺少 text 字段 / a JSON message needs a "text" string'}
        given = obj.get("user")
        user = given if isinstance(given, str) and given else default_user
        thread = obj.get("thread") if isinstance(obj.get("thread"), str | int) else DEFAULT_THREAD
        text = obj["text"]
    else:
        user, thread, text = default_user, DEFAULT_THREAD, stripped
    platform = user.split(":", 1)[0] if ":" in user else "console"
    # One conversation per user and thread, like a direct message with threads.
    return Inbound(platform=platform[:20], user_id=user, channel_id=f"chat:{user}", text=text, thread_id=str(thread))


def as_json(reply: Reply, command: str) -> dict[str, Any]:
    answer = reply.data.get("answer") if isinstance(reply.data, dict) else None
    confident = bool(answer.get("confident")) if command == "ask" and isinstance(answer, dict) else None
    data = {k: v for k, v in reply.data.items() if k != "conversation"} if isinstance(reply.data, dict) else {}
    conversation = reply.data.get("conversation") if isinstance(reply.data, dict) else None
    if isinstance(conversation, dict):
        extra = {k: v for k, v in conversation.items() if k != "command"}
        if extra:
            data["conversation"] = extra
    if reply.buttons:
        data["buttons"] = [{"label": b.label, "action": b.action} for b in reply.buttons]
    return {
        "command": command,
        "text": reply.text,
        "confident": confident,
        "citations": [
            {"id": c.id, "title": c.title, "type": c.type, "snippet": c.snippet, "score": c.score}
            for c in reply.citations
        ],
        "data": data,
    }


def command_of(router: Router, text: str, reply: Reply) -> str:
    """The registry command that handled the message: the one it names, else the one the
    conversation layer chose, else the default (``ask``)."""
    resolved = router.resolve_text(text)
    if resolved.group is not None:
        return resolved.group.name
    conversation = reply.data.get("conversation") if isinstance(reply.data, dict) else None
    if isinstance(conversation, dict) and conversation.get("command"):
        return str(conversation["command"]).split(" ")[0]
    spec = router.default_spec()
    return spec.group.name if spec is not None else "ask"


def run(router: Router, lines: Iterable[str], write: Callable[[str], None], default_user: str) -> int:
    """Answer each line; returns 1 if any line was malformed (it still gets its error object)."""
    status = 0
    for line in lines:
        if not line.strip():
            continue
        inbound = parse_line(line, default_user)
        if isinstance(inbound, dict):
            write(json.dumps(inbound, ensure_ascii=False))
            status = 1
            continue
        reply = respond(router, inbound)
        write(json.dumps(as_json(reply, command_of(router, inbound.text, reply)), ensure_ascii=False))
    return status
