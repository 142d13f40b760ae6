"""Slot values read from plain words: dates, change size, incident level, counts, ordinals, the copy.

Each reader returns None when the words do not name the value at all, and raises ``SlotError``
when they try to and fail (「下下下周八」), so the caller can ask again with an example.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from knowledge.writing.factcheck import cn_to_number

_WEEKDAYS_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_WEEKDAYS_EN = {
    name: index
    for index, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue"),
            ("wednesday", "wed"),
            ("thursday", "thu"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
_MONTHS_EN = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name
}
NUMBER = r"(\d{1,4}|[零〇一二两三四五六七八九十百]{1,4})"


class SlotError(ValueError):
    """The words try to give a value but it cannot be read (the message says which words)."""

    def __init__(self, words: str) -> None:
        super().__init__(words)
        self.words = words


def cn_number(text: str) -> int | None:
    """「3」「三」「十二」「二十」 → an int; None if it is not a whole number."""
    text = text.strip()
    value = cn_to_number(text) if text else None
    return int(value) if value is not None and value == int(value) else None


# ---- dates ------------------------------------------------------------------------------------

_ISO = re.compile(r"(?<!\d)(20\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?")
_MONTH_DAY = re.compile(rf"(?<![\d年-]){NUMBER}月{NUMBER}[日号]")
_WEEKDAY_CN = re.compile(r"(下下|下个?|这个?|本|上)?(?:周|星期|礼拜)([一二三四五六日天1-7])")
_BAD_WEEKDAY = re.compile(r"(下*|这|本)(?:个)?(?:周|星期|礼拜)([^一二三四五六日天1-7\s，,。]{1})")
_RELATIVE = re.compile(rf"{NUMBER}\s*(天|日|周|星期|个月|月|年)(?:之?后|以后)")
_ENGLISH_IN = re.compile(r"\bin\s+(\d{1,3})\s+(day|week|month|year)s?\b", re.IGNORECASE)
_ENGLISH_NEXT = re.compile(r"\b(next|this|coming)\s+(" + "|".join(_WEEKDAYS_EN) + r")\b", re.IGNORECASE)
_ENGLISH_MONTH_DAY = re.compile(
    r"\b(" + "|".join(sorted(_MONTHS_EN, key=len, reverse=True)) + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b", re.IGNORECASE
)
_DATE_HINT = re.compile(r"周|星期|礼拜|月|号|日|天|明天|后天|今天|下周|\d{4}-|tomorrow|today|next|monday|date", re.I)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def read_date(text: str, today: date) -> date | None:
    """The date the words name, relative to ``today``; None if they name none.

    「下周一」 is Monday of next week, 「周三」 the next Wednesday (today counts), 「三个月后」 three
    calendar months on, 「明天起」 tomorrow, 「3月19日」 the next such day, ISO dates as written.
    """
    lowered = text.lower()
    if match := _ISO.search(text):
        return _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), match.group(0))
    if match := _MONTH_DAY.search(text):
        month, day = cn_number(match.group(1)), cn_number(match.group(2))
        if month is None or day is None:
            raise SlotError(match.group(0))
        found = _safe_date(today.year, month, day, match.group(0))
        return found if found >= today else _safe_date(today.year + 1, month, day, match.group(0))
    for word, offset in (("大后天", 3), ("后天", 2), ("明天", 1), ("明日", 1), ("今天", 0), ("今日", 0)):
        if word in text:
            return today + timedelta(days=offset)
    for word, offset in (("day after tomorrow", 2), ("tomorrow", 1), ("today", 0)):
        if word in lowered:
            return today + timedelta(days=offset)
    if match := _WEEKDAY_CN.search(text):
        prefix, name = match.group(1) or "", match.group(2)
        weekday = int(name) - 1 if name.isdigit() else _WEEKDAYS_CN[name]
        monday = today - timedelta(days=today.weekday())
        if prefix.startswith("下下"):
            return monday + timedelta(days=14 + weekday)
        if prefix.startswith("下"):
            return monday + timedelta(days=7 + weekday)
        if prefix.startswith("上"):
            return monday + timedelta(days=weekday - 7)
        if prefix:  # 这周三 / 本周三
            return monday + timedelta(days=weekday)
        ahead = (weekday - today.weekday()) % 7
        return today + timedelta(days=ahead)
    if match := _BAD_WEEKDAY.search(text):
        raise SlotError(match.group(0))
    if match := _RELATIVE.search(text):
        count = cn_number(match.group(1))
        if count is None:
            raise SlotError(match.group(0))
        unit = match.group(2)
        if unit in ("天", "日"):
            return today + timedelta(days=count)
        if unit in ("周", "星期"):
            return today + timedelta(weeks=count)
        if unit in ("个月", "月"):
            return add_months(today, count)
        return add_months(today, 12 * count)
    if "下个月" in text or "下月" in text:
        return add_months(today, 1).replace(day=1)
    if "下周" in text:
        return today - timedelta(days=today.weekday()) + timedelta(days=7)
    if match := _ENGLISH_IN.search(text):
        count, unit = int(match.group(1)), match.group(2).lower()
        if unit == "day":
            return today + timedelta(days=count)
        if unit == "week":
            return today + timedelta(weeks=count)
        return add_months(today, count if unit == "month" else 12 * count)
    if match := _ENGLISH_NEXT.search(text):
        weekday = _WEEKDAYS_EN[match.group(2).lower()]
        if match.group(1).lower() == "next":
            monday = today - timedelta(days=today.weekday())
            return monday + timedelta(days=7 + weekday)
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    if match := _ENGLISH_MONTH_DAY.search(text):
        month, day = _MONTHS_EN[match.group(1).lower()], int(match.group(2))
        found = _safe_date(today.year, month, day, match.group(0))
        return found if found >= today else _safe_date(today.year + 1, month, day, match.group(0))
    return None


def looks_like_date(text: str) -> bool:
    """The words try to name a day (so a failure to read one is worth saying)."""
    return bool(_DATE_HINT.search(text))


def _safe_date(year: int, month: int, day: int, words: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise SlotError(words) from None


# ---- other slots ------------------------------------------------------------------------------

_LEVEL = re.compile(rf"{NUMBER}\s*级|level\s*(\d)|\bL(\d)\b|(?:升级|降级|调)到\s*{NUMBER}", re.IGNORECASE)
_COUNT = re.compile(rf"{NUMBER}\s*(?:个|条|则|版|组|句)")
_COUNT_EN = re.compile(
    r"\b(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:headlines?|titles?|options?|"
    r"variants?|versions?|taglines?)\b",
    re.IGNORECASE,
)
_EN_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_EN_NUMBERS = {w: i for i, w in enumerate(_EN_WORDS)}
_ORDINAL = re.compile(
    # 「第一季度」「第三届」「第二步」 count something else, not the last list's items.
    rf"第\s*{NUMBER}\s*(?:个|条|篇|项|家)?(?!季|年|月|周|天|期|次|届|批|轮|步|阶段|章|节|页|名|位|代)"
    r"|\b(first|second|third|fourth|fifth|last|\d+(?:st|nd|rd|th))\b"
    r"|(最后一个|最后那个)",
    re.IGNORECASE,
)
_EN_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_CHANGE_ID = re.compile(
    r"(?:CR-?|#|第)?\s*(\d{1,6})\s*(?:号|个)?\s*(?:变更|需求|申请|change|request)|"
    r"(?:change(?: request)?|CR-?|#)\s*(\d{1,6})",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,})[”\"」』]")
_AFTER_COLON = re.compile(r"[：:]\s*(.{2,})$", re.DOTALL)


def read_level(text: str) -> int | None:
    match = _LEVEL.search(text)
    if not match:
        return None
    raw = next(g for g in match.groups() if g)
    return cn_number(raw)


def read_size(text: str) -> str | None:
    lowered = text.lower()
    if "小变更" in text or "small change" in lowered or re.search(r"\bsmall\b", lowered):
        return "small"
    if "大变更" in text or "big change" in lowered or re.search(r"\b(big|major)\b", lowered):
        return "big"
    return None


def read_count(text: str) -> int | None:
    if match := _COUNT.search(text):
        return cn_number(match.group(1))
    if match := _COUNT_EN.search(text):
        word = match.group(1).lower()
        return int(word) if word.isdigit() else _EN_NUMBERS.get(word)
    return None


def read_ordinal(text: str) -> int | None:
    """「第二个」 → 2, "the third" → 3, 「最后一个」 → -1."""
    match = _ORDINAL.search(text)
    if not match:
        return None
    if match.group(3):
        return -1
    if match.group(1):
        return cn_number(match.group(1))
    word = match.group(2).lower()
    if word == "last":
        return -1
    return _EN_ORDINALS.get(word) or int(re.sub(r"\D", "", word) or 0) or None


def read_change_id(text: str) -> int | None:
    match = _CHANGE_ID.search(text)
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def read_copy(text: str) -> str | None:
    """The copy a person pasted to be checked: quoted, or after a colon."""
    quoted = _QUOTED.findall(text)
    if quoted:
        return "".join(quoted) if len(quoted) > 1 and all(len(q) < 12 for q in quoted) else max(quoted, key=len)
    if match := _AFTER_COLON.search(text):
        return match.group(1).strip()
    return None


def read_choice(text: str, choices: dict[str, tuple[str, ...]]) -> str | None:
    """The key of the first choice whose words appear (longest words first)."""
    lowered = text.lower()
    found = [
        (lowered.find(w.lower()), -len(w), key) for key, words in choices.items() for w in words if w.lower() in lowered
    ]
    return min(found)[2] if found else None
