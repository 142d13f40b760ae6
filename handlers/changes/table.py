"""Import and export of the change-request table as CSV or XLSX (the team's spreadsheet).

Import checks every row first and reports each bad one by its row number (the header is row 1);
the good rows then go in together in one transaction, so an import is never half-written. An
export imports back to the same table (ids, dates, statuses, decisions and comments included).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import UserError
from handlers.changes import rules
from handlers.changes.strings import t
from storage.changes import STATUSES, Engine, Row, comments_for, existing_ids, insert_rows, list_requests
from storage.db import session_scope
from storage.text import clean_value

COLUMNS = (
    "id",
    "title",
    "size",
    "effective_date",
    "status",
    "requester",
    "team",
    "campaign",
    "description",
    "late",
    "notice_days",
    "override",
    "decided_by",
    "decided_at",
    "source",
    "created_at",
    "updated_at",
    "comments",
)
REQUIRED = ("title", "size", "effective_date")
# Headers the team's Chinese spreadsheet may use.
ALIASES = {
    "编号": "id",
    "标题": "title",
    "大小": "size",
    "类型": "size",
    "变更类型": "size",
    "生效日期": "effective_date",
    "effective": "effective_date",
    "状态": "status",
    "提出人": "requester",
    "提出团队": "team",
    "团队": "team",
    "影响的活动": "campaign",
    "活动": "campaign",
    "描述": "description",
    "提前天数": "notice_days",
    "经理特批": "override",
    "审批人": "decided_by",
    "审批时间": "decided_at",
    "来源": "source",
    "提交时间": "created_at",
    "更新时间": "updated_at",
    "意见记录": "comments",
}
_STATUS_ALIASES = {
    "待审批": "submitted",
    "已提交": "submitted",
    "已批准": "approved",
    "已驳回": "rejected",
    "已拒绝": "rejected",
    "已完成": "done",
    "已撤回": "withdrawn",
}
# 未提前15天 (or the team's own notice period): the late flag, whatever number the header carries.
_LATE_HEADER = re.compile(r"^未提前\s*\d+\s*天$")
_TRUE = {"true", "yes", "y", "1", "是", "x", "✓"}
_FALSE = {"", "false", "no", "n", "0", "否"}


@dataclass
class ImportReport:
    imported: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, why): already present
    bad: list[tuple[int, str]] = field(default_factory=list)  # (row, what is wrong)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad


# ---- reading ----------------------------------------------------------------------------------------


def read_rows(path: Path, lang: str) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """The header and (row number, cells) of a .csv or .xlsx file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, lang)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, lang)
    raise UserError(t("import_bad_type", lang, suffix=suffix or path.name))


def _read_csv(path: Path, lang: str) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(t("import_bad_file", lang, name=path.name, reason=exc.__class__.__name__)) from None
    # Excel on a Chinese Windows saves CSV as GBK: accepted, as ingestion accepts it.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        reason = "not UTF-8 or GB18030 text; save it as CSV UTF-8"
        raise UserError(t("import_bad_file", lang, name=path.name, reason=reason)) from None
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise UserError(t("import_empty", lang)) from None
    except csv.Error as exc:
        raise UserError(t("import_bad_file", lang, name=path.name, reason=str(exc))) from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        line = reader.line_num + 1
        for cells in reader:
            yield line, list(cells)
            line = reader.line_num + 1

    return header, rows()


def _read_xlsx(path: Path, lang: str) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or mislabelled file
        raise UserError(t("import_bad_file", lang, name=path.name, reason=exc.__class__.__name__)) from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = ["" if cell is None else str(cell) for cell in next(values)]
    except StopIteration:
        workbook.close()
        raise UserError(t("import_empty", lang)) from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(values, start=2):
                yield number, list(cells)
        finally:
            workbook.close()

    return header, rows()


