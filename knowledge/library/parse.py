"""Read library files (FORMATS.md) into plain documents; every problem names its file and reason."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".csv", ".xlsx", ".docx", ".pdf"}
DOC_TYPES = ("case", "note")
NOTE_SECTIONS = ("技术原理解读", "用户价值说明")
TABLE_COLUMNS = ("id", "title", "industry", "customer", "products", "year", "tags", "body")
LIST_FIELDS = ("products", "tags")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


class ParseError(Exception):
    """A file (or a row of one) that cannot be ingested; ``str()`` says why and how to fix it."""


@dataclass
class ParsedDocument:
    id: str
    type: str
    title: str
    body: str
    source_path: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        payload = json.dumps(
            [self.id, self.type, self.title, self.body, self.meta], ensure_ascii=False, sort_keys=True, default=str
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class FileResult:
    path: Path
    documents: list[ParsedDocument]
    errors: list[str]


def discover(paths: list[Path]) -> Iterator[Path]:
    """Every supported file under the given files and folders, in a stable order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES and not _hidden(child, path):
                    yield child
        else:
            yield path


def symlinked_folders(root: Path) -> list[Path]:
    """Folders under ``root`` that are symbolic links: ``discover`` does not follow them (a link can
    loop or lead outside the library), so the caller reports them instead of skipping them silently."""
    if not root.is_dir() or root.is_symlink():
        return []
    found = []
    for dirpath, dirnames, _files in os.walk(root):
        for name in sorted(dirnames):
            child = Path(dirpath) / name
            if child.is_symlink() and not _hidden(child, root):
                found.append(child)
    return found


def _hidden(child: Path, root: Path) -> bool:
    return any(part.startswith((".", "~$")) for part in child.relative_to(root).parts)


def parse_file(path: Path, root: Path | None = None) -> FileResult:
    """Parse one file. Table files may yield many documents and per-row errors."""
    suffix = path.suffix.lower()
    try:
        if suffix not in SUPPORTED_SUFFIXES:
            raise ParseError(
                f"不支持的文件类型 {suffix or '(无扩展名)'}; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}"
            )
        if suffix in (".csv", ".xlsx"):
            rows = _read_csv(path) if suffix == ".csv" else _read_xlsx(path)
            return _documents_from_rows(path, rows)
        if suffix in (".md", ".markdown", ".txt"):
            doc = _parse_text_file(path, root)
        elif suffix == ".docx":
            doc = _plain_document(path, root, _read_docx(path))
        else:
            doc = _plain_document(path, root, _read_pdf(path))
        return FileResult(path, [doc], [])
    except ParseError as exc:
        return FileResult(path, [], [str(exc)])


# ---- Markdown and plain text -------------------------------------------------------------------


