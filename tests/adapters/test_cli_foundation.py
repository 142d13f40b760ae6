"""The `prbot` command line as users run it: a real subprocess on a temp data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_LIBRARY


def prbot(
    *args: str,
    data_dir: Path,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PRBOT_", "OPENAI_"))}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", "--data-dir", str(data_dir), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cli") / "data"
    result = prbot("ingest", str(FIXTURE_LIBRARY), data_dir=directory)
    assert result.returncode == 0, result.stderr
    assert "新增 added 6" in result.stdout
    return directory


def test_ask_json_contract(data_dir: Path) -> None:
    result = prbot("ask", "挂错科室的比例降到了多少？", "--json", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert {"question", "answer", "confident", "mode", "citations"} <= set(answer)  # fields may be added
    assert answer["confident"] is True and answer["mode"] == "offline"
    citation = answer["citations"][0]
    assert set(citation) == {"id", "title", "type", "source", "snippet", "score"}
    assert citation["id"] == "fx-hospital" and citation["type"] == "case"
    assert "6%" in answer["answer"]


def test_ask_stdin_streams_one_object_per_line_in_order(data_dir: Path) -> None:
    questions = ["城商行人工坐席成本下降了多少？", "", "Do we have a hospital case?", "公司年会的抽奖规则是什么？"]
    result = prbot("ask", "--json", "-", data_dir=data_dir, stdin="\n".join(questions) + "\n")
    assert result.returncode == 1, result.stderr  # one line (the blank one) was not a question
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == questions  # one reply per line, in order
    assert "line 2 is empty" in lines[1]["error"]
    assert [line["confident"] for line in lines if "error" not in line] == [True, True, False]


def test_ask_with_filter_and_k(data_dir: Path) -> None:
    result = prbot("ask", "降本增效的案例", "--json", "--filter", "industry=交通物流", "--k", "2", data_dir=data_dir)
    assert json.loads(result.stdout)["citations"][0]["id"] == "fx-port"


def test_ask_plain_text_shows_sources(data_dir: Path) -> None:
    result = prbot("ask", "城商行人工坐席成本下降了多少？", data_dir=data_dir)
    assert "32%" in result.stdout and "来源" in result.stdout and "fx-bank" in result.stdout


def test_unknown_filter_key_is_one_clear_line(data_dir: Path) -> None:
    result = prbot("ask", "案例", "--filter", "colour=red", data_dir=data_dir)
    assert result.returncode == 2
    assert "colour" in result.stderr and "industry" in result.stderr and "Traceback" not in result.stderr


def test_empty_question_gets_a_hint(data_dir: Path) -> None:
    result = prbot("ask", "  ", data_dir=data_dir)
    assert result.returncode == 2 and "问题是空的" in result.stderr


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = prbot("ask", "问题", data_dir=blocker / "data")
    assert result.returncode == 2
    assert "PRBOT_DATA_DIR" in result.stderr and "Traceback" not in result.stderr


def test_wrong_database_url(tmp_path: Path) -> None:
    result = prbot("ask", "问题", data_dir=tmp_path / "d", env={"PRBOT_DATABASE_URL": "nosuchdb://user:hunter2@x/y"})
    assert result.returncode == 2
    assert "PRBOT_DATABASE_URL" in result.stderr and "hunter2" not in result.stderr and "Traceback" not in result.stderr


def test_chroma_server_down(tmp_path: Path) -> None:
    result = prbot("ask", "问题", data_dir=tmp_path / "d", env={"PRBOT_CHROMA_URL": "http://127.0.0.1:9"})
    assert result.returncode == 2
    assert "Chroma" in result.stderr and "PRBOT_CHROMA_URL" in result.stderr and "Traceback" not in result.stderr


def test_ingest_exit_code_is_non_zero_when_a_file_fails(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    library.mkdir()
    (library / "ok.md").write_text("# 好文件\n正文。", encoding="utf-8")
    (library / "bad.md").write_text("---\nid: [x\n---\n", encoding="utf-8")
    result = prbot("ingest", str(library), data_dir=tmp_path / "d")
    assert result.returncode == 1
    assert "bad.md" in result.stderr and "新增 added 1" in result.stdout


def test_demo_without_terminal_answers_three_samples(tmp_path: Path) -> None:
    result = prbot("demo", data_dir=tmp_path / "d", stdin="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("问 / Q:") == 3
    assert "case-001" in result.stdout and "case-029" in result.stdout


def test_chat_reads_questions_and_help(data_dir: Path) -> None:
    result = prbot("chat", data_dir=data_dir, stdin="help\n城商行人工坐席成本下降了多少？\nexit\n")
    assert result.returncode == 0, result.stderr
    assert "ask" in result.stdout and "32%" in result.stdout


def test_invalid_setting_names_the_variable_not_the_value(tmp_path: Path) -> None:
    result = prbot("ask", "问题", data_dir=tmp_path / "d", env={"PRBOT_RETRIEVAL_K": "abc"})
    assert result.returncode == 2
    assert "PRBOT_RETRIEVAL_K" in result.stderr and "Traceback" not in result.stderr
