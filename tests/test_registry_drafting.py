"""``draft``, ``check``, ``personas`` and ``note``: the same command lines through the chat router and
the real ``prbot`` CLI, each on its own fresh database, give the same text; the spellings that differed
(``note return ID 意见`` in chat, ``-m`` in the terminal) are one command that takes both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.adapters.cli.app import app
from bot.adapters.cli.registry import describe
from bot.adapters.terminal import plain
from bot.app import Services, build_services
from bot.command_classes import command_classes
from bot.commands import parse_words
from bot.core import Request, UserError
from storage import notes as store
from storage.db import session_scope
from tests.conftest import make_settings
from tests.test_registry import USER, _normalise

REVIEWER = "cli:lead"
SOURCE = "华东某城商行上线智能客服一年后，人工坐席成本下降32%，客户满意度提升到95%。系统每天处理12万次咨询。"
TECHNICAL = (
    "同态加密允许在密文上直接计算：数据方用公钥加密后把密文交给计算方，计算方不解密就能完成运算。"
    "它可以防止计算方看到原始数据，适用于银行、医院把敏感数据交给云端做统计分析的场景。"
)
PLAIN = "就像把锁着的箱子交给师傅，师傅隔着箱子就能干活，却看不到里面。银行和医院能放心把数据交出去统计。"


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: object):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PRBOT_CLI_USER", USER)
    monkeypatch.setenv("PRBOT_ROLES_REVIEWERS", f'["{REVIEWER}"]')
    monkeypatch.setenv("PRBOT_ROLES_MANAGERS", f'["{REVIEWER}"]')  # no operator note on stderr
    settings = make_settings(tmp_path / "chat")
    settings.roles.reviewers = [REVIEWER]
    chat = build_services(settings, embedder=embedder, use_configured_chat_model=False)  # type: ignore[arg-type]
    yield chat, tmp_path
    chat.engine.dispose()


def notes_of(chat: Services) -> list[store.Note]:
    with session_scope(chat.engine) as session:
        return store.listing(session=session)


def _both(chat: Services, cli_data: Path, line: str, user: str = USER) -> tuple[str, str, int]:
    """What the chat router and the CLI show for one command line, and the CLI's exit code."""
    said = chat.router.handle(Request(text=line, user_id=user, platform="console", channel_id="cli"))
    words = line.split()
    if user != USER:
        words.extend(["--as", user])
    ran = CliRunner().invoke(app, ["--data-dir", str(cli_data), *words])
    assert "Traceback" not in ran.output, line
    shown = ran.stdout if ran.exit_code in (0, 1) else ran.stderr
    return _normalise(plain(said.text)), _normalise(shown), ran.exit_code


def test_drafting_chat_and_cli_give_the_same_replies(rig) -> None:  # type: ignore[no-untyped-def]
    chat, tmp = rig
    cli_data = tmp / "cli"
    lines = (
        "personas",
        "personas 银发",
        "personas 银发科技爱好",
        f"draft headline {SOURCE} --persona 企业IT决策人 -n 3",
        "draft pick 1",
        "draft pick 9",
        f"draft summary {SOURCE} -f 微博 --count 2 --pick 2",
        "draft stats",
        f"draft headline {SOURCE} --count 100",
        f"draft headline {SOURCE} --count 三",
        "draft summary",
        f"draft write 把这段新闻稿压成60字微博：{SOURCE}",
        "draft write 随便聊聊",
        "check 全网最低价，国家级品质，100%满意 --format 微博",
        "check 最近上线的新版本更好用",
        "check",
        "check 会员小程序上线一年。 --format 不存在的形式",
    )
    for line in lines:
        said, shown, _ = _both(chat, cli_data, line)
        assert said == shown, line
    # A flagged check exits 1 in the terminal; a clean one 0.
    assert _both(chat, cli_data, "check 国内首个通过国家级认证的平板")[2] == 1
    assert _both(chat, cli_data, "check 新版本更好用")[2] == 0


