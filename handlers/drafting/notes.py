"""Technical-translation notes: engineers submit 技术原理解读, the bot drafts 用户价值说明, reviewers publish.

States: draft → in_review → published, or in_review → returned (with a comment) → draft again after an
edit. Every edit is a new version; every state change is an event. Publishing writes the note to the
library folder in the FORMATS.md note format and indexes it at once, so the next answer can cite it.
Readers of any note (answers citing one, ``note show``) can say 「看懂了 / 没看懂」.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import frontmatter
import yaml

from bot.core import Action, Form, FormField, Reply, Request, UserError
from bot.settings import Settings
from handlers.drafting import note_render
from handlers.drafting.note_render import TECHNICAL, USER_VALUE
from handlers.drafting.strings import state_name, t
from knowledge.library.ingest import Ingestor
from knowledge.library.parse import parse_file
from knowledge.llm import ChatModel, ChatModelError
from knowledge.periods import MONTHS_IN, named_day, names_a_period, period_bounds, period_of
from knowledge.writing import readability
from knowledge.writing.note_draft import OFFLINE_MARK, llm_user_value, offline_user_value
from storage import notes as store
from storage.db import session_scope

if TYPE_CHECKING:
    from storage.db import Engine, Session

log = logging.getLogger(__name__)

MAX_FIELD_CHARS = 20000
_LIST_LINES = 50  # a chat message, not a dump: the rest are counted
_UNFINISHED = re.compile(r"（待补充|离线草稿")


class NotesService:
    def __init__(self, engine: Engine, settings: Settings, chat_model: ChatModel | None, ingestor: Ingestor) -> None:
        self.engine = engine
        self.settings = settings
        self.chat_model = chat_model
        self.ingestor = ingestor

    @property
    def notes_dir(self) -> Path:
        return self.settings.drafting.notes_dir or self.settings.data_dir / "library" / "notes"

    def is_reviewer(self, user_id: str) -> bool:
        """A configured reviewer; with none configured, the person at the terminal (``cli:…``, the
        installation's operator), as for managers — chat users are then refused with the setting named."""
        if not self.settings.roles.reviewers:
            return user_id.startswith("cli:")
        return user_id in self.settings.roles.reviewers

    # -- router -----------------------------------------------------------------------------------

    def on_action(self, request: Request) -> Reply:
        action: Action = request.action  # type: ignore[assignment]
        parts = action.action.split(":")
        verb, ref = parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""
        values = action.values
        lang = "zh"
        if verb == "submit":
            return self.submit(
                values.get("title", ""),
                values.get("technology", ""),
                values.get("technical", ""),
                request.user_id,
                lang,
                user_value=values.get("user_value") or None,
            )
        if verb == "edit":
            return self.edit(ref, request.user_id, values.get("user_value", ""), lang)
        if verb == "review":
            return self.submit_for_review(ref, request.user_id, lang)
        if verb == "publish":
            return self.publish(ref, request.user_id, lang)
        if verb == "return":
            if "comment" not in values:
                return self.return_form(ref, request.user_id, lang)
            return self.return_note(ref, request.user_id, values.get("comment", ""), lang)
        raise UserError(t("note_usage", lang))

    def on_feedback(self, request: Request) -> Reply:
        action: Action = request.action  # type: ignore[assignment]
        head, _, answer = action.action.rpartition(":")
        doc_id = head.partition(":")[2]
        if not doc_id or answer not in ("yes", "no"):
            raise UserError(t("note_usage", "zh"))
        return self.feedback(doc_id, request.user_id, answer == "yes", "zh")

    # -- submitting and drafting ------------------------------------------------------------------

    def submit_form(self, lang: str) -> Reply:
        form = Form(
            action="note:submit",
            title=t("note_form_title", lang),
            fields=(
                FormField("title", t("note_field_title", lang), placeholder="例如：联邦学习"),
                FormField("technology", t("note_field_technology", lang), placeholder="例如：联邦学习"),
                FormField(
                    "technical", t("note_field_technical", lang), kind="textarea", placeholder="写给专家看的原理说明"
                ),
            ),
        )
        return Reply(text=t("note_form_title", lang), form=form, private=True)

    def submit(
        self,
        title: str,
        technology: str,
        technical: str,
        user_id: str,
        lang: str = "zh",
        user_value: str | None = None,
    ) -> Reply:
        title, technology, technical = title.strip(), technology.strip(), technical.strip()
        missing = [
            t(key, lang)
            for key, value in (
                ("note_field_title", title),
                ("note_field_technology", technology),
                ("note_field_technical", technical),
            )
            if not value
        ]
        if missing:
            raise UserError(t("note_missing", lang, fields="、".join(missing)))
        for value in (title, technology, technical, user_value or ""):
            if len(value) > MAX_FIELD_CHARS:
                raise UserError(f"内容过长（上限 {MAX_FIELD_CHARS} 字）/ too long (max {MAX_FIELD_CHARS} characters)")
        notice = ""
        if user_value and user_value.strip():
            drafted_by = "author"
            user_value = user_value.strip()
        else:
            user_value, drafted_by = self._draft_value(title, technology, technical, lang)
            if drafted_by == "offline":
                notice = "fell_back" if self.chat_model is not None else "offline"
        check = readability.check(user_value, technical, technology)
        with session_scope(self.engine) as session:
            note = store.create(
                session=session,
                title=title,
                technology=technology,
                author_id=user_id,
                technical=technical,
                user_value=user_value,
                drafted_by=drafted_by,
                readability=check.as_dict(),
            )
            doc_id, version = note.doc_id, note.version
        lines = [t("note_created", lang, id=doc_id, version=version), "", user_value, ""]
        if notice == "offline":
            lines.append(t("note_drafted_offline", lang, id=doc_id))
        elif notice == "fell_back":
            lines.append(t("note_drafted_fell_back", lang) + t("note_drafted_offline", lang, id=doc_id))
        lines.append(note_render.readability_text(check, lang))
        buttons = note_render.editing_buttons(doc_id, lang)
        return Reply(text="\n".join(lines), buttons=buttons, data={"note": self._json(doc_id)})

    def _draft_value(self, title: str, technology: str, technical: str, lang: str) -> tuple[str, str]:
        if self.chat_model is not None:
            try:
                return llm_user_value(self.chat_model, title, technology, technical, lang), "llm"
            except ChatModelError as exc:
                log.warning("chat model unavailable, drafting the note offline: %s", exc)
        return offline_user_value(technical), "offline"

    def submit_file(self, path: Path, user_id: str, lang: str = "zh") -> Reply:
        """A note file in the FORMATS.md note format; only 技术原理解读 is required."""
        try:
            raw = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"无法读取 {path} / cannot read {path}: {exc.__class__.__name__}") from None
        try:
            post = frontmatter.loads(raw)
        except yaml.YAMLError:
            raise UserError(f"{path.name}: front matter 不是合法的 YAML / invalid YAML front matter") from None
        sections = note_render.split_sections(post.content)
        technical = sections.get(TECHNICAL, "").strip()
        if not technical:
            raise UserError(t("note_file_missing_technical", lang, file=path.name))
        title = str(post.metadata.get("title") or "").strip()
        technology = str(post.metadata.get("technology") or title).strip()
        return self.submit(title, technology, technical, user_id, lang, user_value=sections.get(USER_VALUE))

    # -- editing and review -----------------------------------------------------------------------

    def _load(self, session: Session, ref: str, lang: str) -> store.Note:
        """By id or number, else by the title or technology it names (「边缘计算」)."""
        note = store.get(session=session, ref=ref.strip())
        if note is not None:
            return note
        named = store.named(session=session, words=ref)
        if len(named) == 1:
            return named[0]
        if named:
            which = "、".join(f"{n.doc_id}《{n.title}》" for n in named[:5])
            raise UserError(t("note_ambiguous", lang, ref=ref, which=which))
        filed = store.library_named(session=session, words=ref)
        if filed:
            which = "、".join(f"{d.id}《{d.title}》" for d in filed[:5])
            raise UserError(t("note_is_file", lang, which=which))
        raise UserError(t("note_not_found", lang, ref=ref))

    def _require_author_or_reviewer(self, note: store.Note, user_id: str, lang: str) -> None:
        if user_id != note.author_id and not self.is_reviewer(user_id):
            raise UserError(t("note_not_author", lang, id=note.doc_id))

    def _require_state(self, note: store.Note, states: tuple[str, ...], action: str, lang: str) -> None:
        if note.state not in states:
            raise UserError(
                t("note_bad_state", lang, id=note.doc_id, state=state_name(note.state, lang), action=action)
            )

    def edit_form(self, ref: str, user_id: str, lang: str) -> Reply:
        with session_scope(self.engine) as session:
            note = self._load(session, ref, lang)
            self._require_author_or_reviewer(note, user_id, lang)
            self._require_state(note, ("draft", "returned"), "修改" if lang == "zh" else "edited", lang)
            current = store.current_version(session=session, note=note).user_value
            doc_id = note.doc_id
        form = Form(
            action=f"note:edit:{doc_id}",
            title=t("note_edit_title", lang),
            fields=(FormField("user_value", t("note_field_user_value", lang), "textarea", placeholder=current[:150]),),
        )
        return Reply(text=t("note_edit_title", lang), form=form, private=True)

    def edit(self, ref: str, user_id: str, user_value: str, lang: str = "zh") -> Reply:
        user_value = user_value.strip()
        if not user_value:
            raise UserError(t("note_missing", lang, fields=t("note_field_user_value", lang)))
        if len(user_value) > MAX_FIELD_CHARS:
            raise UserError(f"内容过长（上限 {MAX_FIELD_CHARS} 字）/ too long (max {MAX_FIELD_CHARS} characters)")
        with session_scope(self.engine) as session:
            note = self._load(session, ref, lang)
            self._require_author_or_reviewer(note, user_id, lang)
            self._require_state(note, ("draft", "returned"), "修改" if lang == "zh" else "edited", lang)
            technical = store.current_version(session=session, note=note).technical
            check = readability.check(user_value, technical, note.technology)
            store.add_version(
                session=session,
                note=note,
                technical=technical,
                user_value=user_value,
                drafted_by="author",
                readability=check.as_dict(),
                author_id=user_id,
            )
            if note.state == "returned":
                store.transition(session=session, note=note, to_state="draft", actor=user_id, comment="revised")
            doc_id, version = note.doc_id, note.version
        text = (
            t("note_version_saved", lang, id=doc_id, version=version) + "\n" + note_render.readability_text(check, lang)
        )
        return Reply(
            text=text,
            buttons=note_render.editing_buttons(doc_id, lang)[1:],
            data={"note": self._json(doc_id)},
        )

    def submit_for_review(self, ref: str, user_id: str, lang: str = "zh") -> Reply:
        with session_scope(self.engine) as session:
            note = self._load(session, ref, lang)
            self._require_author_or_reviewer(note, user_id, lang)
            self._require_state(note, ("draft", "returned"), "提交审核" if lang == "zh" else "submitted", lang)
            current = store.current_version(session=session, note=note)
            if OFFLINE_MARK in current.user_value or _UNFINISHED.search(current.user_value):
                raise UserError(t("note_unfinished", lang, id=note.doc_id))
            store.transition(session=session, note=note, to_state="in_review", actor=user_id)
            doc_id, version = note.doc_id, note.version
            flags = current.readability
        lines = [t("note_in_review", lang, id=doc_id, version=version)]
        if flags.get("too_technical"):
            lines.append(
                note_render.readability_text(
                    readability.Readability(
                        flags["avg_sentence_chars"], flags["jargon_share"], flags["jargon"], flags["abbreviations"]
                    ),
                    lang,
                )
            )
        buttons = note_render.review_buttons(doc_id, lang)
        return Reply(text="\n".join(lines), buttons=buttons, data={"note": self._json(doc_id)})

    def return_form(self, ref: str, user_id: str, lang: str) -> Reply:
        if not self.is_reviewer(user_id):
            raise UserError(t("note_not_reviewer", lang, action="退回" if lang == "zh" else "return"))
        form = Form(
            action=f"note:return:{ref}",
            title=t("note_return_form", lang),
            fields=(FormField("comment", t("note_field_comment", lang), "textarea"),),
        )
        return Reply(text=t("note_return_form", lang), form=form, private=True)

    def return_note(self, ref: str, user_id: str, comment: str, lang: str = "zh") -> Reply:
        if not self.is_reviewer(user_id):
            raise UserError(t("note_not_reviewer", lang, action="退回" if lang == "zh" else "return"))
        comment = comment.strip()
        if not comment:
            raise UserError(t("note_return_needs_comment", lang))
        with session_scope(self.engine) as session:
            note = self._load(session, ref, lang)
            self._require_state(note, ("in_review",), "退回" if lang == "zh" else "returned", lang)
            store.transition(session=session, note=note, to_state="returned", actor=user_id, comment=comment)
            doc_id = note.doc_id
        return Reply(text=t("note_returned", lang, id=doc_id, comment=comment), data={"note": self._json(doc_id)})

    def publish(self, ref: str, user_id: str, lang: str = "zh") -> Reply:
        if not self.is_reviewer(user_id):
            raise UserError(t("note_not_reviewer", lang, action="发布" if lang == "zh" else "publish"))
        with session_scope(self.engine) as session:
            note = self._load(session, ref, lang)
            self._require_state(note, ("in_review",), "发布" if lang == "zh" else "published", lang)
            current = store.current_version(session=session, note=note)
            content = note_render.note_markdown(note, current, user_id)
            doc_id = note.doc_id
        path = self.notes_dir / f"{doc_id}.md"
        self._write_and_index(path, content, doc_id, lang)
        try:
            with session_scope(self.engine) as session:
                note = self._load(session, doc_id, lang)
                store.mark_published(session=session, note=note, by=user_id, path=str(path))
        except Exception:
            self._unpublish(path, doc_id)
            raise
        return Reply(text=t("note_published", lang, id=doc_id, path=path), data={"note": self._json(doc_id)})

    def _write_and_index(self, path: Path, content: str, doc_id: str, lang: str) -> None:
        """Write atomically, parse back with the library's own parser, index; undo all on failure."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".md.tmp")
            tmp.write_text(content, encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            raise UserError(t("note_publish_failed", lang, reason=f"{path.parent}: {exc.strerror}")) from None
        result = parse_file(path, self.notes_dir)
        if result.errors or not result.documents:
            self._unpublish(path, None)
            raise UserError(t("note_publish_failed", lang, reason="; ".join(result.errors)))
        try:
            report = self.ingestor.index_documents(result.documents)
        except Exception as exc:
            log.exception("indexing note %s failed", doc_id)
            self._unpublish(path, doc_id)
            raise UserError(t("note_publish_failed", lang, reason=exc.__class__.__name__)) from None
        if report.failed:
            self._unpublish(path, doc_id)
            raise UserError(t("note_publish_failed", lang, reason="; ".join(r for _, r in report.failed)))

    def _unpublish(self, path: Path, doc_id: str | None) -> None:
        path.unlink(missing_ok=True)
        if doc_id:
            try:
                self.ingestor.remove(doc_id)
            except Exception:
                log.exception("could not remove %s from the index after a failed publish", doc_id)

    # -- reading ----------------------------------------------------------------------------------

    def show(self, ref: str, lang: str = "zh") -> Reply:
        with session_scope(self.engine) as session:
            filed = store.library_note(session=session, doc_id=ref.strip())
            if filed is not None:  # a note the library holds as a file: read-only here
                where = Path(filed.source_path).name
                lines = [f"**{filed.title}**（{filed.id} · {t('note_in_library', lang, file=where)}）", filed.body]
                return Reply(
                    text="\n".join(lines), data={"note": {"id": filed.id, "state": "published", "file": where}}
                )
            note = self._load(session, ref, lang)
            current = store.current_version(session=session, note=note)
            history = store.events(session=session, note=note)
            lines = [
                f"**{note.title}**（{note.doc_id} · {state_name(note.state, lang)} · v{note.version}）",
                f"## {TECHNICAL}",
                current.technical,
                f"## {USER_VALUE}",
                current.user_value,
            ]
            returned = [e for e in history if e.to_state == "returned"]
            if returned and note.state in ("returned", "draft"):
                lines.append(f"退回意见 / review comment: {returned[-1].comment}")
            doc_id, state = note.doc_id, note.state
        buttons = note_render.buttons_for(state, doc_id, lang)
        return Reply(text="\n".join(lines), buttons=buttons, data={"note": self._json(doc_id)})

    def listing(self, state: str | None, lang: str = "zh") -> Reply:
        names = {state_name(s, "zh"): s for s in store.STATES} | {s: s for s in store.STATES}
        wanted = names.get(state) if state else None
        if state and wanted is None:
            raise UserError(f"状态应为 / state must be one of: {', '.join(store.STATES)}")
        with session_scope(self.engine) as session:
            rows = [
                (n.doc_id, n.title, n.state, n.version, n.author_id)
                for n in store.listing(session=session, state=wanted)
            ]
            # Notes put in the library folder as files are published notes too, outside review.
            filed = (
                [(d.id, d.title, str(d.meta.get("author") or "")) for d in store.library_only(session=session)]
                if wanted in (None, "published")
                else []
            )
        if not rows and not filed:
            if wanted:  # 「有哪些待审核的笔记？」 with none waiting
                return Reply(text=t("note_list_none", lang, state=state_name(wanted, lang)), private=True)
            return Reply(text=t("note_list_empty", lang), private=True)
        lines = [f"• {d} 《{title}》 {state_name(s, lang)} v{v} · {a}" for d, title, s, v, a in rows]
        published = state_name("published", lang)
        lines += [
            f"• {d} 《{title}》 {published} · {t('from_library', lang)}{f' · {a}' if a else ''}"
            for d, title, a in filed
        ]
        if len(lines) > _LIST_LINES:
            rest = len(lines) - _LIST_LINES
            lines = [*lines[:_LIST_LINES], t("note_list_more", lang, rest=rest)]
        header = t("note_list_header", lang, total=len(rows) + len(filed), reviewed=len(rows), filed=len(filed))
        ids = [r[0] for r in rows] + [f[0] for f in filed]
        return Reply(text="\n".join([header, *lines]), private=True, data={"list": {"ids": ids, "total": len(ids)}})

    def feedback(self, doc_id: str, user_id: str, understood: bool, lang: str = "zh") -> Reply:
        with session_scope(self.engine) as session:
            # Only votes on notes that exist count (a stale or forged click is refused, not stored).
            if not store.feedback_target_exists(session=session, doc_id=doc_id):
                raise UserError(t("feedback_unknown", lang, id=doc_id))
            store.record_feedback(session=session, doc_id=doc_id, user_id=user_id, understood=understood)
        answer = t("feedback_yes" if understood else "feedback_no", lang)
        return Reply(text=t("feedback_thanks", lang, id=doc_id, answer=answer), private=True)

    def stats(self, month: str | None, lang: str = "zh", words: str = "") -> Reply:
        """``month`` (YYYY-MM), or ``words`` naming a period (「上季度」「今年」 "last quarter"); else this month."""
        tz = ZoneInfo(self.settings.timezone)
        today = datetime.now(tz).date()
        if month and not re.fullmatch(r"\d{4}-\d{1,2}", month.strip()) and names_a_period(month):
            words, month = f"{month} {words}", None  # 「note stats 上季度」
        period = "month"
        if month:
            match = re.fullmatch(r"(\d{4})-(\d{1,2})", month.strip())
            if not match or not 1 <= int(match.group(2)) <= 12:
                raise UserError(t("stats_month_bad", lang, value=month))
            day = date(int(match.group(1)), int(match.group(2)), 1)
        elif words and names_a_period(words):
            period = period_of(words)
            day = named_day(words, today) or today
        else:
            day = today
        start, end, label = period_bounds(period, day, tz)
        monthly = self.settings.drafting.notes_monthly_goal
        goal = monthly * MONTHS_IN[period]
        target = self.settings.drafting.understanding_goal
        with session_scope(self.engine) as session:
            published = store.published_between(session=session, start=start, end=end)
            rates = store.feedback_rates(session=session, start=start, end=end)
            titles = store.titles(session=session, doc_ids=list(rates))
            authors = store.submitted_by_author(session=session, start=start, end=end)
        mark = "✅" if len(published) >= goal else "⚠️"
        lines = [t("stats_header", lang, month=label, published=len(published), goal=goal, monthly=monthly, mark=mark)]
        lines += [f"  • {n.doc_id} 《{n.title}》" for n in published]
        if authors:  # 「哪位工程师提交的笔记最多？」
            joiner = "、" if lang == "zh" else ", "
            lines.append(t("stats_authors", lang, month=label, authors=joiner.join(f"{a} {n}" for a, n in authors)))
        ranked = sorted(rates.items(), key=lambda kv: (kv[1][0] / kv[1][1], kv[0]))
        rows: list[dict[str, Any]] = []
        if ranked:
            lines.append(t("stats_rates", lang, goal=f"{target:.0%}"))
            for doc_id, (yes, total) in ranked:
                rate = yes / total
                flag = "✅" if rate >= target else "⚠️"
                lines.append(f"  {flag} {doc_id} 《{titles.get(doc_id, doc_id)}》 {rate:.0%}（{yes}/{total}）")
                rows.append(
                    {
                        "id": doc_id,
                        "title": titles.get(doc_id, doc_id),
                        "understood": yes,
                        "answered": total,
                        "rate": round(rate, 3),
                        "meets_goal": rate >= target,
                    }
                )
        else:
            lines.append(t("stats_no_feedback", lang, month=label))
        data = {
            "month": label,  # the period's label: 2026-11, 2026Q3 or 2026
            "period": period,
            "published": len(published),
            "goal": goal,
            "published_ids": [n.doc_id for n in published],
            "understanding_goal": target,
            "notes": rows,
            "submitted_by": [{"author": a, "notes": n} for a, n in authors],
        }
        return Reply(text="\n".join(lines), data={"stats": data})

    def _json(self, doc_id: str) -> dict[str, Any]:
        with session_scope(self.engine) as session:
            note = self._load(session, doc_id, "zh")
            current = store.current_version(session=session, note=note)
            return {
                "id": note.doc_id,
                "title": note.title,
                "technology": note.technology,
                "state": note.state,
                "version": note.version,
                "author": note.author_id,
                "user_value": current.user_value,
                "drafted_by": current.drafted_by,
                "readability": current.readability,
                "versions": len(store.versions(session=session, note=note)),
            }
