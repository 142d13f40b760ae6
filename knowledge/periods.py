"""Periods named in words — 「上季度」「第一季度」「Q3」「11月」「上个月」「2025年」「去年」 — and their bounds."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

PERIODS = ("month", "quarter", "year")
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}

_QUARTER = re.compile(r"第?\s*([一二三四1-4])\s*季度|\bQ([1-4])\b|(上个?|last )季度|last quarter", re.IGNORECASE)
_MONTH = re.compile(r"(?<!\d)(1[0-2]|[1-9])\s*月(?!\d)|(上个?月|last month)", re.IGNORECASE)
_YEAR = re.compile(r"(20\d\d)\s*年|(去年|last year)", re.IGNORECASE)
_CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4}


def period_of(text: str) -> str:
    """The period a request names in words: 本月/这个月 → month, 今年/年度 → year, else the quarter."""
    if _QUARTER.search(text) or "季度" in text or "quarter" in text.lower():
        return "quarter"
    if "月" in text or "month" in text.lower():
        return "month"
    if "年" in text or "year" in text.lower():
        return "year"
    return "quarter"


def named_day(text: str, today: date) -> date | None:
    """A day inside the period a request names, when it is not the current one: 「第一季度」「Q3」「上季度」,
    「11月」「上个月」, 「2025年」「去年」. A quarter or month still to come this year means last year's."""
    quarter, month, year = _QUARTER.search(text), _MONTH.search(text), _YEAR.search(text)
    in_year = int(year.group(1)) if year and year.group(1) else today.year - 1 if year else today.year
    if quarter:
        if quarter.group(3) or "last" in quarter.group(0).lower():
            first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
            return date(first.year - (first.month == 1), (first.month - 4) % 12 + 1, 1)
        number = quarter.group(1) or quarter.group(2)
        start = date(in_year, (_CN_DIGIT.get(number) or int(number)) * 3 - 2, 1)
        return start if year or start <= today else date(start.year - 1, start.month, 1)
    if month:
        if month.group(2):
            return date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
        start = date(in_year, int(month.group(1)), 1)
        return start if year or start <= today else date(start.year - 1, start.month, 1)
    if year:
        return date(in_year, 1, 1)
    return None


def period_bounds(period: str, day: date, tz: ZoneInfo) -> tuple[datetime, datetime, str]:
    if period == "month":
        start = date(day.year, day.month, 1)
        end = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        label = f"{day.year}-{day.month:02d}"
    elif period == "quarter":
        q = (day.month - 1) // 3
        start = date(day.year, q * 3 + 1, 1)
        end = date(day.year + (q == 3), (q * 3 + 3) % 12 + 1, 1)
        label = f"{day.year}Q{q + 1}"
    elif period == "year":
        start, end, label = date(day.year, 1, 1), date(day.year + 1, 1, 1), str(day.year)
    else:
        raise ValueError(period)
    return datetime.combine(start, datetime.min.time(), tz), datetime.combine(end, datetime.min.time(), tz), label


def names_a_period(text: str) -> bool:
    """Whether the words name a month, quarter or year at all (「这个月」「上季度」「last year」)."""
    return bool(re.search(r"季度|月|年|quarter|month|year|\bQ[1-4]\b", text, re.IGNORECASE))
