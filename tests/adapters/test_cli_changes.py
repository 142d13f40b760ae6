"""``prbot cr …`` and ``prbot digest …`` end to end through the real CLI (typer), app and SQLite."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from bot.adapters.cli.app import app

# Far enough for a big change's notice, within the horizon an effective date may lie ahead (two years).
FUTURE = (date.today() + timedelta(days=60)).isoformat()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PRBOT_ROLES_MANAGERS", '["cli:boss"]')
    monkeypatch.setenv("PRBOT_CLI_USER", "cli:amy")
    monkeypatch.setenv("PRBOT_DIGEST_CHANNELS", "console:managers")
    runner = CliRunner()
    data = tmp_path / "data"

    def run(*args: str, data_dir: Path = data):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["--data-dir", str(data_dir), *args])

    return run


def test_add_list_approve_with_roles(cli) -> None:  # type: ignore[no-untyped-def]
    added = cli("cr", "add", "--title", "发布会主视觉更换", "--size", "big", "--effective", FUTURE, "--team", "市场部")
    assert added.exit_code == 0, added.output
    assert "已提交变更申请 #1" in added.stdout and "cli:amy" not in added.stderr
    bad = cli("cr", "add", "--title", "x", "--size", "huge", "--effective", "2020-01-01")
    assert bad.exit_code == 2
    assert "大小「huge」无效" in bad.stderr and "已经过去" in bad.stderr and "Traceback" not in bad.output

    refused = cli("cr", "approve", "1", "-m", "好")
    assert refused.exit_code == 2 and "只有经理" in refused.stderr and "cli:amy" in refused.stderr
    approved = cli("cr", "approve", "1", "--as", "cli:boss", "-m", "同意")
    assert approved.exit_code == 0 and "#1 已批准" in approved.stdout

    listed = cli("cr", "--lang", "en", "list", "--status", "approved")
    assert listed.exit_code == 0 and "#1 [big] 发布会主视觉更换" in listed.stdout and "approved" in listed.stdout
    as_json = cli("cr", "list", "--json", "--since", "2000-01-01")
    assert '"requester": "cli:amy"' in as_json.stdout and '"decided_by": "cli:boss"' in as_json.stdout
    bad_status = cli("cr", "list", "--status", "going")
    assert bad_status.exit_code == 2 and "状态「going」无效" in bad_status.stderr


def test_import_reports_bad_rows_and_export_round_trips(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["标题", "大小", "生效日期", "提出团队"])
    sheet.append(["官网改版", "大变更", FUTURE, "市场部"])
    sheet.append(["海报改色", "medium", FUTURE, ""])
    sheet.append(["新闻稿", "small", FUTURE, "公关部"])
    source = tmp_path / "table.xlsx"
    workbook.save(source)

    imported = cli("cr", "import", str(source))
    assert imported.exit_code == 1  # some rows were bad
    assert "导入 2 行" in imported.stdout and "有误 1 行" in imported.stdout
    assert "第 3 行：大小「medium」无效" in imported.stderr

    exported = tmp_path / "out.xlsx"
    assert cli("cr", "export", str(exported)).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    again = cli("cr", "import", str(exported), data_dir=elsewhere)
    assert again.exit_code == 0 and "导入 2 行" in again.stdout
    listed = cli("cr", "list", data_dir=elsewhere)
    assert "#1 【大变更】官网改版" in listed.stdout and "#2 【小变更】新闻稿" in listed.stdout

    missing = tmp_path / "missing.csv"
    missing.write_text(f"title,effective_date\nx,{FUTURE}\n", encoding="utf-8")
    refused = cli("cr", "import", str(missing))
    assert refused.exit_code == 2 and "缺少必需的列：size" in refused.stderr


def test_digest_preview_for_a_holiday_and_send_now_once(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    preview = cli("digest", "preview", "--date", "2025-10-01")
    assert preview.exit_code == 0, preview.output
    meta, title = preview.stdout.splitlines()[0], preview.stdout.split("\n\n", 1)[1]
    assert "2025-10-09 10:00" in meta and "console:managers" in meta
    assert title.startswith("📋 需求变更周报 · 2025年第41周（2025-10-09 周四）")  # the terminal renders the bold
    assert "2025-10-08 周三 是法定节假日" in preview.stdout
    assert "[附件 / file] digest-2025-W41.png" in preview.stdout
    chart = tmp_path / "chart.png"
    written = cli("digest", "chart", str(chart), "--date", "2025-10-01")
    assert written.exit_code == 0 and chart.read_bytes().startswith(b"\x89PNG")

    unknown = cli("digest", "preview", "2030-10-02")
    assert "节假日日历尚无 2030 年的数据" in unknown.stdout
    english = cli("digest", "preview", "--date", "2025-10-15", "--lang", "en")
    assert "week 42 of 2025" in english.stdout and "to be posted 2025-10-15 10:00" in english.stdout

    refused = cli("digest", "send")  # cli:amy is not a manager
    assert refused.exit_code == 2 and "只有经理" in refused.stderr
    first = cli("digest", "send", "--as", "cli:boss")
    assert first.exit_code == 0 and "console:managers：✓ 已发送" in first.stdout
    assert "── 发往 / to console:managers ──" in first.stderr  # the post itself; stdout holds the reply
    second = cli("digest", "send", "--as", "cli:boss", "--lang", "en")
    assert second.exit_code == 0 and "already posted" in second.stdout and "发往" not in second.output

    both = cli("digest", "preview", "2025-10-01", "--send-now")
    assert both.exit_code == 2


def test_send_now_without_channels_says_how_to_configure(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PRBOT_DIGEST_CHANNELS", "")
    result = cli("digest", "send", "--as", "cli:boss")
    assert result.exit_code == 2 and "PRBOT_DIGEST_CHANNELS" in result.stderr
