"""Answer a question from the library: retrieve, decide whether anything is relevant, then write.

- A question asking for a list over what the metadata says (「2023年金融行业有哪些案例」, an explicit
  ``--filter``) is answered from the metadata: every matching document, ordered, each with a quote.
- Otherwise the relevance decision (knowledge/library/relevance.py) says confident, closest or decline, and
  only the documents that pass it are cited.
- The language model (when configured) writes from delimited sources and its answer is checked
  (knowledge/library/grounding.py); if it fails, times out or nothing checkable is left, the offline
  extractive answer is given instead and says so. A refusal from the model is an honest decline.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from knowledge.library.facts import asked_facts, facts_line, metadata_text
from knowledge.library.filters import Filters, filter_mentions
from knowledge.library.glossary import expand_query, translations
from knowledge.library.grounding import check_answer, delimit_question, is_refusal, render_sources
from knowledge.library.kinds import kinds_named, mentions_kind
from knowledge.library.offline_writer import is_list_question, results_quote, select_quotes, wanted_section
from knowledge.library.relevance import CLOSEST, CONFIDENT, Outcome, judge
from knowledge.library.retrieve import ChunkHit, DocumentHit, DocumentInfo, Retriever
from knowledge.library.sections import asks_for_note
from knowledge.llm import ChatModel, ChatModelError
from knowledge.text import clip, tokenize
from prompts import load_prompt

log = logging.getLogger(__name__)

# Terminal renderers show 80 characters of a snippet; a clipped snippet fits whole, never cut mid-number.
SNIPPET_CHARS = 80
# How many nearest documents a "closest is …" reply shows.
CLOSEST_SHOWN = 2
_OLDEST_FIRST = re.compile(r"最早|从早到晚|由远及近|按时间顺序|oldest|earliest|chronological", re.IGNORECASE)
_LIST_FILTER_KEYS = ("industry", "year", "products", "tags", "customer")
# Asks whether the library holds something (「2025年水务行业有新案例吗」「学校用过视觉质检吗」): when what it
# names never meets in one document, that is a near miss, as for a list question.
_HAN = re.compile(r"[\u4e00-\u9fff]")
_POINTING = re.compile(r"这种|这类|这样的|那种|那类|类似的?|此类|同类")
_ASKS_EXISTENCE = re.compile(
    r"有(?!什么)[^，,。？?！!]{0,10}(?:吗|(?<!什)么)|做过|用过|\b(do|did|have) we\b|\b(is|are) there\b", re.IGNORECASE
)
# Words that ask for a list rather than say what it is about: with only these (and the words naming
# the filters) left, the list is answered from the metadata; any other word narrows it by relevance.
_LIST_WORDS = frozenset(
    (
        "列出",
        "列出来",
        "顺序",
        "时间顺序",
        "从早到晚",
        "从新到旧",
        "倒序",
        "先后",
        "例子",
        "实例",
        "出来",
        "分别",
        "是什么",
        "什么",
        "落地",
        "交付",
        "上线",
        "实施",
        "服务过",
        "做过",
        "介绍",
        "讲讲",
        "简单",
        "简单讲讲",
        "大概",
        "干什么",
        "做什么",
        "那个",
        "那些",
        "项目",
        "案例",
        "哪几个",
        "几",
        "口",
        "列",
        "列一下",
        "列举",
        "一下",
        "所有",
        "全部",
        "一共",
        "总共",
        "共",
        "几个",
        "多少",
        "多少个",
        "个",
        "都",
        "哪些",
        "哪个",
        "有没有",
        "有",
        "附全",
        "附上",
        "投标",
        "招投标",
        "看看",
        "给",
        "我",
        "我们",
        "咱们",
        "公司",
        "合作",
        "合作过",
        "跟",
        "和",
        "为",
        "帮",
        "相关",
        "方面",
        "行业",
        "领域",
        "客户",
        "年",
        "年份",
        "用到",
        "用过",
        "用了",
        "到",
        "吗",
        "呢",
        "过",
        "按",
        "排序",
        "最新",
        "最早",
        "最近",
        "新案例",
        "新项目",
        "有什么",
        "时间",
        "类",
        "类型",
        "种",
        "家",
        "里",
        "中",
        "要",
        "list",
        "using",
        "use",
        "used",
        "uses",
        "done",
        "all",
        "any",
        "every",
        "show",
        "me",
        "give",
        "many",
        "examples",
        "example",
        "industry",
        "sector",
        "customers",
        "clients",
        "companies",
        "related",
        "ones",
        "cases",
        "projects",
        "references",
        "year",
        "years",
        "sorted",
        "newest",
        "oldest",
    )
)


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    type: str
    source: str
    snippet: str
    score: float


@dataclass(frozen=True)
class ListEntry:
    source: Source
    year: int | None
    industry: str | None
    quote: str  # "" for an entry past the quoted page


@dataclass
class Listing:
    """A complete list answered from the metadata; ``entries`` in the order shown."""

    filters: Filters
    entries: list[ListEntry]
    newest_first: bool = True

    @property
    def total(self) -> int:
        return len(self.entries)

    @property
    def dated(self) -> bool:
        """Whether any entry has a year, so that the order by year means something."""
        return any(e.year for e in self.entries)


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
    # "confident", "closest" (nearest documents shown, not confident) or "decline".
    outcome: str = "decline"
    probability: float = 0.0
    listing: Listing | None = None
    # Filters the question implies that no document meets together (a near miss), if any.
    conflict: Filters = field(default_factory=Filters)
    # The model's sentences dropped because a number or a marker could not be checked.
    dropped_sentences: int = 0
    # The model said the sources do not answer the question.
    model_refused: bool = False


class Answerer:
    def __init__(
        self,
        retriever: Retriever,
        chat_model: ChatModel | None,
        min_relevance: float = CONFIDENT,
        closest_relevance: float = CLOSEST,
        max_tokens: int = 600,
    ) -> None:
        self.retriever = retriever
        self.chat_model = chat_model
        self.min_relevance = min_relevance
        self.closest_relevance = closest_relevance
        self.max_tokens = max_tokens
        # The relevance model's weights; None: the shipped ones (calibration swaps in held-out fits).
        self.weights: dict[str, float] | None = None

    def answer(
        self,
        question: str,
        k: int = 3,
        filters: Filters | None = None,
        lang: str = "zh",
        exclude: frozenset[str] = frozenset(),
        within: frozenset[str] = frozenset(),
        history: Sequence[tuple[str, str]] = (),
        quoted: slice | None = None,
    ) -> Answer:
        """``within``: only these documents are searched (a follow-up about the thread's documents), and
        the question is judged as scoped; ``exclude``: these are left out (those already shown);
        ``history``: the thread's earlier turns (role, text), shown to the model as data; ``quoted``:
        the entries of a list answer that get a results quote (None: all; chat quotes the page it shows)."""
        if within:
            exclude = exclude | {d.id for d in self.retriever.documents_matching(Filters()) if d.id not in within}
        result = self.retriever.search(question, k=k, filters=filters, exclude=exclude)
        hits = result.hits
        base = Answer(
            question,
            "",
            False,
            "offline",
            inferred=result.inferred,
            explicit_matched_nothing=result.explicit_matched_nothing,
            ranked_ids=[h.id for h in hits],
            conflict=result.inferred_conflict
            if is_list_question(question) or _ASKS_EXISTENCE.search(question)
            else Filters(),
        )
        if result.explicit_matched_nothing:
            return base
        if base.conflict:
            # 「2020年有没有教育行业的数字人案例？」: each part exists, all together do not (also when one part
            # was given as a filter: a list of the rest would drop what the question named).
            return self._closest(base, hits)
        scope = Filters({**result.explicit.values, **result.inferred.values})
        listing = is_list_question(question)
        if listing and set(scope.values) == {"type"} and not self._topic_words(question):
            # 「有哪些案例？」: every case, as the metadata says (a list names all, never three).
            return self._list_answer(base, question, scope, hits, exclude, quoted)
        if listing and any(key in scope.values for key in _LIST_FILTER_KEYS):
            topic = self._topic_words(question)
            if not topic:
                return self._list_answer(base, question, scope, hits, exclude, quoted)
            if self._topic_outside(topic, scope, exclude):
                return self._closest(base, hits)
            # 「有没有金融行业用智能客服降本的案例」: within the scope, the relevant ones.
            hits = hits[: result.preferred] or hits
            k = max(k, 10)
        if (
            not listing
            and not within
            and _ASKS_EXISTENCE.search(question)
            and any(key in scope.values for key in _LIST_FILTER_KEYS)
        ):
            topic = self._topic_words(question)
            # Words the library never uses are no sign here: a question in everyday words (「做牛奶那种
            # 食品厂…能随时张嘴问的，咱们做过吗？」) is full of them.
            if topic and self._topic_outside(topic, scope, exclude, unknown_counts=False):
                # 「2021年咱们做过虚拟主播的项目吗？」: what it asks about is not in that year's documents.
                return self._closest(base, hits)
        if not hits:
            return base
        scoped = bool(result.explicit) or bool(within)
        pool = hits[: result.preferred] if result.preferred else hits
        if (
            0 < result.preferred <= k
            and any(key in scope.values for key in _LIST_FILTER_KEYS)
            and not (self._topic_words(question))
        ):
            # 「能源行业2025年做的那个项目是干什么的？」: the question names nothing but metadata, and the
            # metadata picks the documents; the words around it carry no evidence either way.
            base.confident, base.outcome, base.probability = True, "confident", 1.0
            cited = pool
        else:
            verdict = judge(
                hits[0], lang, scoped, self.weights, confident=self.min_relevance, closest=self.closest_relevance
            )
            base.probability = round(verdict.probability, 3)
            if verdict.outcome is Outcome.DECLINE:
                return base
            # A follow-up about the thread's own documents (「用大白话再讲一遍」) names the document
            # already; weak evidence is then enough to quote it (no evidence still declines).
            if verdict.outcome is Outcome.CLOSEST and not (within and hits[0].id in within):
                return self._closest(base, hits)
            kinds = [] if within or asks_for_note(question) else kinds_named(question)
            if len(kinds) > 1:
                kinds = []  # 「工地那种做法，能源化工行业有没有类似的？」: which one is the customer is unclear
            if kinds and not mentions_kind(_document_text(hits[0]), kinds):
                # 「连锁酒店用机器接订房电话的，有案例吗？」 answered with a convenience store's phone
                # assistant: everything matches but the kind of customer asked about.
                return self._closest(base, hits)
            base.confident, base.outcome = True, "confident"
            # Documents matching what the question names (「2021年零售」) are the only ones cited beside it.
            cited = [hits[0]] + [
                h
                for h in pool[1:k]
                if judge(h, lang, scoped, self.weights, self.min_relevance).outcome is Outcome.CONFIDENT
                and (not kinds or mentions_kind(_document_text(h), kinds))
            ]
        if self.chat_model is not None:
            try:
                return self._llm_answer(base, question, cited, lang, history)
            except ChatModelError as exc:
                log.warning("chat model unavailable, answering offline: %s", exc)
                base.fell_back = True
        base.text, base.citations = offline_answer(question, cited, lang)
        return base

    def _topic_words(self, question: str) -> list[str]:
        """The question's words besides list words and the words naming its filters."""
        mentions = filter_mentions(expand_query(question), self.retriever.vocabulary)
        # An English phrase whose translation named a filter (digital human → 数字人) is a mention too.
        mentions += [p for p, terms in translations(question) if any(m in terms.split() for m in mentions)]
        # 「有这种项目么」 points at something said before: it asks for that, not for every case.
        pointing = _POINTING.findall(question)
        rest = _POINTING.sub(" ", question.lower())
        for word in sorted([*mentions, *_LIST_WORDS], key=len, reverse=True):
            rest = rest.replace(word, " ")
        words = [t for t in tokenize(rest) if len(t) >= 2 and t not in _LIST_WORDS and not t.isdigit()]
        return pointing + words

    def _topic_outside(
        self, topic: list[str], scope: Filters, exclude: frozenset[str], unknown_counts: bool = True
    ) -> bool:
        """Whether what a question is about, beyond its filters, is missing from the documents the
        filters pick: half its words are nowhere in the library (「有没有宠物医院用智能客服的例子」; with
        ``unknown_counts``), or the library says two or more of them but not one in those documents
        (「有没有保险公司用机器打电话提醒客户续保的案例？」; one leftover word is too little to say)."""
        unknown = [t for t in topic if not t.isascii() and not self.retriever.term_known(t)]
        if unknown_counts and len(unknown) * 2 >= len(topic):
            return True
        known = [t for t in topic if not t.isascii() and t not in unknown]
        in_scope = {d.id for d in self.retriever.documents_matching(scope)} - exclude
        return len(known) >= 2 and not any(self.retriever.term_in(t, in_scope) for t in known)

    def is_relevant(self, hit: DocumentHit, lang: str, scoped: bool = False) -> bool:
        """Whether a single retrieved document is confidently relevant (drafting uses it for grounding)."""
        return judge(hit, lang, scoped, confident=self.min_relevance).outcome is Outcome.CONFIDENT

    # -- outcomes --------------------------------------------------------------------------------

    def _closest(self, base: Answer, hits: list[DocumentHit]) -> Answer:
        base.outcome = "closest"
        base.citations = [_source(h, _lead_sentence(h)) for h in hits[:CLOSEST_SHOWN]]
        return base

    def _list_answer(
        self,
        base: Answer,
        question: str,
        scope: Filters,
        hits: list[DocumentHit],
        exclude: frozenset[str],
        quoted: slice | None = None,
    ) -> Answer:
        docs = [d for d in self.retriever.documents_matching(scope) if d.id not in exclude]
        if not docs:
            return base
        rank = {h.id: i for i, h in enumerate(hits)}
        newest_first = not _OLDEST_FIRST.search(question)
        if self._topic_words(question):  # within a year: the most relevant first
            docs.sort(key=lambda d: rank.get(d.id, len(rank)))
        # Otherwise (「有哪些笔记？」) nothing is more relevant than another: library order, the same every time.
        docs.sort(key=lambda d: (_year(d) == 0, -_year(d) if newest_first else _year(d)))
        # Choosing a quote reads every sentence of a case; a list of hundreds quotes only what is shown.
        shown = docs if quoted is None else docs[quoted]
        chunks = self.retriever.chunks_of([d.id for d in shown])
        entries = []
        for doc in docs:
            quote = results_quote(question, chunks[doc.id]) if doc.id in chunks else ""
            score = next((h.score for h in hits if h.id == doc.id), 0.0)
            entries.append(
                ListEntry(
                    _doc_source(doc, quote, score),
                    doc.meta.get("year") if isinstance(doc.meta.get("year"), int) else None,
                    doc.meta.get("industry") if isinstance(doc.meta.get("industry"), str) else None,
                    quote,
                )
            )
        base.listing = Listing(scope, entries, newest_first)
        base.citations = [e.source for e in entries]
        base.confident, base.outcome, base.probability = True, "confident", 1.0
        base.text = "\n".join(
            f"{n}. 《{e.source.title}》{_year_label(e.year)}{'：' + e.quote if e.quote else ''}[{n}]"
            for n, e in enumerate(entries, start=1)
        )
        return base

    def _llm_answer(
        self, base: Answer, question: str, hits: list[DocumentHit], lang: str, history: Sequence[tuple[str, str]] = ()
    ) -> Answer:
        assert self.chat_model is not None
        excerpts = ["\n".join(c.text for c in _ordered_chunks(h, question)[:3]) for h in hits]
        # Numbers may also come from the document's metadata (its year), which the source block shows.
        checkable = [f"{h.title} {h.meta.get('year', '')}\n{text}" for h, text in zip(hits, excerpts, strict=True)]
        system, user = load_prompt("answer").render(
            question=delimit_question(question),
            sources=render_sources([(h.title, h.id, text) for h, text in zip(hits, checkable, strict=True)]),
            language="简体中文" if lang == "zh" else "English",
            history=render_history(history),
        )
        reply = self.chat_model.complete(system, user, max_tokens=self.max_tokens)
        if is_refusal(reply):
            base.confident, base.outcome, base.mode, base.model_refused = False, "decline", "llm", True
            return base
        checked = check_answer(reply, checkable)
        if not checked.used:
            raise ChatModelError(f"nothing checkable in the answer ({checked.dropped} sentences dropped)")
        renumber = {old: new for new, old in enumerate(checked.used, start=1)}
        base.text = checked.renumbered(renumber)
        base.citations = [_source(hits[n - 1], _best_snippet(excerpts[n - 1], checked.text)) for n in checked.used]
        base.mode, base.dropped_sentences = "llm", checked.dropped
        return base


# The thread's turns in the answer prompt: the newest that fit, each cut short (history helps read the
# question; the sources, not the history, carry the facts).
HISTORY_TURN_CHARS = 300
HISTORY_CHARS = 1500
_TAG_OPEN = re.compile(r"<\s*/?\s*(turn|history|question|sources?)\b", re.IGNORECASE)


def render_history(history: Sequence[tuple[str, str]]) -> str:
    """Earlier turns as <turn role="…"> blocks, newest kept within the bound; no turn can close its block
    or open another (a ``<`` starting any of the prompt's tags becomes ``＜``)."""
    blocks: list[str] = []
    used = 0
    for role, text in reversed(history):
        body = _TAG_OPEN.sub(lambda m: "＜" + m.group(0)[1:], clip(text.strip(), HISTORY_TURN_CHARS))
        block = f'<turn role="{"user" if role == "user" else "assistant"}">\n{body}\n</turn>'
        if used + len(block) > HISTORY_CHARS:
            break
        blocks.append(block)
        used += len(block) + 1  # and its line break
    return "\n".join(reversed(blocks)) if blocks else "（无 / none）"


def offline_answer(question: str, hits: list[DocumentHit], lang: str = "zh") -> tuple[str, list[Source]]:
    """``lang``: the reply's language (a follow-up rewritten around a Chinese title is still English)."""
    quotes = select_quotes(question, hits, max_docs=len(hits))
    if not quotes:
        return "", []
    order: list[int] = []
    for quote in quotes:
        if quote.doc_index not in order:
            order.append(quote.doc_index)
    number = {doc_index: n for n, doc_index in enumerate(order, start=1)}
    listing = is_list_question(question) and len(order) > 1
    lines = []
    facts = [] if listing else asked_facts(question, hits[order[0]].meta)
    if facts:
        # 「这个项目是哪一年做的？」: the front matter answers it; the sentences follow as the context.
        english = lang == "en"
        lines.append(f"{facts_line(hits[order[0]].title, facts, english)}[1]\n")
    for quote in quotes:
        hit = hits[quote.doc_index]
        prefix = f"《{hit.title}》：" if listing else ""
        lines.append(f"{prefix}{quote.sentence}[{number[quote.doc_index]}]")
    citations = [_source(hits[i], next(q.sentence for q in quotes if q.doc_index == i)) for i in order]
    return ("\n".join(lines) if listing else "".join(lines)), citations


def _ordered_chunks(hit: DocumentHit, question: str) -> list[ChunkHit]:
    """The hit's chunks, the section the question asks for (plain words / principle) first."""
    section = wanted_section(question)
    if not section:
        return hit.chunks
    return sorted(hit.chunks, key=lambda c: 0 if section(c.section) else 1)


def _document_text(hit: DocumentHit) -> str:
    """All a document says: its title, front matter and every chunk the search returned."""
    return " ".join([hit.title, metadata_text(hit.meta), *(c.text for c in hit.chunks)])


def _lead_sentence(hit: DocumentHit) -> str:
    return hit.chunks[0].text if hit.chunks else hit.title


def _best_snippet(excerpt: str, answer: str) -> str:
    """The excerpt's sentence sharing most characters with the answer (what the citation supports)."""
    from knowledge.text import split_sentences

    sentences = split_sentences(excerpt) or [excerpt]
    chars = set(answer)
    return max(sentences, key=lambda s: len(set(s) & chars))


def _year(doc: DocumentInfo) -> int:
    year = doc.meta.get("year")
    return year if isinstance(year, int) else 0


def _year_label(year: int | None) -> str:
    return f"（{year}）" if year else ""


def _source(hit: DocumentHit, snippet: str) -> Source:
    return Source(hit.id, hit.title, hit.type, hit.source, clip(snippet, SNIPPET_CHARS), round(hit.score, 4))


def _doc_source(doc: DocumentInfo, snippet: str, score: float) -> Source:
    return Source(doc.id, doc.title, doc.type, doc.source, clip(snippet, SNIPPET_CHARS), round(score, 4))
