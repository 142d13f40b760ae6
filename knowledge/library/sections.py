"""Which half of a technical-translation note a question asks for.

A note explains a technology twice: 技术原理解读 for experts and 用户价值说明 in plain language. A
question asking for plain words (「用大白话」「给客户讲」"in plain language") wants the second; one asking
how it works (「原理」「技术上怎么实现」"how does it work") wants the first.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A note question asking for plain words wants 用户价值说明; one asking how it works, 技术原理解读.
_PLAIN_ASK = re.compile(
    r"大白话|通俗|白话|说人话|别太技术|不要太技术|简单(说|讲|地说|来说)|外行|小白|老百姓|给客户|跟客户|向客户|客户听|"
    r"客户能|对客户|用户价值|业务部门|老板|领导听|"
    r"有什么(用|好处|价值)|能带来|plain (words|language|english)|simple terms|layman|non-?technical|"
    r"to (a )?(customers?|clients?)|for (a )?(customers?|clients?)|what('s| is) (it|this) good for|benefit|"
    r"explain .* to",
    re.IGNORECASE,
)
_PRINCIPLE_ASK = re.compile(
    r"原理|技术上|技术角度|怎么实现|如何实现|实现方式|机制|算法|架构|具体是怎么|是怎么(算|做|对齐|工作|做到)|区别|"
    r"how does .* work|how .* works|principle|technically|under the hood|mechanism|algorithm|how does .* align|"
    r"difference between",
    re.IGNORECASE,
)
# Measured results (how long, how much, how many) are in cases; a note explains, it does not measure.
# 「值班员用大白话问规程，查一条要多久？」 describes the product in plain words and asks for a case's figure.
_QUANTITY_ASK = re.compile(
    r"多久|多长时间|几(秒|分钟|小时|天|周|个月)|百分之多少|多少(钱|元|万|亿|倍|份|人|次|秒|分钟|小时|天)|"
    r"(提升|提高|降低|下降|减少|缩短|节省|节约|增长)(了|到)?多少|"
    r"how (long|much|many)|what percentage",
    re.IGNORECASE,
)
_PLAIN_SECTION = re.compile(r"用户价值|价值说明|通俗|plain|value", re.IGNORECASE)
_PRINCIPLE_SECTION = re.compile(r"原理|技术解读|principle|how it works", re.IGNORECASE)


def wanted_section(question: str) -> Callable[[str], bool] | None:
    """A predicate on section headings for the half of a note the question asks for, if it asks."""
    if _PLAIN_ASK.search(question):
        return lambda heading: bool(_PLAIN_SECTION.search(heading))
    if _PRINCIPLE_ASK.search(question):
        return lambda heading: bool(_PRINCIPLE_SECTION.search(heading))
    return None


def asks_for_note(question: str) -> bool:
    """The question asks for an explanation a note gives (plain words or the principle), not a figure."""
    return wanted_section(question) is not None and not _QUANTITY_ASK.search(question)
