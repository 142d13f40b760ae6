"""Extractive answers with no language model: the most relevant sentences, each marked [n].

The sentence that holds what is asked for (a number for 「多少」, a year for 「哪一年」) comes first.
At most three sentences and 300 characters, so an answer stays short and checkable.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from knowledge.library.glossary import expand_query
from knowledge.library.retrieve import ChunkHit, DocumentHit
from knowledge.library.sections import wanted_section
from knowledge.text import bigrams, clip, has_digit, split_sentences, tokenize

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
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CHAR_STOPS = set("的了是在有和与及或吗呢吧么什哪几多少怎样为谁个这那其之也都就还被把对从到以而并上中下等能会用做")
_LABEL = re.compile(r"^\s*([\u4e00-\u9fff]{2,4})[：:]")
_RESULT_SECTION = re.compile(r"成效|效果|成果|结果|收益|价值|results?|outcomes?|impact", re.IGNORECASE)
# What came of a project, in a body without headings or labels (a spreadsheet row): a change stated.
_RESULT_CUE = re.compile(r"提升|提高|下降|降低|降至|降到|缩短|减少|节省|节约|增长|增加|达到|由.{1,20}[到至]")
# 「第二个的成效呢」「效果怎么样」 "what were the results?": what came of a case, its 成效 section.
_RESULTS_ASK = re.compile(
    r"成效|效果|成果|结果|收益|带来了什么|results?|outcomes?|impact|what came of|how did it (go|turn out)|"
    r"achieve[ds]?|accomplish(ed)?|benefits?",
    re.IGNORECASE,
)
# 「上线用了多久？」「查一条要多久？」 "how long": a sentence that states a span of time (历时 5 个月, 0.6 秒).
_DURATION_ASK = re.compile(
    r"多久|多长时间|多长的时间|几个月|几周|几天|用时|耗时|历时|周期|工期|how long|how many (months|weeks|days)",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"历时|用时|耗时|工期|为期|周期|\d+(\.\d+)?\s*个?\s*(月|周|天|工作日|小时|分钟|秒)|"
    r"[一二两三四五六七八九十半]\s*个?\s*(月|周|小时)|\b\d+\s*(months?|weeks?|days?|hours?|minutes?|seconds?)\b",
    re.IGNORECASE,
)
_DEFINITION_ASK = re.compile(r"什么是|是什么|是指|指的是|定义|what is|what are|what's", re.IGNORECASE)
# 「一共」「几个」 count documents unless what they count is measured in other units (「一共攒了多少份病历」
# 「要几个月」 ask for a figure inside one case).
_COUNTS_OTHER_UNITS = r"(?![^，,。；;？?！!]{0,8}?(份|条|张|次|人|位|元|块|万|亿|吨|度|月|周|天|小时|分钟|秒|倍|%|％))"
_LIST_ASK = re.compile(
    r"哪些|列出|列一下|列举|都列|(一共|总共|几个|多少个)" + _COUNTS_OTHER_UNITS + r"|所有|全部|有什么新?的?(案例|项目)|"
    r"最新的?(案例|项目)|最近.{0,4}(案例|项目)|"
    r"做过(什么|哪)|有没有|有吗|有无|(?:有|做过)[^，,。？?！!]{0,12}(?:案例|项目|例子|案子)[吗么]|"
    r"\b(which|list|all|how many(?! (hours?|minutes?|seconds?|days?|weeks?|months?|years?|people|staff|times|calls|"
    r"records|yuan|dollars|tons?)\b)|any|do we have|are there|is there)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quote:
    doc_index: int  # position of the document in the hits list
    sentence: str
    score: float


def is_list_question(question: str) -> bool:
    """Asks which / how many / whether there are documents of some kind (a list or an existence)."""
    return bool(_LIST_ASK.search(question))


def results_quote(question: str, chunks: list[ChunkHit], limit: int = 90) -> str:
    """One sentence telling a case's results (成效, with a figure), for a list entry."""
    core = _QUESTION_WORDS.sub(" ", question)
    q_terms = bigrams(core)
    best, best_score = "", -1.0
    for chunk in sorted(chunks, key=lambda c: _ordinal(c.chunk_id)):
        in_results = bool(_RESULT_SECTION.search(chunk.section))
        for position, sentence in enumerate(split_sentences(chunk.text)):
            sentence = sentence.lstrip("-*• ").strip()
            if len(sentence) < 6:
                continue
            labelled = _LABEL.match(sentence)  # 「成效：…」 in a table's body, where there are no headings
            results = in_results or bool(labelled and _RESULT_SECTION.search(labelled.group(1)))
            # 背景/方案 tell the problem and the plan, not what came of it.
            score = -0.5 if labelled and not results else 1.0 if results else 0.0
            if not results and not labelled and _RESULT_CUE.search(sentence):
                score += 0.7
            score += 0.6 if has_digit(sentence) else 0.0
            score += 0.3 * len(q_terms & bigrams(sentence)) / (len(q_terms) or 1) - 0.01 * position
            if score > best_score:
                best, best_score = sentence, score
    return clip(best, limit)


