"""The digest commands and the change rule's settings: the same command line in chat and through the
generated ``prbot`` CLI, each on its own fresh database, reads the same."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bot.adapters.cli.app import app
from bot.adapters.terminal import ConsoleNotifier, render
from bot.app import build_services
from bot.core import Request
from tests.conftest import make_settings
from tests.test_registry import USER, _normalise

CHANNEL = "console:managers"


def _same_both_ways(tmp_path: Path, embedder: object, lines: tuple[str, ...]) -> list[str]:
    """Each line through the chat router and through the CLI; what the user reads, once per line."""
    chat = build_services(make_settings(tmp_path / "chat"), embedder=embedder, use_configured_chat_model=False)  # type: ignore[arg-type]
    chat.notifiers["console"] = ConsoleNotifier(output=lambda _text: None)  # as `prbot` has
    runner = CliRunner()
    shown = []
    try:
        for line in lines:
            said = chat.router.handle(Request(text=line, user_id=USER, platform="console", channel_id="cli"))
            ran = runner.invoke(app, ["--data-dir", str(tmp_path / "cli"), *line.split()])
            printed = ran.stdout if ran.exit_code == 0 else ran.stderr
            assert "Traceback" not in ran.output, line
            # The terminal renders the reply (bold as plain text, the chart named as a file).
            assert _normalise(printed) == _normalise(render(replace(said, buttons=[]))), line
            assert (ran.exit_code == 0) == (not said.refused), line
            shown.append(printed)
    finally:
        chat.engine.dispose()
    return shown


@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRBOT_ROLES_MANAGERS", f'["{USER}"]')
    monkeypatch.setenv("PRBOT_CLI_USER", USER)
    monkeypatch.setenv("PRBOT_DIGEST_CHANNELS", CHANNEL)


def test_digest_preview_and_send_read_the_same_in_chat_and_cli(
    tmp_path: Path, embedder: object, operator: None
) -> None:
    preview, merged, english, by_options, too_far, bad_lang, sent, again = _same_both_ways(
        tmp_path,
        embedder,
        (
            "digest preview 2025-10-15",
            "digest preview 2025-10-01",
            "digest preview 2025-10-15 en",
            "digest preview --date 2025-10-15 --lang en",
            "digest preview 9999-12-31",
            "digest preview 2025-10-15 fr",
            "digest send",
            "digest send",
        ),
    )
    assert "2025年第42周" in preview and CHANNEL in preview.splitlines()[0]
    assert "2025-W40 → 2025-W41" in merged  # 国庆: two weeks moved to one day, only the newer goes out
    assert "week 42 of 2025" in english and english == by_options
    assert "9999-12-31" in too_far and "zh or en" not in too_far
    assert "fr" in bad_lang
    assert f"{CHANNEL}：✓ 已发送" in sent and f"{CHANNEL}：= 本周已发送过" in again


def test_the_notice_days_and_the_digest_day_come_from_settings(
    tmp_path: Path, embedder: object, operator: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRBOT_CHANGE_NOTICE_DAYS", "10")
    monkeypatch.setenv("PRBOT_DIGEST_DAY", "thu")
    today = datetime.now(ZoneInfo(make_settings(tmp_path).timezone)).date()  # the rule's day, not the machine's
    nine = (today + timedelta(days=9)).isoformat()
    ten = (today + timedelta(days=10)).isoformat()
    late, on_time, small, wrong, english, approve = _same_both_ways(
        tmp_path,
        embedder,
        (
            f"cr add --title 官网改版 --size big --effective {nine}",
            f"cr add --title 发布会主视觉 --size big --effective {ten}",
            f"cr add --title 换横幅 --size small --effective {ten}",
            f"cr add --title 海报 --size huge --effective {ten}",
            f"cr add --title Poster --size huge --effective {ten} --lang en",
            "cr approve 1 好",
        ),
    )
    assert "未提前10天" in late and "距生效只有 9 天" in late and "15" not in late
    assert "未提前" not in on_time and "提前 10 天提出，符合规则" in on_time
    joins = re.search(r"(\d{4}-\d{2}-\d{2}) 的周报", small)  # the digest the small change joins
    assert joins is not None, small
    assert date.fromisoformat(joins[1]).isoweekday() in (4, 5, 1)  # Thursday, unless a holiday moved it
    assert "需提前10天" in wrong and "每周四统一处理" in wrong
    assert "needs 10 days' notice" in english and "every Thursday" in english
    assert "未提前10天" in approve and "--override" in approve  # the rule enforces 10 days, not 15
