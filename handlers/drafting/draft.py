"""Drafting copy for a persona and a format, picking a variant, checking any copy, the personas.

``DraftService`` is what every interface runs (chat, buttons, the ``prbot`` commands): the commands
module hands it typed values, it loads the team's data files, drafts, stores the batch so a button
click or ``draft pick N`` can record which variant won, and renders the reply.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core import Citation, Reply, UserError
from bot.settings import Settings
from handlers.drafting import render, requests
from handlers.drafting.requests import DraftOrder
from handlers.drafting.strings import t
from knowledge.llm import ChatModel
from knowledge.writing import length
from knowledge.writing.compliance import Rulebook, load_rulebook
from knowledge.writing.drafting import Drafter
from knowledge.writing.personas import GENERAL, Catalog, DataFileError, Format, Persona, UnknownName, load_catalog
from knowledge.writing.summarize import clean_source
from storage import drafting as store
from storage.db import session_scope

if TYPE_CHECKING:
    from storage.db import Engine

MAX_COUNT = 20
DEFAULT_COUNT = 5

# The library document a request in words describes (「讲适老化平板那个案例」) by topic and language, or
# None when nothing is relevant enough to cite; the app passes the retriever's, with the answers' bar.
FindDocument = Callable[[str, str], str | None]


class DraftService:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        chat_model: ChatModel | None,
        find_document: FindDocument | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.chat_model = chat_model
        self.find_document = find_document
        self._catalog: Catalog | None = None
        self._rulebook: Rulebook | None = None

    # -- data (loaded on first use; a broken team file is reported, not a crash) -----------------

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            try:
                self._catalog = load_catalog(self.settings.drafting.personas_file)
            except DataFileError as exc:
                raise UserError(f"受众画像文件有误 / persona file error: {exc}") from None
        return self._catalog

    @property
    def rulebook(self) -> Rulebook:
        if self._rulebook is None:
            try:
                self._rulebook = load_rulebook(self.settings.drafting.compliance_file)
            except DataFileError as exc:
                raise UserError(f"合规词表有误 / compliance list error: {exc}") from None
        return self._rulebook

    def persona(self, name: str | None, lang: str) -> Persona:
        if not name:
            return GENERAL
        try:
            return self.catalog.persona(name)
        except UnknownName as exc:
            raise UserError(_unknown("unknown_persona", exc, lang)) from None

    def format(self, name: str | None, lang: str) -> Format | None:
        if not name:
            return None
        try:
            return self.catalog.format(name)
        except UnknownName as exc:
            raise UserError(_unknown("unknown_format", exc, lang)) from None

    # -- a request in words ---------------------------------------------------------------------------

    def from_words(self, order: DraftOrder, user_id: str, platform: str, lang: str) -> Reply:
        """``order.text`` is a request in words (its ``kind`` is ignored); options given in the order win
        over what the words say. A request to check copy is a check, not a summary."""
        if requests.is_check_request(order.text):
            return self.check(requests.checked_text(order.text), order.format, lang)
        personas = {a: p.name for p in self.catalog.personas.values() for a in (p.name, *p.aliases)}
        formats = {a: f.name for f in self.catalog.formats.values() for a in (f.name, *f.aliases)}
        wanted = requests.understand(order.text, personas, formats)
        if wanted is None:
            raise UserError(t("draft_usage", lang))
        found = DraftOrder(
            kind=wanted.kind,
            text=wanted.source,
            doc=order.doc,
            persona=order.persona or wanted.persona,
            format=order.format or wanted.format,
            count=order.count if order.count is not None else wanted.count,
            max_chars=order.max_chars if order.max_chars is not None else wanted.max_chars,
            pick=order.pick,
            language=order.language or wanted.language,
        )
        if not found.text and not found.doc:
            found.doc = self._find_document(wanted.topic, lang)
        return self.draft(found, user_id, platform, lang)

    def _find_document(self, topic: str, lang: str) -> str:
        if not topic or self.find_document is None:
            raise UserError(t("draft_empty_source", lang))
        doc_id = self.find_document(topic, lang)
        if doc_id is None:
            raise UserError(t("draft_no_match", lang, topic=topic))
        return doc_id

    # -- the work ---------------------------------------------------------------------------------

    def draft(self, order: DraftOrder, user_id: str, platform: str, lang: str) -> Reply:
        count = _in_range(order.count, 1, MAX_COUNT, "draft_bad_count", lang)
        max_chars = _in_range(order.max_chars, 5, 2000, "draft_bad_max_chars", lang)
        persona = self.persona(order.persona, lang)
        fmt = self.format(order.format, lang)
        text = (order.text or "").strip()
        if text and order.doc:
            raise UserError(t("draft_two_sources", lang))
        title, meta, citation, source_ref = "", {}, None, "inline"
        if order.doc:
            with session_scope(self.engine) as session:
                doc = store.indexed_document(session=session, doc_id=order.doc.strip())
                if doc is None:
                    raise UserError(t("draft_unknown_doc", lang, doc=order.doc))
                text, title, meta = doc.body, doc.title, dict(doc.meta)
                citation = Citation(doc.id, doc.title, doc.type, doc.source_path, clean_source(doc.body)[:200], 1.0)
                source_ref = doc.id
        if not text:
            raise UserError(t("draft_empty_source", lang))
        limit = self.settings.drafting.max_source_chars
        if len(text) > limit:
            raise UserError(t("draft_source_too_long", lang, n=len(text), limit=limit))
        copy_lang = order.language or lang
        if copy_lang not in ("zh", "en"):
            raise UserError(t("draft_bad_lang", lang, value=copy_lang))
        drafter = Drafter(self.rulebook, self.chat_model)
        result = drafter.draft(
            order.kind, text, persona, fmt, count or DEFAULT_COUNT, max_chars, copy_lang, title=title, meta=meta
        )
        batch_id = uuid.uuid4().hex[:16]
        if result.variants:
            with session_scope(self.engine) as session:
                store.save_batch(
                    session=session,
                    batch_id=batch_id,
                    user_id=user_id,
                    platform=platform,
                    kind=result.kind,
                    persona=result.persona,
                    format=result.format,
                    mode=result.mode,
                    source_ref=source_ref,
                    variants=[v.text for v in result.variants],
                )
        reply = render.render_result(result, lang, batch_id if result.variants else None)
        if citation is not None:
            reply.citations = [citation]
        reply.data["draft"]["source"] = source_ref
        if order.pick is not None and result.variants:
            picked = self.pick(user_id, order.pick, lang, batch_id=batch_id)
            reply.text += "\n\n" + picked.text
            reply.data["draft"]["picked"] = picked.data.get("pick")
        return reply

    def pick(self, user_id: str, number: str | int | None, lang: str, batch_id: str | None = None) -> Reply:
        """Record variant ``number`` of a batch (default: the user's last) as the one used."""
        with session_scope(self.engine) as session:
            if batch_id:
                batch = store.get_batch(session=session, batch_id=batch_id)
            else:
                batch = store.latest_batch(session=session, user_id=user_id)
            if batch is None:
                raise UserError(t("pick_expired" if batch_id else "pick_no_batch", lang))
            n = _variant_number(number, len(batch.variants), lang)
            store.record_pick(session=session, batch=batch, user_id=user_id, variant=n)
            fmt = f" · {batch.format}" if batch.format else ""
            text = t("pick_saved", lang, n=n, persona=batch.persona, format=fmt, text=batch.variants[n - 1])
            data = {
                "batch": batch.id,
                "variant": n,
                "text": batch.variants[n - 1],
                "persona": batch.persona,
                "format": batch.format,
            }
        return Reply(text=text, private=True, data={"pick": data})

    def stats(self, lang: str, since: datetime | None = None) -> Reply:
        with session_scope(self.engine) as session:
            rows = store.stats(session=session, since=since)
        return render.stats_reply(rows, lang)

    def check(self, text: str, fmt_name: str | None, lang: str) -> Reply:
        text = text.strip()
        if not text:
            raise UserError(t("check_usage", lang))
        limit = self.settings.drafting.max_source_chars
        if len(text) > limit:
            raise UserError(t("check_too_long", lang, n=len(text), limit=limit))
        fmt = self.format(fmt_name, lang)
        flagged = self.rulebook.review(text)
        counted = None
        if fmt is not None:
            n = length.count(text, fmt.counter)
            counted = {"chars": n, "limit": fmt.max_chars, "format": fmt.name, "fits": n <= fmt.max_chars}
        return render.check_reply(flagged, counted, lang)

    def personas(self, name: str | None, lang: str) -> Reply:
        """Every persona (bundled and the team's own), or one in full. ``name`` may be a request in
        words: the persona it names (「投资者那个画像关心什么？」), or all of them (「我们有哪些受众画像？」)."""
        if name and name.strip() not in self.catalog.personas:
            aliases = {a: p.name for p in self.catalog.personas.values() for a in (p.name, *p.aliases)}
            named = requests.mentioned(name.lower().replace("-", " "), aliases)  # decision-maker
            if named:
                name = aliases[named]
            elif _ASKS_FOR_ALL.search(name):
                name = None
        if name:
            return Reply(text=render.persona_card(self.persona(name, lang)), private=True)
        listed = list(self.catalog.personas.values())
        return Reply(
            text=render.personas_text(listed, lang), private=True, data={"personas": render.personas_json(listed)}
        )


# 「我们有哪些受众画像？」「一共有几类受众？」 "List the audience personas we have."
_ASKS_FOR_ALL = re.compile(r"哪些|几类|几种|几个|所有|全部|列一下|列出|有什么|\b(list|all|which|what)\b", re.IGNORECASE)


def _in_range(value: int | None, low: int, high: int, key: str, lang: str) -> int | None:
    if value is not None and not low <= value <= high:
        raise UserError(t(key, lang, value=value))
    return value


def _variant_number(value: str | int | None, n: int, lang: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise UserError(t("pick_bad_number", lang, n=n, value=value if value is not None else "")) from None
    if not 1 <= number <= n:
        raise UserError(t("pick_bad_number", lang, n=n, value=value))
    return number


def _unknown(key: str, exc: UnknownName, lang: str) -> str:
    suggest = t("did_you_mean", lang, name=exc.suggestion) if exc.suggestion else ""
    return t(key, lang, name=exc.name, suggest=suggest, known="、".join(exc.known))