def normalise_header(header: Sequence[str]) -> tuple[list[str | None], list[str]]:
    """Canonical column names by position (None: ignored) and the names that were not understood."""
    names: list[str | None] = []
    ignored = []
    for raw in header:
        key = str(raw or "").strip()
        name = "late" if _LATE_HEADER.match(key) else ALIASES.get(key) or key.lower().replace(" ", "_")
        if name in COLUMNS:
            names.append(name)
        else:
            names.append(None)
            if key:
                ignored.append(key)
    return names, ignored


# ---- import -----------------------------------------------------------------------------------------


def import_table(
    engine: Engine, path: Path, user: str, tz: ZoneInfo, now: datetime, lang: str, *, rule: rules.ChangeRule
) -> ImportReport:
    header, rows = read_rows(path, lang)
    names, ignored = normalise_header(header)
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        optional = ", ".join(c for c in COLUMNS if c not in REQUIRED)
        raise UserError(t("import_missing_columns", lang, missing=", ".join(missing), optional=optional))
    report = ImportReport(ignored_columns=ignored)
    parsed: list[tuple[int, Row, list[Row]]] = []
    seen_ids: dict[int, int] = {}
    for number, cells in rows:
        record = {name: cell for name, cell in zip(names, cells, strict=False) if name is not None}
        if all(_blank(value) for value in record.values()):
            continue
        try:
            request, comments = parse_row(record, user, tz, now, lang, rule)
        except UserError as exc:
            report.bad.append((number, _problems(exc, lang)))
            continue
        if request["id"] is not None:
            if request["id"] in seen_ids:
                report.bad.append((number, t("import_duplicate_id", lang, id=request["id"])))
                continue
            seen_ids[request["id"]] = number
        parsed.append((number, request, comments))

    with session_scope(engine) as session:
        present = existing_ids(session=session, ids=list(seen_ids))
        fresh: list[tuple[Row, Sequence[Row]]] = []
        for number, request, comments in parsed:
            if request["id"] is not None and request["id"] in present:
                report.skipped.append((number, t("import_duplicate_id", lang, id=request["id"])))
                continue
            fresh.append((request, comments))
        insert_rows(session=session, rows=fresh)  # one transaction: never half-written
        report.imported = len(fresh)
    return report


def parse_row(
    record: dict[str, Any], user: str, tz: ZoneInfo, now: datetime, lang: str, rule: rules.ChangeRule
) -> tuple[Row, list[Row]]:
    """Validate one spreadsheet row into column values (plain dicts: 10,000 ORM objects cost seconds)."""
    problems: list[str] = []
    request_id = None
    if not _blank(record.get("id")):
        request_id = _parse_int(record["id"])
        if request_id is None or request_id <= 0:
            problems.append(t("import_bad_id", lang, value=record["id"]))
            request_id = None
    created_at = _parse_datetime(record.get("created_at"), "created_at", tz, lang, problems) or now
    updated_at = _parse_datetime(record.get("updated_at"), "updated_at", tz, lang, problems) or created_at
    decided_at = _parse_datetime(record.get("decided_at"), "decided_at", tz, lang, problems)
    status = _text(record.get("status")).lower() or "submitted"
    status = _STATUS_ALIASES.get(status, status)
    if status not in STATUSES:
        problems.append(t("bad_status", lang, value=status))
    override = _parse_bool(record.get("override"))
    if override is None:
        problems.append(t("import_bad_flag", lang, field="override", value=_text(record.get("override"))))
    comments = _parse_comments(record.get("comments"), tz, lang, problems)
    values: dict[str, object] = {
        name: _cell_value(record.get(name)) for name in ("title", "size", "description", "team", "campaign")
    }
    values["effective_date"] = record.get("effective_date")
    values["requester"] = _text(record.get("requester"))
    try:
        data = rules.validate(values, user, created_at, tz, lang, rule)
    except rules.InvalidChange as exc:
        problems = exc.problems + problems
        data = None
    if problems or data is None:
        raise rules.InvalidChange(problems, lang)
    request: Row = dict(
        id=request_id,
        title=data.title,
        description=data.description,
        requester=data.requester,
        team=data.team,
        size=data.size,
        campaign=data.campaign,
        effective_date=data.effective_date,
        status=status,
        late=rule.is_late(data.size, created_at, data.effective_date, tz),
        notice_days=rules.notice_days(created_at, data.effective_date, tz),
        override=bool(override),
        decided_by=_text(record.get("decided_by")),
        decided_at=decided_at,
        source=_text(record.get("source")) or "import",
        created_at=created_at,
        updated_at=updated_at,
    )
    return request, comments


