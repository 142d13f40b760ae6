"""Answer questions from the library with citations (offline writer or language model)."""

from __future__ import annotations

from typing import Any

from bot import messages as msg
from bot.core import Citation, Command, Reply, Request, Router, UserError
from bot.settings import RetrievalSettings
from knowledge.answer import Answer, Answerer
from knowledge.filters import VALID_KEYS, FilterError, Filters, parse_filters


def register(router: Router, answerer: Answerer, settings: RetrievalSettings) -> None:
    service = AskService(answerer, settings)
    router.command(
        Command(
            name="ask",
            handler=service.handle,
            summary_zh="提问：从案例库和技术翻译笔记中查找答案，附出处",
            summary_en="ask a question; answered from the case library and notes, with sources",
            usage="ask [--k N] [--filter key=value ...] 问题",
            aliases=("问", "查"),
        )
    )


class AskService:
    def __init__(self, answerer: Answerer, settings: RetrievalSettings) -> None:
        self.answerer = answerer
        self.settings = settings

    def handle(self, request: Request, args: list[str]) -> Reply:
        question, k, filter_pairs = _parse_args(args)
        return self.ask(question, k=k, filter_pairs=filter_pairs)

    def ask(self, question: str, k: int | None = None, filter_pairs: list[str] | None = None) -> Reply:
        """The one path every interface uses: validate, answer, and shape the reply."""
        lang = msg.detect_language(question)
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
        answer = self.answerer.answer(question, k=k, filters=filters, lang=lang)
        return to_reply(answer, lang, notices)


def to_filters(pairs: list[str], lang: str) -> Filters:
    try:
        return parse_filters(pairs)
    except FilterError as exc:
        if exc.key is not None:
            raise UserError(msg.t("unknown_filter", lang, key=exc.key, valid=", ".join(VALID_KEYS))) from None
        raise UserError(msg.t("bad_filter", lang, text=exc.text)) from None


def to_reply(answer: Answer, lang: str, notices: list[str]) -> Reply:
    parts = list(notices)
    if answer.explicit_matched_nothing or not answer.confident:
        parts.append(msg.t("not_found", lang))
    else:
        if answer.fell_back:
            parts.append(msg.t("llm_fallback", lang))
        parts.append(answer.text)
    text = "\n".join(parts)
    citations = [Citation(c.id, c.title, c.type, c.source, c.snippet, c.score) for c in answer.citations]
    reply = Reply(text=text, citations=citations, data={"answer": as_json(answer, text)})
    cases = [c.id for c in citations if c.type == "case"]
    if cases and answer.confident and not answer.explicit_matched_nothing:
        from handlers.kpi.commands import bid_button  # 「用于投标」: the plan counts cases reused in bids

        reply.buttons.append(bid_button(cases, lang))
    return reply


def as_json(answer: Answer, text: str) -> dict[str, Any]:
    """The documented JSON contract of ``prbot ask --json``."""
    return {
        "question": answer.question,
        "answer": text,
        "confident": answer.confident and not answer.explicit_matched_nothing,
        "mode": answer.mode,
        "citations": [
            {"id": c.id, "title": c.title, "type": c.type, "source": c.source, "snippet": c.snippet, "score": c.score}
            for c in answer.citations
        ],
    }


def _parse_args(args: list[str]) -> tuple[str, int | None, list[str]]:
    """Options may come before or after the question: ``--k 3``, ``--filter industry=金融``."""
    words, k, pairs = [], None, []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in ("--k", "-k") and index + 1 < len(args):
            if not args[index + 1].isdigit():
                raise UserError("--k 需要一个数字 / --k takes a number, e.g. --k 3")
            k = int(args[index + 1])
            index += 2
        elif arg in ("--filter", "-f") and index + 1 < len(args):
            pairs.append(args[index + 1])
            index += 2
        else:
            words.append(arg)
            index += 1
    return " ".join(words), k, pairs
