"""Metadata filters: explicit (``industry=金融``) and inferred from the question (「2023年」「制造业」)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

VALID_KEYS = ("type", "industry", "year", "products", "tags", "customer")
# Keys Chroma's metadata cannot test (a substring of the customer); the retriever passes their
# matching documents' ids instead.
ID_KEYS = ("customer",)
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
    "能源": ("电网", "电力", "风电", "energy", "power grid", "utility", "utilities"),
    "互联网/传媒": ("互联网", "传媒", "媒体", "游戏", "internet", "media"),
    "农业": ("农业", "农场", "种植", "养殖", "农户", "农产品", "farm", "agricultur"),
    "水务": ("水务", "供水", "水厂", "污水", "排水", "water utility", "water supply"),
    "建筑": ("建筑", "工地", "施工", "建设工程", "construction", "building site"),
    "文旅": ("文旅", "旅游", "景区", "乐园", "博物馆", "酒店", "tourism", "museum", "hotel", "theme park"),
    "电信": ("电信", "运营商", "通信", "telecom", "carrier"),
}
# What each industry is called in an English reply ("7 in all in 金融 (finance)").
INDUSTRY_ENGLISH: dict[str, str] = {
    "金融": "finance",
    "医疗": "healthcare",
    "制造业": "manufacturing",
    "零售": "retail",
    "教育": "education",
    "政务": "government",
    "交通物流": "transport and logistics",
    "能源": "energy",
    "互联网/传媒": "internet and media",
    "农业": "agriculture",
    "水务": "water",
    "建筑": "construction",
    "文旅": "culture and tourism",
    "电信": "telecom",
}
TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "note": (
        *("技术翻译笔记", "技术笔记", "技术翻译", "翻译笔记", "笔记", "技术解读"),
        *("tech note", "technical note", "note"),
    ),
    "case": ("案例", "客户案例", "用户案例", "项目", "case", "cases", "reference"),
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
            elif key == "customer":
                if not isinstance(actual, str) or str(wanted).lower() not in actual.lower():
                    return False
            elif actual is None or str(actual) != str(wanted):
                return False
        return True

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, object]] = []
        for key, value in self.values.items():
            if key in ID_KEYS:
                continue
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
    # Short names of products: a brand prefix shared by several products (岫川视觉质检, 岫川数字人)
    # is dropped, so 「视觉质检的案例」 names the product too. Only aliases naming one product are kept.
    product_aliases: dict[str, str] = field(default_factory=dict)
    # Every 4-16 character piece of a customer's name (「省级电网公司」 names four customers at once).
    customer_parts: set[str] = field(default_factory=set)

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
            customer = meta.get("customer")
            if isinstance(customer, str) and not customer.isascii():
                name = customer.lower()
                vocab.customer_parts.update(
                    name[i:j] for i in range(len(name)) for j in range(i + 4, min(len(name), i + 16) + 1)
                )
        vocab.product_aliases = _product_aliases(vocab.products)
        return vocab


def _product_aliases(products: set[str]) -> dict[str, str]:
    aliases: dict[str, set[str]] = {}
    for product in products:
        aliases.setdefault(product.lower(), set()).add(product)
        for other in products:
            if other == product:
                continue
            shared = len(_common_prefix(product, other))
            rest = product[shared:]
            if shared >= 2 and len(rest) >= 2 and not product.isascii():
                aliases.setdefault(rest.lower(), set()).add(product)
    return {alias: next(iter(names)) for alias, names in aliases.items() if len(names) == 1}


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def infer_filters(question: str, vocab: Vocabulary) -> Filters:
    """Filters a question plainly names: a year in the library, an industry, a product name, a type."""
    return Filters(_infer(question, vocab)[0])


def filter_mentions(question: str, vocab: Vocabulary) -> list[str]:
    """The words of the question that named the inferred filters (「2023年」「银行」「数字人」)."""
    return _infer(question, vocab)[1]


def _infer(question: str, vocab: Vocabulary) -> tuple[dict[str, Any], list[str]]:
    text = question.lower()
    values: dict[str, Any] = {}
    mentions: list[str] = []
    years = [int(y) for y in _YEAR.findall(question) if int(y) in vocab.years]
    if len(years) == 1:
        values["year"] = years[0]
        mentions.append(str(years[0]))
    industry = _find_industry(text, vocab.industries)
    if industry:
        values["industry"], word = industry
        mentions.append(word)
    named = sorted((a for a in vocab.product_aliases if a in text), key=len, reverse=True)
    if named:
        values["products"] = vocab.product_aliases[named[0]]
        mentions.append(named[0])
    customer = _find_customer(text, vocab.customer_parts, mentions)
    if customer:
        values["customer"] = customer
        mentions.append(customer)
    for doc_type, words in TYPE_WORDS.items():
        found = next((w for w in words if _contains_word(text, w)), None)
        if found:
            values["type"] = doc_type
            mentions.append(found)
            break
    return values, mentions


def _find_customer(text: str, parts: set[str], mentions: list[str]) -> str | None:
    """The longest run of the question (4+ characters) that is part of a customer's name, unless it
    only repeats a product or industry already named."""
    if not parts:
        return None
    for length in range(min(16, len(text)), 3, -1):
        for start in range(len(text) - length + 1):
            piece = text[start : start + length]
            if piece in parts and not any(piece in m for m in mentions):
                return piece
    return None


def _find_industry(text: str, industries: set[str]) -> tuple[str, str] | None:
    """The library's industry the text names, and the word that named it; none when the text names
    two ("which logistics customer … shopping-festival peaks" is no retail case)."""
    named: dict[str, str] = {}
    for industry in sorted(industries, key=len, reverse=True):
        stem = industry.rstrip("业") if len(industry) > 2 else industry
        word = next((w for w in (industry, stem, *industry.split("/")) if len(w) >= 2 and w.lower() in text), None)
        if word:
            named.setdefault(industry, word.lower())
    if not named:
        for canonical, words in INDUSTRY_SYNONYMS.items():
            for industry in industries:
                if not _same_industry(industry, canonical, words):
                    continue
                found = next((w for w in words if _contains_word(text, w)), None)
                if found:
                    named.setdefault(industry, found)
    return next(iter(named.items())) if len(named) == 1 else None


def industry_in_english(library_name: str) -> str | None:
    """The English name of one of the library's industries (制造 → manufacturing), if known."""
    for canonical, english in INDUSTRY_ENGLISH.items():
        if _same_industry(library_name, canonical, INDUSTRY_SYNONYMS.get(canonical, ())):
            return english
    return None


def _same_industry(library_name: str, canonical: str, words: tuple[str, ...]) -> bool:
    """The library's name for an industry (制造, 媒体) and a synonym group (制造业…, 互联网/传媒…)."""
    a, b = library_name.lower(), canonical.lower()
    if a == b or a in words or a in b.split("/"):
        return True
    return len(a) >= 2 and (b.startswith(a) or a.startswith(b))


def _contains_word(text: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"\b{re.escape(word)}", text) is not None
    return word in text
