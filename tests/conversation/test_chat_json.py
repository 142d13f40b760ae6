"""``prbot chat --json``: one JSON object per message, same path and memory as Slack."""

from __future__ import annotations

import json

from bot.adapters.cli import chat_json
from bot.app import Services


def run(svc: Services, lines: list[str]) -> tuple[list[dict], int]:
    out: list[str] = []
    status = chat_json.run(svc.router, lines, out.append, "cli:tester")
    return [json.loads(line) for line in out], status


def test_each_message_gets_one_object_naming_its_command(conv: Services) -> None:
    lines = [
        "你好",
        json.dumps({"text": "2023年医疗行业有哪些案例？", "user": "slack:U1", "thread": "j1"}, ensure_ascii=False),
        json.dumps({"text": "那制造业呢？", "user": "slack:U1", "thread": "j1"}, ensure_ascii=False),
        json.dumps({"text": "那制造业呢？", "user": "slack:U2", "thread": "j1"}, ensure_ascii=False),
        json.dumps({"text": "我想加一个小变更：官网首页换横幅，下周一生效", "thread": "j2"}, ensure_ascii=False),
        "cr list",
    ]
    replies, status = run(conv, lines)
    assert status == 0
    assert [r["command"] for r in replies] == ["help", "ask", "ask", "ask", "cr", "cr"]
    assert set(replies[1]) == {"command", "text", "confident", "citations", "data"}
    assert replies[0]["confident"] is None and replies[4]["confident"] is None
    assert replies[1]["confident"] is True and replies[1]["citations"][0]["id"] == "fx-hospital"
    assert set(replies[1]["citations"][0]) == {"id", "title", "type", "snippet", "score"}
    # the follow-up is resolved in U1's thread; U2 has no earlier question in theirs
    assert replies[2]["citations"][0]["id"] == "fx-factory"
    assert "还没有上一个问题" in replies[3]["text"]
    # a confirmation still names its command and carries its buttons
    assert replies[4]["data"]["conversation"]["confirm"] == "cr add"
    assert [b["label"] for b in replies[4]["data"]["buttons"]] == ["确认", "取消"]


def test_a_malformed_line_gets_an_error_object_and_the_rest_still_run(conv: Services) -> None:
    replies, status = run(conv, ['{"text": 3}', "{not json", "你好"])
    assert status == 1
    assert "text" in replies[0]["error"] and "JSON" in replies[1]["error"]
    assert replies[2]["command"] == "help"
