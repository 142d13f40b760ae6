"""Questions a document's metadata answers: its year, customer, products, industry.

「这个项目是哪一年做的？」「客户是谁？」 ask for what the front matter says; the body may never repeat it,
so sentences alone cannot answer them.
"""

from __future__ import annotations

import re
from typing import Any

_ASKS: dict[str, re.Pattern[str]] = {
    "year": re.compile(r"哪一?年|几几年|什么时候|何时|年份|\bwhen\b|what year|which year", re.IGNORECASE),
    "customer": re.compile(
        r"客户是谁|客户是哪|哪家客户|哪个客户|给谁做|为谁做|\bwho (was|is) the (customer|client)\b|"
        r"which (customer|client)|for whom",
        re.IGNORECASE,
    ),
    "products": re.compile(r"什么产品|哪个产品|哪款产品|哪些产品|which products?|what products?", re.IGNORECASE),
    "industry": re.compile(r"哪个行业|什么行业|which industry|what industry", re.IGNORECASE),
}
_LABELS = {
    "year": ("年份", "year"),
    "customer": ("客户", "customer"),
    "products": ("产品", "products"),
    "industry": ("行业", "industry"),
}


def metadata_text(meta: dict[str, Any]) -> str:
    """What the front matter says, in words (「年份 2024 客户 某城商行 …」): a question about a field
    the document has is about the document, though its body never names the field."""
    parts = []
    for key, labels in _LABELS.items():
        value = meta.get(key)
        if value in (None, "", []):
            continue
        shown = " ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        parts.append(f"{' '.join(labels)} {shown}")
    return " ".join(parts)


def asks_metadata(question: str) -> bool:
    """Whether the question asks for a field of the front matter (year, customer, products, industry)."""
    return any(pattern.search(question) for pattern in _ASKS.values())


def asked_facts(question: str, meta: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, value) for each metadata field the question asks about and the document has."""
    found = []
    for key, pattern in _ASKS.items():
        value = meta.get(key)
        if value in (None, "", []) or not pattern.search(question):
            continue
        shown = "、".join(str(v) for v in value) if isinstance(value, list) else str(value)
        found.append((key, shown))
    return found


def facts_line(title: str, facts: list[tuple[str, str]], english: bool) -> str:
    """「《T》：年份 2023，客户 华东某省级博物馆。」 / "《T》: year 2023, customer 华东某省级博物馆." """
    told = ("; " if english else "，").join(f"{_LABELS[key][1 if english else 0]} {value}" for key, value in facts)
    return f"《{title}》: {told}." if english else f"《{title}》：{told}。"