def select_quotes(question: str, hits: list[DocumentHit], max_docs: int = 3) -> list[Quote]:
    """Pick up to three sentences, best first, from the top documents.

    Overlap with the question is weighted by how rare each term is among the candidate sentences, so
    the asked-for attribute (「树高」「用途」) outweighs the subject's name, which every sentence repeats.
    """
    if not hits:
        return []
    # English questions meet Chinese sentences through the glossary's translations.
    core = _QUESTION_WORDS.sub(" ", expand_query(question))
    q_terms = bigrams(core) | set(tokenize(core))
    numeric = bool(_NUMERIC_ASK.search(question))
    definition = bool(_DEFINITION_ASK.search(question))
    results = bool(_RESULTS_ASK.search(question))
    duration = bool(_DURATION_ASK.search(question))
    listing = is_list_question(question) and len(hits) > 1
    top_score = hits[0].score or 1.0
    section_wanted = wanted_section(question)

    q_chars = {c for c in core if _HAN.match(c)} - _CHAR_STOPS
    scored: list[Quote] = []
    for doc_index, hit in enumerate(hits[:max_docs]):
        located = [
            (sentence.lstrip("-*• ").strip(), chunk.section)  # a list item is quoted without its bullet
            for chunk in sorted(hit.chunks, key=lambda c: _ordinal(c.chunk_id))
            for sentence in split_sentences(chunk.text)
            if len(sentence) >= 4
        ]
        sentences = [sentence for sentence, _ in located]
        if not sentences:
            continue
        # A note that has the half the question asks for is quoted from that half alone.
        only_wanted = (
            section_wanted is not None and hit.type == "note" and any(section_wanted(sec) for _, sec in located)
        )
        term_sets = [bigrams(s) | set(tokenize(s)) | set(s) for s in sentences]
        # Rarity inside this document: the subject's name is in every sentence, the attribute in one.
        weights = {}
        for term in q_terms | q_chars:
            df = sum(1 for terms in term_sets if term in terms)
            # Squared: the subject's name contributes many overlapping terms (bigrams, words, characters)
            # that must not outweigh the one rare term naming what is asked.
            rarity = math.log((len(sentences) + 1) / (df + 0.5))
            weights[term] = rarity**2 * (0.5 if term in q_chars else 1.0)
        norm = sum(w for w in weights.values() if w > 0) or 1.0
        doc_weight = hit.score / top_score if top_score > 0 else 0.0
        for position, (sentence, terms) in enumerate(zip(sentences, term_sets, strict=True)):
            overlap = sum(w for t, w in weights.items() if w > 0 and t in terms) / norm
            score = overlap + 0.8 * doc_weight
            if numeric and has_digit(sentence):
                score += 0.1
            if definition and position == 0:
                score += 0.15
            if section_wanted is not None and hit.type == "note":
                if only_wanted and not section_wanted(located[position][1]):
                    continue
                # The half of the note the question asks for; the other half only if the note lacks it.
                score += 0.4 if section_wanted(located[position][1]) else -0.4
            if results and hit.type != "note":
                # The section's name is the ask, so no sentence of it shares the question's words.
                score += 0.4 if _RESULT_SECTION.search(located[position][1]) else 0.0
            if duration and _DURATION.search(sentence):
                score += 0.3
            if numeric and _RESULT_SECTION.search(located[position][1]):
                # 「省了多少」「how much did it save」: the figure asked for is among the results (成效).
                score += 0.15
            if listing and _RESULT_SECTION.search(located[position][1]):
                # Listing cases: a case is best told by its results (成效), with their numbers.
                score += 0.25 + (0.1 if has_digit(sentence) else 0.0)
            scored.append(Quote(doc_index, sentence, score))
    scored.sort(key=lambda q: q.score, reverse=True)

    if listing:
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
        if used + len(quote.sentence) > MAX_CHARS:
            if not picks:
                picks.append(Quote(quote.doc_index, clip(quote.sentence, MAX_CHARS), quote.score))
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


def _ordinal(chunk_id: str) -> int:
    """Reading order of a chunk: ids end in ``#<ordinal>``."""
    tail = chunk_id.rpartition("#")[2]
    return int(tail) if tail.isdigit() else 0
