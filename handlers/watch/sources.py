"""Where mentions come from, as plain records: a monitoring tool's export (JSON lines, CSV, XLSX), the
webhook's JSON body, and RSS/Atom entries. Bad rows are reported by line with the reason; good rows
are kept.

A mention has: platform, author, followers, text, url, published (ISO 8601 with an offset),
reposts, comments, likes. Exports in Chinese headers (平台, 作者, 粉丝数, 内容, 链接, 发布时间, 转发数,
评论数, 点赞数) are understood too.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

MAX_TEXT = 10_000
ALIASES = {
    "platform": ("platform", "平台", "来源", "source"),
    "author": ("author", "作者", "发布者", "账号", "user"),
    "followers": ("followers", "粉丝数", "粉丝", "follower_count"),
    "text": ("text", "内容", "正文", "content", "title"),
    "url": ("url", "链接", "原文链接", "link"),
    "published": ("published", "发布时间", "时间", "published_at", "time"),
    "reposts": ("reposts", "转发数", "转发", "shares"),
    "comments": ("comments", "评论数", "评论"),
    "likes": ("likes", "点赞数", "点赞"),
}
REQUIRED = ("text", "url", "published")


@dataclass(frozen=True)
class MentionIn:
    platform: str
    author: str
    followers: int
    text: str
    url: str
    published: datetime  # timezone-aware
    reposts: int = 0
    comments: int = 0
    likes: int = 0


@dataclass(frozen=True)
class BadRow:
    line: int  # the line (JSON lines, CSV) or row (XLSX, list index + 1) the record came from
    reason: str


@dataclass
class Parsed:
    mentions: list[MentionIn]
    bad: list[BadRow]


class SourceError(Exception):
    """The whole input cannot be read (not a list, unknown file type, unreadable file)."""


def parse_time(value: object) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("published has no time zone offset; write it like 2026-12-01T09:12:00+08:00")
        return value
    text = str(value or "").strip()
    if not text:
        raise ValueError("published is missing")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"published {text[:40]!r} is not ISO 8601 (e.g. 2026-12-01T09:12:00+08:00)") from None
    if parsed.tzinfo is None:
        raise ValueError(f"published {text[:40]!r} has no offset; add one, e.g. +08:00")
    return parsed


def _count(record: Mapping[str, Any], key: str) -> int:
    value = record.get(key)
    if value is None or value == "":
        return 0
    try:
        number = int(float(str(value).replace(",", "")))
    except ValueError:
        raise ValueError(f"{key} {str(value)[:20]!r} is not a number") from None
    if number < 0:
        raise ValueError(f"{key} cannot be negative")
    return number


def canonical(record: Mapping[str, Any]) -> dict[str, Any]:
    """Map aliases (Chinese headers, other spellings) to the field names."""
    lowered = {str(k).strip().lower(): v for k, v in record.items() if k is not None}
    out: dict[str, Any] = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if alias.lower() in lowered and lowered[alias.lower()] not in (None, ""):
                out[name] = lowered[alias.lower()]
                break
    return out


def to_mention(record: Mapping[str, Any]) -> MentionIn:
    """One record to a mention, or ValueError saying what is wrong."""
    if not isinstance(record, Mapping):
        raise ValueError("each mention must be a JSON object")
    data = canonical(record)
    missing = [name for name in REQUIRED if not str(data.get(name, "")).strip()]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    url = str(data["url"]).strip()
    if len(url) > 1000 or not re.match(r"^[a-z][a-z0-9+.-]*://\S+$", url, re.IGNORECASE):
        raise ValueError(f"url {url[:60]!r} is not an absolute URL")
    text = str(data["text"]).strip()
    if len(text) > MAX_TEXT:
        raise ValueError(f"text is longer than {MAX_TEXT} characters")
    return MentionIn(
        platform=str(data.get("platform", "")).strip()[:100],
        author=str(data.get("author", "")).strip()[:200],
        followers=_count(data, "followers"),
        text=text,
        url=url,
        published=parse_time(data["published"]),
        reposts=_count(data, "reposts"),
        comments=_count(data, "comments"),
        likes=_count(data, "likes"),
    )


def parse_records(records: Iterable[tuple[int, Mapping[str, Any]]]) -> Parsed:
    parsed = Parsed([], [])
    for line, record in records:
        try:
            parsed.mentions.append(to_mention(record))
        except ValueError as exc:
            parsed.bad.append(BadRow(line, str(exc)))
    return parsed


def parse_json_body(body: bytes) -> Parsed:
    """The webhook body: a JSON list of mention objects (or ``{"mentions": [...]}``)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceError(f"body is not UTF-8 JSON ({exc.__class__.__name__})") from None
    if isinstance(data, dict) and isinstance(data.get("mentions"), list):
        data = data["mentions"]
    if not isinstance(data, list):
        raise SourceError('body must be a JSON list of mentions (or {"mentions": [...]})')
    return parse_records((i + 1, item) for i, item in enumerate(data))


