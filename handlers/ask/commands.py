"""``ask``: a question for the case library and the technical notes, answered with citations."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from bot.commands import Args, Context, Flags, Group, Rest, command
from bot.core import Reply

if TYPE_CHECKING:  # the answer path is imported by the app, not by `prbot --help`
    from handlers.ask.service import AskService

ASK = Group(
    "ask",
    "提问：从案例库和技术翻译笔记中查找答案，附出处",
    "ask the case library and notes; answered with sources",
    aliases=("问", "查"),
)


class AskArgs(Args):
    question: Annotated[str, Rest(), Field(description="The question, in plain words.")] = ""
    k: Annotated[int | None, Flags("-k"), Field(ge=1, le=10, description="How many documents to cite (1-10).")] = None
    filter: Annotated[
        list[str],
        Flags("-f"),
        Field(default_factory=list, description="key=value; keys: type, industry, year, products, tags."),
    ]


class AskCommands:
    groups = (ASK,)

    def __init__(self, service: AskService, decorate: Callable[[Reply, str], Reply] | None = None) -> None:
        self.service = service
        # What another capability adds to an answer (the notes' 「看懂了」 buttons), wired by the app.
        self.decorate = decorate

    @command(
        ASK,
        zh="提问：从案例库和技术翻译笔记中查找答案，附出处",
        examples=(
            "有没有金融行业用智能客服降本的案例？",
            "城商行的人工坐席成本下降了多少？",
            "2023年制造业有哪些案例？",
            "用大白话讲讲联邦学习",
            "Do we have a hospital case?",
            "What did the bank project save?",
        ),
        cli=False,  # `prbot ask` has its own contract (--json, one question per stdin line)
        slots=("question", "filter"),
    )
    def ask(self, ctx: Context, args: AskArgs) -> Reply:
        """Ask a question; answered from the case library and notes, with sources."""
        # In chat a long list shows its first page; Reply.data["list"] holds the rest for 「更多」.
        page = self.service.settings.list_page_size
        thread = ctx.request.context  # a follow-up's scope and the thread's turns, from the conversation
        reply = self.service.ask(args.question, k=args.k, filter_pairs=args.filter, page_size=page, thread=thread)
        return self.decorate(reply, reply.lang or ctx.lang) if self.decorate else reply