def test_notes_chat_and_cli_give_the_same_replies(rig) -> None:  # type: ignore[no-untyped-def]
    chat, tmp = rig
    cli_data = tmp / "cli"
    note_file = tmp / "note.md"
    note_file.write_text(
        f"---\ntitle: 同态加密\ntechnology: 同态加密\n---\n## 技术原理解读\n{TECHNICAL}\n", encoding="utf-8"
    )
    said, shown, code = _both(chat, cli_data, f"note submit --file {note_file}")
    assert said == shown and code == 0 and "note-" in said
    [doc_id] = [n.doc_id for n in notes_of(chat)]
    lines = (
        "note list",
        "note show note-nope",
        f"note edit {doc_id} --text {PLAIN}",
        f"note review {doc_id}",
        f"note publish {doc_id}",  # not a reviewer
        "note list in_review",
        "note list 草稿状态",
        "note stats --month 2026-11",
        "note stats 11-2026",
    )
    for line in lines:
        said, shown, _ = _both(chat, cli_data, line)
        assert said == shown, line
    assert [n.state for n in notes_of(chat)] == ["in_review"]
    said, shown, _ = _both(chat, cli_data, f"note return {doc_id} -m 太技术了", user=REVIEWER)
    assert said == shown and "太技术了" in said
    assert [n.state for n in notes_of(chat)] == ["returned"]


def test_note_return_takes_the_comment_as_words_or_as_an_option() -> None:
    spec = describe(command_classes()).get("note return")
    assert spec is not None
    expected = {"note": "note-20261126-3", "comment": "太技术了 再改改", "lang": None}
    for words in (["太技术了", "再改改"], ["-m", "太技术了 再改改"], ["--comment", "太技术了 再改改"]):
        assert parse_words(spec, ["note-20261126-3", *words], "zh").model_dump() == expected
    stats = describe(command_classes()).get("note stats")
    assert stats is not None
    for words in (["2026-11"], ["--month", "2026-11"]):
        assert parse_words(stats, words, "zh").model_dump() == {"month": "2026-11", "request": "", "lang": None}
    # A period in words reaches the service whole (it reads 上季度 itself).
    assert parse_words(stats, ["上季度", "发布了几篇"], "zh").model_dump()["request"] == "发布了几篇"
    with pytest.raises(UserError, match="NOTE"):
        parse_words(spec, [], "zh")


def test_the_old_terminal_spellings_still_work(rig) -> None:  # type: ignore[no-untyped-def]
    _, tmp = rig
    runner = CliRunner()
    data = ["--data-dir", str(tmp / "cli")]
    returned = runner.invoke(app, [*data, "note", "return", "note-nope", "--comment", "太技术了", "--as", REVIEWER])
    assert returned.exit_code == 2 and "note-nope" in returned.stderr
    stats = runner.invoke(app, [*data, "notes", "stats", "--json"])
    assert stats.exit_code == 0 and json.loads(stats.stdout)["stats"]["published"] == 0
    prompted = runner.invoke(app, [*data, "note", "submit", "--json"], input=f"同态加密\n同态加密\n{TECHNICAL}\n")
    assert prompted.exit_code == 0, prompted.output
    assert json.loads(prompted.stdout.splitlines()[-1])["note"]["title"] == "同态加密"


def test_files_and_stdin_are_read_only_on_the_command_line(rig) -> None:  # type: ignore[no-untyped-def]
    chat, tmp = rig
    copy = tmp / "copy.txt"
    copy.write_text("国内首个通过国家级认证的平板", encoding="utf-8")
    for platform, channel in (("slack", "C1"), ("console", "console")):  # Slack, and the terminal chat
        refused = chat.router.handle(
            Request(text=f"check --file {copy}", user_id=USER, platform=platform, channel_id=channel)
        )
        assert "服务器上的文件" in refused.text and "check" not in refused.data
    runner = CliRunner()
    data = ["--data-dir", str(tmp / "cli")]
    read = runner.invoke(app, [*data, "check", "--file", str(copy), "--json"])
    assert read.exit_code == 1 and json.loads(read.stdout)["check"]["findings"][0]["term"] == "首个"
    piped = runner.invoke(app, [*data, "draft", "summary", "-", "--count", "1", "--json"], input=SOURCE)
    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout)["draft"]["source"] == "inline"
    missing = runner.invoke(app, [*data, "draft", "headline", "--file", str(tmp / "nope.txt")])
    assert missing.exit_code == 2 and "nope.txt" in missing.stderr
