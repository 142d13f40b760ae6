"""The conversation layer: a request in words → the command it means, with the thread remembered.

Set as ``router.interpreter``; the router hands it every message that does not start with a
command word. In order: a pending question or confirmation in the thread is answered; greetings
and "what can you do" get the overview; follow-ups are resolved against the thread's memory; the
model (when configured) or the offline router picks the command; slots are filled from the words;
a missing required slot is asked for; an inferred action with effects is confirmed first.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bot import i18n
from bot.commands import CommandSpec
from bot.conversation import cues, followups, plans
from bot.conversation.intents import IntentRouter, Route
from bot.conversation.memory import MemoryStore, Thread, new_token
from bot.conversation.strings import t
from bot.core import Action, Button, Reply, Request, ThreadContext, UserError
from bot.router import Router, Words
from knowledge.library.embed import Embedder
from knowledge.library.facts import metadata_text
from knowledge.library.filters import Filters, Vocabulary, infer_filters
from knowledge.library.glossary import expand_query
from knowledge.periods import names_a_period
from knowledge.writing.personas import GENERAL
from storage import library
from storage.db import session_scope

log = logging.getLogger(__name__)

YES = {"是", "是的", "确认", "好", "好的", "可以", "对", "行", "yes", "y", "ok", "confirm", "sure"}
NO = {"否", "不", "不是", "取消", "算了", "不要", "no", "n", "cancel", "stop"}
# 「算了，不提了」「不用了」 "never mind": the pending request is dropped.
_CANCEL = re.compile(r"^(算了|取消|不用了|不要了|不提了|不弄了|先不|never ?mind|forget it|cancel)", re.IGNORECASE)
OVERVIEW = ("ask", "draft", "check", "personas", "cr", "digest", "drill", "incident", "note")
_THANKS = re.compile(r"谢|辛苦|感谢|thank|thx|cheers", re.IGNORECASE)
_LIST_PAGE = 5
# Platforms that show a form (a Slack modal behind a button, a Feishu form card), and the command whose
# form asks for a command's details. A form has no prefilled values, so only a request that gave none
# opens it; a partly given one is completed by questions.
FORM_PLATFORMS = ("slack", "feishu")
# 「上个月的呢」「那第一季度呢」 "what about last quarter?": the same thing for another period.
_ANOTHER_PERIOD = re.compile(r"^.{0,12}(呢|吗)\s*[?？]?$|^那|^(and |what about |how about )", re.IGNORECASE)
FORMS = {"cr add": "cr new"}
# Capabilities whose requests in words record something and are never follow-up questions.
_RECORDS = {"case"}
# Commands that, given nothing, open their own form: the form is the confirmation.
FORM_FIRST = {"note submit"}

# A model's choice of command (from ``bot.conversation.tools``): (full name, values) or None.
ToolPicker = Callable[[str, list[tuple[str, str]], list[CommandSpec]], tuple[str, dict[str, Any]] | None]
# A model's rewrite of a follow-up into a standalone question, given the thread history.
Condenser = Callable[[str, list[tuple[str, str]]], str | None]


class Conversation:
    def __init__(
        self,
        router: Router,
        engine: Engine,
        embedder: Embedder,
        *,
        memory_minutes: int,
        timezone: str = "Asia/Shanghai",
        vocabulary: Callable[[], Vocabulary] | None = None,
        tool_picker: ToolPicker | None = None,
        condenser: Condenser | None = None,
    ) -> None:
        self.router = router
        self.engine = engine
        self.intents = IntentRouter(router.registry, embedder)
        self.embedder = embedder
        self.memory = MemoryStore(engine, memory_minutes)
        self.tz = ZoneInfo(timezone)
        self.vocabulary = vocabulary or Vocabulary
        self.tool_picker = tool_picker
        self.condenser = condenser
        # Rules that name one command plainly (the router's ``on_intent``): this layer applies them,
        # after the thread's follow-ups, so 「给这个案例写3个标题」 can mean the thread's case.
        self.intent_rules: list[tuple[re.Pattern[str], str]] = []
        self._local = threading.local()  # the command chosen for the message this thread handles

    @property
    def last_command(self) -> str:
        return str(getattr(self._local, "command", ""))

    @last_command.setter
    def last_command(self, name: str) -> None:
        self._local.command = name

    # ---- wiring

    def install(self) -> None:
        """Become the router's interpreter, taking over its intent rules (see ``intent_rules``)."""
        self.intent_rules = list(getattr(self.router, "_intents", []))
        if hasattr(self.router, "_intents"):
            self.router._intents.clear()
        self.router.interpreter = self
        self.router.on_action("conv", self.on_action)

    def schedule(self, scheduler: Any) -> None:
        """A job provider: forget expired threads every hour (idempotent, so every replica may run it)."""
        scheduler.every("conversation-forget-expired", self.memory.forget_expired, seconds=3600)

    def today(self) -> date:
        return datetime.now(self.tz).date()

    def classify(self, text: str) -> str:
        """The capability a first message in a fresh thread goes to (no side effects; for benchmarks)."""
        text = text.strip()
        if self.intents.rule(text) == "help":
            return "help"
        route = self.intents.route(text, self.embedder.embed_query(text))
        ruled = self._intent_rule(text, route)
        if ruled:
            return ruled
        if route.capability == "ask" or (not route.fits and cues.QUESTION.search(text)):
            return "ask"
        return "help" if not route.fits else route.capability

    # ---- one message

    def __call__(self, request: Request) -> Reply | None:
        text = request.text.strip()
        lang = i18n.detect_language(text, command=False)  # no command word here: every word counts
        thread = self.memory.load(request)
        self.last_command = ""
        notes: list[str] = []
        if thread.expired and followups.looks_like_followup(text):
            notes.append(t("expired", lang, minutes=self.memory.minutes))
        reply = self._understand(request, text, lang, thread, notes)
        thread.state["last_command"] = self.last_command
        thread.remember("user", text)
        thread.remember("bot", reply.text)
        self.memory.save(thread)
        if notes:
            reply = replace(reply, text="\n".join([*notes, reply.text]))
        reply.data.setdefault("conversation", {})["command"] = self.last_command
        return reply

    def _understand(self, request: Request, text: str, lang: str, thread: Thread, notes: list[str]) -> Reply:
        pending = thread.get("pending")
        if isinstance(pending, dict):
            answered = self._answer_pending(request, text, lang, thread, pending)
            if answered is not None:
                return answered
            if _plan_from(pending.get("plan")) is not None:
                notes.append(t("pending_dropped", lang))  # a new request: say the unfinished one was not done
        word = text.strip().strip("。.!！").lower()
        if (word in YES or word in NO) and not cues.GREETING.match(text.strip()):
            # 「是」 with nothing waiting: a second 「是」 after a confirmation does nothing again.
            settled = thread.get("settled")
            self.last_command = str(settled or "help")
            return Reply(text=t("already_done" if settled else "nothing_to_confirm", lang), private=True)
        ruled = self.intents.rule(text)
        if ruled == "help":
            self.last_command = "help"
            return self.overview(lang, thanks=bool(_THANKS.search(text)) and not cues.CAPABILITIES.search(text))
        if thread.get("last_command") == "kpi" and _ANOTHER_PERIOD.search(text) and names_a_period(text):
            # 「上个月的呢」 after the scoreboard: the scoreboard for that period.
            return self._run_plan(request, plans.plan_for("kpi", text, self.today()), lang, thread, inferred=False)
        if any(name in _RECORDS and pattern.search(text) for pattern, name in self.intent_rules):
            # 「这个案例用在了某银行的投标里」 records something about the thread's case: never a question.
            recorded = next(name for pattern, name in self.intent_rules if name in _RECORDS and pattern.search(text))
            plan = self._with_thread(plans.plan_for(recorded, text, self.today()), thread)
            return self._run_plan(request, plan, lang, thread, inferred=True)
        follow = followups.resolve(text, thread, self.vocabulary(), self._titles(thread), self._topic_text(thread))
        if follow is not None:
            return self._follow_up(request, follow, lang, thread)
        elliptical = re.search(r"呢\s*[?？]?$|^(不对|我是说)", text)
        if elliptical and not thread.get("question") and followups.looks_like_followup(text) and not thread.expired:
            notes.append(t("no_earlier_question", lang))
            return self.ask(request, text, lang, thread)
        picked = self._pick_with_model(text, thread)
        if picked is not None:
            return self._run_model_pick(request, picked, lang, thread)
        route = self.intents.route(text, self.embedder.embed_query(text))
        ruled = self._intent_rule(text, route)
        if ruled:
            return self._run_plan(request, plans.plan_for(ruled, text, self.today()), lang, thread, inferred=False)
        return self._routed(request, text, lang, thread, route)

    def _intent_rule(self, text: str, route: Route) -> str:
        """A capability's own rule (「…写5个标题…」 is a draft) wins unless another capability's domain
        words plainly claim the message (「帮我看看这条微博有没有超过140字」 is a check)."""
        for pattern, name in self.intent_rules:
            if pattern.search(text) and (route.capability in (name, "ask") or not route.fits):
                return name
        return ""

    def _routed(self, request: Request, text: str, lang: str, thread: Thread, route: Route) -> Reply:
        capability = route.capability
        if capability == "help":
            self.last_command = "help"
            return self.overview(lang)
        if capability == "ask" or (not route.fits and cues.QUESTION.search(text)):
            return self.ask(request, text, lang, thread)
        if not route.fits:
            self.last_command = "help"
            return self.nearest(route, lang)
        plan = self._with_thread(plans.plan_for(capability, text, self.today()), thread)
        return self._run_plan(request, plan, lang, thread, inferred=True)

    def _with_thread(self, plan: plans.Plan, thread: Thread) -> plans.Plan:
        """What the thread supplies that the words leave out: the last draft to check, the case."""
        if plan.capability == "case" and not plan.values.get("case") and thread.topic:
            plan.values["case"] = thread.topic  # 「这个案例用在了某银行的投标里」: the thread's case
        if plan.capability == "check" and not plan.values.get("copy") and thread.get("draft"):
            plan.values["copy"] = str(thread.get("draft"))
        plans.refresh(plan)
        return plan

    # ---- answers from the library

    def ask(
        self,
        request: Request,
        question: str,
        lang: str,
        thread: Thread,
        *,
        exclude: list[str] | None = None,
        within: list[str] | None = None,
        filters: dict[str, Any] | None = None,
    ) -> Reply:
        """Answer from the library; a follow-up passes the scope it resolved to (the thread's documents,
        the last question's filters, what was already shown), so it is searched and judged as scoped."""
        self.last_command = "ask"
        if self.condenser is not None and thread.history() and question == request.text.strip():
            # The model's rewrite is for raw follow-ups; one rewritten from memory already stands alone.
            condensed = self.condenser(question, thread.history())
            if condensed:
                question = condensed
        spec = self.router.default_spec()
        if spec is None:
            return self.router.ask(request)
        values: dict[str, Any] = {"question": question}
        if filters:
            values["filter"] = [f"{key}={value}" for key, value in filters.items()]
        rewritten = question != request.text.strip()
        context = ThreadContext(
            frozenset(within or ()), frozenset(exclude or ()), tuple(thread.history()), lang if rewritten else None
        )
        reply = self.router.run_values(spec, replace(request, text=question, context=context), values)
        self._remember_answer(thread, question, reply, filters or {}, keep_list=bool(within))
        return reply

    def _remember_answer(
        self, thread: Thread, question: str, reply: Reply, given: dict[str, Any], *, keep_list: bool = False
    ) -> None:
        """``keep_list``: an answer about documents of the thread (「第二个详细说说」) leaves the last
        list as it was, so 「第三个呢」 still means its third item."""
        confident = _confident(reply)
        cited = [c.id.split("#")[0] for c in reply.citations]
        thread.state["question"] = question
        if not confident:
            if given:  # 「2023年金融」 found nothing; 「2024年的呢？」 next still means 金融
                thread.state["filters"] = dict(given)
            return
        thread.state["cited"] = cited
        listing = reply.data.get("list") if isinstance(reply.data, dict) else None
        if list_ids_of(reply) or not keep_list or not thread.list_ids:
            listed = list_ids_of(reply) or cited
            thread.state["list"] = listed
            years = listing.get("years") if isinstance(listing, dict) else None
            thread.state["list_years"] = years if isinstance(years, list) and len(years) == len(listed) else None
            # A list reply cites the entries it showed (its first page); 「更多」 goes on from there,
            # asking the library's list again for the next page so that its entries are quoted too.
            thread.state["shown"] = len(cited)
            asked = isinstance(listing, dict) and "offset" in listing
            thread.state["list_ask"] = {"question": question, "filters": dict(given)} if asked else None
        said = listing.get("filters") if isinstance(listing, dict) else None
        if not cited:
            return
        thread.state["topic"] = cited[0]
        with session_scope(self.engine) as session:
            doc = library.get_document(session=session, doc_id=cited[0])
            meta = dict(doc.meta or {}) if doc else {}
            doc_type = doc.type if doc else ""
        thread.state["topic_year"] = meta.get("year")
        thread.state["topic_customer"] = meta.get("customer") if isinstance(meta.get("customer"), str) else None
        if isinstance(said, dict):
            thread.state["filters"] = dict(said)
            return
        # What the question named that its answer bears out: a follow-up replacing one of them keeps
        # the others (「那教育行业呢？」 after 「医疗行业有数字人的案例吗？」 keeps the product).
        named = infer_filters(expand_query(question), self.vocabulary()).values
        kept = {k: v for k, v in named.items() if Filters({k: v}).matches(doc_type, meta)}
        thread.state["filters"] = {**kept, **given}

    def _topic_text(self, thread: Thread) -> str:
        if not thread.topic:
            return ""
        with session_scope(self.engine) as session:
            doc = library.get_document(session=session, doc_id=thread.topic)
            return f"{doc.title}\n{doc.body}\n{metadata_text(doc.meta or {})}" if doc is not None else ""

    def _is_note(self, doc_id: str) -> bool:
        with session_scope(self.engine) as session:
            doc = library.get_document(session=session, doc_id=doc_id)
            return doc is not None and doc.type == "note"

    def _titles(self, thread: Thread) -> dict[str, str]:
        ids = list(
            dict.fromkeys([*thread.list_ids, *(thread.get("cited") or []), *([thread.topic] if thread.topic else [])])
        )
        if not ids:
            return {}
        out = {}
        with session_scope(self.engine) as session:
            for doc_id in ids[:50]:
                doc = library.get_document(session=session, doc_id=str(doc_id))
                if doc is not None:
                    meta = dict(doc.meta or {})
                    extra = " ".join(str(meta.get(k, "")) for k in ("customer", "industry", "products", "technology"))
                    out[str(doc_id)] = f"{doc.title} {extra}".strip()
        return out

    def _follow_up(self, request: Request, follow: followups.FollowUp, lang: str, thread: Thread) -> Reply:
        if follow.problem:
            self.last_command = "ask"
            return Reply(text=t(follow.problem, lang, **follow.values), private=True)
        if follow.kind == "more":
            return self._next_page(request, thread, lang)
        if follow.kind == "count":
            self.last_command = "ask"
            return Reply(text=t("list_count", lang, **follow.values), data={"list": {"total": follow.values["n"]}})
        if follow.kind == "check":
            plan = plans.plan_for("check", request.text, self.today(), given=follow.values)
            plan.values["copy"] = follow.values["copy"]
            plans.refresh(plan)
            return self._run_plan(request, plan, lang, thread, inferred=False)
        if follow.kind == "feedback" and follow.doc and self._is_note(follow.doc):
            # 「看懂了」「没看懂」 after a note: the reader's vote, as its buttons record it.
            understood = bool(follow.values.get("understood"))
            vote = Action(f"notefb:{follow.doc}:{'yes' if understood else 'no'}")
            recorded = self.router.handle(replace(request, action=vote))
            self.last_command = "note"
            if understood or recorded.refused:
                return recorded
            # Not understood: the vote, then the note again in plain words.
            title = self._titles(thread).get(follow.doc, follow.doc).split(" ")[0]
            again = self.ask(request, f"{title}：用大白话讲讲", lang, thread, within=[follow.doc])
            return replace(again, text=f"{recorded.text}\n{again.text}")
        if follow.kind == "feedback":  # 「明白了」 after a case: nothing to record
            self.last_command = "ask"
            key = "acknowledged" if follow.values.get("understood") else "not_understood"
            return Reply(text=t(key, lang))
        if follow.kind == "note":  # 「第二个退回吧，太技术了」: the review verb on the thread's note
            plan = plans.plan_for("note", request.text, self.today())
            plan.values["note"] = follow.doc
            plans.refresh(plan)
            return self._run_plan(request, plan, lang, thread, inferred=True)
        if follow.kind == "redraft":  # 「再短一点」「换成面向年轻人的」「改成微博」
            order = dict(thread.get("draft_order") or {})
            plan = plans.Plan("draft", "write", {"text": order.get("text", "")})
            for key in ("doc", "persona", "format", "max_chars"):
                if order.get(key):
                    plan.values[key] = order[key]
            plan.values.update(follow.values)
            if "scale" in plan.values:
                base = int(order.get("limit") or order.get("longest") or 0)
                scale = float(plan.values.pop("scale"))
                if base:
                    plan.values["max_chars"] = max(10, int(base * scale))
            plans.refresh(plan)
            return self._run_plan(request, plan, lang, thread, inferred=False)
        if follow.kind == "draft":
            plan = plans.plan_for("draft", request.text, self.today())
            plan.values["doc"] = follow.doc
            plan.values["text"] = re.sub(r"这个案例|这个项目|这篇|它", "", request.text)
            plans.refresh(plan)
            return self._run_plan(request, plan, lang, thread, inferred=False)
        titles = self._titles(thread)
        full = titles.get(follow.doc or "", "") if follow.doc else ""
        title = full.split(" ")[0]
        if follow.kind == "reference" and follow.values.get("absent") and title:
            self.last_command = "ask"
            return Reply(text=t("not_in_document", lang, title=title), data={"conversation": {"absent": True}})
        question = follow.question.replace(full, title) if full and title else follow.question
        reply = self.ask(
            request,
            question,
            lang,
            thread,
            exclude=follow.exclude or None,
            within=follow.within or None,
            filters=follow.filters or None,
        )
        if not _confident(reply):
            if follow.kind == "compare" and follow.values.get("alone"):
                return self.ask(request, str(follow.values["alone"]), lang, thread)
            if follow.kind == "elliptical":
                # Nothing in the words pointed back: asked as it stands, it may be a new question.
                return self.ask(request, request.text.strip(), lang, thread)
            if follow.within and title:
                return Reply(text=t("not_in_document", lang, title=title), data=reply.data)
            if follow.kind in ("similar", "replace") and _closest(reply):
                # 「那银行有没有类似的」 asks for the nearest ones; 「那学校呢」 after 「有没有医院用数字人导诊的
                # 案例」 is told which filters never meet, and the closest: both say more than 「没有」.
                return reply
            if follow.exclude:
                return Reply(text=t("no_more_similar", lang), data=reply.data)
            if follow.filters:
                scope = t("kept_joiner", lang).join(str(v) for k, v in follow.filters.items() if k != "type")
                return Reply(text=t("nothing_in_scope", lang, scope=scope), data=reply.data)
        if follow.doc and follow.kind in ("item", "pick", "reference", "elliptical"):
            thread.state["topic"] = follow.doc
        if follow.values.get("named") and title and _confident(reply):
            # 「最早的是哪个」 asks which one: its name first.
            year = follow.values.get("year")
            named = f"《{title}》（{year}）" if isinstance(year, int) else f"《{title}》"
            return replace(reply, text=f"{named}\n{reply.text}")
        return reply

    def _list_page(self, request: Request, spec: CommandSpec, asked: dict[str, Any], shown: int, lang: str) -> Reply:
        """The thread's list question asked again for the entries after the ``shown`` ones."""
        values: dict[str, Any] = {"question": asked["question"]}
        if asked.get("filters"):
            values["filter"] = [f"{key}={value}" for key, value in asked["filters"].items()]
        context = ThreadContext(lang=lang, offset=shown)
        return self.router.run_values(spec, replace(request, text=asked["question"], context=context), values)

    def _next_page(self, request: Request, thread: Thread, lang: str) -> Reply:
        self.last_command = "ask"
        ids, shown = thread.list_ids, int(thread.get("shown") or 0)
        if shown >= len(ids):
            return Reply(text=t("list_end", lang, n=len(ids)), private=True)
        asked = thread.get("list_ask")
        spec = self.router.default_spec()
        if isinstance(asked, dict) and spec is not None:
            reply = self._list_page(request, spec, asked, shown, lang)
            listing = reply.data.get("list") if isinstance(reply.data, dict) else None
            if isinstance(listing, dict) and listing.get("ids") == ids and listing.get("shown"):
                thread.state["shown"] = shown + len(listing["shown"])
                return reply
            # The library changed since the list was asked: the thread's own ids, by title.
        page = ids[shown : shown + _LIST_PAGE]
        titles = self._titles(thread)
        lines = [t("list_more", lang, start=shown + 1, end=shown + len(page), n=len(ids))]
        lines += [f"{shown + n}. {titles.get(i, i).split(' ')[0]} ({i})" for n, i in enumerate(page, start=1)]
        thread.state["shown"] = shown + len(page)
        return Reply(text="\n".join(lines), data={"list": {"ids": page, "total": len(ids)}})

    # ---- commands from words

    def _run_plan(self, request: Request, plan: plans.Plan, lang: str, thread: Thread, *, inferred: bool) -> Reply:
        self.last_command = plan.capability
        spec = self._spec_of(plan)
        if spec is None:
            return self.nearest(None, lang)
        missing = plan.missing + [m for m in self._structured_missing(spec, plan) if m not in plan.missing]
        given = any(plan.values.get(slot) for slot in plans.REQUIRED.get(plan.command, ()))
        form = self.router.registry.get(FORMS.get(plan.command, ""))
        if missing and not given and form is not None and request.platform in FORM_PLATFORMS:
            # Nothing given but the request itself: the command's form asks for everything at once.
            thread.state.pop("pending", None)
            return self.router.run_values(form, request, {})
        if missing:
            thread.state["pending"] = {"kind": "slot", "plan": asdict(plan), "slot": missing[0]}
            return self._ask_for(missing[0], lang, plan)
        if inferred and (plan.effects or spec.effects) and not (plan.command in FORM_FIRST and not given):
            token = new_token()
            thread.state["pending"] = {"kind": "confirm", "plan": asdict(plan), "token": token}
            thread.pending_token = token
            return self._confirmation(plan, lang, token)
        thread.state.pop("pending", None)
        return self.execute(plan, request, thread)

    def _spec_of(self, plan: plans.Plan) -> CommandSpec | None:
        structured = self.router.registry.get(plan.command)
        if structured is not None and structured.args_model is not Words:
            return structured
        return self.router.registry.get(plan.capability) or structured

    def _structured_missing(self, spec: CommandSpec, plan: plans.Plan) -> list[str]:
        if spec.args_model is Words:
            return []
        return [a.name for a in spec.args if a.required and plan.values.get(a.name) in (None, "")]

    def execute(self, plan: plans.Plan, request: Request, thread: Thread) -> Reply:
        self.last_command = plan.capability
        spec = self._spec_of(plan)
        if spec is None:
            raise UserError(t("do_command", request.lang, command=plan.command))
        if spec.args_model is Words:
            reply = self.router.run_words(spec, request, plan.words, natural=True)
        else:
            names = {a.name for a in spec.args}
            values = {k: v for k, v in plan.values.items() if k in names and v not in (None, "", False)}
            reply = self.router.run_values(spec, request, values)
        draft = reply.data.get("draft") if isinstance(reply.data, dict) else None
        if isinstance(draft, dict) and isinstance(draft.get("variants"), list) and draft["variants"]:
            first = draft["variants"][0]
            thread.state["draft"] = str(first.get("text", "")) if isinstance(first, dict) else str(first)
            if plan.command == "draft write":  # 「再短一点」「换成面向年轻人的」 redo this request
                source = str(draft.get("source") or "")
                thread.state["draft_order"] = {
                    "text": str(plan.values.get("text") or ""),
                    "doc": source if source and source != "inline" else plan.values.get("doc"),
                    # The general audience is no persona to ask for again.
                    "persona": draft.get("persona") if draft.get("persona") != GENERAL.name else None,
                    "format": draft.get("format"),
                    "limit": draft.get("limit"),
                    "max_chars": plan.values.get("max_chars"),
                    "longest": max(
                        (int(v.get("chars") or 0) for v in draft["variants"] if isinstance(v, dict)), default=0
                    ),
                }
        listed = list_ids_of(reply) if plan.command == "note list" else []
        if listed:  # 「第二个退回吧」 after 「有哪些待审核的笔记？」 means the second note listed
            thread.state.update({"list": listed, "shown": len(listed), "list_ask": None})
        return reply

    def _ask_for(self, slot: str, lang: str, plan: plans.Plan, bad: str = "") -> Reply:
        what = t(f"slot_{slot}", lang) if f"slot_{slot}" in _slot_keys() else slot
        example = t(f"slot_{slot}_example", lang) if f"slot_{slot}_example" in _slot_keys() else "…"
        if bad:
            kept = self._kept(plan, lang)
            text = t(
                "ask_slot_again", lang, words=bad, what=what, example=example, kept=kept or t("nothing_kept", lang)
            )
        else:
            text = t("ask_slot", lang, what=what, example=example)
        return Reply(text=text, private=True, data={"conversation": {"awaiting": slot, "command": plan.command}})

    def _kept(self, plan: plans.Plan, lang: str) -> str:
        """What was already given, in words: 「内容「客服热线换号码」、小变更」."""
        parts = []
        for key, value in plan.values.items():
            if value in (None, "", False) or key == "text":
                continue
            if key == "size" and value in ("big", "small"):
                parts.append(t(str(value), lang))
            elif f"kept_{key}" in _slot_keys():
                parts.append(t(f"kept_{key}", lang, value=value))
            else:
                parts.append(f"{key}={value}")
        return t("kept_joiner", lang).join(parts)

    def _confirmation(self, plan: plans.Plan, lang: str, token: str) -> Reply:
        action = self.describe(plan, lang)
        buttons = [
            Button(t("confirm_yes", lang), f"conv:yes:{token}", token, style="primary"),
            Button(t("confirm_no", lang), f"conv:no:{token}", token),
        ]
        data = {"conversation": {"confirm": plan.command, "values": _plain(plan.values)}}
        return Reply(text=t("confirm", lang, action=action), buttons=buttons, private=True, data=data)

    def describe(self, plan: plans.Plan, lang: str) -> str:
        v = {k: ("" if val is None else val) for k, val in plan.values.items()}
        key = "do_" + plan.command.replace(" ", "_")
        if key in _slot_keys():
            if "size" in v:
                v["size"] = t(str(v["size"]), lang) if v["size"] in ("big", "small") else v["size"]
            v.setdefault("checkpoint", "")
            if not v.get("year"):  # 「规划年的危机演练」: the plan's default year, named
                v["year"] = self.today().year + 1
            return t(key, lang, **v)
        return t("do_command", lang, command=" ".join([plan.capability, *plan.words]))

    def _answer_pending(
        self, request: Request, text: str, lang: str, thread: Thread, pending: dict[str, Any]
    ) -> Reply | None:
        plan = _plan_from(pending.get("plan"))
        if plan is None:
            thread.state.pop("pending", None)
            return None
        word = text.strip().strip("。.!！").lower()
        if pending.get("kind") == "confirm":
            if word not in YES and word not in NO:
                thread.state.pop("pending", None)  # a new request: the confirmation lapses
                thread.pending_token = None
                return None
            self.last_command = plan.capability
            token = str(pending.get("token", ""))
            if not self.memory.claim(thread.key, token):
                thread.state.pop("pending", None)
                return Reply(text=t("already_done", lang), private=True)
            thread.state.pop("pending", None)
            thread.pending_token = None
            thread.state["settled"] = plan.capability
            if word in NO:
                return Reply(text=t("cancelled", lang), private=True)
            return self.execute(plan, request, thread)
        if word in NO or _CANCEL.match(word):
            thread.state.pop("pending", None)
            self.last_command = plan.capability
            return Reply(text=t("cancelled", lang), private=True)
        slot = str(pending.get("slot", ""))
        free_text = slot in ("title", "description", "copy", "comment")
        # Words that cannot answer the question asked (「有哪些金融行业的案例？」 for 「小变更还是大变更？」),
        # or a long message for free text, may be a new request: one that fits another capability is.
        unreadable = (
            not free_text
            and (bool(self.intents.rule(text)) or bool(cues.QUESTION.search(text)))
            and not plans.fill(replace(plan, values=dict(plan.values)), slot, text, self.today())
        )
        if self.intents.rule(text) == "help" or unreadable or (len(text) > 12 and not free_text):
            route = self.intents.route(text, self.embedder.embed_query(text))
            if route.capability != plan.capability and route.fits:
                thread.state.pop("pending", None)
                return None  # a new request, not the answer
        self.last_command = plan.capability
        if not plans.fill(plan, slot, text, self.today()):
            return self._ask_for(slot, lang, plan, bad=plan.bad)
        thread.state.pop("pending", None)
        return self._run_plan(request, plan, lang, thread, inferred=True)

    def on_action(self, request: Request) -> Reply:
        """A click on 「确认」/「取消」: acts once, however often it is clicked."""
        assert request.action is not None
        _, verb, token = [*request.action.action.split(":", 2), "", ""][:3]
        lang = "zh"
        key = self.memory.owner_of(token) if token else None
        if key is None or not self.memory.claim(key, token):
            return Reply(text=t("already_done", lang), private=True)
        thread = self.memory.load(
            replace(request, platform=key.platform, channel_id=key.channel_id, thread_id=key.thread_id or None)
        )
        pending = thread.get("pending") or {}
        plan = _plan_from(pending.get("plan"))
        thread.state.pop("pending", None)
        thread.pending_token = None
        if plan is not None:
            thread.state["settled"] = plan.capability
        if plan is None or verb != "yes":
            self.memory.save(thread)
            return Reply(text=t("cancelled", lang), private=True)
        reply = self.execute(plan, request, thread)
        self.memory.save(thread)
        return reply

    # ---- the model, when configured

    def _pick_with_model(self, text: str, thread: Thread) -> tuple[str, dict[str, Any]] | None:
        if self.tool_picker is None:
            return None
        try:
            return self.tool_picker(text, thread.history(), [s for s in self.router.registry.commands if s.chat])
        except Exception as exc:  # any failure of the model falls back to the offline router
            log.warning("tool routing failed, using the offline router: %s", exc.__class__.__name__)
            return None

    def _run_model_pick(self, request: Request, picked: tuple[str, dict[str, Any]], lang: str, thread: Thread) -> Reply:
        name, values = picked
        spec = self.router.registry.get(name)
        assert spec is not None  # the picker only returns registered commands
        default = self.router.default_spec()
        if default is not None and spec.group.name == default.group.name:
            return self.ask(request, str(values.get("question") or request.text), lang, thread)
        if spec.group.name == "help":
            self.last_command = "help"
            return self.overview(lang)
        plan = plans.Plan(spec.group.name, spec.name, dict(values))
        if spec.args_model is Words:
            plan = plans.plan_for(spec.group.name, request.text, self.today(), given=values)
        else:
            plans.refresh(plan)
        return self._run_plan(request, plan, lang, thread, inferred=True)

    # ---- what the bot can do

    def overview(self, lang: str, thanks: bool = False) -> Reply:
        if thanks:
            return Reply(text=t("thanks", lang))
        lines = [t("overview_intro", lang)]
        for group in OVERVIEW:
            examples = self._examples(group, lang)
            found = self.router.registry.group_named(group)
            if found is None or len(examples) < 2:
                continue
            summary = found.en if lang == "en" else found.zh
            lines.append(t("overview_line", lang, summary=summary, first=examples[0], second=examples[1]))
        lines.append(t("overview_outro", lang))
        return Reply(text="\n".join(lines), private=True)

    def nearest(self, route: Route | None, lang: str) -> Reply:
        ranked = [g for g, _ in (route.ranked if route else ()) if g not in ("help",)][:2] or ["ask", "draft"]
        lines = []
        for group in ranked:
            found = self.router.registry.group_named(group)
            examples = self._examples(group, lang)
            if found is None or not examples:
                continue
            lines.append(t("nearest_line", lang, summary=found.en if lang == "en" else found.zh, example=examples[0]))
        return Reply(text=t("nearest", lang, lines="\n".join(lines)), private=True)

    def _examples(self, group: str, lang: str) -> list[str]:
        examples = [text for _, text in self.intents.examples(group)]
        english = [e for e in examples if not re.search(r"[\u4e00-\u9fff]", e)]
        chinese = [e for e in examples if e not in english]
        return (english or chinese) if lang == "en" else (chinese or english)


