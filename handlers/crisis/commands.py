"""``drill …`` and ``incident …``, declared once for chat, the CLI and the conversation layer.

Each command reads its typed arguments (days, times, answers), calls the drill or incident service
with typed values, and the reply language is the registry's one rule. The drill buttons and the move
form come back here too.
"""

from __future__ import annotations

from datetime import date, time
from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import Field

from bot.commands import Args, Context, Flags, Group, Hint, Lang, Positional, Rest, command
from bot.core import Action, Reply, Request, UserError
from handlers.crisis import drill_text
from handlers.crisis import strings as s
from handlers.crisis.rules import NO, YES

if TYPE_CHECKING:  # built by the composition root (handlers.crisis.wiring); `prbot --help` loads neither
    from handlers.crisis.drills import DrillService
    from handlers.crisis.incidents import IncidentService

DRILL = Group(
    "drill",
    "应急演练：计划、确认、改期、取消、报名（参加/请假）、开始",
    "crisis drills: plan, confirm, move, cancel, RSVP, start",
    aliases=("演练",),
)
INCIDENT = Group(
    "incident",
    "危机事件计时：30 分钟响应 / 2 小时分析 / 4 小时声明，升级提醒与复盘",
    "incident clock: 30 min response / 2 h analysis / 4 h statement, escalations, report",
    aliases=("事件", "应急"),
)

DrillId = Annotated[int, Positional(), Field(ge=1, le=2**31 - 1, description="The drill's number.")]
IncidentId = Annotated[int | None, Field(ge=1, le=2**31 - 1, description="The incident (default: the only open one).")]
_LEVEL_HINT = Hint(missing="crisis.level_required", invalid="crisis.bad_level")
Level = Annotated[int, _LEVEL_HINT, Field(ge=1, le=5, description="Severity, 1 (most severe) to 5.")]


class PlanArgs(Args):
    year: Annotated[int | None, Field(ge=2000, le=2100, description="Year to plan (default: next year in Q4).")] = None
    lang: Lang = None


class DrillListArgs(Args):
    year: Annotated[int | None, Field(ge=2000, le=2100, description="Only this year's drills.")] = None
    all: Annotated[bool, Field(description="Include past and cancelled drills.")] = False
    lang: Lang = None


class DrillArgs(Args):
    id: DrillId
    lang: Lang = None


class ConfirmArgs(Args):
    id: DrillId
    lead: Annotated[str | None, Field(description="Lead of this drill (a configured member).")] = None
    lang: Lang = None


class MoveArgs(Args):
    id: DrillId
    day: Annotated[str, Positional(), Field(description="The new day, YYYY-MM-DD.")]
    at: Annotated[str | None, Positional(), Flags("--time"), Field(description="HH:MM (default: unchanged).")] = None
    force: Annotated[bool, Field(description="Allow a past, weekend or holiday date (recorded).")] = False
    lang: Lang = None


class RsvpArgs(Args):
    id: DrillId
    answer: Annotated[str, Positional(), Field(description="参加/yes or 请假/no.")]
    lang: Lang = None


class InviteArgs(Args):
    id: DrillId
    user: Annotated[str, Positional(), Field(description="A configured member, e.g. slack:U123.")]
    team: Annotated[str | None, Field(description="The member's team (default: from settings).")] = None
    lang: Lang = None


class StartArgs(Args):
    description: Annotated[
        str,
        Rest(),
        Hint(missing="crisis.description_required"),
        Field(min_length=1, max_length=2000, description="What happened."),
    ]
    level: Level
    channel: Annotated[str | None, Field(description="platform:channel of the incident thread.")] = None
    lang: Lang = None


class DoneArgs(Args):
    checkpoint: Annotated[str, Positional(), Field(description="response, analysis or statement.")]
    text: Annotated[str, Rest(), Flags("--text"), Field(max_length=20_000, description="The statement text.")] = ""
    id: IncidentId = None
    lang: Lang = None


class IncidentArgs(Args):
    id: IncidentId = None
    lang: Lang = None


class LogArgs(Args):
    step: Annotated[int, Positional(), Field(ge=1, description="The checklist step's number.")]
    note: Annotated[str, Rest(), Field(max_length=2000, description="A note.")] = ""
    id: IncidentId = None
    lang: Lang = None


class LevelArgs(Args):
    level: Annotated[int, Positional(), _LEVEL_HINT, Field(ge=1, le=5, description="The new level, 1 to 5.")]
    id: IncidentId = None
    lang: Lang = None


class ShowIncidentArgs(Args):
    incident: Annotated[int | None, Positional(), Field(ge=1, le=2**31 - 1, description="The incident.")] = None
    id: IncidentId = None
    lang: Lang = None


class NoOptions(Args):
    lang: Lang = None


