"""Fact check: every number, percentage and date a draft states must occur in its source.

Numbers are compared by value and kind, not by spelling: 「450 万」 matches 「450万」 and 「4,500,000」,
「32％」 matches 「32%」 and 「百分之三十二」. A bare number in a draft matches the same value of any kind
in the source, but a percentage, a 「个百分点」 or a date must match one of the same kind.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUM = "零〇一二两三四五六七八九十百千"

# Arabic numbers with their unit; the order of alternatives matters (longest unit first).
_ARABIC = re.compile(
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*"
    r"(?P<unit>%|‰|个百分点|百分点|万亿|亿|万|千|年|月|日|号|倍)?"
)
_PERCENT_CN = re.compile(rf"百分之(?P<num>[{_CN_NUM}]+(?:点[{_CN_NUM}]+)?|\d+(?:\.\d+)?)")
_CN_WITH_UNIT = re.compile(rf"(?P<num>[{_CN_NUM}]{{1,6}})(?P<unit>倍|成|个百分点)")
_DATE = re.compile(r"(?P<y>\d{4})\s*[年/.-]\s*(?P<m>\d{1,2})\s*[月/.-]\s*(?P<d>\d{1,2})\s*[日号]?")
_YEAR_MONTH = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?!\s*\d)")
_MULTIPLIER = {"万": 1e4, "亿": 1e8, "万亿": 1e12, "千": 1e3}


@dataclass(frozen=True)
class NumberClaim:
    text: str  # as written in the draft
    value: float
    kind: str  # "" plain, "%" percent, "pp" percentage points, "year", "month", "day", "date", "x" times
    start: int
    end: int


@dataclass(frozen=True)
class FactIssue:
    claim: str  # the number as written
    quote: str  # the clause that states it
    reason: str


def _normalize(text: str) -> str:
    # Full-width digits and ％ become ASCII; the string keeps its length so offsets stay valid.
    return "".join(
        unicodedata.normalize("NFKC", ch) if len(unicodedata.normalize("NFKC", ch)) == 1 else ch for ch in text
    )


def cn_to_number(text: str) -> float | None:
    """Small Chinese numerals (一 … 九千九百九十九, with 点 decimals): enough for 三倍, 百分之三十二."""
    if text.replace(".", "", 1).isdigit():
        return float(text)
    whole, _, frac = text.partition("点")
    total, current = 0, 0
    for ch in whole:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            return None
    value = float(total + current)
    if frac:
        digits = "".join(str(_CN_DIGITS.get(ch, "")) for ch in frac)
        if not digits:
            return None
        value += float("0." + digits)
    return value


def extract(text: str) -> list[NumberClaim]:
    text = _normalize(text)
    claims: list[NumberClaim] = []
    taken: list[tuple[int, int]] = []

    def add(claim: NumberClaim) -> None:
        if any(s < claim.end and claim.start < e for s, e in taken):
            return
        taken.append((claim.start, claim.end))
        claims.append(claim)

    for m in _DATE.finditer(text):
        day = int(m["y"]) * 10000 + int(m["m"]) * 100 + int(m["d"])
        add(NumberClaim(m.group().strip(), day, "date", m.start(), m.end()))
    for m in _YEAR_MONTH.finditer(text):
        add(NumberClaim(m.group().strip(), int(m["y"]) * 100 + int(m["m"]), "yearmonth", m.start(), m.end()))
    for m in _PERCENT_CN.finditer(text):
        value = cn_to_number(m["num"])
        if value is not None:
            add(NumberClaim(m.group(), value, "%", m.start(), m.end()))
    for m in _CN_WITH_UNIT.finditer(text):
        value = cn_to_number(m["num"])
        if value is not None:
            kind = {"倍": "x", "成": "%", "个百分点": "pp"}[m["unit"]]
            add(NumberClaim(m.group(), value * 10 if m["unit"] == "成" else value, kind, m.start(), m.end()))
    for m in _ARABIC.finditer(text):
        if m.start() > 0 and (text[m.start() - 1].isalpha() and text[m.start() - 1].isascii()):
            continue  # part of a name such as 「GPT4」 or 「H800」: not a numeric claim
        value = float(m["num"].replace(",", ""))
        unit = m["unit"] or ""
        kind = {"%": "%", "‰": "‰", "个百分点": "pp", "百分点": "pp", "年": "year", "月": "month", "倍": "x"}.get(
            unit, ""
        )
        if unit in ("日", "号"):
            kind = "day"
        value *= _MULTIPLIER.get(unit, 1)
        written = m.group().rstrip()
        add(NumberClaim(written, value, kind, m.start(), m.start() + len(written)))
    return sorted(claims, key=lambda c: c.start)


@lru_cache(maxsize=32)
def _source_facts(source: str) -> tuple[set[tuple[float, str]], set[float]]:
    facts: set[tuple[float, str]] = set()
    for claim in extract(source):
        facts.add((claim.value, claim.kind))
        if claim.kind == "date":  # 2024年3月5日 also states 2024年 and 2024年3月
            facts.add((claim.value // 10000, "year"))
            facts.add((claim.value // 100, "yearmonth"))
        if claim.kind == "yearmonth":
            facts.add((claim.value // 100, "year"))
    return facts, {value for value, _ in facts}


def _clause(text: str, start: int, end: int) -> str:
    left = max(text.rfind(ch, 0, start) for ch in "。！？；，,;!?\n") + 1
    ends = [i for i in (text.find(ch, end) for ch in "。！？；，,;!?\n") if i != -1]
    right = min(ends) if ends else len(text)
    return text[left:right].strip()


def check(draft: str, source: str) -> list[FactIssue]:
    """Numbers in ``draft`` that ``source`` does not state, each with the clause that claims it."""
    facts, values = _source_facts(source)
    normalized = _normalize(draft)
    issues: list[FactIssue] = []
    for claim in extract(draft):
        if claim.kind == "" and claim.value in values:
            continue
        if (claim.value, claim.kind) in facts:
            continue
        if claim.kind in ("year", "month", "day") and (claim.value, "") in facts:
            continue  # 「2021」 in the source backs 「2021年」 in the draft
        issues.append(
            FactIssue(claim.text, _clause(normalized, claim.start, claim.end), "原文中没有这个数字 / not in the source")
        )
    return issues
