"""Drills and incidents through the chat router and the real ``prbot`` CLI, each on its own fresh
database: the same command lines give the user the same text, refusals included."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.adapters.cli.app import app
from bot.adapters.terminal import ConsoleNotifier, plain
from bot.app import build_services
from bot.core import Request
from tests import test_registry as registry
from tests.conftest import make_settings

USER = registry.USER

# A drill year planned, confirmed, answered, moved, started and closed; an incident worked through;
# and the refusals people run into on the way.
SCENARIO = (
    "drill plan --year 2099",
    "drill confirm 1",
    "drill confirm 1",
    f"drill invite 1 {USER}",
    f"drill invite 1 {USER}",
    "drill rsvp 1 参加",
    "drill rsvp 1 maybe",
    "drill move 1 2099-06-11 15:30",
    "drill move 1 2099-13-40",
    "drill move 1 2099-06-11 25:99",
    "drill move 1 2099-06-13",
    "drill show 1",
    "drill cancel 2",
    "drill cancel 2",
    "drill list --all",
    "drill show 99",
    "drill start 1",
    "incident steps",
    "incident log 1 时间线已核实",
    "incident log 1",
    "incident log 9",
    "incident done analysis",
    "incident done nonsense",
    "incident show",
    "incident show 1",
    "incident close",
    "incident close",
    "incident start --level 3 --channel nowhere 官网宕机",
    "incident start --level 3 官网宕机",
    "incident start --level 2 --lang en the homepage is down",
    "incident show 7",
    "incident steps --id 2",
    "incident list",
)


def _normalise(text: str) -> str:
    """Besides the clock: the terminal numbers its posts per process, so thread ids differ."""
    return re.sub(r"console-\d+", "console-N", registry._normalise(text))


def test_drill_and_incident_lines_read_the_same_in_chat_and_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: object
) -> None:
    monkeypatch.setenv("PRBOT_ROLES_MANAGERS", f'["{USER}"]')
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
        assert _normalise(shown) == _normalise(plain(said.text)), line
    chat.engine.dispose()


def test_the_crisis_commands_load_without_the_database_layer() -> None:
    """`prbot --help` reads the declarations: importing them must not pull in the ORM or storage."""
    probe = (
        "import sys, handlers.crisis.commands; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'storage')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
