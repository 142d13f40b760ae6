"""Early warning and the scoreboard through the registry: the same command lines in chat and in the
real ``prbot`` CLI, each on its own fresh database, give what the user reads; the scoreboard's words
are read the same way typed, as a question, and by the conversation layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.adapters.cli.app import app
from bot.adapters.cli.registry import describe
from bot.adapters.terminal import plain
from bot.app import build_services
from bot.command_classes import command_classes
from bot.commands import parse_words
from bot.core import Request, UserError
from handlers.kpi.commands import KpiArgs
from storage.db import session_scope
from storage.library import Document
from tests.conftest import make_settings
from tests.test_registry import USER, _normalise


def case() -> Document:
    return Document(id="case-012", type="case", title="某省政务云", source_path="x", content_hash="h", indexed=True)


# The same words typed in chat and given to `prbot` (chat line, CLI arguments).
LINES = (
    ("watch status", ["watch", "status"]),
    ("watch stories", ["watch", "stories"]),
    ("watch status --lang en", ["watch", "status", "--lang", "en"]),
    ("case used-in-bid case-012 --bid 某省政务云招标", ["case", "used-in-bid", "case-012", "--bid", "某省政务云招标"]),
    ("case used-in-bid case-012 --bid 某省政务云招标", ["case", "used-in-bid", "case-012", "--bid", "某省政务云招标"]),
    ("case used-in-bid case-404 --bid 某标", ["case", "used-in-bid", "case-404", "--bid", "某标"]),
    ("kpi quarter 2026-12-01", ["kpi", "--period", "quarter", "--date", "2026-12-01"]),
    ("kpi month 2026-12-01 en", ["kpi", "--period", "month", "--date", "2026-12-01", "--lang", "en"]),
    ("kpi week", ["kpi", "--period", "week"]),
    ("kpi year 2026-13-01", ["kpi", "--period", "year", "--date", "2026-13-01"]),
)
# A required argument left out: the terminal's own usage error, chat's message; both name it.
MISSING = (
    ("case used-in-bid case-012", ["case", "used-in-bid", "case-012"], "--bid"),
    ("case used-in-bid", ["case", "used-in-bid"], "case used-in-bid"),
)


def test_chat_and_cli_give_the_same_replies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: object) -> None:
    monkeypatch.setenv("PRBOT_CLI_USER", USER)
    monkeypatch.setenv("PRBOT_ROLES_MANAGERS", f'["{USER}"]')  # no operator note on stderr
    cli_data = tmp_path / "cli"
    built = []
    for data_dir in (tmp_path / "chat", cli_data):
        settings = make_settings(data_dir)
        settings.roles.managers = [USER]
        services = build_services(settings, embedder=embedder, use_configured_chat_model=False)  # type: ignore[arg-type]
        with session_scope(services.engine) as session:
            session.add(case())
        built.append(services)
    chat, cli = built
    cli.engine.dispose()
    runner = CliRunner()
    for line, argv in LINES:
        said = chat.router.handle(Request(text=line, user_id=USER, platform="console", channel_id="cli"))
        ran = runner.invoke(app, ["--data-dir", str(cli_data), *argv])
        assert "Traceback" not in ran.output, line
        shown = ran.stdout if ran.exit_code == 0 else ran.stderr
        assert (ran.exit_code == 2) == said.refused, (line, ran.output, said.text)
        assert _normalise(shown) == _normalise(plain(said.text)), line
    for line, argv, named in MISSING:
        said = chat.router.handle(Request(text=line, user_id=USER, platform="console", channel_id="cli"))
        ran = runner.invoke(app, ["--data-dir", str(cli_data), *argv])
        assert said.refused and ran.exit_code == 2 and "Traceback" not in ran.output, line
        assert named in said.text and named in ran.stderr, line
    chat.engine.dispose()


def test_scoreboard_words_in_any_order_and_as_a_question() -> None:
    spec = describe(command_classes()).get("kpi")
    assert spec is not None

    def read(words: list[str]) -> KpiArgs:
        args = parse_words(spec, words, "zh")
        assert isinstance(args, KpiArgs)
        return args

    typed = read(["2026-12-01", "month", "en"])
    assert (typed.period, typed.day.isoformat() if typed.day else None, typed.lang) == ("month", "2026-12-01", "en")
    asked = read(["本月", "KPI", "如何"])
    assert asked.period == "month" and asked.request == "本月 KPI 如何"
    assert read(["how", "is", "our", "KPI", "this", "year?"]).period == "year"
    assert read([]).period is None
    with pytest.raises(UserError, match="不认识的周期「weekly」"):
        read(["weekly"])
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        read(["2026"])  # not read as a Unix time


def test_requests_in_words_reach_the_scoreboard(tmp_path: Path, embedder: object) -> None:
    services = build_services(make_settings(tmp_path / "d"), embedder=embedder, use_configured_chat_model=False)  # type: ignore[arg-type]
    try:
        for text, label in (("本月 KPI 如何", "-"), ("这个季度的 KPI 怎么样？", "Q")):
            reply = services.router.handle(Request(text=text, user_id="U1", platform="slack", channel_id="C1"))
            assert reply.text.startswith("年度计划 KPI · "), (text, reply.text)
            assert label in reply.text.splitlines()[0] and reply.files[0].mime == "image/png"
            assert reply.data["conversation"]["command"] == "kpi"
    finally:
        services.engine.dispose()
