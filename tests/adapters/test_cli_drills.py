"""``prbot drill …`` and ``prbot incident …`` end to end through the real CLI (typer), app and SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.adapters.cli.app import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PRBOT_ROLES_MANAGERS", '["cli:boss"]')
    monkeypatch.setenv("PRBOT_CLI_USER", "cli:pr")
    monkeypatch.setenv("PRBOT_INCIDENTS_TEAMS", '{"公关": ["cli:pr"], "法务": ["cli:legal"]}')
    runner = CliRunner()
    data = tmp_path / "data"

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["--data-dir", str(data), *args])

    return run


def test_drill_plan_move_with_force_and_roles(cli) -> None:  # type: ignore[no-untyped-def]
    refused = cli("drill", "plan", "--year", "2099")
    assert refused.exit_code == 2 and "只有经理" in refused.stderr and "cli:pr" in refused.stderr
    planned = cli("drill", "plan", "--year", "2099", "--as", "cli:boss")
    assert planned.exit_code == 0, planned.output
    assert "#1 2099 Q1" in planned.stdout and "数据泄露" in planned.stdout and "没有 2099 年" in planned.stdout

    past = cli("drill", "move", "1", "2020-01-06", "--as", "cli:boss")
    assert past.exit_code == 2 and "已经过去" in past.stderr and "--force" in past.stderr
    forced = cli("drill", "move", "1", "2020-01-06", "09:30", "--force", "--as", "cli:boss")
    assert forced.exit_code == 0 and "2020-01-06 09:30" in forced.stdout
    shown = cli("drill", "--lang", "en", "show", "1")
    assert shown.exit_code == 0 and "cli:legal" in shown.stdout and "Checklist" in shown.stdout


def test_incident_start_bad_level_done_and_close(cli) -> None:  # type: ignore[no-untyped-def]
    bad = cli("incident", "start", "官微被指虚假宣传", "--level", "7")
    assert bad.exit_code == 2 and "1 到 5" in bad.stderr and "Traceback" not in bad.output
    started = cli("incident", "start", "官微被指虚假宣传", "--level", "2")
    assert started.exit_code == 0, started.output
    assert "事件 #1 已创建" in started.stdout and "console:pr-crisis" in started.stdout
    done = cli("incident", "done", "response", "--text", "我们已关注到相关讨论，正在核实。")
    assert done.exit_code == 0 and "首次响应" in done.stdout
    refused = cli("incident", "close")
    assert refused.exit_code == 2 and "负责人或经理" in refused.stderr
    closed = cli("incident", "close", "--as", "cli:boss")
    assert closed.exit_code == 0 and "复盘报告" in closed.stdout and "熟练度" in closed.stdout
    late = cli("incident", "done", "analysis", "--id", "1")
    assert late.exit_code == 2 and "已关闭" in late.stderr
