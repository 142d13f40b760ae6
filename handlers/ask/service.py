"""Answer questions from the library with citations (offline writer or language model)."""

from __future__ import annotations

import re
from typing import Any

from bot import messages as msg
from bot.core import Citation, Reply, ThreadContext, UserError
from bot.settings import RetrievalSettings
from knowledge.library.answer import Answer, Answerer, Listing, Source
from knowledge.library.filters import VALID_KEYS, FilterError, Filters, industry_in_english, parse_filters

_HAN = re.compile(r"[\u4e00-\u9fff]")


class AskService:
    def __init__(self, answerer: Answerer, settings: RetrievalSettings) -> None:
        self.answerer = answerer
        self.settings = settings

    def ask(
        self,
        question: str,
        k: int | None = None,
        filter_pairs: list[str] | None = None,
        page_size: int | None = None,
        thread: ThreadContext | None = None,
    ) -> Reply:
        """The one path every interface uses: validate, answer, and shape the reply.

        ``k`` caps the documents a non-list answer cites; a list answer names every match, and
        ``page_size`` (chat) shows only its first entries with how many remain."""
        # The question is free text: every word counts (a command word would not be part of it).
        lang = thread.lang if thread is not None and thread.lang else msg.detect_language(question, command=False)
        question = question.strip()
        if not question:
            raise UserError(msg.t("empty_question", lang))
        notices = []
        limit = self.settings.max_question_chars
        if len(question) > limit:
            question = question[:limit]
            notices.append(msg.t("question_truncated", lang, limit=limit))
        filters = to_filters(filter_pairs or [], lang)
        k = max(1, min(k or self.settings.k, 10))
        scope = thread or ThreadContext()
        page = slice(scope.offset, scope.offset + page_size) if page_size else None
        answer = self.answerer.answer(
            question,
            k,
            filters,
            lang,
            exclude=scope.exclude,
            within=scope.within,
            history=scope.history,
            quoted=page,
        )
        return to_reply(answer, lang, notices, page)


def to_filters(pairs: list[str], lang: str) -> Filters:
    try:
        return parse_filters(pairs)
    except FilterError as exc:
        if exc.key is not None:
            raise UserError(msg.t("unknown_filter", lang, key=exc.key, valid=", ".join(VALID_KEYS))) from None
        raise UserError(msg.t("bad_filter", lang, text=exc.text)) from None


def to_reply(answer: Answer, lang: str, notices: list[str], page: slice | None = None) -> Reply:
    """``page``: the list entries shown (chat's page; None: all of them)."""
    parts = list(notices)
    citations = list(answer.citations)
    data: dict[str, Any] = {}
    if answer.explicit_matched_nothing:
        parts.append(msg.t("not_found", lang))
    elif answer.listing is not None:
        page = page or slice(0, answer.listing.total)
        shown = answer.listing.entries[page]
        citations = [e.source for e in shown]
        parts.append(list_text(answer.listing, page.start or 0, len(shown), lang))
        data["list"] = {
            "ids": [e.source.id for e in answer.listing.entries],
            "shown": [e.source.id for e in shown],
            "offset": page.start or 0,
            "total": answer.listing.total,
            "page_size": (page.stop or answer.listing.total) - (page.start or 0),
            "filters": dict(answer.listing.filters.values),
            "newest_first": answer.listing.newest_first,
            "years": [e.year for e in answer.listing.entries],
        }
    elif answer.outcome == "closest":
        lead = (
            msg.t("closest_conflict", lang, filters=describe_scope(answer.conflict, lang))
            if answer.conflict
            else msg.t("closest_intro", lang)
        )
        lines = [f"《{c.title}》：{c.snippet}[{n}]" for n, c in enumerate(citations, start=1)]
        parts.append("\n".join([lead, *lines]))
    elif not answer.confident:
        parts.append(msg.t("model_refused" if answer.model_refused else "not_found", lang))
        citations = []
    else:
        if answer.fell_back:
            parts.append(msg.t("llm_fallback", lang))
        if lang == "en" and answer.mode == "offline" and _HAN.search(answer.text):
            parts.append(msg.t("quoted_from_chinese", lang))
        parts.append(answer.text)
        if answer.dropped_sentences:
            parts.append(msg.t("unchecked_dropped", lang, n=answer.dropped_sentences))
    text = "\n".join(parts)
    reply_citations = [Citation(c.id, c.title, c.type, c.source, c.snippet, c.score) for c in citations]
    data["answer"] = as_json(answer, text, citations)
    return Reply(text=text, citations=reply_citations, data=data, lang=lang)


def list_text(listing: Listing, offset: int, shown: int, lang: str) -> str:
    """「共 10 个…：」 (after 「更多」: 「接上文（第 6–10 项，共 10 项）：」), the entries shown, and
    「还有 N 个，回复"更多"查看。」 when some are not."""
    order = msg.t("order_newest" if listing.newest_first else "order_oldest", lang) if listing.dated else ""
    scope = describe_scope(listing.filters, lang)
    if offset:
        items = f"{offset + 1}–{offset + shown}" if shown > 1 else str(offset + 1)
        if lang == "en":
            items = f"items {items}" if shown > 1 else f"item {items}"
        header = msg.t("list_continued", lang, items=items, n=listing.total)
    elif scope:
        header = msg.t("list_total", lang, total=listing.total, scope=scope, order=order)
    else:  # 「有哪些案例？」: the whole library of one kind
        kind = msg.t(f"kind_{listing.filters.values.get('type', 'any')}", lang)
        header = msg.t("list_total_all", lang, total=listing.total, kind=kind, order=order)
    lines = [header]
    page = listing.entries[offset : offset + shown]
    for n, entry in enumerate(page, start=1):  # numbered as in the whole list; cited as on this page
        year = f"（{entry.year}）" if entry.year and lang == "zh" else f" ({entry.year})" if entry.year else ""
        lines.append(f"{offset + n}. 《{entry.source.title}》{year}：{entry.quote}[{n}]")
    if offset + shown < listing.total:
        lines.append(msg.t("list_more", lang, rest=listing.total - offset - shown))
    if lang == "en" and any(_HAN.search(e.quote) for e in page):
        lines.append(msg.t("quoted_from_chinese", lang))
    return "\n".join(lines)


def describe_scope(filters: Filters, lang: str) -> str:
    """Filters in words: 「2021年·金融行业·产品「织言大模型」」 / "from 2021, in 金融, using 织言大模型"."""
    words = []
    for key, value in filters.values.items():
        if key == "type":
            continue
        name = {
            "year": "scope_year",
            "industry": "scope_industry",
            "products": "scope_product",
            "customer": "scope_customer",
            "tags": "scope_tags",
        }.get(key, "scope_other")
        if key == "industry" and lang == "en" and (english := industry_in_english(str(value))):
            value = f"{value} ({english})"
        words.append(msg.t(name, lang, value=value, key=key))
    return msg.t("scope_joiner", lang).join(words)


def as_json(answer: Answer, text: str, citations: list[Source] | None = None) -> dict[str, Any]:
    """The documented JSON contract of ``prbot ask --json``."""
    shown = answer.citations if citations is None else citations
    result: dict[str, Any] = {
        "question": answer.question,
        "answer": text,
        "confident": answer.confident and not answer.explicit_matched_nothing,
        "mode": answer.mode,
        "citations": [
            {"id": c.id, "title": c.title, "type": c.type, "source": c.source, "snippet": c.snippet, "score": c.score}
            for c in shown
        ],
        "outcome": answer.outcome,
        "relevance": answer.probability,
    }
    if answer.listing is not None:
        result["total"] = answer.listing.total
    return result
