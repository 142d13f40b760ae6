"""``kpi`` (the plan's scoreboard) and ``case used-in-bid``, declared once for chat, the CLI and the
conversation layer; the 「用于投标」 button on answers (``bid:form`` opens a form, ``bid:mark``
records it). Thin: validate, call the service, render."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from bot.commands import Args, Context, Flags, Group, Hint, Lang, Positional, Rest, Text, command
from bot.core import Attachment, Button, Form, FormField, Reply, Request, UserError
from handlers.kpi import render
from handlers.kpi import strings as s
from knowledge.periods import PERIODS, named_day, period_of

if TYPE_CHECKING:  # the service (and its storage) is built by the app, not by `prbot --help`
    from handlers.kpi.service import KpiService

KPI = Group(
    "kpi",
    "年度计划 KPI：事件、预警、变更、笔记、案例、演练，对照目标（kpi [month|quarter|year]）",
    "the year's plan as KPI against targets (kpi [month|quarter|year])",
)
CASE = Group(
    "case",
    "案例用于投标：case used-in-bid 案例编号 --bid 投标项目",
    "mark a case as used in a bid: case used-in-bid CASE --bid NAME",
)

# 「这个案例用在了某银行的投标里」「把 case-101 记为用于某省政务云投标」: a record to make, in words.
USED_IN_BID = re.compile(
    r"(用于|用在了?|用到了?|用进了?).{0,40}(投标|招标|标书)|used (it )?in (a|the|our) (bid|tender)", re.I
)
# 「这个季度的 KPI 怎么样？」 has no command word; it plainly asks for the scoreboard.
KPI_QUESTION = re.compile(r"(?i)(这个|本|今|上个?)(季度|月|年).{0,4}kpi|kpi.{0,4}(怎么样|如何|达标了?吗|how)")


class KpiArgs(Args):
    period: Annotated[
        Literal["month", "quarter", "year"] | None,
        Positional(),
        Flags("--period"),
        Hint(invalid="kpi.bad_period_usage"),
        Field(description="month, quarter (default) or year."),
    ] = None
    day: Annotated[
        date | None,
        Positional(),
        Flags("--date"),
        Hint(invalid="kpi.bad_date_usage"),
        Field(description="A day in the period, YYYY-MM-DD (default today)."),
    ] = None
    request: Annotated[
        str, Rest(), Field(max_length=500, description="The request in words; 本月, 今年 … name the period.")
    ] = ""
    lang: Lang = None

    @model_validator(mode="before")
    @classmethod
    def _words_in_any_order(cls, data: Any) -> Any:
        """Chat words come in any order (``kpi 2026-12-01 month en``) or as a whole question
        (「本月 KPI 如何」): each bare word goes where its shape says."""
        if not isinstance(data, dict):
            return data
        values = dict(data)
        words = [str(values.pop(name)) for name in ("period", "day", "request") if values.get(name) is not None]
        words = [w for word in words for w in word.split()]
        # A question in words (Chinese, a question mark, a sentence) may hold any word; typed
        # arguments may not: `kpi weekly` is refused with the usage.
        asked = len(words) > 3 or any(not w.isascii() or "?" in w for w in words)
        question = []
        for word in words:
            low = word.lower().strip("?？,，.。")
            if low in PERIODS:
                values["period"] = low
            elif low in ("en", "zh") and values.get("lang") is None and not asked:
                values["lang"] = low
            elif word[:1].isdigit():
                values["day"] = word
            elif asked or low == "kpi":
                question.append(word)
            else:
                values["period"] = word  # not a period: refused with the usage
        if question:
            values["request"] = " ".join(question)
            values.setdefault("period", period_of(values["request"]))
        return values

    @field_validator("day", mode="before")
    @classmethod
    def _iso_day(cls, value: object) -> object:
        # Only YYYY-MM-DD: pydantic would read a bare number as a Unix time.
        return date.fromisoformat(value) if isinstance(value, str) else value


class BidArgs(Args):
    case: Annotated[
        str,
        Positional(),
        Hint(missing="kpi.bid_case_missing"),
        Field(min_length=1, max_length=200, description="The case's library id, e.g. case-012."),
    ]
    bid: Annotated[
        str,
        Text(),
        Hint(missing="kpi.bid_required"),
        Field(min_length=1, description="The tender, e.g. 某省政务云招标."),
    ]
    lang: Lang = None


def bid_button(case_ids: list[str], lang: str) -> Button:
    """The 「用于投标」 button for an answer that cited these cases."""
    return Button(s.t("bid_button", lang), "bid:form", ",".join(dict.fromkeys(case_ids)))


def with_bid_button(reply: Reply, lang: str) -> Reply:
    """「用于投标」 on a confident answer that cites cases (the plan counts cases reused in bids); the app
    adds it to the answers of ``ask``, so the answer path knows nothing of the scoreboard."""
    answer = reply.data.get("answer") or {}
    cases = [c.id for c in reply.citations if c.type == "case"]
    if cases and answer.get("confident"):
        reply.buttons.append(bid_button(cases, lang))
    return reply


def scoreboard_reply(service: KpiService, *, period: str, on: date | None, lang: str) -> Reply:
    board = service.scoreboard(period=period, on=on, lang=lang)
    png = render.chart(board, lang)
    return Reply(
        text=render.text(board, lang),
        files=[Attachment(f"kpi-{board.label}.png", png, "image/png", s.t("chart_title", lang))],
        data={"kpi": board.as_data()},
    )


def _who(request: Request) -> str:
    return request.user_id if ":" in request.user_id else f"{request.platform}:{request.user_id}"


class KpiCommands:
    """The scoreboard in any chat; cases marked for bids in chat and in the terminal."""

    groups = (KPI, CASE)
    actions: ClassVar[dict[str, str]] = {"bid": "on_bid"}

    def __init__(self, service: KpiService) -> None:
        self.service = service

    @command(
        KPI,
        zh="年度计划 KPI 对照目标：事件、预警、变更、笔记、案例、演练（按月、季度或年）",
        cli=False,  # `prbot kpi` also writes the chart and the HTML report: the operator's command
        examples=(
            "这个季度的 KPI 怎么样？",
            "本月 KPI 达标了吗",
            "今年的年度计划完成得如何",
            "how is our KPI this quarter?",
        ),
    )
    def kpi(self, ctx: Context, args: KpiArgs) -> Reply:
        """The year's plan as figures from the bot's own records, each beside its target, with a chart."""
        on = args.day or (named_day(args.request, self.service.today()) if args.request else None)
        return scoreboard_reply(self.service, period=args.period or "quarter", on=on, lang=ctx.lang)

    @command(
        CASE,
        "used-in-bid",
        zh="记录案例用于投标（每个案例每个标书计一次）",
        aliases=("bid", "投标"),
        effects=True,
        examples=("case-012 用在了某省政务云的投标里", "把 case-003 记为用于投标", "mark case-012 as used in a bid"),
    )
    def used_in_bid(self, ctx: Context, args: BidArgs) -> Reply:
        """Record that a case was used in a bid (counted once per case and bid)."""
        source = "cli" if ctx.request.platform == "console" else "chat"
        text = self.service.mark_bid(
            case_id=args.case, bid=args.bid, user=_who(ctx.request), source=source, lang=ctx.lang
        )
        return Reply(text=text)

    def on_bid(self, request: Request) -> Reply:
        """``bid:form`` (the 「用于投标」 button) opens the form; ``bid:mark`` (its submission) records it."""
        action = request.action
        assert action is not None
        lang = request.lang
        kind = action.action.partition(":")[2]
        if kind == "form":
            cases = tuple(c for c in action.value.split(",") if c)
            fields = (
                FormField("case", s.t("bid_form_case", lang), "select", options=cases)
                if len(cases) > 1
                else FormField("case", s.t("bid_form_case", lang), placeholder=cases[0] if cases else ""),
                FormField("bid", s.t("bid_form_bid", lang), placeholder=s.t("bid_form_placeholder", lang)),
            )
            return Reply(text=s.t("bid_form_title", lang), form=Form("bid:mark", s.t("bid_form_title", lang), fields))
        if kind == "mark":
            values = action.values
            case_id = values.get("case") or action.value.split(",")[0]
            text = self.service.mark_bid(
                case_id=case_id, bid=values.get("bid", ""), user=_who(request), source="button", lang=lang
            )
            return Reply(text=text, private=True)
        raise UserError(s.t("case_usage", lang))


__all__ = ["KpiCommands", "bid_button", "scoreboard_reply", "with_bid_button"]
