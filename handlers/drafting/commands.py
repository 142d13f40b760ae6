"""``draft …``, ``check``, ``personas`` and ``note …``, declared once for chat, the CLI and the
conversation layer; the draft pick buttons and the note buttons and forms.

Each command hands its typed arguments to the drafting or notes service. A file (``--file``) or
stdin (``-``) is read only for the ``prbot`` command line: chat cannot read files on the server.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import Field

from bot import i18n
from bot.commands import Args, Context, Flags, Group, Hint, Lang, Positional, Rest, Text, command
from bot.core import Action, Reply, Request, UserError
from handlers.drafting.requests import CHECK_REQUEST, DRAFT_REQUEST, DraftOrder, checked_text, instruction_of
from handlers.drafting.strings import t

__all__ = ["CHECK_REQUEST", "DRAFT_REQUEST", "DraftCommands", "NoteCommands"]

if TYPE_CHECKING:  # the services load models, data files and the database: the app builds them
    from handlers.drafting.draft import DraftService
    from handlers.drafting.notes import NotesService

DRAFT = Group(
    "draft",
    "起草文案：按受众画像和形式写标题/摘要，自动核对数字和广告法用语",
    "draft headlines or summaries for a persona and format, fact- and compliance-checked",
    aliases=("起草", "文案"),
    default="write",  # 「draft 给银发群体写5个标题…」: a request in words
)
CHECK = Group(
    "check",
    "检查文案：广告法绝对化用语和团队禁用词（可加 --format 查字数）",
    "check copy for absolute claims (Advertising Law) and banned words",
    aliases=("检查", "合规"),
)
PERSONAS = Group("personas", "列出受众画像", "list audience personas", aliases=("受众", "画像", "persona"))
NOTE = Group(
    "note",
    "技术翻译笔记：提交、起草用户价值说明、审核发布、理解率统计",
    "technical-translation notes: submit, draft the plain-language value, review, publish, stats",
    aliases=("notes", "笔记"),
)

_COUNT_HINT = Hint(invalid="drafting.draft_bad_count")
_MAX_HINT = Hint(invalid="drafting.draft_bad_max_chars")
Doc = Annotated[str | None, Field(description="A library document id as the source, e.g. case-012.")]
PersonaName = Annotated[str | None, Flags("-p"), Field(description="受众画像: a persona name or alias.")]
FormatName = Annotated[
    str | None, Flags("-f"), Field(description="微博, 新闻稿导语, 短视频脚本, 白皮书摘要, 图文, 朋友圈")
]
Count = Annotated[int | None, Flags("-n"), _COUNT_HINT, Field(description="How many variants (1-20, default 5).")]
MaxChars = Annotated[int | None, _MAX_HINT, Field(description="Length limit (the channel's limit still applies).")]
PickNumber = Annotated[str | None, Field(description="Pick variant N of this draft at once.")]
SourceFile = Annotated[str | None, Field(description="Read the text from a file (terminal only; '-' is stdin).")]
CopyText = Annotated[str, Rest(), Field(description="The copy to check ('-' reads stdin in the terminal).")]
NoteRef = Annotated[str, Positional(), Field(min_length=1, description="The note's id, e.g. note-20261126-3.")]


class DraftArgs(Args):
    text: Annotated[str, Rest(), Field(description="The source text ('-' reads stdin in the terminal).")] = ""
    file: SourceFile = None
    doc: Doc = None
    persona: PersonaName = None
    format: FormatName = None
    count: Count = None
    max_chars: MaxChars = None
    pick: PickNumber = None
    lang: Lang = None


class WriteArgs(Args):
    text: Annotated[str, Rest(), Field(description="What to write, in words, with the text after a colon.")] = ""
    doc: Doc = None
    persona: PersonaName = None
    format: FormatName = None
    count: Count = None
    max_chars: MaxChars = None
    pick: PickNumber = None
    lang: Lang = None


class PickArgs(Args):
    number: Annotated[str | None, Positional(), Field(description="The variant number shown.")] = None
    batch: Annotated[str | None, Field(description="A draft batch id (default: your last draft).")] = None
    lang: Lang = None


class NoOptions(Args):
    lang: Lang = None


with warnings.catch_warnings():
    # The field is named as the conversation layer's slot for it ("copy"), which BaseModel.copy shadows.
    warnings.filterwarnings("ignore", message='Field name "copy"', category=UserWarning)

    class CheckArgs(Args):
        copy: CopyText = ""  # type: ignore[assignment]
        format: FormatName = None
        file: SourceFile = None
        lang: Lang = None


class PersonasArgs(Args):
    persona: Annotated[str, Rest(), Field(description="Show this persona in full.")] = ""
    lang: Lang = None


class SubmitArgs(Args):
    title: Annotated[str, Text(), Field(description="The note's title.")] = ""
    technology: Annotated[str, Field(description="The technology it explains.")] = ""
    technical: Annotated[str, Text(), Field(description="技术原理解读: the explanation for experts.")] = ""
    user_value: Annotated[str, Text(), Field(description="用户价值说明 (default: drafted by the bot).")] = ""
    file: Annotated[str | None, Field(description="A note file (FORMATS.md note format; terminal only).")] = None
    lang: Lang = None


class NoteListArgs(Args):
    state: Annotated[str | None, Positional(), Field(description="draft, in_review, returned or published.")] = None
    lang: Lang = None


class NoteArgs(Args):
    note: NoteRef
    lang: Lang = None


class EditArgs(Args):
    note: NoteRef
    user_value: Annotated[
        str, Rest(), Flags("--text"), Field(description="The new 用户价值说明 (none: open the form).")
    ] = ""
    file: SourceFile = None
    lang: Lang = None


class ReturnArgs(Args):
    note: NoteRef
    comment: Annotated[str, Rest(), Flags("-m", "--comment"), Field(description="Why it goes back.")] = ""
    lang: Lang = None


class NoteStatsArgs(Args):
    month: Annotated[str | None, Positional(), Flags("--month"), Field(description="YYYY-MM (default: now).")] = None
    request: Annotated[
        str, Rest(), Field(max_length=500, description="The request in words; 上季度, 今年 … name the period.")
    ] = ""
    lang: Lang = None


def terminal(request: Request) -> bool:
    """The ``prbot`` command line itself (not a chat, not even the terminal chat)."""
    return request.platform == "console" and request.channel_id == "cli"


def local_text(ctx: Context, file: str | None, text: str) -> str:
    """The text given, or read from ``file`` / stdin (``-``) on the command line; chat is refused."""
    if file is None and text != "-":
        return text
    if not terminal(ctx.request):
        if file is None:
            return text
        raise UserError(t("draft_file_in_chat", ctx.lang))
    if file is not None and text:
        raise UserError(t("draft_two_sources", ctx.lang))
    if file in (None, "-"):
        return sys.stdin.read()
    path = Path(str(file))
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"无法读取 {path} / cannot read {path}: {exc.__class__.__name__}") from None


class DraftCommands:
    """Drafting, picks, checks and personas in any chat and in the terminal."""

    groups = (DRAFT, CHECK, PERSONAS)
    actions: ClassVar[dict[str, str]] = {"draftpick": "on_pick"}

    def __init__(self, service: DraftService) -> None:
        self.service = service

    def _order(self, kind: str, args: DraftArgs | WriteArgs, text: str) -> DraftOrder:
        return DraftOrder(
            kind=kind,
            text=text,
            doc=args.doc,
            persona=args.persona,
            format=args.format,
            count=args.count,
            max_chars=args.max_chars,
            pick=args.pick,
            language=args.lang,
        )

    def _draft(self, kind: str, ctx: Context, args: DraftArgs) -> Reply:
        text = local_text(ctx, args.file, args.text)
        if args.file is not None and args.doc:
            raise UserError(t("draft_two_sources", ctx.lang))
        return self.service.draft(self._order(kind, args, text), ctx.user, ctx.request.platform, ctx.lang)

    @command(
        DRAFT,
        "headline",
        zh="写标题：按受众画像和形式，核对数字和广告法用语",
        aliases=("headlines", "标题", "title"),
    )
    def headline(self, ctx: Context, args: DraftArgs) -> Reply:
        """Headline variants for a persona and a format, fact- and compliance-checked."""
        return self._draft("headline", ctx, args)

    @command(
        DRAFT,
        "summary",
        zh="写摘要：在句子边界截断，核对数字和广告法用语",
        aliases=("摘要", "summarize", "压缩"),
    )
    def summary(self, ctx: Context, args: DraftArgs) -> Reply:
        """Summary variants cut at sentence boundaries, fact- and compliance-checked."""
        return self._draft("summary", ctx, args)

    @command(
        DRAFT,
        "write",
        zh="按一句话的要求起草（受众、条数、形式、字数、案例从话里读出）",
        slots=("text", "count", "doc"),
        examples=(
            "给银发群体写5个标题，讲适老化平板那个案例",
            "帮我写一段微博摘要，介绍城商行智能客服项目",
            "写3个给IT决策人的标题",
            "把这个案例改写成短视频脚本的开头",
            "Write 3 headlines for IT decision makers about the bank case",
        ),
    )
    def write(self, ctx: Context, args: WriteArgs) -> Reply:
        """Draft from a request in words: persona, count, format, length and the case are read from it."""
        lang = ctx.lang
        # A request in words speaks the language of its instruction, not of the text after the colon.
        instruction = instruction_of(args.text)
        if args.lang is None and instruction:
            lang = i18n.detect_language(instruction, command=False)
        return self.service.from_words(self._order("", args, args.text), ctx.user, ctx.request.platform, lang)

    @command(
        DRAFT,
        "pick",
        zh="记下选用了第几条（draft stats 会统计哪种风格胜出）",
        aliases=("选",),
    )
    def pick(self, ctx: Context, args: PickArgs) -> Reply:
        """Record which variant you used (of your last draft, or of --batch)."""
        return self.service.pick(ctx.user, args.number, ctx.lang, batch_id=args.batch)

    @command(DRAFT, "stats", zh="哪些受众画像和形式被选用得最多", aliases=("统计",))
    def stats(self, ctx: Context, args: NoOptions) -> Reply:
        """Which personas and formats get picked."""
        return self.service.stats(ctx.lang)

    @command(
        CHECK,
        zh="检查文案：广告法绝对化用语和团队禁用词（可加 --format 查字数）",
        slots=("copy", "format"),
        examples=(
            "这段文案合规吗：我们是行业第一的智能客服",
            "帮我检查一下这段文案有没有违反广告法：全网最低价",
            "看看这条微博字数超没超",
            "is this copy compliant: the best tablet ever",
        ),
    )
    def check(self, ctx: Context, args: CheckArgs) -> Reply:
        """Check copy for absolute claims (Advertising Law) and the team's banned words; --format checks length."""
        text = local_text(ctx, args.file, args.copy)
        return self.service.check(checked_text(text), args.format, ctx.lang)

    @command(
        PERSONAS,
        zh="列出受众画像（或查看一个）",
        slots=("persona",),
        examples=("都有哪些受众画像可以选？", "Z世代极客这个画像是什么样的？", "which personas can I write for?"),
    )
    def personas(self, ctx: Context, args: PersonasArgs) -> Reply:
        """List the audience personas (bundled and the team's own), or show one in full."""
        return self.service.personas(args.persona, ctx.lang)

    # ---- buttons

    def on_pick(self, request: Request) -> Reply:
        """``draftpick:BATCH:N``: the 「选第 N 条」 button of a draft."""
        action = request.action or Action("")
        _, batch_id, number = [*action.action.split(":"), "", ""][:3]
        lang = "zh" if i18n.detect_language(request.text) == "zh" else "en"
        return self.service.pick(request.user_id, number or action.value, lang, batch_id=batch_id or None)


