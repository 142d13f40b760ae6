"""``prbot watch …``, ``prbot kpi`` and ``prbot case used-in-bid`` through the real CLI, app and SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.adapters.cli.app import app

ROWS = [
    {
        "platform": "微博",
        "author": f"u{i}",
        "followers": 10,
        "text": f"//@u{i}: 听说扫地机器人要召回一批",
        "url": f"https://social.example/r/{i}",
        "published": f"2026-12-01T09:{10 * i:02d}:00+08:00",
    }
    for i in range(4)
]


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["--data-dir", str(tmp_path / "data"), *args])

    return run


def test_replay_prints_one_json_object_per_alert_and_creates_no_store(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "day.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS), encoding="utf-8")
    result = cli("watch", "replay", str(path), "--json")
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.strip().splitlines()
    alert = json.loads(line)
    assert alert["level"] == 3 and alert["at"] == "2026-12-01T09:20:00+08:00" and len(alert["urls"]) == 3
    assert not (tmp_path / "data").exists()


def test_import_keeps_good_rows_lists_bad_ones_and_status_counts_them(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "export.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in ROWS[:2]] + ['{"text": "no url or time"}']
    path.write_text("\n".join(lines), encoding="utf-8")
    result = cli("watch", "import", str(path))
    assert result.exit_code == 1
    assert "stored 2" in result.stdout and "line 3: missing url, published" in result.stderr
    status = cli("watch", "status")
    assert status.exit_code == 0 and "2 条提及" in status.stdout
    missing = cli("watch", "import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2 and "cannot be read" in missing.stderr and "Traceback" not in missing.output


def test_kpi_html_and_case_marks(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = tmp_path / "report.html"
    result = cli("kpi", "--html", str(report))
    assert result.exit_code == 0, result.output
    assert "年度计划 KPI" in result.stdout
    page = report.read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in page and "<script" not in page
    unknown = cli("case", "used-in-bid", "case-404", "--bid", "某省政务云招标")
    assert unknown.exit_code == 2 and "案例库里没有「case-404」" in unknown.stderr
    bad_period = cli("kpi", "--period", "week")
    assert bad_period.exit_code == 2 and "week" in bad_period.stderr
