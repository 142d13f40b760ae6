"""``cr …`` (the change-request table) and ``digest`` (its weekly digest), declared once for chat,
the CLI and the conversation layer; the buttons and forms of a change request."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal, Protocol

from pydantic import Field, field_validator

from bot.commands import Args, Context, Flags, Group, Lang, Positional, Rest, Text, command
from bot.core import Action, Reply, Request, UserError
from handlers.changes import parse
from handlers.changes.render import as_dict, card, card_line, creation_reply, decide_form, new_form
from handlers.changes.strings import t

if TYPE_CHECKING:  # the service (and the database) only when the app runs, never for help
    from handlers.changes.service import ChangeService
    from storage.changes import ChangeRequest

CR = Group(
    "cr",
    "需求变更：提交、查看、审批（cr new / cr list / cr approve）",
    "change requests: submit, list, approve (cr new / cr list / cr approve)",
    aliases=("变更", "change"),
)
DIGEST = Group(
    "digest",
    "需求变更周报：预览下一期（或某一天那一期），或现在就发送本周这一期",
    "the weekly change-request digest: preview the next one (or that of a date), or post this week's now",
    aliases=("周报",),
    default="preview",
)
LIST_LIMIT = 30


class DigestDesk(Protocol):
    """The digest as people ask for it (``handlers.changes.digest_job.DigestDesk``)."""

    def preview(self, day: date | None, lang: str) -> Reply:
        """The digest for the week of ``day`` (None: the next one), with its chart."""
        ...

    def send_now(self, lang: str) -> Reply:
        """This week's digest posted now, once per channel; what happened per channel."""
        ...


_YES = {"yes", "y", "true", "1", "是", "override", "特批"}

RequestId = Annotated[int, Positional(), Field(ge=1, le=2**31 - 1, description="The request's number, e.g. 12.")]
Comment = Annotated[str, Rest(), Flags("-m", "--message"), Field(max_length=2000, description="A comment.")]


class NewArgs(Args):
    lang: Lang = None


class AddArgs(Args):
    title: Annotated[str, Text(), Field(min_length=1, description="What changes, at most 200 characters.")]
    size: Annotated[str, Field(description="big (大变更, needs the rule's notice) or small (小变更, handled weekly).")]
    effective: Annotated[str, Flags("--effective-date"), Field(description="Effective date, YYYY-MM-DD.")]
    description: Annotated[str, Text(), Flags("--desc"), Field(description="Details.")] = ""
    team: Annotated[str, Field(description="The requesting team.")] = ""
    campaign: Annotated[str, Field(description="The campaign or launch it affects.")] = ""
    requester: Annotated[str | None, Field(description="Raised on behalf of (default: you).")] = None
    lang: Lang = None


class ListArgs(Args):
    status: Annotated[str, Field(description="Comma list: submitted,approved,rejected,done,withdrawn.")] = ""
    since: Annotated[str | None, Field(description="Submitted on or after YYYY-MM-DD.")] = None
    size: Annotated[str | None, Field(description="big or small.")] = None
    mine: Annotated[bool, Field(description="Only the requests I raised.")] = False
    limit: Annotated[int, Field(ge=1, le=100_000, description="Show at most this many.")] = LIST_LIMIT
    lang: Lang = None


class ShowArgs(Args):
    id: RequestId
    lang: Lang = None


class ApproveArgs(Args):
    id: RequestId
    comment: Comment = ""
    override: Annotated[bool, Field(description="Approve a late big change anyway (say why).")] = False
    lang: Lang = None


class DecideArgs(Args):
    id: RequestId
    comment: Comment = ""
    lang: Lang = None


class SendArgs(Args):
    lang: Lang = None


class DigestArgs(Args):
    date: Annotated[
        str | None, Positional(), Flags("--date"), Field(description="A day in the digest's week, YYYY-MM-DD.")
    ] = None
    # ``digest 2026-12-02 en`` in chat, ``--lang en`` too (the second spelling is the CLI's option).
    lang: Annotated[
        Literal["zh", "en"] | None,
        Positional(),
        Flags("--lang"),
        Field(description="Language of the digest: zh or en."),
    ] = None

    @field_validator("lang", mode="before")
    @classmethod
    def _english(cls, value: object) -> object:
        return "en" if isinstance(value, str) and value.lower() == "english" else value


