"""Metadata filters: explicit (``industry=金融``) and inferred from the question (「2023年」「制造业」)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

VALID_KEYS = ("type", "industry", "year", "products", "tags")
LIST_KEYS = ("products", "tags")

# English (and colloquial Chinese) words that plainly name one of the library's industries.
INDUSTRY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "金融": ("银行", "保险", "证券", "基金", "信用卡", "bank", "banking", "finance", "financial", "insurance"),
    "医疗": ("医院", "医保", "诊所", "卫健", "hospital", "medical", "healthcare", "health care", "clinic"),
    "制造业": ("制造", "工厂", "产线", "车间", "manufactur", "factory", "factories"),
    "零售": ("商超", "门店", "连锁", "retail", "store", "shop"),
    "教育": ("学校", "高校", "大学", "中学", "培训", "school", "education", "university"),
    "政务": ("政府", "一网通办", "街道", "government", "public sector"),
    "交通物流": ("物流", "交通", "港口", "快递", "logistics", "transport", "port"),
    "能源": ("电网", "电力", "新能源", "光伏", "风电", "energy", "power grid", "utility", "utilities"),
    "互联网/传媒": ("互联网", "传媒", "媒体", "游戏", "internet", "media"),
}
TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "note": ("技术翻译", "翻译笔记", "笔记", "技术解读", "tech note", "technical note", "note"),
    "case": ("案例", "客户案例", "用户案例", "case", "cases", "reference"),
}
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


class FilterError(ValueError):
    """A malformed or unknown filter; ``key`` is set when the key itself is unknown."""

    def __init__(self, text: str, key: str | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.key = key


@dataclass(frozen=True)
class Filters:
    values: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.values)

    def describe(self) -> str:
        return "，".join(f"{k}={v}" for k, v in self.values.items())

    def matches(self, doc_type: str, meta: dict[str, Any]) -> bool:
        for key, wanted in self.values.items():
            actual = doc_type if key == "type" else meta.get(key)
            if key in LIST_KEYS:
                if str(wanted) not in [str(v) for v in actual or []]:
                    return False
            elif key == "year":
                if str(actual) != str(wanted):
                    return False
            elif actual is None or str(actual) != str(wanted):
                return False
        return True

    def chroma_where(self) -> dict[str, Any] | None:
        clauses = []
        for key, value in self.values.items():
            if key in LIST_KEYS:
                clauses.append({key: {"$contains": str(value)}})
            elif key == "year":
                clauses.append({key: int(value)})
            else:
                clauses.append({key: str(value)})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def parse_filters(pairs: list[str]) -> Filters:
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not key or not value:
            raise FilterError(pair)
        if key == "product":
            key = "products"
        if key == "tag":
            key = "tags"
        if key not in VALID_KEYS:
            raise FilterError(pair, key=key)
        if key == "year":
            if not re.fullmatch(r"\d{4}", value):
                raise FilterError(pair)
            values[key] = int(value)
        else:
            values[key] = value
    return Filters(values)


@dataclass
class Vocabulary:
    """What the library holds, so inference only names values that exist."""

    industries: set[str] = field(default_factory=set)
    products: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)

    @classmethod
    def from_documents(cls, docs: list[tuple[str, dict[str, Any]]]) -> Vocabulary:
        vocab = cls()
        for _, meta in docs:
            if isinstance(meta.get("industry"), str):
                vocab.industries.add(meta["industry"])
            vocab.products.update(str(p) for p in meta.get("products", []))
            vocab.tags.update(str(t) for t in meta.get("tags", []))
            if isinstance(meta.get("year"), int):
                vocab.years.add(meta["year"])
        return vocab


def infer_filters(question: str, vocab: Vocabulary) -> Filters:
    """Filters a question plainly names: a year in the library, an industry, a product name, a type."""
    text = question.lower()
    values: dict[str, Any] = {}
    years = [int(y) for y in _YEAR.findall(question) if int(y) in vocab.years]
    if len(years) == 1:
        values["year"] = years[0]
    industry = _find_industry(text, vocab.industries)
    if industry:
        values["industry"] = industry
    products = sorted((p for p in vocab.products if p.lower() in text), key=len, reverse=True)
    if products:
        values["products"] = products[0]
    for doc_type, words in TYPE_WORDS.items():
        if any(_contains_word(text, w) for w in words):
            values["type"] = doc_type
            break
    return Filters(values)


def _find_industry(text: str, industries: set[str]) -> str | None:
    for industry in sorted(industries, key=len, reverse=True):
        stem = industry.rstrip("业") if len(industry) > 2 else industry
        if industry.lower() in text or (len(stem) >= 2 and stem.lower() in text):
            return industry
        for part in industry.split("/"):
            if len(part) >= 2 and part.lower() in text:
                return industry
    for industry, words in INDUSTRY_SYNONYMS.items():
        if industry in industries and any(_contains_word(text, w) for w in words):
            return industry
    return None


def _contains_word(text: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"\b{re.escape(word)}", text) is not None
    return word in text
