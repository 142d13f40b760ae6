"""Chat: ``kpi [month|quarter|year] [YYYY-MM-DD]``, ``case used-in-bid ID --bid …``, the 「用于投标」
button on answers (``bid:form`` opens a form, ``bid:mark`` records it). Thin: parse, call, render."""

from __future__ import annotations

import re
from datetime import date

from bot.core import Attachment, Button, Command, Form, FormField, Reply, Request, UserError
from bot.router import Router
from handlers.kpi import render
from handlers.kpi import strings as s
from handlers.kpi.service import PERIODS, KpiService


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


# 「这个季度的 KPI 怎么样？」 has no command word; it plainly asks for the scoreboard.
KPI_QUESTION = re.compile(r"(?i)(这个|本|今|上个?)(季度|月|年).{0,4}kpi|kpi.{0,4}(怎么样|如何|达标了?吗|how)")


def period_of(text: str) -> str:
    """The period a question names in words: 本月/这个月 → month, 今年/年度 → year, else the quarter."""
    if "月" in text or "month" in text.lower():
        return "month"
    if "年" in text or "year" in text.lower():
        return "year"
    return "quarter"


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


def register_chat(router: Router, service: KpiService) -> None:
    def kpi(request: Request, args: list[str]) -> Reply:
        lang = request.lang
        period, on = period_of(" ".join(args)), None
        for arg in args:
            if arg.lower() in PERIODS:
                period = arg.lower()
            elif arg.lower() in ("en", "zh"):
                lang = arg.lower()
            elif arg[:1].isdigit():
                try:
                    on = date.fromisoformat(arg)
                except ValueError:
                    raise UserError(s.t("bad_date", lang, value=arg) + "\n" + s.t("usage", lang)) from None
            elif arg.isascii() and arg.lower() != "kpi":
                raise UserError(s.t("usage", lang))
        return scoreboard_reply(service, period=period, on=on, lang=lang)

    def case(request: Request, args: list[str]) -> Reply:
        lang = request.lang
        if not args or args[0].lower() not in ("used-in-bid", "bid", "投标"):
            raise UserError(s.t("case_usage", lang))
        rest, bid, case_id = args[1:], "", ""
        words = []
        i = 0
        while i < len(rest):
            if rest[i] == "--bid" and i + 1 < len(rest):
                bid = rest[i + 1]
                i += 2
                continue
            words.append(rest[i])
            i += 1
        if words:
            case_id = words[0]
        text = service.mark_bid(case_id=case_id, bid=bid, user=_who(request), source="chat", lang=lang)
        return Reply(text=text)

    def on_bid(request: Request) -> Reply:
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
            text = service.mark_bid(
                case_id=case_id, bid=values.get("bid", ""), user=_who(request), source="button", lang=lang
            )
            return Reply(text=text, private=True)
        raise UserError(s.t("case_usage", lang))

    router.command(
        Command(
            "kpi",
            kpi,
            "年度计划 KPI：事件、预警、变更、笔记、案例、演练，对照目标（kpi [month|quarter|year]）",
            "the year's plan as KPI against targets (kpi [month|quarter|year])",
            "kpi [month|quarter|year] [YYYY-MM-DD]",
        )
    )
    router.command(
        Command(
            "case",
            case,
            "案例用于投标：case used-in-bid 案例编号 --bid 投标项目",
            "mark a case as used in a bid: case used-in-bid CASE --bid NAME",
            "case used-in-bid CASE-ID --bid NAME",
        )
    )
    router.on_action("bid", on_bid)
    router.on_intent(KPI_QUESTION, "kpi")


__all__ = ["bid_button", "register_chat", "scoreboard_reply"]