class ChangeCommands:
    """The change-request table in any chat and in the terminal: one method per sub-command."""

    groups = (CR, DIGEST)
    actions: ClassVar[dict[str, str]] = {"cr": "on_action"}

    def __init__(self, service: ChangeService, digest: DigestDesk) -> None:
        self.service = service
        self.digest_desk = digest

    @command(
        CR,
        "new",
        zh="打开提交需求变更的表单",
        aliases=("新建",),
        effects=True,
        examples=("我要提一个需求变更", "帮我填一个变更申请表", "I want to submit a change request"),
    )
    def new(self, ctx: Context, args: NewArgs) -> Reply:
        """Open the form to submit a change request."""
        return Reply(text=t("form_title", ctx.lang), form=new_form(ctx.lang, self.service.rule), private=True)

    @command(
        CR,
        "add",
        zh="提交需求变更（大变更须按规定天数提前提出）",
        aliases=("提交",),
        effects=True,
        slots=("title", "size", "effective"),
        examples=(
            "我想加一个小变更：官网首页换横幅，下周一生效",
            "提一个大变更，年度发布会改到12月31日",
            "新增需求变更：产品手册改版，明天起生效",
            "登记一个变更，把客服热线换成新号码",
            "Add a small change: new banner on the homepage from next Monday",
        ),
    )
    def add(self, ctx: Context, args: AddArgs) -> Reply:
        """Submit a change request; a big one with too little notice is marked late."""
        values = {
            "title": args.title,
            "size": args.size,
            "effective_date": args.effective,
            "description": args.description,
            "team": args.team,
            "campaign": args.campaign,
            "requester": args.requester or ctx.user,
        }
        source = "cli" if ctx.request.platform == "console" else "chat"
        created = self.service.create(values, ctx.user, ctx.lang, source=source)
        return self._created(created, ctx.lang)

    @command(
        CR,
        "list",
        zh="列出需求变更",
        aliases=("ls", "列表"),
        examples=("看看最近的需求变更", "还有哪些变更没审批？", "我提的变更都怎么样了", "list the change requests"),
    )
    def list(self, ctx: Context, args: ListArgs) -> Reply:
        """List change requests (newest first)."""
        lang = ctx.lang
        statuses = parse.parse_statuses(args.status, lang)
        since = parse.parse_date(args.since, lang, "since") if args.since else None
        size = parse.parse_size(args.size, lang, self.service.rule) if args.size else None
        mine = ctx.user if args.mine else None
        shown = self.service.list(statuses, since, size, mine, limit=args.limit)
        items = [as_dict(item) for item in shown]
        if not shown:
            return Reply(text=t("list_empty", lang), private=True, data={"items": items})
        total = self.service.count(statuses, since, size, mine) if len(shown) == args.limit else len(shown)
        lines = [t("list_header", lang, count=total)]
        lines += [f"• {card_line(item, lang, self.service.rule)}" for item in shown]
        if total > len(shown):
            lines.append(t("list_more", lang, more=total - len(shown)))
        return Reply(text="\n".join(lines), private=True, data={"items": items})

    @command(
        CR,
        "show",
        zh="查看一条需求变更及其记录",
        aliases=("查看",),
        examples=("12号变更现在什么状态？", "看一下第5个变更申请"),
    )
    def show(self, ctx: Context, args: ShowArgs) -> Reply:
        """Show one change request with its history."""
        found = self.service.get(args.id, ctx.lang)
        return self._card(found, ctx.lang)

    @command(
        CR,
        "approve",
        zh="批准需求变更（经理）",
        aliases=("批准",),
        effects=True,
        examples=("批准12号变更", "12号变更可以，通过吧", "approve change 12"),
    )
    def approve(self, ctx: Context, args: ApproveArgs) -> Reply:
        """Approve a change request (managers); --override approves a late big change, with a reason."""
        changed = self.service.approve(args.id, ctx.user, args.comment, args.override, ctx.lang)
        return self._changed(changed, "approve", ctx.lang)

    @command(
        CR,
        "reject",
        zh="驳回需求变更（经理，须写理由）",
        aliases=("驳回",),
        effects=True,
        examples=("驳回12号变更，和年终活动冲突", "reject change 12: it clashes with the launch"),
    )
    def reject(self, ctx: Context, args: DecideArgs) -> Reply:
        """Reject a change request (managers); a comment is required."""
        changed = self.service.reject(args.id, ctx.user, args.comment, ctx.lang)
        return self._changed(changed, "reject", ctx.lang)

    @command(
        CR,
        "withdraw",
        zh="撤回需求变更（提出人或经理）",
        aliases=("撤回",),
        effects=True,
        examples=("我的12号变更不要了，撤回", "withdraw my change request 12"),
    )
    def withdraw(self, ctx: Context, args: DecideArgs) -> Reply:
        """Withdraw a change request (its requester or a manager)."""
        changed = self.service.withdraw(args.id, ctx.user, args.comment, ctx.lang)
        return self._changed(changed, "withdraw", ctx.lang)

    @command(
        CR,
        "done",
        zh="标记需求变更已完成",
        aliases=("完成",),
        effects=True,
        examples=("12号变更已经上线了，标记完成", "mark change 12 as done"),
    )
    def done(self, ctx: Context, args: DecideArgs) -> Reply:
        """Mark a change request done (a big change only once approved)."""
        changed = self.service.done(args.id, ctx.user, args.comment, ctx.lang)
        return self._changed(changed, "done", ctx.lang)

    @command(
        DIGEST,
        "preview",
        zh="预览需求变更周报（digest [YYYY-MM-DD] [en]）",
        aliases=("预览",),
        examples=(
            "这周的变更周报发我看看",
            "给我看一下这周的需求变更周报",
            "下周三的周报会有哪些内容？",
            "show me this week's change digest",
        ),
    )
    def digest(self, ctx: Context, args: DigestArgs) -> Reply:
        """Preview the weekly change-request digest (of the week of DATE; default the next one)."""
        lang = args.lang or "zh"  # a date says nothing about the reader's language
        day = parse.parse_date(args.date, lang, "date") if args.date else None
        reply = self.digest_desk.preview(day, lang)
        reply.private = True
        return reply

    @command(
        DIGEST,
        "send",
        zh="现在就发送本周的需求变更周报（经理；每个频道只发一次）",
        aliases=("发送", "send-now"),
        effects=True,
        examples=("现在就把这周的变更周报发出去", "send this week's change digest now"),
    )
    def send(self, ctx: Context, args: SendArgs) -> Reply:
        """Post this week's change-request digest now (managers; still once per channel)."""
        self.service.require_manager(ctx.user, ctx.lang)
        return self.digest_desk.send_now(ctx.lang)

    # ---- buttons and forms

    def on_action(self, request: Request) -> Reply:
        """``cr:create`` (form), ``cr:approve:ID`` / ``cr:reject:ID`` (buttons) and
        ``cr:decide:approve|reject:ID`` (the comment form those buttons open)."""
        action = request.action or Action("")
        lang = request.lang
        parts = action.action.split(":")
        kind = parts[1] if len(parts) > 1 else ""
        if kind == "create":
            created = self.service.create(action.values, request.user_id, lang, source="chat")
            return self._created(created, lang)
        if kind in ("approve", "reject") and len(parts) == 3 and parts[2].isdigit():
            self.service.require_manager(request.user_id, lang)
            target = self.service.get(int(parts[2]), lang)
            return Reply(text="", form=decide_form(kind, target, lang, self.service.rule), private=True)
        if kind == "decide" and len(parts) == 4 and parts[3].isdigit():
            request_id, comment = int(parts[3]), action.values.get("comment", "")
            if parts[2] == "approve":
                override = action.values.get("override", "").strip().lower() in _YES
                changed = self.service.approve(request_id, request.user_id, comment, override, lang)
            else:
                changed = self.service.reject(request_id, request.user_id, comment, lang)
            return self._changed(changed, parts[2], lang)
        raise UserError(t("unknown_subcommand", lang, name=action.action))

    def _created(self, created: ChangeRequest, lang: str) -> Reply:
        service = self.service
        return creation_reply(created, lang, service.rule, service.tz, service.next_digest_date())

    def _card(self, found: ChangeRequest, lang: str) -> Reply:
        comments = self.service.comments(found.id) if found.id is not None else []
        reply = card(found, comments, lang, self.service.tz, self.service.rule)
        reply.data = {"item": as_dict(found)}
        return reply

    def _changed(self, changed: ChangeRequest, verb: str, lang: str) -> Reply:
        reply = self._card(changed, lang)
        reply.text = t("changed", lang, id=changed.id, verb=t(f"verb_{verb}", lang)) + "\n" + reply.text
        return reply