def _parse_text_file(path: Path, root: Path | None) -> ParsedDocument:
    raw = _read_text(path)
    if not raw.lstrip("\ufeff").startswith("---"):
        return _plain_document(path, root, raw)
    try:
        post = frontmatter.loads(raw.lstrip("\ufeff"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (front matter line {mark.line + 2})" if mark else ""
        raise ParseError(
            f"front matter 不是合法的 YAML / invalid YAML front matter{where}: {getattr(exc, 'problem', exc)}"
        ) from None
    meta = dict(post.metadata)
    if not meta:
        return _plain_document(path, root, post.content)
    return _document_from_meta(path, meta, post.content)


def _document_from_meta(path: Path, meta: dict[str, Any], body: str) -> ParsedDocument:
    missing = [key for key in ("id", "type", "title") if not str(meta.get(key) or "").strip()]
    if missing:
        raise ParseError(f"缺少必填字段 / missing required field(s): {', '.join(missing)}")
    doc_type = str(meta.pop("type")).strip().lower()
    if doc_type not in DOC_TYPES:
        raise ParseError(f"type 必须是 case 或 note / type must be case or note, got {doc_type!r}")
    doc_id = str(meta.pop("id")).strip()
    title = str(meta.pop("title")).strip()
    if doc_type == "note":
        headings = {h.strip() for h in _HEADING.findall(body)}
        absent = [s for s in NOTE_SECTIONS if s not in headings]
        if absent:
            raise ParseError(
                "技术翻译笔记缺少章节 / note is missing section(s): "
                + ", ".join(f"## {s}" for s in absent)
                + "; a note needs both ## 技术原理解读 and ## 用户价值说明"
            )
    return ParsedDocument(doc_id, doc_type, title, body.strip(), str(path), _clean_meta(meta))


def _plain_document(path: Path, root: Path | None, text: str) -> ParsedDocument:
    text = text.strip()
    if not text:
        raise ParseError("文件没有可读的文字 / the file has no readable text")
    heading = _HEADING.search(text)
    title = heading.group(1).strip() if heading else path.stem
    return ParsedDocument(derive_id(path, root), "case", title, text, str(path), {})


def derive_id(path: Path, root: Path | None) -> str:
    """A stable id from the path inside the library, e.g. ``reports/2024-summary``."""
    try:
        rel = path.resolve().relative_to(root.resolve()) if root else Path(path.name)
    except ValueError:
        rel = Path(path.name)
    stem = rel.with_suffix("").as_posix()
    return re.sub(r"\s+", "-", stem.strip()).lower()


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ParseError("文件编码无法识别 / not UTF-8 or GB18030 text; save it as UTF-8")


# ---- DOCX and PDF ------------------------------------------------------------------------------


def _read_docx(path: Path) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise ParseError(f"无法读取 DOCX / unreadable DOCX: {exc.__class__.__name__}") from None
    lines = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name or "") if paragraph.style is not None else ""
        if style.lower().startswith(("heading", "title")):
            level = 1 if style.lower().startswith("title") else int(re.sub(r"\D", "", style) or 2)
            text = "#" * min(level, 6) + " " + text
        lines.append(text)
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    return "\n\n".join(lines)


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise ParseError("PDF 已加密 / the PDF is encrypted; export an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ParseError:
        raise
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        raise ParseError(f"无法读取 PDF / unreadable PDF: {exc}") from None
    text = "\n".join(pages).strip()
    if not text:
        raise ParseError("PDF 中没有可提取的文字（可能是扫描件）/ no extractable text (a scan?); OCR it first")
    return text


# ---- CSV and XLSX tables -----------------------------------------------------------------------


def _read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    text = _read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    _check_header(reader.fieldnames or [])
    rows = []
    for row in reader:
        # reader.line_num is the physical line where the row ended; bodies may span lines.
        rows.append((reader.line_num, {k.strip().lower(): (v or "") for k, v in row.items() if k}))
    return rows


def _read_xlsx(path: Path) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(str(path), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ParseError(f"无法读取 XLSX / unreadable XLSX: {exc.__class__.__name__}") from None
    try:
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows(values_only=True)
        header = [str(c).strip().lower() if c is not None else "" for c in next(iterator, ())]
        _check_header(header)
        rows = []
        for line, values in enumerate(iterator, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            rows.append((line, {h: _cell(v) for h, v in zip(header, values, strict=False) if h}))
        return rows
    finally:
        workbook.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_header(header: Sequence[str]) -> None:
    names = {h.strip().lower() for h in header if h}
    missing = [c for c in ("id", "title", "body") if c not in names]
    if missing:
        raise ParseError(
            f"表头缺少列 / header is missing column(s): {', '.join(missing)}; expected: {','.join(TABLE_COLUMNS)}"
        )


def _documents_from_rows(path: Path, rows: list[tuple[int, dict[str, str]]]) -> FileResult:
    documents, errors = [], []
    for line, row in rows:
        doc_id, title, body = row.get("id", "").strip(), row.get("title", "").strip(), row.get("body", "").strip()
        missing = [name for name, value in (("id", doc_id), ("title", title), ("body", body)) if not value]
        if missing:
            errors.append(f"第 {line} 行 / line {line}: 缺少 / missing {', '.join(missing)}")
            continue
        doc_type = (row.get("type") or "case").strip().lower()
        if doc_type not in DOC_TYPES:
            errors.append(f"第 {line} 行 / line {line}: type must be case or note, got {doc_type!r}")
            continue
        meta: dict[str, Any] = {}
        for key, value in row.items():
            if key in ("id", "title", "body", "type") or not value.strip():
                continue
            meta[key] = [p.strip() for p in value.split("|") if p.strip()] if key in LIST_FIELDS else value.strip()
        documents.append(ParsedDocument(doc_id, doc_type, title, body, str(path), _clean_meta(meta)))
    return FileResult(path, documents, errors)


def _clean_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Normalise metadata for filtering: lists of strings, a numeric year, plain scalars."""
    clean: dict[str, Any] = {}
    for key, value in meta.items():
        if value is None:
            continue
        if key in LIST_FIELDS:
            items = value if isinstance(value, list) else re.split(r"[|,，、]", str(value))
            clean[key] = [str(v).strip() for v in items if str(v).strip()]
        elif key == "year":
            match = re.search(r"\d{4}", str(value))
            if match:
                clean["year"] = int(match.group())
        elif isinstance(value, (str, int, float, bool)):
            clean[key] = value
        else:
            clean[key] = str(value)
    return clean
