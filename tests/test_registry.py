"""One declaration per command: the chat router, the generated CLI, help and the README agree.

The behaviour test runs the same command lines through the chat router and through the real
``prbot`` CLI, each on its own fresh database, and compares what the user reads.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.adapters.cli.app import app
from bot.adapters.cli.registry import describe
from bot.adapters.terminal import ConsoleNotifier, plain
from bot.app import build_services
from bot.command_classes import command_classes
from bot.commands import markdown_table, parse_words
from bot.core import Request, UserError
from tests.conftest import make_settings

README = Path(__file__).resolve().parents[1] / "README.md"
USER = "cli:amy"
SOON = (date.today() + timedelta(days=60)).isoformat()  # within the effective-date horizon
LATER = (date.today() + timedelta(days=90)).isoformat()

# Command lines a PR team uses, in an order that makes each one meaningful.
SCENARIO = (
    f"cr add --title 官网首页改版 --size big --effective {SOON} --team 市场部",
    f"cr add --title 更换客服热线 --size small --effective {LATER}",
    "cr list",
    "cr show 1",
    "cr approve 1 发布会日期已定",
    "cr withdraw 2 不做了",
    "cr list --status approved",
    "cr show 99",
    "drill plan --year 2099",
    "drill list --year 2099",
    "drill show 1",
    "drill move 1 2099-05-20 --force",
    "incident start --level 2 发布会现场停电",
    "incident done response --text 我们已关注到现场情况，正在核实。",
    "incident level 1",
    "incident list",
    "incident close",
    "incident level 9",
)


def _normalise(text: str) -> str:
    """Clock times and elapsed minutes differ between two runs a few seconds apart."""
    text = re.sub(r"\d{2}:\d{2}(:\d{2})?", "HH:MM", text)
    text = re.sub(r"\d+(\.\d+)? ?(分钟|min)", "N min", text)
    return text.strip()


def test_every_cli_command_takes_the_declared_arguments() -> None:
    registry = describe(command_classes())
    root = typer.main.get_command(app)
    for spec in registry.commands:
        if not spec.cli:
            continue
        command = root
        for word in spec.full_name.split():
            command = command.commands[word]  # type: ignore[attr-defined]
        names = {param.name for param in command.params}
        assert {arg.name for arg in spec.args} <= names, spec.full_name
        assert command.help and spec.en in command.help


def test_readme_command_table_is_the_registrys() -> None:
    table = markdown_table(describe(command_classes()))
    assert table in README.read_text(encoding="utf-8"), "run `python -m bot.command_table` and paste it"


def test_chat_parser_turns_words_into_the_declared_model() -> None:
    registry = describe(command_classes())
    spec = registry.get("cr approve")
    assert spec is not None
    args = parse_words(spec, ["12", "--override", "发布会", "已定"], "zh")
    assert args.model_dump() == {"id": 12, "comment": "发布会 已定", "override": True, "lang": None}
    with pytest.raises(UserError, match="未知的选项「--overide」"):
        parse_words(spec, ["12", "--overide"], "zh")
    with pytest.raises(UserError, match="应为整数"):
        parse_words(spec, ["十二"], "zh")


def test_chat_and_cli_give_the_same_replies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: object) -> None:
    managers = f'["{USER}"]'
    monkeypatch.setenv("PRBOT_ROLES_MANAGERS", managers)
    monkeypatch.setenv("PRBOT_CLI_USER", USER)
    settings = make_settings(tmp_path / "chat")
    settings.roles.managers = [USER]
    chat = build_services(settings, embedder=embedder, use_configured_chat_model=False)  # type: ignore[arg-type]
    chat.notifiers["console"] = ConsoleNotifier(output=lambda _text: None)  # as `prbot` has
    runner = CliRunner()
    cli_data = tmp_path / "cli"
    for line in SCENARIO:
        said = chat.router.handle(Request(text=line, user_id=USER, platform="console", channel_id="cli"))
        ran = runner.invoke(app, ["--data-dir", str(cli_data), *line.split()])
        shown = ran.stdout if ran.exit_code == 0 else ran.stderr
        assert "Traceback" not in ran.output, line
        assert _normalise(shown) == _normalise(plain(said.text)), line  # the terminal renders the markup
    chat.engine.dispose()


def test_the_terminal_is_the_operator_when_no_manager_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: object
) -> None:
    monkeypatch.setenv("PRBOT_CLI_USER", USER)
    planned = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "drill", "plan", "--year", "2099"])
    assert planned.exit_code == 0, planned.output
    assert "PRBOT_ROLES_MANAGERS" in planned.stderr and "2099" in planned.stdout

    services = build_services(make_settings(tmp_path / "chat"), embedder=embedder, use_configured_chat_model=False)  # type: ignore[arg-type]
    refused = services.router.handle(Request(text="drill plan --year 2099", user_id="U1", platform="slack"))
    assert "PRBOT_ROLES_MANAGERS" in refused.text and refused.private
    approve = services.router.handle(Request(text="cr approve 1 好", user_id="U1", platform="slack"))
    assert "PRBOT_ROLES_MANAGERS" in approve.text
    services.engine.dispose()


def test_chat_in_the_terminal_acts_as_the_cli_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRBOT_CLI_USER", USER)
    data = ["--data-dir", str(tmp_path / "d")]
    runner = CliRunner()
    said = runner.invoke(
        app, [*data, "chat"], input="cr add --title 换横幅 --size small --effective " + SOON + "\nexit\n"
    )
    assert "#1" in said.stdout, said.output
    withdrawn = runner.invoke(app, [*data, "cr", "withdraw", "1"])
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "已撤回" in withdrawn.stdout
