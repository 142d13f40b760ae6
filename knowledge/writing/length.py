"""Length as each channel counts it, and cutting text to a limit at a sentence or clause boundary.

Weibo counts a Han character or full-width punctuation mark as one and a half-width character (Latin
letter, digit, ASCII punctuation, space) as half, rounding up; most other channels count every character
as one. Cutting never splits a clause, so a number or a claim is never left half-quoted.
"""

from __future__ import annotations

import math
import re

from knowledge.text import split_sentences

_CLAUSE_END = re.compile(r"[，、：:；;—]|,(?!\d{3})")  # not the comma of 14,520
_TRAILING = "，、：,:；;— "


def count(text: str, counter: str = "plain") -> int:
    if counter == "weibo":
        halves = sum(1 if ord(ch) < 0x80 else 2 for ch in text)
        return math.ceil(halves / 2)
    return len(text)


def fits(text: str, limit: int, counter: str = "plain") -> bool:
    return count(text, counter) <= limit


def cut(text: str, limit: int, counter: str = "plain") -> str | None:
    """The longest prefix within ``limit`` that ends at a sentence end, else at a clause end (closed
    with 「…」). None when not even the first clause fits: the caller drops the variant."""
    text = text.strip()
    if fits(text, limit, counter):
        return text
    kept = ""
    for sentence in split_sentences(text):
        candidate = kept + sentence
        if not fits(candidate, limit, counter):
            break
        kept = candidate
    if kept:
        # A cut that ends on 「；」 reads as unfinished; close it as a sentence.
        return kept[:-1] + "。" if kept[-1] in "；;" else kept
    # Not even one whole sentence fits: keep whole clauses of the first one.
    first = split_sentences(text)[0] if text else ""
    best = None
    for match in _CLAUSE_END.finditer(first):
        candidate = first[: match.start()].rstrip(_TRAILING) + "…"
        if fits(candidate, limit, counter) and len(candidate) > 1:
            best = candidate
        else:
            break
    return best
