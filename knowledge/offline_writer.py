"""Extractive answers with no language model: the most relevant sentences, each marked [n].

The sentence that holds what is asked for (a number for 「多少」, a year for 「哪一年」) comes first.
At most three sentences and 300 characters, so an answer stays short and checkable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.retrieve import DocumentHit
from knowledge.text import bigrams, has_digit, split_sentences, tokenize

MAX_SENTENCES = 3
MAX_CHARS = 300

_QUESTION_WORDS = re.compile(
    r"什么|哪些|哪个|哪里|哪儿|哪家|哪位|哪|多少|几|谁|怎么|怎样|如何|为什么|是否|有没有|吗|呢|请问|"
    r"\b(what|which|who|whom|where|when|how|why|many|much|is|are|was|were|do|does|did|the|a|an|of)\b",
    re.IGNORECASE,
)
_NUMERIC_ASK = re.compile(
    r"多少|几|百分|比例|比率|数量|金额|时长|多久|多长|哪一年|哪年|何时|什么时候|年份|日期|"
    r"how many|how much|percent|rate|when|what year|how long",
    re.IGNORECASE,
)
_LIST_ASK = re.compile(r"有没有|有哪些|哪些|列出|案例|any |which cases|list|examples?|cases\b", re.IGNORECASE)


@dataclass(frozen=True)
class Quote:
    doc_index: int  # position of the document in the hits list
    sentence: str
    score: float


def is_list_question(question: str) -> bool:
    return bool(_LIST_ASK.search(question))


def select_quotes(question: str, hits: list[DocumentHit], max_docs: int = 3) -> list[Quote]:
    """Pick up to three sentences, best first, from the top documents."""
    if not hits:
        return []
    core = _QUESTION_WORDS.sub(" ", question)
    q_bigrams = bigrams(core)
    q_tokens = set(tokenize(core))
    numeric = bool(_NUMERIC_ASK.search(question))
    top_score = hits[0].score or 1.0

    scored: list[Quote] = []
    for doc_index, hit in enumerate(hits[:max_docs]):
        doc_weight = hit.score / top_score if top_score > 0 else 0.0
        for chunk in hit.chunks:
            for sentence in split_sentences(chunk.text):
                if len(sentence) < 4:
                    continue
                s_bigrams = bigrams(sentence)
                overlap = len(q_bigrams & s_bigrams) / len(q_bigrams) if q_bigrams else 0.0
                s_tokens = set(tokenize(sentence))
                token_overlap = len(q_tokens & s_tokens) / len(q_tokens) if q_tokens else 0.0
                score = 0.55 * overlap + 0.45 * token_overlap + 0.35 * doc_weight
                if numeric and has_digit(sentence):
                    score += 0.15
                if len(sentence) > 160:
                    score -= 0.05
                scored.append(Quote(doc_index, sentence, score))
    scored.sort(key=lambda q: q.score, reverse=True)

    if is_list_question(question) and len(hits) > 1:
        return _one_per_document(scored)
    return _best_overall(scored)


def _unique(quotes: list[Quote]) -> list[Quote]:
    seen, out = set(), []
    for quote in quotes:
        if quote.sentence not in seen:
            seen.add(quote.sentence)
            out.append(quote)
    return out


def _best_overall(scored: list[Quote]) -> list[Quote]:
    picks: list[Quote] = []
    used = 0
    for quote in _unique(scored):
        if len(picks) == MAX_SENTENCES:
            break
        if picks and quote.score < picks[0].score * 0.5:
            break
        if used + len(quote.sentence) > MAX_CHARS:
            if not picks:
                picks.append(Quote(quote.doc_index, quote.sentence[: MAX_CHARS - 1] + "…", quote.score))
            continue
        picks.append(quote)
        used += len(quote.sentence)
    return picks


def _one_per_document(scored: list[Quote]) -> list[Quote]:
    picks: list[Quote] = []
    used = 0
    for quote in _unique(scored):
        if any(p.doc_index == quote.doc_index for p in picks):
            continue
        if used + len(quote.sentence) > MAX_CHARS:
            continue
        picks.append(quote)
        used += len(quote.sentence)
        if len(picks) == MAX_SENTENCES:
            break
    return picks
