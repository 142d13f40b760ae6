"""User-facing strings of crisis drills and incidents (Chinese first, English too).

Proactive posts (reminders, escalations, reports in the thread) are in Chinese, the team's language;
replies follow the language of the request.
"""

from __future__ import annotations

from bot import i18n

STRINGS: dict[str, dict[str, str]] = {
    # -- usage and arguments --------------------------------------------------------------------------
    "not_a_number": {"zh": "{what} 应为数字，收到「{value}」。", "en": "{what} must be a number, got '{value}'."},
    "bad_level": {
        "zh": "级别「{value}」无效：级别应为 1 到 5 的整数（1 最严重，由公关总监负责；5 由媒体专员负责）。",
        "en": "Level '{value}' is invalid: use a whole number from 1 to 5 (1 is the most severe).",
    },
    "bad_incident_channel": {
        "zh": "频道 {channel} 无法使用：{reason}。请写成 平台:频道ID，平台可用 {platforms}，"
        "例如 --channel slack:C0123ABCD",
        "en": "channel {channel} cannot be used: {reason}. Write it as platform:channel-id with one of {platforms}, "
        "e.g. --channel slack:C0123ABCD",
    },
    "level_required": {
        "zh": '请给出级别，例如：incident start --level 2 "某产品被曝数据泄露"',
        "en": 'Give a level, e.g. incident start --level 2 "data leak reported"',
    },
    "description_required": {
        "zh": '请描述事件，例如：incident start --level 2 "某产品被曝数据泄露"',
        "en": 'Describe the incident, e.g. incident start --level 2 "data leak reported"',
    },
    "bad_checkpoint": {
        "zh": "检查点「{value}」无效，可选：{keys}。例如：incident done response",
        "en": "Checkpoint '{value}' is invalid; use one of {keys}, e.g. incident done response",
    },
    "bad_step": {
        "zh": "步骤号「{value}」无效，应为 1–{max}。发送 incident steps 查看清单。",
        "en": "Step '{value}' is invalid; use 1–{max}. See: incident steps",
    },
    "bad_year": {"zh": "年份「{value}」无效。", "en": "Year '{value}' is invalid."},
    "bad_date": {
        "zh": "日期「{value}」格式不对，应为 YYYY-MM-DD，例如 2027-05-13。",
        "en": "Date '{value}' is malformed; use YYYY-MM-DD, e.g. 2027-05-13.",
    },
    "bad_time": {
        "zh": "时间「{value}」格式不对，应为 HH:MM，例如 14:00。",
        "en": "Time '{value}' is malformed; use HH:MM, e.g. 14:00.",
    },
    "rsvp_usage": {"zh": "用法：drill rsvp ID 参加|请假", "en": "Usage: drill rsvp ID yes|no"},
    "unknown_button": {"zh": "这个按钮已失效，请重新发起。", "en": "This button has expired; please start again."},
    # -- roles and people -----------------------------------------------------------------------------
    "manager_only": {
        "zh": "只有经理可以计划、确认、改期或取消演练（{user} 不在 PRBOT_ROLE"
        "S_MANAGERS / PRBOT_INCIDENTS_MANAGERS 中）。",
        "en": "Only managers may plan, confirm, move or cancel drills ({user} is not in PRBOT_ROLES_MANAGERS "
        "or PRBOT_INCIDENTS_MANAGERS).",
    },
    "lead_or_manager_only": {
        "zh": "只有本次的负责人或经理可以这样做。",
        "en": "Only the lead or a manager may do this.",
    },
    "unknown_participant": {
        "zh": "{user} 不在应急名单中（PRBOT_INCIDENTS_TEAMS），请管理员把你加入法务、产品、客服或公关团队后再试。",
        "en": "{user} is not on the response teams (PRBOT_INCIDENTS_TEAMS); ask an administrator to add you.",
    },
    "unknown_person": {
        "zh": "不认识「{user}」：应为 PRBOT_INCIDENTS_TEAMS 中配置的成员，例如 slack:U123 或 feishu:ou_xxx。",
        "en": "Unknown person '{user}': use a member configured in PRBOT_INCIDENTS_TEAMS, e.g. slack:U123.",
    },
    "not_a_participant": {
        "zh": "{user} 不在演练 #{id} 的参与名单中；如需参加，请经理发送 drill invite {id} 你的账号。",
        "en": "{user} is not a participant of drill #{id}; a manager can add you with drill invite {id} USER.",
    },
    "lead_unset": {"zh": "（未配置负责人）", "en": "(no lead configured)"},
    # -- drills ---------------------------------------------------------------------------------------
    "drill_label": {"zh": "【演练】", "en": "[DRILL] "},
    "plan_title": {"zh": "{year} 年应急演练计划（新提议 {created} 场）：", "en": "Drill plan {year} ({created} new):"},
    "plan_next": {
        "zh": "经理可点击按钮，或发送 drill confirm ID / drill move ID 日期 / drill cancel ID。",
        "en": "Managers: use the buttons, or drill confirm ID / drill move ID DATE / drill cancel ID.",
    },
    "holidays_unknown": {
        "zh": "ℹ️ 没有 {year} 年的法定节假日数据（国务院尚未公布或 chine"
        "se-calendar 未更新），只避开了周末；请在放假安排公布后核对日期。",
        "en": "ℹ️ No public-holiday data for {year} yet; only weekends were avoided. Check the dates once the "
        "holiday schedule is published.",
    },
    "quarter_skipped": {
        "zh": "{year} 年第 {quarter} 季度：剩余时间不足 {days} 天通知期，未安排。",
        "en": "{year} Q{quarter}: less than the {days}-day notice left, not planned.",
    },
    "no_people": {
        "zh": 'ℹ️ 还没有配置参与人：请设置 PRBOT_INCIDENTS_TEAMS（如 {"法务": ["slack:U123"]}）。',
        "en": 'ℹ️ No participants configured: set PRBOT_INCIDENTS_TEAMS (e.g. {"法务": ["slack:U123"]}).',
    },
    "drill_line": {
        "zh": "#{id} {year} Q{quarter} · {when} · {scenario} · {status} · 已确认参加 {accepted}/{total}",
        "en": "#{id} {year} Q{quarter} · {when} · {scenario} · {status} · attending {accepted}/{total}",
    },
    "drill_list_title": {"zh": "应急演练：", "en": "Crisis drills:"},
    "no_drills": {
        "zh": "还没有演练。经理可发送 drill plan 生成季度计划。",
        "en": "No drills yet. A manager can send drill plan.",
    },
    "drill_brief": {"zh": "场景简介：{brief}", "en": "Brief: {brief}"},
    "drill_lead_line": {"zh": "负责人：{lead} · 模拟级别 {level}", "en": "Lead: {lead} · simulated level {level}"},
    "no_participants": {"zh": "（暂无参与人）", "en": "(no participants yet)"},
    "drill_note": {"zh": "备注：{note}", "en": "Note: {note}"},
    "drill_not_found": {
        "zh": "没有编号为 {id} 的演练。发送 drill list 查看。",
        "en": "No drill #{id}. See: drill list",
    },
    "drill_not_proposed": {
        "zh": "演练 #{id} 当前状态为「{status}」，无法确认。",
        "en": "Drill #{id} is {status}; it cannot be confirmed.",
    },
    "drill_not_movable": {
        "zh": "演练 #{id} 当前状态为「{status}」，无法改期。",
        "en": "Drill #{id} is {status}; it cannot be moved.",
    },
    "drill_not_cancellable": {
        "zh": "演练 #{id} 当前状态为「{status}」，无法取消。",
        "en": "Drill #{id} is {status}; it cannot be cancelled.",
    },
    "drill_not_startable": {
        "zh": "演练 #{id} 当前状态为「{status}」，只有已确认的演练可以开始。",
        "en": "Drill #{id} is {status}; only a confirmed drill can start.",
    },
    "drill_in_past": {
        "zh": "演练 #{id} 的时间 {when} 已过，请先改期：drill move {id} YYYY-MM-DD。",
        "en": "Drill #{id} was due {when}, which has passed; move it first: drill move {id} YYYY-MM-DD.",
    },
    "drill_confirmed": {
        "zh": "已确认演练 #{id}：{scenario}，{when}。",
        "en": "Drill #{id} confirmed: {scenario}, {when}.",
    },
    "reminders_scheduled": {"zh": "提醒：{at}", "en": "Reminders: {at}"},
    "drill_moved": {
        "zh": "演练 #{id} 已从 {old} 改到 {new}；参与人需重新确认。",
        "en": "Drill #{id} moved from {old} to {new}; participants must confirm again.",
    },
    "drill_moved_notice": {
        "zh": "【演练改期】演练 #{id}「{scenario}」改到 {new}，请重新确认是否参加（drill rsvp {id} 参加|请假）。",
        "en": "Drill #{id} ({scenario}) moved to {new}; please confirm again.",
    },
    "drill_cancelled": {
        "zh": "演练 #{id} 已取消，提醒已停止。",
        "en": "Drill #{id} cancelled; its reminders are stopped.",
    },
    "drill_cancelled_notice": {
        "zh": "【演练取消】原定 {when} 的演练 #{id}「{scenario}」已取消。",
        "en": "Drill #{id} ({scenario}) on {when} is cancelled.",
    },
    "warn_past": {"zh": "⚠️ {when} 已经过去。", "en": "⚠️ {when} is in the past."},
    "warn_holiday": {"zh": "⚠️ {day} 是法定节假日（{holiday}）。", "en": "⚠️ {day} is a public holiday ({holiday})."},
    "warn_weekend": {"zh": "⚠️ {day} 是周末。", "en": "⚠️ {day} is a weekend day."},
    "use_force": {
        "zh": "如确需使用该日期，请加 --force 再发一次。",
        "en": "To use this date anyway, send the command again with --force.",
    },
    "rsvp_reply_accepted": {
        "zh": "已记录：你将参加演练 #{id}（{when}）。",
        "en": "Noted: you will attend drill #{id} ({when}).",
    },
    "rsvp_reply_declined": {
        "zh": "已记录：你请假，不参加演练 #{id}（{when}）。负责人会看到。",
        "en": "Noted: you are excused from drill #{id} ({when}). The lead will see it.",
    },
    "rsvp_closed": {
        "zh": "演练 #{id} 当前状态为「{status}」，不再接受回复。",
        "en": "Drill #{id} is {status}; replies are closed.",
    },
    "already_invited": {"zh": "{user} 已在演练 #{id} 的名单中。", "en": "{user} is already invited to drill #{id}."},
    "invited": {"zh": "已邀请 {user}（{team}）参加演练 #{id}。", "en": "Invited {user} ({team}) to drill #{id}."},
    "drill_started": {
        "zh": "【演练】演练 #{id} 开始，计时已启动（事件 #{incident}，演练"
        "模式）。用 incident done / incident log 记录进度。",
        "en": "[DRILL] Drill #{id} started; the clock runs (incident #{incident}, drill mode). "
        "Record progress with incident done / incident log.",
    },
    "drill_kickoff": {
        "zh": "【演练】演练 #{id} 现在开始：{scenario}\n场景：{brief}\n计时已启动（事件 #{incident}）："
        "30 分钟内首次响应、2 小时内深度分析、4 小时内官方声明。",
        "en": "[DRILL] Drill #{id} starts now: {scenario}\n{brief}",
    },
    "drill_reminder": {
        "zh": "【演练提醒 · {when_label}】演练 #{id}「{scenario}」将于 {when} 开始，负责人 {lead}。"
        "你所在团队：{team}；你的回复：{rsvp}。请点击「参加」或「请假」。",
        "en": "[Drill reminder · {when_label}] Drill #{id} ({scenario}) starts {when}; lead {lead}. "
        "Your team: {team}; your answer: {rsvp}.",
    },
    "drill_unconfirmed": {
        "zh": "【演练 · 未确认名单】演练 #{id}「{scenario}」将于 {when} 开始，已确认参加 {accepted}/{total}。"
        "以下成员尚未回复：\n{pending}\n请假：{declined}",
        "en": "[Drill · unconfirmed] Drill #{id} ({scenario}) starts {when}; attending {accepted}/{total}. "
        "Not yet answered:\n{pending}\nExcused: {declined}",
    },
    "ladder_invite": {"zh": "邀请", "en": "invitation"},
    "ladder_14d": {"zh": "提前 14 天", "en": "14 days ahead"},
    "ladder_3d": {"zh": "提前 3 天", "en": "3 days ahead"},
    "ladder_1d": {"zh": "提前 1 天", "en": "1 day ahead"},
    "ladder_1h": {"zh": "提前 1 小时", "en": "1 hour ahead"},
    "btn_accept": {"zh": "参加", "en": "Attend"},
    "btn_decline": {"zh": "请假", "en": "Excused"},
    "btn_confirm": {"zh": "确认 #{id}", "en": "Confirm #{id}"},
    "btn_move": {"zh": "改期 #{id}", "en": "Move #{id}"},
    "btn_cancel": {"zh": "取消 #{id}", "en": "Cancel #{id}"},
    "move_form_title": {"zh": "演练 #{id} 改期", "en": "Move drill #{id}"},
    "form_date": {"zh": "新日期（YYYY-MM-DD）", "en": "New date (YYYY-MM-DD)"},
    "form_time": {"zh": "时间（HH:MM，可空）", "en": "Time (HH:MM, optional)"},
    "form_force": {"zh": "节假日/过去日期也使用", "en": "Allow a holiday/past date"},
    "dstatus_proposed": {"zh": "待确认", "en": "proposed"},
    "dstatus_confirmed": {"zh": "已确认", "en": "confirmed"},
    "dstatus_running": {"zh": "进行中", "en": "running"},
    "dstatus_done": {"zh": "已完成", "en": "done"},
    "dstatus_cancelled": {"zh": "已取消", "en": "cancelled"},
    "rsvp_pending": {"zh": "未回复", "en": "no answer"},
    "rsvp_accepted": {"zh": "参加", "en": "attending"},
    "rsvp_declined": {"zh": "请假", "en": "excused"},
    "checklist_title": {
        "zh": "检查清单（信息核查 → 口径制定 → 渠道发布）：",
        "en": "Checklist (verify → position → publish):",
    },
    # -- incidents ------------------------------------------------------------------------------------
    "incident_started": {
        "zh": "{label}事件 #{id} 已创建，级别 {level}，计时开始。",
        "en": "{label}Incident #{id} opened at level {level}; the clock is running.",
    },
    "incident_lead": {
        "zh": "负责人：{role} {lead}（{level} 级；可调动媒体 {media} 家、KOL {kols} 位；资源：{resources}）",
        "en": "Lead: {role} {lead} (level {level}; up to {media} media and {kols} KOLs; resources: {resources})",
    },
    "incident_thread": {
        "zh": "线程：{channel} · {thread} · 开始于 {started}",
        "en": "Thread: {channel} · {thread} · started {started}",
    },
    "due_at": {"zh": "截止 {due}", "en": "due {due}"},
    "time_left": {"zh": "还剩 {minutes} 分钟", "en": "{minutes} min left"},
    "overdue_by": {"zh": "已超时 {minutes} 分钟", "en": "overdue by {minutes} min"},
    "not_done": {"zh": "未完成", "en": "not done"},
    "incident_next": {
        "zh": "完成后发送 incident done response|analysis|statement；记录步骤 incident log N；结束 incident close。",
        "en": "Mark progress with incident done response|analysis|statement; log steps with incident log N; "
        "finish with incident close.",
    },
    "incident_opening": {
        "zh": "{label}🚨 事件 #{id}（{level} 级）：{description}\n负责人：{role} {lead}\n时限：{deadlines}\n"
        "请在本线程回复进展。",
        "en": "{label}Incident #{id} (level {level}): {description}",
    },
    "thread_not_opened": {
        "zh": "⚠️ 未能在 {channel} 开帖（{reason}），提醒仍会发往该频道。",
        "en": "⚠️ Could not open the thread in {channel} ({reason}); reminders still go to that channel.",
    },
    "incident_header": {
        "zh": "{label}事件 #{id}（{status}）：{description}",
        "en": "{label}Incident #{id} ({status}): {description}",
    },
    "status_open": {"zh": "进行中", "en": "open"},
    "status_closed": {"zh": "已关闭", "en": "closed"},
    "incident_list_title": {"zh": "最近的事件与演练：", "en": "Recent incidents and drills:"},
    "no_incidents": {"zh": "还没有事件记录。", "en": "No incidents yet."},
    "incident_not_found": {
        "zh": "没有编号为 {id} 的事件。发送 incident list 查看。",
        "en": "No incident #{id}. See: incident list",
    },
    "no_open_incident": {
        "zh": '当前没有进行中的事件。新建：incident start --level N "描述"',
        "en": 'No open incident. Start one: incident start --level N "description"',
    },
    "which_incident": {
        "zh": "有多个进行中的事件（{ids}），请用 --id 指定。",
        "en": "Several incidents are open ({ids}); name one with --id.",
    },
    "incident_closed": {
        "zh": "事件 #{id} 已关闭，不能再记录检查点、步骤或调整级别；复盘见 incident show {id}。",
        "en": "Incident #{id} is closed; checkpoints, steps and level can no longer change. See incident show {id}.",
    },
    "checkpoint_already_done": {
        "zh": "「{name}」已于 {at} 标记完成。",
        "en": "'{name}' was already marked done at {at}.",
    },
    "checkpoint_done_on_time": {
        "zh": "{label}事件 #{id}：「{name}」完成，用时 {minutes} 分钟（目标 {target} 分钟）✅",
        "en": "{label}Incident #{id}: '{name}' done in {minutes} min (target {target} min) ✅",
    },
    "checkpoint_done_late": {
        "zh": "{label}事件 #{id}：「{name}」完成，用时 {minutes} 分钟，超出目标 {target} 分钟 ⚠️",
        "en": "{label}Incident #{id}: '{name}' done in {minutes} min, over the {target}-min target ⚠️",
    },
    "statement_saved": {"zh": "声明文本已保存。", "en": "Statement text saved."},
    "compliance_unavailable": {
        "zh": "（合规检查不可用，未检查。）",
        "en": "(Compliance check unavailable; not checked.)",
    },
    "compliance_clean": {"zh": "合规检查：未发现问题。", "en": "Compliance check: nothing found."},
    "compliance_findings": {
        "zh": "合规检查发现以下问题，请发布前修改：",
        "en": "Compliance check findings; fix before publishing:",
    },
    "step_logged": {
        "zh": "{label}事件 #{id}：已记录步骤 {no}（{phase} · {step}），清单完成 {done}/{total}。",
        "en": "{label}Incident #{id}: step {no} logged ({phase} · {step}); {done}/{total} done.",
    },
    "step_logged_again": {
        "zh": "{label}事件 #{id}：步骤 {no}（{phase} · {step}"
        "）此前已记录，这次的备注也已保存；清单完成 {done}/{total}。",
        "en": "{label}Incident #{id}: step {no} was logged before; this note is saved too; {done}/{total} done.",
    },
    "steps_logged": {"zh": "清单步骤完成 {done}/{total}", "en": "Checklist steps done {done}/{total}"},
    "level_unchanged": {"zh": "事件 #{id} 已经是 {level} 级。", "en": "Incident #{id} is already level {level}."},
    "level_changed": {
        "zh": "{label}事件 #{id} 级别 {old} → {new}。负责人：{role} {lead}"
        "（可调动媒体 {media} 家、KOL {kols} 位；资源：{resources}）",
        "en": "{label}Incident #{id} level {old} → {new}. Lead: {role} {lead} (up to {media} media, {kols} KOLs; "
        "resources: {resources})",
    },
    "cp_reminder": {
        "zh": "{label}⏰ 事件 #{id}：「{name}」还剩约 {left} 分钟（截止 "
        "{due}），负责人 {lead}。完成后发送 incident done {cpkey}。",
        "en": "{label}Incident #{id}: '{name}' due in about {left} min ({due}); lead {lead}.",
    },
    "cp_escalation": {
        "zh": "{label}🔺 升级：事件 #{id}（{level} 级）「{name}」"
        "已超时（目标 {target} 分钟，截止 {due}），负责人 {lead}。"
        "请立即处理，完成后发送 incident done {cpkey}。",
        "en": "{label}Escalation: incident #{id} (level {level}) '{name}' missed its {target}-min target ({due}); "
        "lead {lead}.",
    },
    # -- the after-action report ----------------------------------------------------------------------
    "report_title": {"zh": "{label}📋 复盘报告 · #{id} {title}", "en": "{label}After-action report · #{id} {title}"},
    "report_meta": {
        "zh": "级别 {level} · 负责人 {lead} · 历时 {minutes} 分钟",
        "en": "Level {level} · lead {lead} · {minutes} min",
    },
    "report_cp_on_time": {
        "zh": "✅ {name}：{minutes} 分钟（目标 {target} 分钟）按时",
        "en": "✅ {name}: {minutes} min (target {target}) on time",
    },
    "report_cp_late": {
        "zh": "⚠️ {name}：{minutes} 分钟（目标 {target} 分钟）超时 {late} 分钟",
        "en": "⚠️ {name}: {minutes} min (target {target}) {late} min late",
    },
    "report_cp_missing": {
        "zh": "❌ {name}：未完成（目标 {target} 分钟）",
        "en": "❌ {name}: not done (target {target} min)",
    },
    "report_steps": {"zh": "清单步骤完成 {done}/{total}，遗漏：", "en": "Checklist steps {done}/{total}; missed:"},
    "report_levels": {"zh": "级别调整：{changes}", "en": "Level changes: {changes}"},
    "report_score": {
        "zh": "熟练度 {score} 分（= 100 ×（{w} × 检查点得分 {cp} + {w2} × 步骤完成率 {steps}）；"
        "检查点按时计 1、超时计 0.5、未完成计 0）",
        "en": "Proficiency {score} (= 100 × ({w} × checkpoint score {cp} + {w2} × step share {steps}); "
        "a checkpoint on time counts 1, late 0.5, not done 0)",
    },
    "report_trend": {"zh": "趋势：{points}", "en": "Trend: {points}"},
    "report_improvement_met": {
        "zh": "较首次 {change}，已达到提升 {target} 的目标 🎯",
        "en": "{change} on the first, meeting the {target} goal 🎯",
    },
    "report_improvement_short": {
        "zh": "较首次 {change}，目标为提升 {target}。",
        "en": "{change} on the first; the goal is +{target}.",
    },
    "report_first": {
        "zh": "这是第一次记录，之后的复盘会显示趋势。",
        "en": "The first on record; later reports show the trend.",
    },
}


t = i18n.catalogue("crisis", STRINGS)