class NoteCommands:
    """Technical-translation notes: submit, edit, review, publish or return, read, vote, count."""

    groups = (NOTE,)
    actions: ClassVar[dict[str, str]] = {"note": "on_action", "notefb": "on_feedback"}

    def __init__(self, service: NotesService) -> None:
        self.service = service

    @command(
        NOTE,
        "submit",
        zh="提交技术原理解读，机器人起草用户价值说明（不带内容时打开表单）",
        aliases=("提交", "new"),
        effects=True,
        role="reviewers",
        cli=False,  # `prbot note submit` reads a note file or asks field by field (bot/adapters/cli/draft.py)
        examples=("我写了一篇联邦学习的技术笔记，帮我提交", "帮我把这段技术原理改写成用户能看懂的话"),
    )
    def submit(self, ctx: Context, args: SubmitArgs) -> Reply:
        """Submit 技术原理解读; the bot drafts 用户价值说明. Without the fields, opens the form."""
        if args.file is not None:
            if not terminal(ctx.request):
                raise UserError(t("draft_file_in_chat", ctx.lang))
            return self.service.submit_file(Path(args.file), ctx.user, ctx.lang)
        if not (args.title or args.technology or args.technical):
            return self.service.submit_form(ctx.lang)
        return self.service.submit(
            args.title, args.technology, args.technical, ctx.user, ctx.lang, user_value=args.user_value or None
        )

    @command(
        NOTE,
        "list",
        zh="列出笔记（可按状态）",
        aliases=("列表", "ls"),
        examples=("待审核的技术笔记有哪些？",),
    )
    def list(self, ctx: Context, args: NoteListArgs) -> Reply:
        """List notes, newest first, with the library's file notes (or of one state: draft, in_review…)."""
        return self.service.listing(args.state, ctx.lang)

    @command(NOTE, "show", zh="查看笔记的当前版本和状态", aliases=("查看",))
    def show(self, ctx: Context, args: NoteArgs) -> Reply:
        """Show a note's current version and state."""
        return self.service.show(args.note, ctx.lang)

    @command(
        NOTE,
        "edit",
        zh="修改用户价值说明（存为新版本；不带内容时打开表单）",
        aliases=("修改",),
        effects=True,
        role="reviewers",
    )
    def edit(self, ctx: Context, args: EditArgs) -> Reply:
        """Save a new version of the plain-language 用户价值说明 (without the text: open the form)."""
        text = local_text(ctx, args.file, args.user_value)
        if not text.strip() and args.file is None:
            return self.service.edit_form(args.note, ctx.user, ctx.lang)
        return self.service.edit(args.note, ctx.user, text, ctx.lang)

    @command(NOTE, "review", zh="提交审核（作者或审核人）", aliases=("送审",), effects=True, role="reviewers")
    def review(self, ctx: Context, args: NoteArgs) -> Reply:
        """Send a note to review (its author or a reviewer)."""
        return self.service.submit_for_review(args.note, ctx.user, ctx.lang)

    @command(
        NOTE,
        "publish",
        zh="发布到案例库并立即索引（审核人）",
        aliases=("发布",),
        effects=True,
        role="reviewers",
        examples=("边缘计算那篇笔记我看过了，没问题，发布吧", "publish the edge computing note"),
    )
    def publish(self, ctx: Context, args: NoteArgs) -> Reply:
        """Publish a note in review to the library and index it (reviewers)."""
        return self.service.publish(args.note, ctx.user, ctx.lang)

    @command(NOTE, "return", zh="退回作者并附意见（审核人）", aliases=("退回",), effects=True, role="reviewers")
    def return_note(self, ctx: Context, args: ReturnArgs) -> Reply:
        """Return a note in review to its author with a comment (reviewers)."""
        return self.service.return_note(args.note, ctx.user, args.comment, ctx.lang)

    @command(
        NOTE,
        "stats",
        zh="本月发布篇数对比目标；每篇的理解率（从低到高）",
        aliases=("统计",),
        examples=("笔记的理解率怎么样？",),
    )
    def stats(self, ctx: Context, args: NoteStatsArgs) -> Reply:
        """Notes published against the monthly goal; each note's understanding rate, lowest first."""
        return self.service.stats(args.month, ctx.lang, args.request)

    # ---- buttons and forms

    def on_action(self, request: Request) -> Reply:
        return self.service.on_action(request)

    def on_feedback(self, request: Request) -> Reply:
        return self.service.on_feedback(request)
