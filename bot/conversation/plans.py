"""From a capability and the words of a request to one concrete command with its slots filled.

A ``Plan`` names the sub-command, the slot values read from the words, the required slots still
missing and whether running it changes something. It carries both forms a command may take: the
values for a structured command (``run_values``) and the words for one that reads its words itself
(``run_words``), so the executor can use whichever the registry declares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.conversation import slots
from bot.core import split_args

# The slots each command needs before it can run (structured commands also declare them).
REQUIRED: dict[str, tuple[str, ...]] = {
    "cr add": ("title", "size", "effective"),
    "cr approve": ("id",),
    "cr reject": ("id", "comment"),
    "cr withdraw": ("id",),
    "cr done": ("id",),
    "cr show": ("id",),
    "incident start": ("level", "description"),
    "incident level": ("level",),
    "check": ("copy",),
    "case used-in-bid": ("case", "bid"),
}
# Commands that change something; asked for confirmation when inferred from words.
EFFECTS = {"incident start", "incident level", "incident close", "incident done", "drill plan"}

_CR_SUBS: dict[str, tuple[str, ...]] = {
    "reject": ("驳回", "不同意", "不批", "打回", "reject"),
    "withdraw": ("撤回", "不要了", "撤销", "withdraw"),
    "approve": ("批准", "批了", "同意", "可以通过", "通过吧", "通过", "approve"),
    "done": ("已上线", "上线了", "标记完成", "已完成", "做完了", "mark", "done"),
    "list": (
        "哪些",
        "列一下",
        "列出",
        "看看",
        "所有",
        "记录",
        "清单",
        "还没审批",
        "待审批",
        "list",
        "which",
        "pending",
        "waiting",
    ),
    "show": ("什么状态", "到哪一步", "进度", "状态", "status"),
}
# A yes-no question about what has happened (「声明发了吗」「结束了没有」 "has the statement gone out?").
_ASKS_STATE = re.compile(
    r"(了|过|完|没)(吗|么|没有?)[？?。]*$|是否(已经)?(发|完成|结束|关闭)|"
    r"^(has|have|is|was|did)\b.*\b(done|out|sent|closed|over|finished|published)\b.*\?$",
    re.IGNORECASE,
)
_INCIDENT_SUBS: dict[str, tuple[str, ...]] = {
    "close": ("关闭", "结束", "处理完了", "复盘", "close"),
    "level": ("升级到", "降级到", "调到", "改为", "escalate", "downgrade"),
    "start": ("启动", "开始计时", "出事了", "紧急", "拉起", "start", "open"),
    "show": ("还剩", "多久", "多少时间", "进度", "超时", "现在", "time left", "how much time", "status", "overdue"),
    "list": ("哪些事件", "事件列表", "list"),
}
_STARTS_CLOCK = (
    "开始计时",
    "启动应急",
    "启动响应",
    "启动一级",
    "启动二级",
    "启动三级",
    "启动四级",
    "start the incident clock",
)
_CHECKPOINTS: dict[str, tuple[str, ...]] = {
    "statement": ("声明", "口径", "statement"),
    "analysis": ("分析", "analysis"),
    "response": ("首次回应", "首次响应", "回应", "响应", "通报", "response"),
}
_DONE_WORDS = re.compile(r"完成|发出|发出去|发了|发布了|交上去|做完|勾掉|确认完|搞定|已发|done|sent|published|finished")
_DRILL_SUBS: dict[str, tuple[str, ...]] = {
    "plan": ("规划", "安排", "组织", "搞一次", "策划", "计划一", "schedule", "plan", "organi"),
    "rsvp": ("报名", "参加", "请假", "去不了", "名额", "sign up", "join", "attend"),
    "invite": ("加到", "加入", "拉上", "invite", "add "),
    "cancel": ("取消", "cancel"),
    "move": ("改到", "挪到", "推迟", "move", "reschedule"),
}
_NOTE_SUBS: dict[str, tuple[str, ...]] = {
    "stats": ("多少篇", "几篇", "最多", "理解率", "统计", "how many", "stats"),
    "list": ("待审核", "有哪些", "列表", "list", "pending"),
    "publish": ("发布", "上线", "审核通过", "通过", "publish"),
    "return": ("退回", "打回", "return"),
    "submit": ("提交", "收录", "交给你", "写好了", "写了", "submit", "explainer"),
}
_NOTE_STATES: dict[str, tuple[str, ...]] = {
    "in_review": ("待审核", "审核中", "在审", "送审", "in review", "pending", "awaiting review"),
    "returned": ("退回", "被打回", "returned"),
    "draft": ("草稿", "draft"),
    "published": ("已发布", "发布了的", "published"),
}
_NOTE_ID = re.compile(r"\b(note-[0-9A-Za-z-]+)", re.IGNORECASE)
# 「边缘计算那篇笔记…」「王工提交的零信任那篇…」: the words before 那篇/这篇 (after the last 的) name it.
_NOTE_NAMED = re.compile(r"([\u4e00-\u9fffA-Za-z0-9（）()]{2,30}?)(?:那篇|这篇|的笔记|笔记)")
# 「…退回修改吧，用户价值部分写得太技术了」: the reason after the request.
_RETURN_REASON = re.compile(r"(?:退回|打回)[^，,。；;]*[，,。；;]\s*(.{2,})$")
_DOC_ID = re.compile(r"(?<![A-Za-z0-9-])([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)(?![A-Za-z0-9-])")
_BID = re.compile(r"(?:用于|用在了?|用到了?|用进了?)\s*([^，,。；;]{2,40}?)(?:的)?(投标|招标|标书)")
_FORMATS = ("微博", "公众号", "小红书", "短视频", "朋友圈", "海报", "新闻稿", "标题", "摘要")
_CHAR_LIMIT = re.compile(r"(\d{1,4})\s*(?:个)?(?:字|characters?)")
_DESCRIPTION_AFTER = re.compile(r"[：:，,]\s*(.{4,})$", re.DOTALL)
_START_NOISE = re.compile(
    r"(紧急[！!]*|出事了[，,！!]*|帮我|请|马上|立即|现在)?\s*(启动|开启|拉起)?\s*([一二三四1-4]\s*级)?\s*(应急)?响应[：:，,。！!]*|"
    r"start (a |the )?(level\s*\d )?incident( clock)?[:,]?|level\s*\d[:,]?|topic:",
    re.IGNORECASE,
)


@dataclass
class Plan:
    capability: str  # the command group
    sub: str | None  # the sub-command word, None for a command that is its group
    values: dict[str, Any] = field(default_factory=dict)  # slot name → value
    words: list[str] = field(default_factory=list)  # the same request as words, for a raw command
    missing: list[str] = field(default_factory=list)  # required slots not given, in the order to ask
    bad: str = ""  # words that tried to give a slot and could not be read

    @property
    def command(self) -> str:
        return f"{self.capability} {self.sub}" if self.sub else self.capability

    @property
    def effects(self) -> bool:
        return self.command in EFFECTS


def plan_for(capability: str, text: str, today: date, *, given: dict[str, Any] | None = None) -> Plan:
    """The command a request in words asks for, with every slot its words give."""
    builder = _BUILDERS.get(capability)
    plan = builder(text, today) if builder else Plan(capability, None, words=_words(text))
    if given:
        for key, value in given.items():
            plan.values.setdefault(key, value)
    refresh(plan)
    return plan


def refresh(plan: Plan) -> None:
    """Recompute what is missing and the words form from the values."""
    plan.missing = [name for name in REQUIRED.get(plan.command, ()) if plan.values.get(name) in (None, "")]
    plan.words = _WORDS.get(plan.command, _default_words)(plan)


def fill(plan: Plan, slot: str, text: str, today: date) -> bool:
    """Read the answer to the question for ``slot``; False (with ``plan.bad``) when it cannot be read."""
    plan.bad = ""
    value: Any = None
    try:
        if slot == "effective":
            found = slots.read_date(text, today)
            value = found.isoformat() if found else None
        elif slot == "size":
            value = slots.read_size(text)
        elif slot == "level":
            value = slots.read_level(text) or slots.cn_number(text.strip())
        elif slot == "id":
            value = slots.read_change_id(text) or (int(m.group(0)) if (m := re.search(r"\d{1,6}", text)) else None)
        else:
            value = text.strip() or None
    except slots.SlotError as exc:
        plan.bad = exc.words
        return False
    if value in (None, ""):
        plan.bad = text.strip()
        return False
    plan.values[slot] = value
    refresh(plan)
    return True


# ---- per capability -------------------------------------------------------------------------------


def _cr(text: str, today: date) -> Plan:
    sub = slots.read_choice(text, _CR_SUBS) or "add"
    change_id = slots.read_change_id(text)
    if sub == "show" and change_id is None:
        sub = "list"
    if sub == "add" and change_id is not None and re.search(r"状态|进度|到哪|status", text):
        sub = "show"
    plan = Plan("cr", sub)
    if change_id is not None:
        plan.values["id"] = change_id
    if sub == "add":
        plan.values["size"] = slots.read_size(text)
        try:
            found = slots.read_date(text, today)
        except slots.SlotError as exc:
            found, plan.bad = None, exc.words
        plan.values["effective"] = found.isoformat() if found else None
        plan.values["title"] = _change_title(text)
    elif sub in ("reject", "withdraw", "done", "approve"):
        comment = re.split(r"[，,：:]", text, maxsplit=1)
        plan.values["comment"] = comment[1].strip() if len(comment) > 1 and sub == "reject" else ""
    elif sub == "list" and re.search(r"我(提|的)|mine|my ", text, re.IGNORECASE):
        plan.values["mine"] = True
    if sub == "list" and re.search(r"没审批|待审批|未审批|pending|waiting", text, re.IGNORECASE):
        plan.values["status"] = "submitted"
    return plan


def _change_title(text: str) -> str:
    """What changes: the words after the colon, else the message without the request phrasing."""
    match = re.search(r"[：:]\s*(.+)$", text)
    title = match.group(1) if match else text
    title = re.sub(
        r"(我想|我要|帮我|请|麻烦)?(加|提|登记|新增|记)(一个|个|一下|一笔)?(小|大)?(需求)?(变更|change)[：:，,]?|"
        r"(小|大)变更|(这个|得|要)?(要)?走(个)?变更(流程)?|帮我提一下|记一笔|"
        r"[，,]?\s*(从)?(下+周.|明天|后天|\d+月\d+[日号]|20\d\d-\d\d-\d\d)(起)?生效|(please )?log a change( to)?:?|"
        r"add a (small|big) change:?|"
        r"(帮我|我要|我想)?(填|开|打开)(一个|个|一下|一份|份)?(需求)?(变更)?(申请)?(表单|表|单)|"
        r"(i want to |i'd like to |please )?(submit|file|raise|open) a (new )?change( request)?( form)?",
        "",
        title,
        flags=re.IGNORECASE,
    )
    return title.strip(" ，,。.：:")[:200]


def _incident(text: str, today: date) -> Plan:
    lowered = text.lower()
    level = slots.read_level(text)
    checkpoint = slots.read_choice(text, _CHECKPOINTS)
    if _ASKS_STATE.search(text.strip()) and not slots.read_choice(text, {"start": _STARTS_CLOCK}):
        # 「声明发了吗」「事件结束了吗」 ask how things stand; they neither tick a step nor close the event.
        return Plan("incident", "show")
    if checkpoint and _DONE_WORDS.search(lowered) and not re.search(r"还剩|多久|多少时间|left|due", lowered):
        return Plan("incident", "done", {"checkpoint": checkpoint})
    if re.search(r"节点.{0,6}(完成|勾掉)|勾掉", text):
        return Plan("incident", "done", {"checkpoint": checkpoint or ""})
    # 「一级舆情事件，现在开始计时」: starting the clock outweighs 「现在」 asking for the clock's state.
    starts = slots.read_choice(text, {"start": _STARTS_CLOCK})
    sub = starts or slots.read_choice(text, _INCIDENT_SUBS) or ("start" if level else "show")
    if sub == "level" and level is None:
        sub = "show"
    plan = Plan("incident", sub)
    if sub in ("start", "level"):
        plan.values["level"] = level
    if sub == "start":
        plan.values["description"] = _incident_description(text)
    return plan


def _incident_description(text: str) -> str:
    # 「一级舆情事件，现在开始计时：微博上有人说我们摄像机偷拍」: what happened is after the colon.
    told = re.match(r"^[^：:]{0,24}(计时|响应|事件|级)[^：:]{0,8}[：:]\s*(.{4,})$", text, re.DOTALL)
    if told:
        text = told.group(2)
    described = _START_NOISE.sub(" ", re.sub(r"^\s*(紧急|出事了|urgent)[！!，,:：\s]*", "", text, flags=re.I))
    described = " ".join(described.split()).strip(" ，,。.：:！!")
    return described[:500]


def _drill(text: str, today: date) -> Plan:
    sub = slots.read_choice(text, _DRILL_SUBS) or "list"
    plan = Plan("drill", sub)
    if sub == "plan":
        year = re.search(r"(20\d\d)\s*年", text)
        plan.values["year"] = (
            int(year.group(1)) if year else (today.year + 1 if "明年" in text or "next year" in text.lower() else None)
        )
    return plan


def _check(text: str, today: date) -> Plan:
    plan = Plan("check", None)
    plan.values["copy"] = slots.read_copy(text)
    fmt = next((f for f in _FORMATS if f in text), None)
    # Channel words that name a format of prompts/lexicon/formats.yaml (公众号 and 小红书 are 图文,
    # 摘要 is 白皮书摘要); 「这个标题…」 names no channel, so its copy is checked for words alone.
    if fmt in ("微博", "公众号", "小红书", "摘要"):
        plan.values["format"] = fmt
    limit = _CHAR_LIMIT.search(text)
    if limit:
        plan.values["max_chars"] = int(limit.group(1))
    return plan


def _note(text: str, today: date) -> Plan:
    # 「哪位工程师提交的笔记最多？」 asks for figures, whatever verb comes first.
    sub = slots.read_choice(text, {"stats": _NOTE_SUBS["stats"]}) or slots.read_choice(text, _NOTE_SUBS) or "list"
    plan = Plan("note", sub)
    if sub == "stats":  # 「上季度发布了多少篇笔记？」: the command reads the period from the words
        plan.values["request"] = text
    if sub in ("publish", "return"):
        named = _NOTE_ID.search(text) or _NOTE_NAMED.search(text)
        words = named.group(1).rsplit("的", 1)[-1] if named else ""
        if len(words.strip("这那个篇")) >= 2:  # 「那篇笔记」 names none
            plan.values["note"] = words
        if sub == "return":
            reason = _RETURN_REASON.search(text)
            if reason:
                plan.values["comment"] = reason.group(1).strip()
    if sub == "list":
        state = slots.read_choice(text, _NOTE_STATES)
        if state:
            plan.values["state"] = state
    return plan


def _personas(text: str, today: date) -> Plan:
    return Plan("personas", None, {"persona": text})  # the command finds the persona the words name


def _draft(text: str, today: date) -> Plan:
    plan = Plan("draft", "write", {"text": text})  # the sub-command for a request in words
    count = slots.read_count(text)
    if count:
        plan.values["count"] = count
    return plan


def _digest(text: str, today: date) -> Plan:
    plan = Plan("digest", "preview")
    if re.search(r"[A-Za-z]{3,}", text) and not re.search(r"[\u4e00-\u9fff]", text):
        plan.values["lang"] = "en"
    return plan


def _watch(text: str, today: date) -> Plan:
    # 「最近有哪些舆情话题？」 lists the stories; 「舆情怎么样？有没有预警」 is the monitor's state.
    return Plan("watch", "stories" if re.search(r"话题|事件列表|stories|topics", text, re.I) else "status")


def _case(text: str, today: date) -> Plan:
    # 「把 case-101 记为用于某省政务云投标」「这个案例用在了某银行的投标里」
    plan = Plan("case", "used-in-bid")
    named = _DOC_ID.search(text)
    if named:
        plan.values["case"] = named.group(1)
    bid = _BID.search(text)
    if bid:
        plan.values["bid"] = f"{bid.group(1).strip()}{bid.group(2)}"
    return plan


def _kpi(text: str, today: date) -> Plan:
    return Plan("kpi", None, {"request": text})  # the command reads the period from the words


_BUILDERS = {
    "cr": _cr,
    "incident": _incident,
    "drill": _drill,
    "check": _check,
    "note": _note,
    "personas": _personas,
    "draft": _draft,
    "digest": _digest,
    "kpi": _kpi,
    "watch": _watch,
    "case": _case,
}


# ---- the words form of each raw command -----------------------------------------------------------


def _words(text: str) -> list[str]:
    return [text] if text.strip() else []


def _default_words(plan: Plan) -> list[str]:
    words = [plan.sub] if plan.sub else []
    for key, value in plan.values.items():
        if value in (None, "", False):
            continue
        if key in ("id",):
            words.insert(1, str(value))
    return words


def _incident_start(plan: Plan) -> list[str]:
    words = ["start"]
    if plan.values.get("level"):
        words += ["--level", str(plan.values["level"])]
    return words + ([plan.values["description"]] if plan.values.get("description") else [])


def _incident_done(plan: Plan) -> list[str]:
    return ["done", str(plan.values.get("checkpoint") or "")]


def _incident_level(plan: Plan) -> list[str]:
    return ["level", str(plan.values.get("level") or "")]


def _drill_plan(plan: Plan) -> list[str]:
    return ["plan", *(["--year", str(plan.values["year"])] if plan.values.get("year") else [])]


def _check_words(plan: Plan) -> list[str]:
    words = [str(plan.values.get("copy") or "")]
    if plan.values.get("format"):
        words += ["--format", str(plan.values["format"])]
    return words


def _draft_words(plan: Plan) -> list[str]:
    words = split_args(str(plan.values.get("text") or ""))  # as the router splits a typed command
    if plan.values.get("doc"):
        words += ["--doc", str(plan.values["doc"])]
    return words


def _personas_words(plan: Plan) -> list[str]:
    return [str(plan.values["persona"])] if plan.values.get("persona") else []


_WORDS = {
    "incident start": _incident_start,
    "incident done": _incident_done,
    "incident level": _incident_level,
    "drill plan": _drill_plan,
    "check": _check_words,
    "draft write": _draft_words,
    "personas": _personas_words,
}