def parse_day(text: str, lang: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(s.t("bad_date", lang, value=text)) from None


def parse_time(text: str, lang: str) -> time:
    try:
        hour, minute = text.strip().split(":")
        return time(int(hour), int(minute))
    except ValueError:
        raise UserError(s.t("bad_time", lang, value=text)) from None


def parse_answer(text: str, lang: str) -> bool:
    """参加/yes → True, 请假/no → False."""
    answer = text.strip().lower()
    if answer not in YES | NO:
        raise UserError(s.t("rsvp_usage", lang))
    return answer in YES


def _drill_number(text: str, lang: str) -> int:
    try:
        return int(text.strip().lstrip("#"))
    except ValueError:
        raise UserError(s.t("not_a_number", lang, what="id", value=text)) from None


class CrisisCommands:
    groups = (DRILL, INCIDENT)
    actions: ClassVar[dict[str, str]] = {"drill": "on_drill_action"}

    def __init__(self, drills: DrillService, incidents: IncidentService) -> None:
        self.drills = drills
        self.incidents = incidents

    def on_drill_action(self, request: Request) -> Reply:
        """Buttons: drill:rsvp (value "ID:accept|decline"), drill:confirm / drill:cancel / drill:move_form (ID),
        and the submitted move form drill:move:ID (the drill travels in the action; forms have no hidden fields)."""
        action = request.action or Action("")
        lang = request.lang
        name, _, form_drill = action.action.partition(":")[2].partition(":")
        if name == "rsvp":
            ident, _, answer = action.value.partition(":")
            drill_id = _drill_number(ident, lang)
            return self.drills.rsvp(request, drill_id=drill_id, accept=answer == "accept", lang=lang)
        if name == "confirm":
            return self.drills.confirm(request, drill_id=_drill_number(action.value, lang), lead=None, lang=lang)
        if name == "cancel":
            return self.drills.cancel(request, drill_id=_drill_number(action.value, lang), lang=lang)
        if name == "move_form":
            return Reply(text="", form=drill_text.move_form(action.value, lang))
        if name == "move":
            values = action.values
            drill_id = _drill_number(form_drill or values.get("drill_id", ""), lang)
            at_text = values.get("time", "").strip()
            return self.drills.move(
                request,
                drill_id=drill_id,
                day=parse_day(values.get("date", ""), lang),
                at=parse_time(at_text, lang) if at_text else None,
                force=values.get("force", "").strip().lower() in YES,
                lang=lang,
            )
        raise UserError(s.t("unknown_button", lang))

    # ---- drills

    @command(
        DRILL,
        "plan",
        zh="计划全年演练：每季度一次，场景轮换，避开周末和节假日（经理）",
        effects=True,
        examples=("帮我规划明年的危机演练", "安排一下2027年的应急演练", "plan next year's crisis drills"),
    )
    def plan(self, ctx: Context, args: PlanArgs) -> Reply:
        """Propose one drill per quarter, rotating scenarios, avoiding weekends and public holidays (managers)."""
        return self.drills.plan(ctx.request, year=args.year, lang=ctx.lang)

    @command(
        DRILL,
        "list",
        zh="列出演练",
        examples=("下一次应急演练是什么时候？", "今年都有哪些演练", "when is the next drill?"),
    )
    def list_drills(self, ctx: Context, args: DrillListArgs) -> Reply:
        """List drills (this quarter's and coming ones; --all for every one)."""
        return self.drills.list_drills(ctx.request, year=args.year, everything=args.all, lang=ctx.lang)

    @command(
        DRILL,
        "show",
        zh="查看演练：场景、时间、负责人、参与人及答复、清单",
        examples=("看看第2次演练的安排", "show drill 2"),
    )
    def show_drill(self, ctx: Context, args: DrillArgs) -> Reply:
        """A drill: scenario, time, lead, participants by team and their answers, checklist."""
        return self.drills.show(ctx.request, drill_id=args.id, lang=ctx.lang)

    @command(
        DRILL, "confirm", zh="确认演练并安排提醒（经理）", effects=True, examples=("确认第1次演练", "confirm drill 1")
    )
    def confirm(self, ctx: Context, args: ConfirmArgs) -> Reply:
        """Confirm a proposed drill; its reminders are scheduled (managers)."""
        return self.drills.confirm(ctx.request, drill_id=args.id, lead=args.lead, lang=ctx.lang)

    @command(
        DRILL,
        "move",
        zh="演练改期（经理；过去、周末、节假日须 --force）",
        effects=True,
        examples=("把第3次演练改到下周四下午两点", "move drill 3 to 2027-06-10"),
    )
    def move(self, ctx: Context, args: MoveArgs) -> Reply:
        """Move a drill to another day (managers); a past day, a weekend or a holiday needs --force."""
        day = parse_day(args.day, ctx.lang)
        at = parse_time(args.at, ctx.lang) if args.at else None
        return self.drills.move(ctx.request, drill_id=args.id, day=day, at=at, force=args.force, lang=ctx.lang)

    @command(
        DRILL, "cancel", zh="取消演练并通知参与人（经理）", effects=True, examples=("取消2号演练", "cancel drill 2")
    )
    def cancel(self, ctx: Context, args: DrillArgs) -> Reply:
        """Cancel a drill and its reminders; the participants are told (managers)."""
        return self.drills.cancel(ctx.request, drill_id=args.id, lang=ctx.lang)

    @command(
        DRILL,
        "rsvp",
        zh="答复演练邀请：参加或请假",
        effects=True,
        examples=("这次演练我参加", "我下周的演练去不了，请个假", "I'll join drill 1"),
    )
    def rsvp(self, ctx: Context, args: RsvpArgs) -> Reply:
        """Answer a drill invitation: 参加/yes or 请假/no."""
        accept = parse_answer(args.answer, ctx.lang)
        return self.drills.rsvp(ctx.request, drill_id=args.id, accept=accept, lang=ctx.lang)

    @command(DRILL, "invite", zh="邀请成员参加演练（经理）", effects=True, examples=("把客服的小王也拉进第1次演练",))
    def invite(self, ctx: Context, args: InviteArgs) -> Reply:
        """Invite a configured member to a drill (managers)."""
        return self.drills.invite(ctx.request, drill_id=args.id, user=args.user, team=args.team, lang=ctx.lang)

    @command(
        DRILL, "start", zh="现在开始演练（负责人或经理）", effects=True, examples=("现在开始第1次演练", "start drill 1")
    )
    def start_drill(self, ctx: Context, args: DrillArgs) -> Reply:
        """Start a drill now (its lead or a manager); otherwise it starts by itself at its time."""
        return self.drills.start(ctx.request, drill_id=args.id, lang=ctx.lang)

    # ---- incidents

    @command(
        INCIDENT,
        "start",
        zh="启动危机事件响应：按级别指定负责人、开线程、开始计时",
        effects=True,
        slots=("level", "description"),
        examples=(
            "紧急！微博上有人说我们平板充电起火，帮我启动二级响应",
            "启动一级响应：App 大面积无法登录",
            "出事了，用户数据在论坛上被曝光，马上启动应急",
            "start a level 2 incident: customer data leaked on a forum",
        ),
    )
    def start(self, ctx: Context, args: StartArgs) -> Reply:
        """Start an incident: the lead from the severity table, the thread, the clock."""
        return self.incidents.start(
            ctx.request, level=args.level, description=args.description, channel=args.channel, lang=ctx.lang
        )

    @command(
        INCIDENT,
        "done",
        zh="标记检查点完成：response（首次响应）/ analysis（深度分析）/ statement（官方声明）",
        effects=True,
        slots=("checkpoint", "text"),
        examples=("首次响应已经发出去了", "深度分析做完了", "官方声明已发布：……", "the holding statement is out"),
    )
    def done(self, ctx: Context, args: DoneArgs) -> Reply:
        """Mark a checkpoint done (response, analysis, statement); --text keeps and checks the statement."""
        return self.incidents.mark_done(
            ctx.request, checkpoint=args.checkpoint, text=args.text, incident_id=args.id, lang=ctx.lang
        )

    @command(
        INCIDENT,
        "log",
        zh="记录清单步骤（信息核查 → 口径制定 → 渠道发布）",
        effects=True,
        examples=("第2步核实时间线完成了", "log step 2"),
    )
    def log(self, ctx: Context, args: LogArgs) -> Reply:
        """Log a checklist step as done, with an optional note."""
        return self.incidents.log_step(ctx.request, step=args.step, note=args.note, incident_id=args.id, lang=ctx.lang)

    @command(
        INCIDENT, "steps", zh="查看处置清单及完成情况", examples=("处置清单还有哪些没做？", "which steps are left?")
    )
    def steps(self, ctx: Context, args: IncidentArgs) -> Reply:
        """The checklist, with the steps already logged."""
        return self.incidents.checklist(ctx.request, incident_id=args.id, lang=ctx.lang)

    @command(
        INCIDENT,
        "level",
        zh="调整事件级别（负责人或经理）",
        effects=True,
        examples=("把事件升级到一级", "raise the incident to level 1"),
    )
    def level(self, ctx: Context, args: LevelArgs) -> Reply:
        """Change the incident's level; the lead follows the severity table (its lead or a manager)."""
        return self.incidents.change_level(ctx.request, level=args.level, incident_id=args.id, lang=ctx.lang)

    @command(
        INCIDENT,
        "close",
        zh="关闭事件并生成复盘报告（负责人或经理）",
        effects=True,
        examples=("事件处理完了，关闭并出复盘报告", "close the incident"),
    )
    def close(self, ctx: Context, args: IncidentArgs) -> Reply:
        """Close the incident and print the after-action report (its lead or a manager)."""
        return self.incidents.finish(ctx.request, incident_id=args.id, lang=ctx.lang)

    @command(INCIDENT, "list", zh="列出最近的事件", examples=("最近有哪些危机事件？", "list incidents"))
    def list_incidents(self, ctx: Context, args: NoOptions) -> Reply:
        """The recent incidents."""
        return self.incidents.list_incidents(ctx.request, lang=ctx.lang)

    @command(
        INCIDENT,
        "show",
        zh="查看事件：检查点、剩余时间、清单",
        examples=("事件现在还剩多少时间？", "现在的事件进展到哪一步了", "how much time is left on the incident?"),
    )
    def show(self, ctx: Context, args: ShowIncidentArgs) -> Reply:
        """An incident: its checkpoints with the time left, the checklist and the log."""
        return self.incidents.show(ctx.request, incident_id=args.incident or args.id, lang=ctx.lang)