def read_file(path: Path) -> Parsed:
    """JSON lines (.jsonl/.json/.ndjson), CSV (UTF-8, with or without BOM) or XLSX."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".ndjson", ".json"):
            return _read_jsonl(path.read_text(encoding="utf-8-sig"))
        if suffix == ".csv":
            return _read_csv(path.read_text(encoding="utf-8-sig"))
        if suffix in (".xlsx", ".xlsm"):
            return _read_xlsx(path)
    except UnicodeDecodeError:
        raise SourceError(f"{path.name} is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise SourceError(f"{path} cannot be read: {exc.strerror or exc}") from None
    raise SourceError(f"{path.name}: use a .jsonl, .csv or .xlsx file")


def _read_jsonl(text: str) -> Parsed:
    stripped = text.lstrip()
    if stripped.startswith("["):  # a JSON array is accepted too
        return parse_json_body(stripped.encode("utf-8"))
    rows: list[tuple[int, Any]] = []
    bad: list[BadRow] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except ValueError:
            bad.append(BadRow(number, "not a JSON object"))
    parsed = parse_records(rows)
    parsed.bad = sorted(parsed.bad + bad, key=lambda b: b.line)
    return parsed


def _read_csv(text: str) -> Parsed:
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    for record in reader:
        rows.append((reader.line_num, record))  # the line the row ends on; rows rarely span lines
    return parse_records(rows)


def _read_xlsx(path: Path) -> Parsed:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise SourceError(f"{path.name} is not a readable XLSX file ({exc.__class__.__name__})") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return Parsed([], [])
    names = [str(h).strip() if h is not None else "" for h in header]
    records = []
    for number, values in enumerate(rows, 2):
        if values is None or all(v is None or v == "" for v in values):
            continue
        record = {}
        for name, value in zip(names, values, strict=False):
            if isinstance(value, datetime) and value.tzinfo is None:
                value = value.isoformat()  # a date cell has no offset; parse_time says so
            record[name] = value
        records.append((number, record))
    book.close()
    return parse_records(records)


# ---- RSS / Atom ------------------------------------------------------------------------------------

_TAGS = re.compile(r"<[^>]+>")


def parse_feed(content: bytes, feed_url: str) -> list[MentionIn]:
    """Entries of an RSS/Atom document as mentions; SourceError with feedparser's reason if it is not a feed."""
    import feedparser

    parsed = feedparser.parse(content)
    if parsed.get("bozo") and not parsed.get("entries"):
        reason = parsed.get("bozo_exception")
        raise SourceError(f"not an RSS/Atom feed: {reason.__class__.__name__ if reason else 'unknown'}: {reason}")
    platform = str(parsed.feed.get("title") or feed_url)[:100]
    mentions = []
    for entry in parsed.entries:
        link = entry.get("link") or entry.get("id")
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        if not link or when is None:
            continue  # an entry without a link or a date cannot be deduplicated or placed in time
        text = " ".join(
            part for part in (entry.get("title", ""), _TAGS.sub(" ", unescape(entry.get("summary", "")))) if part
        )
        mentions.append(
            MentionIn(
                platform=platform,
                author=str(entry.get("author", ""))[:200],
                followers=0,
                text=re.sub(r"\s+", " ", text).strip()[:MAX_TEXT],
                url=str(link)[:1000],
                published=datetime(*when[:6]).replace(tzinfo=UTC),
            )
        )
    return mentions
