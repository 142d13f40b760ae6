"""Bad input and failures at the terminal: one clear line, a reference, never a traceback."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.adapters.cli import app as cli


def test_ask_stream_answers_every_line_even_blank_or_broken_ones(tmp_path: Path) -> None:
    lines = "公司年会的抽奖规则是什么？\n\n".encode() + b"\xff\xfe\n" + "第二个问题\n".encode()
    result = CliRunner().invoke(cli.app, ["--data-dir", str(tmp_path / "d"), "ask", "--json", "-"], input=lines)
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(replies) == 4
    assert replies[0]["question"] == "公司年会的抽奖规则是什么？" and "confident" in replies[0]
    assert "line 2 is empty" in replies[1]["error"]
    assert "line 3 is not UTF-8" in replies[2]["error"]
    assert replies[3]["question"] == "第二个问题"
    assert result.exit_code == 1  # some lines were errors


def test_a_malformed_list_setting_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRBOT_ROLES_MANAGERS", "[slack:U1")  # not JSON
    result = CliRunner().invoke(cli.app, ["--data-dir", str(tmp_path / "d"), "cr", "list"])
    assert result.exit_code == 2
    assert "PRBOT_ROLES" in result.stderr and "JSON" in result.stderr
    assert "Traceback" not in result.output and "[slack:U1" not in result.output


def test_an_unexpected_failure_shows_a_reference_and_logs_the_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken() -> None:
        raise RuntimeError("secret-token-123 leaked in a message")

    monkeypatch.setattr(cli, "complete", lambda: broken)
    monkeypatch.setattr("sys.argv", ["prbot", "cr", "list"])
    monkeypatch.setattr(cli.State, "data_dir", tmp_path / "d")
    monkeypatch.setattr(cli.State, "log_path", None)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 1
    shown = capsys.readouterr().err
    assert "Traceback" not in shown and "secret-token-123" not in shown
    assert "参考编号" in shown and "prbot.log" in shown
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = (tmp_path / "d" / "logs" / "prbot.log").read_text(encoding="utf-8")
    assert "Traceback" in logged and "secret-token-123" in logged


def test_dates_far_outside_the_calendar_are_refused_clearly(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli.app, ["--data-dir", str(tmp_path / "d"), "digest", "preview", "--date", "9999-12-31"]
    )
    assert result.exit_code == 2 and "9999-12-31" in result.stderr and "Traceback" not in result.output


def test_terminal_output_has_no_raw_markdown() -> None:
    from bot.adapters.terminal import plain

    shown = plain("**#1 官网改版** · 用 `cr show 1` 查看 · [说明](https://example.com/a)")
    assert shown == "#1 官网改版 · 用 cr show 1 查看 · 说明 (https://example.com/a)"


def test_db_check_passes_on_a_fresh_data_dir_and_names_the_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.app, ["--data-dir", str(tmp_path / "fresh"), "db", "check"])
    assert result.exit_code == 0, result.output
    assert "matches the models" in result.stdout and "prbot.db" in result.stdout


def test_an_english_answer_quoting_chinese_sources_is_labelled_in_english() -> None:
    from bot.adapters.terminal import render
    from bot.core import Citation, Reply

    quote = "《西南某三甲医院智能导诊与预约》挂错科室比例降至 4.5%，咨询台人工接待量下降 41%。"
    cited = [Citation("case-005", "西南某三甲医院智能导诊与预约", "case", "case-005.md", quote, 0.9)]
    assert "Sources:" in render(Reply(text=f"(Quoted from Chinese sources.) {quote}", citations=cited, lang="en"))
    assert "来源" in render(Reply(text=quote, citations=cited))


def test_only_the_commands_written_by_hand_skip_loading_the_registry() -> None:
    assert cli._written_here_only(["--data-dir", "cr", "ask", "智能客服节省了多少？"])
    assert cli._written_here_only(["-v", "ingest", "library/"]) and cli._written_here_only(["db", "check"])
    assert not cli._written_here_only(["cr", "list"]) and not cli._written_here_only(["check", "最好的产品"])
    assert not cli._written_here_only(["--help"]) and not cli._written_here_only([])
