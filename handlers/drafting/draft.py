"""Draft copy for a persona and a format (``draft``), check any copy (``check``), list personas.

Every interface uses ``DraftService``: the router (Slack, Feishu, terminal chat) and the CLI. Drafts are
stored as a batch so a button click or ``draft pick N`` can record which variant won.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from bot import messages as msg
from bot.core import Action, Button, Citation, Command, Reply, Request, UserError
from bot.router import Router
from bot.settings import Settings
from handlers.drafting.strings import t
from knowledge.llm import ChatModel
from storage import drafting as store
from storage import library
from storage.db import session_scope
from writing import factcheck, length
from writing.compliance import Finding, FlaggedSentence, Rulebook, load_rulebook
from writing.drafting import KINDS, Drafter, DraftResult
from writing.personas import GENERAL, Catalog, DataFileError, Format, Persona, UnknownName, load_catalog
from writing.summarize import clean_source

MAX_COUNT = 20
_HEADLINE_CUE = re.compile(r"标题|headline", re.IGNORECASE)
_SUMMARY_CUE = re.compile(r"摘要|压成|压缩|缩写|改写|微博|导语|脚本|文案|summary", re.IGNORECASE)
# A request to write copy (not a question about the library): a writing verb, then what to write.
DRAFT_REQUEST = re.compile(
    r"(写|拟|起|生成|出|来|改写|帮我|给我)[^。？?！!]{0,20}(标题|摘要|导语|文案|微博|脚本)|压成[^。？?]{0,10}(微博|摘要|字)"
    r"|\b(write|draft)\b.{0,30}\b(headlines?|summary|summaries|copy|post)\b",
    re.IGNORECASE,
)
_COUNT = re.compile(r"(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:个|条|则|版|组)")
_COUNT_EN = re.compile(
    r"\b(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:headlines?|titles?|summary|summaries|versions?|variants?|posts?|options?)\b",
    re.IGNORECASE,
)
_EN_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_IN_ENGLISH = re.compile(r"\bin english\b|英文|英语", re.IGNORECASE)
_IN_CHINESE = re.compile(r"\bin chinese\b|中文|汉语", re.IGNORECASE)
_EN_NOISE = re.compile(
    r"\b(?:please|write|draft|give|me|us|make|create|\d+|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"short|headlines?|titles?|summary|summaries|versions?|variants?|posts?|for|in|english|chinese|about|on|"
    r"the|a|an|of|that|this|case|story|project)\b",
    re.IGNORECASE,
)
_CHAR_LIMIT = re.compile(r"(\d{1,4})\s*字")
_SOURCE_AFTER = re.compile(r"^(.*?)[：:]\s*(.+)$", re.DOTALL)
_TOPIC_NOISE = re.compile(
    r"帮我|请|给|为|写|出|来|生成|起草|想要|[\d一二两三四五六七八九十]+\s*(?:个|条|则|版|组|字)|标题|摘要|讲|关于|那个|"
    r"这个|那篇|这篇|案例|新闻稿|的|把|这段|压成|微博|[，,。.!！?？、]"
)
# A request to check copy, in words: 「帮我检查一下这段文案合不合规：…」「这段有没有违反广告法：…」.
CHECK_REQUEST = re.compile(
    r"(?:检查|检测|审核|审一下|看看|查查|查一下)[^：:。？?]{0,16}(?:合规|违规|广告法|极限词|违禁词|禁用词|绝对化)"
    r"|(?:合不合规|是否合规|有没有违规|违不违规|违反广告法|广告法)[^：:。]{0,12}[：:]"
    r"|\b(?:check|review)\b.{0,30}\b(?:compliance|compliant|claims|advertising law)\b",
    re.IGNORECASE,
)
MAX_SHOWN_SENTENCES = 20  # a check reply lists at most this many flagged sentences (the JSON has all)
_COMMAND_WORDS = {"stats", "pick", "submit", "list", "show", "edit", "review", "publish", "return"}
KIND_ALIASES = {
    "headline": "headline",
    "headlines": "headline",
    "标题": "headline",
    "title": "headline",
    "summary": "summary",
    "摘要": "summary",
    "summarize": "summary",
    "压缩": "summary",
}
_VALUE_OPTIONS = {
    "--persona": "persona",
    "-p": "persona",
    "--format": "format",
    "-f": "format",
    "--count": "count",
    "-n": "count",
    "--max-chars": "max_chars",
    "--doc": "doc",
    "--pick": "pick",
    "--file": "file",
    "--lang": "language",
}


@dataclass
class DraftArgs:
    kind: str = ""
    text: str = ""
    doc: str | None = None
    persona: str | None = None
    format: str | None = None
    count: str | int | None = None
    max_chars: str | int | None = None
    pick: str | int | None = None
    file: str | None = None
    language: str | None = None  # the copy's language (zh | en); default: the request's


def register(router: Router, engine: Engine, settings: Settings, chat_model: ChatModel | None) -> DraftService:
    service = DraftService(engine, settings, chat_model)
    router.command(
        Command(
            "draft",
            service.handle,
            "起草文案：按受众画像和形式写标题/摘要，自动核对数字和广告法用语",
            "draft headlines or summaries for a persona and format, fact- and compliance-checked",
            "draft headline|summary [原文] --doc ID --persona 受众 --format 形式 --count N",
            aliases=("起草", "文案"),
            examples=(
                "给银发群体写5个标题，讲适老化平板那个案例",
                "帮我写一段微博摘要，介绍城商行智能客服项目",
                "写3个给IT决策人的标题",
                "把这个案例改写成短视频脚本的开头",
                "Write 3 headlines for IT decision makers about the bank case",
            ),
        )
    )
    router.on_intent(CHECK_REQUEST, "check")  # before drafting: 「检查这段文案…」 is a check, not a summary
    router.on_intent(DRAFT_REQUEST, "draft")
    router.command(
        Command(
            "check",
            service.handle_check,
            "检查文案：广告法绝对化用语和团队禁用词（可加 --format 查字数）",
            "check copy for absolute claims (Advertising Law) and banned words",
            "check 文案 [--format 微博]",
            aliases=("检查", "合规"),
            examples=(
                "这段文案合规吗：我们是行业第一的智能客服",
                "帮我检查一下这段文案有没有违反广告法：全网最低价",
                "看看这条微博字数超没超",
                "is this copy compliant: the best tablet ever",
            ),
        )
    )
    router.command(
        Command(
            "personas",
            service.handle_personas,
            "列出受众画像",
            "list audience personas",
            "personas [名称]",
            aliases=("受众", "画像", "persona"),
            examples=(
                "都有哪些受众画像可以选？",
                "Z世代极客这个画像是什么样的？",
                "which personas can I write for?",
            ),
        )
    )
    router.on_action("draftpick", service.on_pick)
    return service


class DraftService:
    def __init__(self, engine: Engine, settings: Settings, chat_model: ChatModel | None) -> None:
        self.engine = engine
        self.settings = settings
        self.chat_model = chat_model
        self._catalog: Catalog | None = None
        self._rulebook: Rulebook | None = None
        # Set by register_all: the library document a request in words refers to (「讲适老化平板那个案例」),
        # or None when nothing is relevant enough to cite.
        self.find_document: Callable[[str, str], str | None] | None = None

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

    # -- router entry points ----------------------------------------------------------------------

    def handle(self, request: Request, args: list[str]) -> Reply:
        lang = command_lang(args)
        parsed = parse_args(args, lang)
        if parsed.file is not None:
            raise UserError(t("draft_file_in_chat", lang))
        if parsed.kind == "stats":
            return self.stats(lang)
        if parsed.kind == "pick":
            return self.pick(request.user_id, parsed.text or parsed.pick, lang)
        if parsed.kind not in KINDS and CHECK_REQUEST.search(parsed.text):
            return self.check(checked_text(parsed.text), parsed.format, lang)
        if parsed.kind not in KINDS:
            # A request in words speaks the language of its instruction, not of the text after the colon.
            instruction = _SOURCE_AFTER.search(parsed.text)
            if instruction:
                lang = msg.detect_language("draft " + instruction.group(1))
            parsed = self.understand(parsed, lang)
        return self.draft(parsed, request.user_id, request.platform, lang)

    def understand(self, parsed: DraftArgs, lang: str) -> DraftArgs:
        """A request in words: 「给银发群体写5个标题，讲适老化平板那个案例」, 「把这段新闻稿压成140字微博：……」.
        Kind, count, persona, format and length come from the words; the source is the text after a colon,
        or the library document the rest of the request describes."""
        text = parsed.text.strip()
        kind = "headline" if _HEADLINE_CUE.search(text) else "summary" if _SUMMARY_CUE.search(text) else ""
        if not kind:
            raise UserError(t("draft_usage", lang))
        instruction, source = text, ""
        match = _SOURCE_AFTER.search(text)
        if match and len(match.group(2).strip()) >= 10:
            instruction, source = match.group(1), match.group(2).strip()
        found = DraftArgs(
            kind=kind,
            text=source,
            doc=parsed.doc,
            persona=parsed.persona,
            format=parsed.format,
            count=parsed.count,
            max_chars=parsed.max_chars,
            pick=parsed.pick,
            language=parsed.language,
        )
        count = _COUNT.search(instruction)
        count_en = _COUNT_EN.search(instruction)
        if count and found.count is None:
            value = factcheck.cn_to_number(count.group(1))
            found.count = int(value) if value is not None else None
        elif count_en and found.count is None:
            word = count_en.group(1).lower()
            found.count = _EN_NUMBERS.get(word) or int(word)
        if found.language is None:
            found.language = (
                "en" if _IN_ENGLISH.search(instruction) else "zh" if _IN_CHINESE.search(instruction) else None
            )
        limit = _CHAR_LIMIT.search(instruction)
        if limit and found.max_chars is None:
            found.max_chars = int(limit.group(1))
        lowered = instruction.lower()
        said = ""  # the words that named the persona; they are not part of the topic
        if found.persona is None:
            aliases = {a: p.name for p in self.catalog.personas.values() for a in (p.name, *p.aliases)}
            said = _mentioned(lowered, aliases) or ""
            found.persona = aliases.get(said)
        if found.format is None:
            # The format named last is the target: 「把这段新闻稿压成微博」 asks for a Weibo post.
            formats = {a: f.name for f in self.catalog.formats.values() for a in (f.name, *f.aliases)}
            found.format = formats.get(_mentioned(lowered, formats, last=True) or "")
        if not source and not found.doc:
            found.doc = self._find_document(
                instruction.lower().replace(said.lower(), " ") if said else instruction, lang
            )
        return found

    def _find_document(self, instruction: str, lang: str) -> str:
        topic = " ".join(_EN_NOISE.sub(" ", _TOPIC_NOISE.sub(" ", _IN_ENGLISH.sub(" ", instruction))).split())
        if not topic or self.find_document is None:
            raise UserError(t("draft_empty_source", lang))
        doc_id = self.find_document(topic, lang)
        if doc_id is None:
            raise UserError(t("draft_no_match", lang, topic=topic))
        return doc_id

    def on_pick(self, request: Request) -> Reply:
        action: Action = request.action  # type: ignore[assignment]
        _, batch_id, number = [*action.action.split(":"), "", ""][:3]
        lang = "zh" if msg.detect_language(request.text) == "zh" else "en"
        return self.pick(request.user_id, number or action.value, lang, batch_id=batch_id)

    def handle_check(self, request: Request, args: list[str]) -> Reply:
        lang = command_lang(args)
        words, fmt_name, index = [], None, 0
        while index < len(args):
            if args[index] in ("--format", "-f") and index + 1 < len(args):
                fmt_name = args[index + 1]
                index += 2
            elif args[index] == "--file":
                raise UserError(t("draft_file_in_chat", lang))
            else:
                words.append(args[index])
                index += 1
        return self.check(checked_text(" ".join(words)), fmt_name, lang)

    def handle_personas(self, request: Request, args: list[str]) -> Reply:
        lang = command_lang(args)
        if args:
            persona = self.persona(" ".join(args), lang)
            return Reply(text=persona_card(persona), private=True)
        return Reply(text=self.personas_text(lang), private=True, data={"personas": self.personas_json()})

    # -- the work ---------------------------------------------------------------------------------

    def draft(self, args: DraftArgs, user_id: str, platform: str, lang: str) -> Reply:
        count = _int_in(args.count, 1, MAX_COUNT, 5, "draft_bad_count", lang)
        max_chars = _int_in(args.max_chars, 5, 2000, None, "draft_bad_max_chars", lang)
        persona = self.persona(args.persona, lang)
        fmt = self.format(args.format, lang)
        text = (args.text or "").strip()
        if text and args.doc:
            raise UserError(t("draft_two_sources", lang))
        title, meta, citation, source_ref = "", {}, None, "inline"
        if args.doc:
            with session_scope(self.engine) as session:
                doc = library.get_document(session, args.doc.strip())
                if doc is None or not doc.indexed:
                    raise UserError(t("draft_unknown_doc", lang, doc=args.doc))
                text, title, meta = doc.body, doc.title, dict(doc.meta)
                citation = Citation(doc.id, doc.title, doc.type, doc.source_path, clean_source(doc.body)[:200], 1.0)
                source_ref = doc.id
        if not text:
            raise UserError(t("draft_empty_source", lang))
        limit = self.settings.drafting.max_source_chars
        if len(text) > limit:
            raise UserError(t("draft_source_too_long", lang, n=len(text), limit=limit))
        drafter = Drafter(self.rulebook, self.chat_model)
        copy_lang = args.language or lang
        if copy_lang not in ("zh", "en"):
            raise UserError(t("draft_bad_lang", lang, value=copy_lang))
        result = drafter.draft(args.kind, text, persona, fmt, count, max_chars, copy_lang, title=title, meta=meta)
        batch_id = uuid.uuid4().hex[:16]
        if result.variants:
            with session_scope(self.engine) as session:
                store.save_batch(
                    session,
                    store.DraftBatch(
                        id=batch_id,
                        user_id=user_id,
                        platform=platform,
                        kind=result.kind,
                        persona=result.persona,
                        format=result.format,
                        mode=result.mode,
                        source_ref=source_ref,
                        variants=[v.text for v in result.variants],
                    ),
                )
        reply = render_result(result, lang, batch_id if result.variants else None)
        if citation is not None:
            reply.citations = [citation]
        reply.data["draft"]["source"] = source_ref
        if args.pick is not None and result.variants:
            picked = self.pick(user_id, args.pick, lang, batch_id=batch_id)
            reply.text += "\n\n" + picked.text
            reply.data["draft"]["picked"] = picked.data.get("pick")
        return reply

    def pick(self, user_id: str, number: str | int | None, lang: str, batch_id: str | None = None) -> Reply:
        with session_scope(self.engine) as session:
            batch = store.get_batch(session, batch_id) if batch_id else store.latest_batch(session, user_id)
            if batch is None:
                raise UserError(t("pick_expired" if batch_id else "pick_no_batch", lang))
            n = _int_in(number, 1, len(batch.variants), None, "pick_bad_number", lang, n=len(batch.variants))
            if n is None:
                raise UserError(t("pick_bad_number", lang, n=len(batch.variants), value=""))
            store.record_pick(session, batch, user_id, n)
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
            rows = store.stats(session, since)
        if not rows:
            return Reply(text=t("draft_stats_empty", lang), data={"stats": []})
        lines = [t("draft_stats_header", lang)]
        for row in rows:
            rate = f"{row['pick_rate']:.0%}" if row["pick_rate"] is not None else "—"
            kind = t(f"draft_title_{row['kind']}", lang)
            fmt = row["format"] or ("不限形式" if lang == "zh" else "any format")
            lines.append(
                f"• {row['persona']} · {fmt} · {kind}: 选用 {row['picked']} / 生成 {row['drafted']}（{rate}）"
                if lang == "zh"
                else f"• {row['persona']} · {fmt} · {kind}: picked {row['picked']} / drafted {row['drafted']} ({rate})"
            )
        return Reply(text="\n".join(lines), data={"stats": rows})

    def check(self, text: str, fmt_name: str | None, lang: str) -> Reply:
        """Claims sentence by sentence, each flagged sentence with one suggested rewrite, and the length for
        a format. ``data["check"]["flagged"]`` is true when anything is flagged, the length included."""
        text = text.strip()
        if not text:
            raise UserError(t("check_usage", lang))
        limit = self.settings.drafting.max_source_chars
        if len(text) > limit:
            raise UserError(t("check_too_long", lang, n=len(text), limit=limit))
        fmt = self.format(fmt_name, lang)
        flagged = self.rulebook.review(text)
        findings = [f for sentence in flagged for f in sentence.findings]
        lines = [t("check_found", lang, n=len(findings), s=len(flagged)) if findings else t("check_clean", lang)]
        lines += compliance_lines(flagged[:MAX_SHOWN_SENTENCES], lang)
        if len(flagged) > MAX_SHOWN_SENTENCES:
            lines.append(t("check_more", lang, n=len(flagged) - MAX_SHOWN_SENTENCES))
        data: dict[str, Any] = {
            "findings": [finding_json(f) for f in findings],
            "sentences": [sentence_json(s) for s in flagged],
        }
        too_long = False
        if fmt is not None:
            n = length.count(text, fmt.counter)
            ok = n <= fmt.max_chars
            too_long = not ok
            verdict = t("length_ok" if ok else "too_long", lang)
            lines.append(t("check_length", lang, n=n, limit=fmt.max_chars, format=fmt.name, verdict=verdict))
            data["length"] = {"chars": n, "limit": fmt.max_chars, "format": fmt.name, "fits": ok}
        data["flagged"] = bool(findings) or too_long
        return Reply(text="\n".join(lines), data={"check": data})

    def personas_text(self, lang: str) -> str:
        lines = [t("personas_header", lang)]
        for p in self.catalog.personas.values():
            mark = "（自定义）" if p.custom and lang == "zh" else (" (custom)" if p.custom else "")
            lines.append(f"• {p.name}{mark} — {p.who}")
        return "\n".join(lines)

    def personas_json(self) -> list[dict[str, Any]]:
        return [
            {
                "name": p.name,
                "aliases": list(p.aliases),
                "who": p.who,
                "tone": p.tone,
                "use": list(p.use),
                "avoid": list(p.avoid),
                "formats": list(p.formats),
                "example": p.example,
                "custom": p.custom,
            }
            for p in self.catalog.personas.values()
        ]


# ---- parsing and rendering ----------------------------------------------------------------------


def parse_args(args: list[str], lang: str = "zh") -> DraftArgs:
    """``headline|summary|pick|stats`` then source words and options in any order."""
    parsed = DraftArgs()
    words: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        key = arg.split("=", 1)[0]
        if key in _VALUE_OPTIONS:
            if "=" in arg:
                value = arg.split("=", 1)[1]
                index += 1
            elif index + 1 < len(args):
                value = args[index + 1]
                index += 2
            else:
                raise UserError(t("draft_missing_value", lang, option=key))
            setattr(parsed, _VALUE_OPTIONS[key], value)
        elif arg == "--json":
            index += 1
        else:
            words.append(arg)
            index += 1
    if words:
        first = words[0].lower()
        if first in KIND_ALIASES:
            parsed.kind, words = KIND_ALIASES[first], words[1:]
        elif first in ("stats", "统计", "pick", "选"):
            parsed.kind, words = ("stats" if first in ("stats", "统计") else "pick"), words[1:]
    parsed.text = " ".join(words)
    return parsed


def command_lang(args: list[str]) -> str:
    """The language of what the user wrote, ignoring English command words, options and identifiers:
    ``draft pick 2`` or ``--doc case-012`` carry no language, so they get the default (Chinese first)."""
    skip_values = {"--file", "--doc", "--count", "-n", "--max-chars", "--pick", "--batch", "--month"}
    words, index = [], 0
    while index < len(args):
        arg = args[index]
        if arg in skip_values:
            index += 2
            continue
        if not arg.startswith("-") and arg.lower() not in KIND_ALIASES and arg.lower() not in _COMMAND_WORDS:
            words.append(arg)
        index += 1
    # detect_language expects a message that starts with its command word.
    return msg.detect_language("draft " + " ".join(words))


def _int_in(value: str | int | None, low: int, high: int, default: int | None, key: str, lang: str, **extra: object):  # type: ignore[no-untyped-def]
    if value is None or value == "":
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise UserError(t(key, lang, value=value, **extra)) from None
    if not low <= number <= high:
        raise UserError(t(key, lang, value=value, **extra))
    return number


def _mentioned(text: str, names: dict[str, str], last: bool = False) -> str | None:
    """The name or alias (2+ characters) that occurs in the text: the longest, or the last named."""
    found = [(text.rfind(a.lower()), len(a), a) for a in names if len(a) >= 2 and a.lower() in text]
    if not found:
        return None
    return max(found, key=lambda f: (f[0], f[1]) if last else (f[1], -f[0]))[2]


def _unknown(key: str, exc: UnknownName, lang: str) -> str:
    suggest = t("did_you_mean", lang, name=exc.suggestion) if exc.suggestion else ""
    return t(key, lang, name=exc.name, suggest=suggest, known="、".join(exc.known))


def persona_card(p: Persona) -> str:
    return (
        f"**{p.name}**\n人群：{p.who}\n语气：{p.tone}\n常用词：{'、'.join(p.use) or '—'}\n"
        f"忌用词：{'、'.join(p.avoid) or '—'}\n偏好形式：{'、'.join(p.formats) or '—'}\n示例标题：{p.example}"
    )


def checked_text(text: str) -> str:
    """The copy to check: after the colon of a request in words (「帮我检查一下这段文案合不合规：…」)."""
    match = _SOURCE_AFTER.search(text)
    if match and CHECK_REQUEST.search(match.group(1)):
        return match.group(2).strip()
    return text


def compliance_lines(flagged: list[FlaggedSentence], lang: str, indent: str = "  ") -> list[str]:
    """Per flagged sentence: the sentence, each claim with its severity and reason, one suggestion."""
    lines = []
    for sentence in flagged:
        lines.append(indent + t("compliance_sentence", lang, sentence=sentence.sentence))
        for f in sentence.findings:
            mark = "⛔" if f.severity == "violation" else "⚠️"
            severity = t(f"severity_{f.severity}", lang)
            lines.append(
                indent + "  " + t("compliance_flag", lang, mark=mark, term=f.term, severity=severity, reason=f.reason)
            )
        rules = "；".join(dict.fromkeys(f.rule for f in sentence.findings))
        lines.append(indent + "  " + t("compliance_rules", lang, rules=rules))
        if sentence.suggestion:
            lines.append(indent + "  " + t("compliance_suggest", lang, rewrite=sentence.suggestion))
        else:
            advice = "；".join(dict.fromkeys(f.advice for f in sentence.findings))
            lines.append(indent + "  " + t("compliance_no_rewrite", lang, advice=advice))
    return lines


def group_findings(findings: list[Finding]) -> list[FlaggedSentence]:
    """Findings of one text grouped back into their sentences (each carries its sentence's suggestion)."""
    groups: dict[str, FlaggedSentence] = {}
    for f in findings:
        if f.quote not in groups:
            groups[f.quote] = FlaggedSentence(f.quote, [], f.rewrite)
        groups[f.quote].findings.append(f)
    return list(groups.values())


def finding_json(f: Finding) -> dict[str, str]:
    return {
        "term": f.term,
        "quote": f.quote,
        "severity": f.severity,
        "reason": f.reason,
        "rule": f.rule,
        "rewrite": f.rewrite,
        "advice": f.advice,
    }


def sentence_json(s: FlaggedSentence) -> dict[str, Any]:
    return {
        "sentence": s.sentence,
        "severity": s.severity,
        "suggestion": s.suggestion,
        "note": s.note,
        "terms": [f.term for f in s.findings],
    }


def render_result(result: DraftResult, lang: str, batch_id: str | None) -> Reply:
    kind = t(f"draft_title_{result.kind}", lang)
    fmt = f" · {result.format}" if result.format else ""
    counter = t("draft_weibo_counter", lang) if result.counter == "weibo" else ""
    lines = []
    if result.mode == "offline":
        lines.append(t("draft_fell_back" if result.fell_back else "draft_offline", lang))
    lines.append(
        t("draft_header", lang, kind=kind, persona=result.persona, format=fmt, limit=result.limit, counter=counter)
    )
    for n, v in enumerate(result.variants, start=1):
        note = f"（{v.chars} 字" + (f"，{t('draft_cut', lang)}）" if v.cut else "）")
        body = v.text.replace("\n", "\n   ")
        lines.append(f"{n}. {body} {note}")
        lines += ["  " + t("fact_flag", lang, claim=i.claim, quote=i.quote) for i in v.facts]
        lines += compliance_lines(group_findings(v.compliance), lang, indent="   ")
    if not result.variants:
        lines.append(t("draft_none", lang))
    elif len(result.variants) < result.requested:
        lines.append(t("draft_fewer", lang, wanted=result.requested, got=len(result.variants)))
    if result.english_needs_model:
        lines.append(t("draft_english_needs_model", lang))
    if result.rewritten:
        lines.append(t("draft_rewritten", lang, n=result.rewritten))
    if result.dropped:
        lines.append(t("draft_dropped", lang, n=len(result.dropped)))
        lines += [f"  ✗ {text[:60]}：{reason}" for text, reason in result.dropped]
    buttons = []
    if batch_id:
        lines.append(t("pick_hint", lang))
        buttons = [
            Button(t("pick_button", lang, n=n), f"draftpick:{batch_id}:{n}", str(n))
            for n in range(1, len(result.variants) + 1)
        ]
    data = {
        "batch": batch_id,
        "kind": result.kind,
        "persona": result.persona,
        "format": result.format,
        "mode": result.mode,
        "offline": result.mode == "offline",
        "fell_back": result.fell_back,
        "language": result.language,
        "english_needs_model": result.english_needs_model,
        "rewritten": result.rewritten,
        "limit": result.limit,
        "counter": result.counter,
        "variants": [
            {
                "n": n,
                "text": v.text,
                "chars": v.chars,
                "cut": v.cut,
                "fact_issues": [{"claim": i.claim, "quote": i.quote} for i in v.facts],
                "compliance": [finding_json(f) for f in v.compliance],
            }
            for n, v in enumerate(result.variants, start=1)
        ],
        "dropped": [{"text": text, "reason": reason} for text, reason in result.dropped],
    }
    return Reply(text="\n".join(lines), buttons=buttons, data={"draft": data})


def register_all(services: Any) -> None:
    """Drafting, compliance checks, personas and technical-translation notes: one call from the app's
    composition root (``services`` is its ``Services``; only the parts below are used)."""
    from handlers.drafting import notes

    service = register(services.router, services.engine, services.settings, services.chat_model)

    def find_document(topic: str, lang: str) -> str | None:
        # The same relevance bar the bot uses before it cites anything in an answer.
        hits = services.retriever.search(topic, k=1).hits
        return hits[0].id if hits and services.answerer.is_relevant(hits[0], lang) else None

    service.find_document = find_document
    notes.register(services.router, services.engine, services.settings, services.chat_model, services.ingestor)
