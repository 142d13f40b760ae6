"""``prbot draft``, ``check``, ``personas``, ``note`` and ``notes stats`` through the real CLI (typer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.adapters.cli.app import app

SOURCE = "华东某城商行上线智能客服一年后，人工坐席成本下降 32%，客户满意度提升到 95%。系统每天处理 12 万次咨询。"
TECHNICAL = (
    "同态加密允许在密文上直接计算：数据方用公钥加密后把密文交给计算方，计算方不解密就能完成运算。"
    "它可以防止计算方看到原始数据，适用于银行、医院把敏感数据交给云端做统计分析的场景。"
)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PRBOT_ROLES_REVIEWERS", '["cli:lead"]')
    monkeypatch.setenv("PRBOT_CLI_USER", "cli:eng")
    runner = CliRunner()
    data = tmp_path / "data"

    def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["--data-dir", str(data), *args], input=stdin)

    return run


def test_draft_pick_stats_check_personas(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "release.txt"
    source.write_text(SOURCE, encoding="utf-8")
    drafted = cli("draft", "headline", "--file", str(source), "--persona", "企业IT决策人", "-n", "3", "--json")
    assert drafted.exit_code == 0, drafted.output
    data = json.loads(drafted.stdout)["draft"]
    assert data["offline"] is True and data["persona"] == "企业IT决策人" and data["variants"]
    picked = cli("draft", "pick", "1")
    assert picked.exit_code == 0 and "已记下" in picked.stdout
    again = cli("draft", "summary", SOURCE, "--format", "微博", "--pick", "1", "--json")
    assert json.loads(again.stdout)["draft"]["picked"]["format"] == "微博"
    stats = cli("draft", "stats", "--json")
    assert {row["persona"] for row in json.loads(stats.stdout)["stats"]} == {"企业IT决策人", "通用"}

    bad = cli("draft", "headline", SOURCE, "--count", "100")
    assert bad.exit_code == 2 and "1 到 20" in bad.stderr and "Traceback" not in bad.output
    typo = cli("draft", "headline", SOURCE, "--persona", "银发科技爱好")
    assert typo.exit_code == 2 and "银发科技爱好者" in typo.stderr
    empty = cli("draft", "summary", "")
    assert empty.exit_code == 2 and "没有原文" in empty.stderr

    flagged = cli("check", "国内首个通过国家级认证的平板")
    assert flagged.exit_code == 1 and "首个" in flagged.stdout and "第九条" in flagged.stdout
    assert cli("check", "新版本更好用").exit_code == 0
    # Too long for the channel is a flag too: exit 1, decided by the service's `flagged`.
    long_post = cli("check", "--format", "微博", "会员小程序上线一年，活跃会员占比明显提升。" * 14, "--json")
    assert long_post.exit_code == 1 and json.loads(long_post.stdout)["check"]["flagged"] is True
    assert json.loads(long_post.stdout)["check"]["length"]["fits"] is False
    fits = cli("check", "--format", "微博", "会员小程序上线一年。", "--json")
    assert fits.exit_code == 0 and json.loads(fits.stdout)["check"]["flagged"] is False
    oversize = cli("check", "最" * 20001)
    assert oversize.exit_code == 2 and "20000" in oversize.stderr and "Traceback" not in oversize.output
    listed = cli("personas", "--json")
    assert len(json.loads(listed.stdout)["personas"]) == 12


def test_note_submit_file_edit_review_publish_stats(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "missing.md"
    missing.write_text("---\ntitle: 同态加密\ntechnology: 同态加密\n---\n正文没有章节\n", encoding="utf-8")
    refused = cli("note", "submit", "--file", str(missing))
    assert refused.exit_code == 2 and "技术原理解读" in refused.stderr

    note_file = tmp_path / "note.md"
    note_file.write_text(
        f"---\ntitle: 同态加密\ntechnology: 同态加密\n---\n## 技术原理解读\n{TECHNICAL}\n", encoding="utf-8"
    )
    submitted = cli("note", "submit", "--file", str(note_file), "--json")
    assert submitted.exit_code == 0, submitted.output
    doc_id = json.loads(submitted.stdout)["note"]["id"]
    plain = "就像把锁着的箱子交给师傅，师傅隔着箱子就能干活，却看不到里面。银行和医院能放心把数据交出去统计。"
    assert cli("note", "edit", doc_id, "--text", plain).exit_code == 0
    assert cli("note", "review", doc_id).exit_code == 0
    not_reviewer = cli("note", "publish", doc_id)
    assert not_reviewer.exit_code == 2 and "只有审核人" in not_reviewer.stderr
    published = cli("note", "publish", doc_id, "--as", "cli:lead")
    assert published.exit_code == 0 and "已发布" in published.stdout
    stats = cli("notes", "stats", "--json")
    assert json.loads(stats.stdout)["stats"]["published"] == 1
    assert cli("notes", "stats", "--month", "11-2026").exit_code == 2
