"""Requests in words for drafting and checks: what kind, how many, for whom, in which format, from what.

Pure rules over the words (no replies, no storage): 「给银发群体写5个标题，讲适老化平板那个案例」 and
「把这段新闻稿压成140字微博：……」 become a ``Wanted``; the service turns it into a draft.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from knowledge.writing.factcheck import cn_to_number

_HEADLINE_CUE = re.compile(r"标题|headline", re.IGNORECASE)
_SUMMARY_CUE = re.compile(r"摘要|压成|压缩|缩写|改写|微博|导语|脚本|文案|summary", re.IGNORECASE)
# A request to write copy (not a question about the library): a writing verb, then what to write.
DRAFT_REQUEST = re.compile(
    r"(写|拟|起|生成|出|来|改写|帮我|给我)[^。？?！!]{0,20}(标题|摘要|导语|文案|微博|脚本)|压成[^。？?]{0,10}(微博|摘要|字)"
    r"|\b(write|draft)\b.{0,30}\b(headlines?|summary|summaries|copy|post)\b",
    re.IGNORECASE,
)
# A request to check copy, in words: 「帮我检查一下这段文案合不合规：…」「这段有没有违反广告法：…」.
CHECK_REQUEST = re.compile(
    r"(?:检查|检测|审核|审一下|看看|查查|查一下)[^：:。？?]{0,16}(?:合规|违规|广告法|极限词|违禁词|禁用词|绝对化)"
    r"|(?:合不合规|是否合规|有没有违规|违不违规|违反广告法|广告法)[^：:。]{0,12}[：:]"
    r"|\b(?:check|review)\b.{0,30}\b(?:compliance|compliant|claims|advertising law)\b",
    re.IGNORECASE,
)
_COUNT = re.compile(r"(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:个|条|则|版|组)")
_COUNT_EN = re.compile(
    r"\b(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:headlines?|titles?|summary|summaries|versions?|variants?|posts?|options?)\b",
    re.IGNORECASE,
)
_EN_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_IN_ENGLISH = re.compile(r"\bin english\b|英文|英语", re.IGNORECASE)
_IN_CHINESE = re.compile(r"\bin chinese\b|中文|汉语", re.IGNORECASE)
_EN_NOISE = re.compile(
    r"\b(?:please|write|draft|give|me|us|make|create|\d+|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"short|headlines?|titles?|summary|summaries|versions?|variants?|posts?|for|in|english|chinese|about|on|"
    r"the|a|an|of|that|this|case|story|project)\b",
    re.IGNORECASE,
)
_CHAR_LIMIT = re.compile(r"(\d{1,4})\s*字")
_SOURCE_AFTER = re.compile(r"^(.*?)[：:]\s*(.+)$", re.DOTALL)
_TOPIC_NOISE = re.compile(
    r"帮我|请|能不能|可以|根据|按照|面向|针对|以内|左右|导语|短文案|文案|"
    r"给|为|(?:改写|改|写|做|变|整理|压|浓缩)成|(?:写|来|出)个|写|出|来|生成|起草|想要|"
    r"[\d一二两三四五六七八九十]+\s*(?:个|条|则|版|组|字|篇|段)|标题|摘要|讲|关于|那个|"
    r"这个|那篇|这篇|案例|新闻稿|的|把|这段|微博|[，,。.!！?？、]"
)
MIN_SOURCE_AFTER_COLON = 10  # shorter text after a colon is part of the instruction, not a source


@dataclass
class DraftOrder:
    """One drafting request, its values already typed and range-checked."""

    kind: str  # headline | summary
    text: str = ""
    doc: str | None = None
    persona: str | None = None
    format: str | None = None
    count: int | None = None
    max_chars: int | None = None
    pick: str | None = None
    language: str | None = None  # the copy's language (zh | en); default: the reply's


@dataclass
class Wanted:
    """What a request in words asks for; None where the words say nothing (the options decide)."""

    kind: str  # headline | summary
    source: str  # the text after the colon, or ""
    count: int | None = None
    language: str | None = None
    max_chars: int | None = None
    persona: str | None = None
    format: str | None = None
    topic: str = ""  # the words that describe a library document, when there is no source


def instruction_of(text: str) -> str | None:
    """The instruction before the colon of 「…：原文」, or None when there is no colon."""
    match = _SOURCE_AFTER.search(text)
    return match.group(1) if match else None


def is_check_request(text: str) -> bool:
    return bool(CHECK_REQUEST.search(text))


def checked_text(text: str) -> str:
    """The copy to check: after the colon of a request in words (「帮我检查一下这段文案合不合规：…」)."""
    match = _SOURCE_AFTER.search(text)
    if match and CHECK_REQUEST.search(match.group(1)):
        return match.group(2).strip()
    return text


def understand(text: str, personas: Mapping[str, str], formats: Mapping[str, str]) -> Wanted | None:
    """Kind, count, persona, format and length from the words; the source is the text after a colon,
    else the rest of the request is a topic. ``personas``/``formats``: every name and alias → its name.
    None: the words ask for neither headlines nor a summary."""
    text = text.strip()
    kind = "headline" if _HEADLINE_CUE.search(text) else "summary" if _SUMMARY_CUE.search(text) else ""
    if not kind:
        return None
    instruction, source = text, ""
    match = _SOURCE_AFTER.search(text)
    if match and len(match.group(2).strip()) >= MIN_SOURCE_AFTER_COLON:
        instruction, source = match.group(1), match.group(2).strip()
    wanted = Wanted(kind=kind, source=source)
    count, count_en = _COUNT.search(instruction), _COUNT_EN.search(instruction)
    if count:
        value = cn_to_number(count.group(1))
        wanted.count = int(value) if value is not None else None
    elif count_en:
        word = count_en.group(1).lower()
        wanted.count = _EN_NUMBERS.get(word) or int(word)
    wanted.language = "en" if _IN_ENGLISH.search(instruction) else "zh" if _IN_CHINESE.search(instruction) else None
    limit = _CHAR_LIMIT.search(instruction)
    if limit:
        wanted.max_chars = int(limit.group(1))
    lowered = instruction.lower()
    said = mentioned(lowered, personas) or ""  # the words that named the persona are not the topic
    wanted.persona = personas.get(said)
    # The format named last is the target: 「把这段新闻稿压成微博」 asks for a Weibo post.
    wanted.format = formats.get(mentioned(lowered, formats, last=True) or "")
    if not source:
        described = lowered.replace(said.lower(), " ") if said else instruction
        wanted.topic = topic_of(described)
    return wanted


def topic_of(instruction: str) -> str:
    """The words of a request that describe the document, without the request's own phrasing."""
    return " ".join(_EN_NOISE.sub(" ", _TOPIC_NOISE.sub(" ", _IN_ENGLISH.sub(" ", instruction))).split())


def mentioned(text: str, names: Mapping[str, str], last: bool = False) -> str | None:
    """The name or alias (2+ characters) that occurs in the text: the longest, or the last named."""
    found = [(text.rfind(a.lower()), len(a), a) for a in names if len(a) >= 2 and a.lower() in text]
    if not found:
        return None
    return max(found, key=lambda f: (f[0], f[1]) if last else (f[1], -f[0]))[2]
