"""Chinese-aware text helpers: sentence splitting, segmentation for search, character counting."""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable
from functools import lru_cache

from knowledge import jieba_dict
from knowledge.jieba_dict import jieba

jieba.setLogLevel(logging.WARNING)

# A sentence ends at Chinese or Western terminal punctuation (and any closing quotes after it),
# or at a line break.
_SENTENCE_END = re.compile(r"([。！？!?]+[」』”’）)]*|(?<=[a-z0-9\)\]%])\.(?=\s)|\n+)")
_CLAUSE_END = re.compile(r"([。！？!?；;]+[」』”’）)]*|(?<=[a-z0-9\)\]%])\.(?=\s)|\n+)")
_TOKEN_KEEP = re.compile(r"[\w\u4e00-\u9fff]")
_DIGITS = re.compile(r"\d")

_STOPWORDS_TEXT = """
的 了 和 与 及 或 是 在 有 没有 有没有 吗 呢 吧 啊 么 什么 哪些 哪个 哪 怎么 怎样 如何 为什么 多少 几 请问 一下
这个 那个 这些 那些 一个 我们 你们 他们 它 其 之 也 都 就 还 被 把 对 从 到 为 以 而 并 上 中 下 个 等 能 可以 会
案例 项目 讲 介绍 效果 怎么样 用 做过 做
the a an of to in on for and or is are was were be do does did any have has with about what which who
how when where why there our we you i me it this that as by at from case cases project projects
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def split_sentences(text: str, clauses: bool = False) -> list[str]:
    """Split into sentences, keeping the terminal punctuation with its sentence.

    With ``clauses`` semicolons end a piece too (finer units for packing chunks)."""
    parts = (_CLAUSE_END if clauses else _SENTENCE_END).split(text)
    sentences: list[str] = []
    current = ""
    # re.split with one capturing group alternates text, separator, text, ...
    for index, part in enumerate(parts):
        if not part:
            continue
        if index % 2 == 1:
            current += part.strip("\n")
            if current.strip():
                sentences.append(current.strip())
            current = ""
        else:
            current += part
    if current.strip():
        sentences.append(current.strip())
    return sentences


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter domain terms (product names, industries) so they stay whole."""
    jieba_dict.install()
    for word in words:
        word = word.strip()
        if len(word) >= 2 and not word.isascii():
            jieba.add_word(word, freq=20000)


@lru_cache(maxsize=4096)
def _cached_tokens(text: str) -> tuple[str, ...]:
    return tuple(_tokenize(text))


def _tokenize(text: str) -> list[str]:
    jieba_dict.install()
    tokens = []
    for token in jieba.lcut_for_search(text.lower()):
        token = token.strip()
        if not token or not _TOKEN_KEEP.search(token) or token in STOPWORDS:
            continue
        tokens.append(token)
    return tokens


def tokenize(text: str) -> list[str]:
    """Search tokens: jieba's fine-grained segmentation, lower-cased, without punctuation or stopwords."""
    if len(text) <= 200:
        return list(_cached_tokens(text))
    return _tokenize(text)


def char_len(text: str) -> int:
    """Length as channels count it: every character (汉字, full-width punctuation, letter) is one."""
    return len(text)


def has_digit(text: str) -> bool:
    return bool(_DIGITS.search(text))


def bigrams(text: str) -> set[str]:
    """Character bigrams of the Han/alphanumeric characters, for cheap overlap scoring."""
    chars = _TOKEN_KEEP.findall(text.lower())  # the kept characters, found in one regex pass
    return {a + b for a, b in itertools.pairwise(chars)}


_CLIP_BOUNDARY = re.compile(r"[。！？!?；;]|[，,、：:](?!\d)|(?<!\d)[，,]")
# A figure with its unit: 1,150 万元, 96.5%, 3 分钟. A cut never falls inside one.
_FIGURE = re.compile(r"\d[\d.,，]*\d?\s*(?:%|％|万元|亿元|万|亿|千|百|元|倍|个|人|次|分钟|小时|天|秒|年)?")


def clip(text: str, limit: int) -> str:
    """Shorten to at most ``limit`` characters at a sentence or clause end, never inside a number
    (「约 1,150 万元」 stays whole or goes whole); an ellipsis marks the cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    window = text[: limit - 1]
    # Boundaries are judged on the whole text: a comma at the window's edge may sit inside 1,150.
    ends = [m.end() for m in _CLIP_BOUNDARY.finditer(text) if m.end() <= len(window)]
    if ends and ends[-1] >= limit // 3:
        return window[: ends[-1]].rstrip("，,、：: ") + "…"
    cut = len(window)
    for figure in _FIGURE.finditer(text):
        if figure.start() < cut < figure.end():
            cut = figure.start()
            break
    return text[:cut].rstrip() + "…"
