"""Answer a question from the library: retrieve, decide whether anything is relevant, then write.

The language model (when configured) writes from numbered sources; if it fails, times out or cites
nothing valid, the offline extractive answer is given instead and says so.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from knowledge.filters import Filters
from knowledge.llm import ChatModel, ChatModelError
from knowledge.offline_writer import is_list_question, select_quotes
from knowledge.retrieve import DocumentHit, Retriever
from prompts import load_prompt

log = logging.getLogger(__name__)

_MARKER = re.compile(r"\[(\d{1,2})\]")

# Cross-lingual similarity (an English question, Chinese documents) runs 0.10-0.15 lower with e5;
# measured on bench/demo_questions.yaml (see `prbot bench calibrate`). English questions then rest
# mostly on MIN_COVERAGE: unanswerable ones share no search term with their nearest document.
CROSS_LINGUAL_OFFSET = 0.13
# Coverage is the share of the question's BM25 idf weight found in the top document (rare terms
# decide). Unanswerable questions with a plausible-looking nearest neighbour miss their rare terms.
MIN_COVERAGE = 0.1
# A somewhat weaker similarity still counts when most of the question's rare terms are there
# (long encyclopaedic documents embed further from a short question than a case does).
LEXICAL_RELIEF = 0.035
STRONG_COVERAGE = 0.65
# With explicit filters the user has already scoped the search, so a slightly weaker match counts.
FILTERED_SLACK = 0.03


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    type: str
    source: str
    snippet: str
    score: float


@dataclass
class Answer:
    question: str
    text: str
    confident: bool
    mode: str
    citations: list[Source] = field(default_factory=list)
    fell_back: bool = False
    inferred: Filters = field(default_factory=Filters)
    explicit_matched_nothing: bool = False
    # Every retrieved document id, best first (for benchmarks and debugging).
    ranked_ids: list[str] = field(default_factory=list)


class Answerer:
    def __init__(self, retriever: Retriever, chat_model: ChatModel | None, min_relevance: float) -> None:
        self.retriever = retriever
        self.chat_model = chat_model
        self.min_relevance = min_relevance

    def answer(self, question: str, k: int = 3, filters: Filters | None = None, lang: str = "zh") -> Answer:
        result = self.retriever.search(question, k=k, filters=filters)
        hits = result.hits
        ranked = [h.id for h in hits]
        confident = bool(hits) and self.is_relevant(hits[0], lang, scoped=bool(result.explicit))
        if is_list_question(question) and result.preferred:
            # "Which 2023 manufacturing cases…": list only the documents that match what was named.
            hits = hits[: result.preferred]
        base = Answer(
            question,
            "",
            confident,
            "offline",
            inferred=result.inferred,
            explicit_matched_nothing=result.explicit_matched_nothing,
            ranked_ids=ranked,
        )
        if not confident:
            return base
        if self.chat_model is not None:
            try:
                text, cited = self._llm_answer(question, hits[:k], lang)
                base.text, base.citations, base.mode = text, cited, "llm"
                return base
            except ChatModelError as exc:
                log.warning("chat model unavailable, answering offline: %s", exc)
                base.fell_back = True
        base.text, base.citations = offline_answer(question, hits[:k])
        return base

    def is_relevant(self, hit: DocumentHit, lang: str, scoped: bool = False) -> bool:
        """Cite or decline, calibrated on bench/demo_questions.yaml and the CMRC trial set."""
        similarity = hit.dense + (CROSS_LINGUAL_OFFSET if lang == "en" else 0.0) + (FILTERED_SLACK if scoped else 0.0)
        if similarity >= self.min_relevance and hit.coverage >= MIN_COVERAGE:
            return True
        return similarity >= self.min_relevance - LEXICAL_RELIEF and hit.coverage >= STRONG_COVERAGE

    def _llm_answer(self, question: str, hits: list[DocumentHit], lang: str) -> tuple[str, list[Source]]:
        assert self.chat_model is not None
        blocks = []
        for number, hit in enumerate(hits, start=1):
            excerpt = "\n".join(c.text for c in hit.chunks[:3])
            blocks.append(f"[{number}] 《{hit.title}》（id: {hit.id}）\n{excerpt}")
        system, user = load_prompt("answer").render(
            question=question, sources="\n\n".join(blocks), language="简体中文" if lang == "zh" else "English"
        )
        text = self.chat_model.complete(system, user)
        used = [int(n) for n in _MARKER.findall(text)]
        valid = sorted({n for n in used if 1 <= n <= len(hits)}, key=used.index)
        if not valid:
            raise ChatModelError("the answer cites no source")
        renumber = {old: new for new, old in enumerate(valid, start=1)}
        text = _MARKER.sub(lambda m: f"[{renumber[int(m.group(1))]}]" if int(m.group(1)) in renumber else "", text)
        return text, [_source(hits[n - 1], hits[n - 1].chunks[0].text) for n in valid]


def offline_answer(question: str, hits: list[DocumentHit]) -> tuple[str, list[Source]]:
    quotes = select_quotes(question, hits)
    if not quotes:
        return "", []
    order: list[int] = []
    for quote in quotes:
        if quote.doc_index not in order:
            order.append(quote.doc_index)
    number = {doc_index: n for n, doc_index in enumerate(order, start=1)}
    listing = is_list_question(question) and len(order) > 1
    lines = []
    for quote in quotes:
        hit = hits[quote.doc_index]
        prefix = f"《{hit.title}》：" if listing else ""
        lines.append(f"{prefix}{quote.sentence}[{number[quote.doc_index]}]")
    citations = [_source(hits[i], next(q.sentence for q in quotes if q.doc_index == i)) for i in order]
    return ("\n".join(lines) if listing else "".join(lines)), citations


def _source(hit: DocumentHit, snippet: str) -> Source:
    return Source(hit.id, hit.title, hit.type, hit.source, snippet[:200], round(hit.score, 4))