def list_ids_of(reply: Reply) -> list[str]:
    """The complete ordered list of ids a list answer carries in ``Reply.data`` (read defensively)."""
    data: dict[str, Any] = reply.data if isinstance(reply.data, dict) else {}
    answer = data.get("answer")
    candidates: list[Any] = []
    holders: list[dict[str, Any]] = [data, answer if isinstance(answer, dict) else {}]
    for holder in holders:
        for key in ("list", "ids", "all_ids", "list_ids", "items"):
            value = holder.get(key)
            if isinstance(value, dict):
                value = value.get("ids")
            candidates.append(value)
    for value in candidates:
        if isinstance(value, list) and value:
            ids = [v.get("id") if isinstance(v, dict) else v for v in value]
            if all(isinstance(i, str) and i for i in ids):
                return [str(i).split("#")[0] for i in ids]
    return []


def _confident(reply: Reply) -> bool:
    answer = reply.data.get("answer") if isinstance(reply.data, dict) else None
    if isinstance(answer, dict) and "confident" in answer:
        return bool(answer["confident"]) and bool(reply.citations)
    return bool(reply.citations)


def _closest(reply: Reply) -> bool:
    answer = reply.data.get("answer") if isinstance(reply.data, dict) else None
    return isinstance(answer, dict) and answer.get("outcome") == "closest" and bool(reply.citations)


def _plan_from(raw: Any) -> plans.Plan | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("capability"), str):
        return None
    plan = plans.Plan(raw["capability"], raw.get("sub"), dict(raw.get("values") or {}))
    plans.refresh(plan)
    return plan


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if isinstance(v, str | int | float | bool) and v not in ("", None)}


def _slot_keys() -> set[str]:
    from bot.conversation.strings import STRINGS

    return set(STRINGS)