def _problems(exc: UserError, lang: str) -> str:
    if isinstance(exc, rules.InvalidChange):
        return ("；" if lang == "zh" else "; ").join(exc.problems)
    return str(exc)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _cell_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text_value = str(value).strip()
    return int(text_value) if text_value.isdigit() else None


def _parse_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text_value = _text(value).lower()
    if text_value in _TRUE:
        return True
    if text_value in _FALSE:
        return False
    return None


def _parse_datetime(value: object, name: str, tz: ZoneInfo, lang: str, problems: list[str]) -> datetime | None:
    if _blank(value):
        return None
    try:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day)
        else:
            moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(t("import_bad_datetime", lang, field=name, value=value))
        return None
    # A time without an offset is the team's local time.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _parse_comments(value: object, tz: ZoneInfo, lang: str, problems: list[str]) -> list[Row]:
    if _blank(value):
        return []
    try:
        items = json.loads(str(value))
        comments = []
        for item in items:
            at = _parse_datetime(item.get("at"), "comments", tz, lang, problems)
            comments.append(
                {
                    "author": str(item["author"]),
                    "kind": str(item.get("kind") or "comment"),
                    "body": str(item.get("body") or ""),
                    "created_at": at or datetime.now(tz),
                }
            )
        return comments
    except (ValueError, TypeError, KeyError, AttributeError):
        problems.append(t("import_bad_comments", lang))
        return []


# ---- export -----------------------------------------------------------------------------------------


def export_rows(
    engine: Engine, tz: ZoneInfo, statuses: Sequence[str] = (), since: datetime | None = None
) -> Iterator[dict[str, Any]]:
    with session_scope(engine) as session:
        requests = list_requests(session=session, statuses=statuses, since=since)
        comments = comments_for(session=session, request_ids=[r.id for r in requests if r.id is not None])
    for request in requests:
        yield {
            "id": request.id,
            "title": request.title,
            "size": request.size,
            "effective_date": request.effective_date,
            "status": request.status,
            "requester": request.requester,
            "team": request.team,
            "campaign": request.campaign,
            "description": request.description,
            "late": request.late,
            "notice_days": request.notice_days,
            "override": request.override,
            "decided_by": request.decided_by,
            "decided_at": _iso(request.decided_at, tz),
            "source": request.source,
            "created_at": _iso(request.created_at, tz),
            "updated_at": _iso(request.updated_at, tz),
            "comments": json.dumps(
                [
                    {"at": _iso(c.created_at, tz), "author": c.author, "kind": c.kind, "body": c.body}
                    for c in comments.get(request.id or 0, [])
                ],
                ensure_ascii=False,
            ),
        }


def _iso(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat() if moment is not None else ""


def export_table(
    engine: Engine, path: Path, tz: ZoneInfo, statuses: Sequence[str] = (), since: datetime | None = None
) -> int:
    """Write the table to ``path`` (.csv or .xlsx); returns the number of rows written."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UserError(t("import_bad_type", "zh", suffix=suffix or path.name))
    rows = export_rows(engine, tz, statuses, since)
    count = 0
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for row in rows:
                row = {name: clean_value(value) for name, value in row.items()}
                row = {**row, "late": _flag(row["late"]), "override": _flag(row["override"])}
                row["effective_date"] = row["effective_date"].isoformat()
                writer.writerow(row)
                count += 1
        return count
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("变更申请")
    sheet.append(list(COLUMNS))
    for row in rows:
        # Rows written before text was cleaned at the storage boundary may still hold control characters.
        sheet.append([clean_value(row[name]) for name in COLUMNS])
        count += 1
    workbook.save(path)
    return count


def _flag(value: bool) -> str:
    return "true" if value else "false"
