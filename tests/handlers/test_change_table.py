"""Import and export of the change-request table (CSV and XLSX): bad rows reported by row number,
good rows imported together, nothing half-written, and exports that import back unchanged."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.core import UserError
from handlers.changes.service import ChangeService
from handlers.changes.table import export_table, import_table
from storage.changes import ChangeComment, ChangeRequest
from tests.handlers import changes_support
from tests.handlers.changes_support import MANAGER, RULE, SH, Clock, change_settings, fresh_engine, sh

db = changes_support.db  # fixtures shared with the other change-request tests
db_template = changes_support.db_template
NOW = sh(2026, 12, 1, 10, 0)


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(ChangeRequest)).one()


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_bad_rows_are_reported_by_row_and_good_rows_imported(writer, db: tuple[Engine, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, _ = db
    suffix = ".csv" if writer is write_csv else ".xlsx"
    path = writer(
        tmp_path / f"table{suffix}",
        [
            ["标题", "大小", "生效日期", "提出团队", "备注"],
            ["官网改版", "大变更", "2026-12-30", "市场部", "x"],  # row 2: good, on time
            ["海报改色", "small", "2026-12-09", "", ""],  # row 3: good
            ["", "big", "2026-12-30", "", ""],  # row 4: no title
            ["发布会", "medium", "2026-12-30", "", ""],  # row 5: unknown size
            ["新闻稿", "big", "2026-11-01", "", ""],  # row 6: in the past
            ["", "", "", "", ""],  # row 7: blank, skipped silently
            ["标" * 201, "small", "2026-12-30", "", ""],  # row 8: title too long
            ["主视觉", "big", "not a date", "", ""],  # row 9: not a date
            ["直播", "big", "2026-12-10", "", ""],  # row 10: good, late
        ],
    )
    report = import_table(engine, path, "cli:wang", SH, NOW, "zh", rule=RULE)
    assert report.imported == 3
    assert [row for row, _ in report.bad] == [4, 5, 6, 8, 9]
    problems = dict(report.bad)
    assert "缺少标题" in problems[4]
    assert "medium" in problems[5]
    assert "已经过去" in problems[6]
    assert "最多 200 个字符" in problems[8]
    assert "不是日期" in problems[9]
    assert report.ignored_columns == ["备注"]
    with Session(engine) as session:
        imported = session.exec(select(ChangeRequest).order_by(ChangeRequest.id)).all()
    assert [(r.title, r.size, r.late, r.requester, r.source) for r in imported] == [
        ("官网改版", "big", False, "cli:wang", "import"),
        ("海报改色", "small", False, "cli:wang", "import"),
        ("直播", "big", True, "cli:wang", "import"),
    ]
    assert imported[0].team == "市场部"


def test_missing_columns_import_nothing(db: tuple[Engine, str], tmp_path: Path) -> None:
    engine, _ = db
    path = write_csv(tmp_path / "t.csv", [["title", "effective_date"], ["官网改版", "2026-12-30"]])
    with pytest.raises(UserError, match="缺少必需的列：size"):
        import_table(engine, path, "cli:wang", SH, NOW, "zh", rule=RULE)
    assert count(engine) == 0


def test_unreadable_and_unsupported_files(db: tuple[Engine, str], tmp_path: Path) -> None:
    engine, _ = db
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a zip file")
    with pytest.raises(UserError, match=r"无法读取 broken\.xlsx"):
        import_table(engine, broken, "u", SH, NOW, "zh", rule=RULE)
    with pytest.raises(UserError, match=r"不支持的文件类型 \.txt"):
        import_table(engine, tmp_path / "x.txt", "u", SH, NOW, "zh", rule=RULE)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("title,size,effective_date\ncaf\xe9,small,2026-12-30\n".encode("latin-1"))
    with pytest.raises(UserError, match="UTF-8"):
        import_table(engine, latin1, "u", SH, NOW, "zh", rule=RULE)
    empty = write_csv(tmp_path / "empty.csv", [])
    with pytest.raises(UserError, match="空的"):
        import_table(engine, empty, "u", SH, NOW, "zh", rule=RULE)


def test_a_database_failure_leaves_nothing_half_written(
    db: tuple[Engine, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, _ = db
    path = write_csv(
        tmp_path / "t.csv",
        [["title", "size", "effective_date", "comments"]]
        + [[f"变更{i}", "small", "2026-12-30", '[{"author": "a", "kind": "comment", "body": "x"}]'] for i in range(50)],
    )
    original = Session.execute

    def failing_execute(self: Session, statement, *args, **kwargs):  # type: ignore[no-untyped-def]
        # the requests are in; the comments fail (a full disk, a lost connection …)
        if getattr(getattr(statement, "table", None), "name", "") == "change_comments":
            raise RuntimeError("disk full")
        return original(self, statement, *args, **kwargs)

    monkeypatch.setattr(Session, "execute", failing_execute)
    with pytest.raises(RuntimeError):
        import_table(engine, path, "u", SH, NOW, "zh", rule=RULE)
    assert count(engine) == 0


def _populate(engine: Engine, tmp_path: Path, url: str) -> None:
    service = ChangeService(engine, change_settings(tmp_path, url), Clock(NOW))
    service.create({"title": "官网改版, 第二版", "size": "big", "effective_date": "2026-12-30"}, "slack:UA", "zh")
    service.create(
        {"title": "直播\n多行", "size": "big", "effective_date": "2026-12-05", "description": "第一行\n第二行"},
        "slack:UB",
        "zh",
    )
    service.create({"title": "海报", "size": "small", "effective_date": "2026-12-02", "team": "设计"}, "cli:c", "zh")
    service.approve(1, MANAGER, '同意 "好"', False, "zh")
    service.approve(2, MANAGER, "发布会不能改期", True, "zh")
    service.done(3, MANAGER, "", "zh")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_imports_back_unchanged(suffix: str, db: tuple[Engine, str], db_template: Path, tmp_path: Path) -> None:
    engine, url = db
    _populate(engine, tmp_path, url)
    first = tmp_path / f"first{suffix}"
    assert export_table(engine, first, SH) == 3

    (tmp_path / "other").mkdir()
    other, _ = fresh_engine(db_template, tmp_path / "other")
    report = import_table(other, first, "cli:someone", SH, sh(2027, 1, 1), "zh", rule=RULE)
    assert (report.imported, report.bad, report.skipped) == (3, [], [])
    second = tmp_path / f"second{suffix}"
    export_table(other, second, SH)
    assert _cells(first) == _cells(second)
    with Session(other) as session:
        late = session.get(ChangeRequest, 2)
        assert late is not None and late.late and late.override and late.status == "approved"
        assert late.description == "第一行\n第二行"
        assert session.exec(select(func.count()).select_from(ChangeComment)).one() == 6

    again = import_table(other, first, "cli:someone", SH, sh(2027, 1, 1), "zh", rule=RULE)
    # CSV rows are reported by the line they start on (row 2 spans lines 3-5); XLSX by sheet row.
    expected_rows = [2, 3, 6] if suffix == ".csv" else [2, 3, 4]
    assert again.imported == 0 and [row for row, _ in again.skipped] == expected_rows
    other.dispose()


def _cells(path: Path) -> list[list[object]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))
    workbook = load_workbook(path, read_only=True)
    cells = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    return cells


def test_export_filters_and_xlsx_dates_are_dates(db: tuple[Engine, str], tmp_path: Path) -> None:
    engine, url = db
    _populate(engine, tmp_path, url)
    path = tmp_path / "approved.xlsx"
    assert export_table(engine, path, SH, statuses=["approved"]) == 2
    cells = _cells(path)
    header = cells[0]
    assert header[:4] == ["id", "title", "size", "effective_date"]
    assert cells[1][3].date() == date(2026, 12, 30)  # a real date cell, sortable in Excel


def test_duplicate_ids_in_one_file_are_bad_rows(db: tuple[Engine, str], tmp_path: Path) -> None:
    engine, _ = db
    path = write_csv(
        tmp_path / "t.csv",
        [
            ["id", "title", "size", "effective_date", "status", "override"],
            ["7", "甲", "small", "2026-12-30", "已批准", "否"],
            ["7", "乙", "small", "2026-12-30", "", ""],
            ["x", "丙", "small", "2026-12-30", "", ""],
            ["8", "丁", "small", "2026-12-30", "进行中", ""],
            ["9", "戊", "small", "2026-12-30", "", "maybe"],
        ],
    )
    report = import_table(engine, path, "u", SH, NOW, "zh", rule=RULE)
    assert report.imported == 1
    assert [row for row, _ in report.bad] == [3, 4, 5, 6]
    with Session(engine) as session:
        only = session.get(ChangeRequest, 7)
        assert only is not None and only.title == "甲" and only.status == "approved"
