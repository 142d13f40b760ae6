"""User-facing strings of the change requests and the weekly digest (需求变更 / 周报), Chinese first."""

from __future__ import annotations

from bot import i18n

STRINGS: dict[str, dict[str, str]] = {
    # ---- fields and values
    "field_title": {"zh": "标题", "en": "title"},
    "field_size": {"zh": "大小", "en": "size"},
    "field_effective": {"zh": "生效日期", "en": "effective date"},
    "field_since": {"zh": "起始日期", "en": "since date"},
    "field_date": {"zh": "日期", "en": "date"},
    "field_description": {"zh": "描述", "en": "description"},
    "field_team": {"zh": "提出团队", "en": "requesting team"},
    "field_campaign": {"zh": "影响的活动/发布", "en": "campaign or launch"},
    "field_requester": {"zh": "提出人", "en": "requester"},
    "field_comment": {"zh": "意见", "en": "comment"},
    "field_override": {"zh": "特批未提前{notice}天的大变更", "en": "override the {notice}-day rule"},
    "size_big": {"zh": "大变更", "en": "big"},
    "size_small": {"zh": "小变更", "en": "small"},
    "status_submitted": {"zh": "待审批", "en": "awaiting approval"},
    "status_approved": {"zh": "已批准", "en": "approved"},
    "status_rejected": {"zh": "已驳回", "en": "rejected"},
    "status_done": {"zh": "已完成", "en": "done"},
    "status_withdrawn": {"zh": "已撤回", "en": "withdrawn"},
    "late_tag": {"zh": "未提前{notice}天", "en": "late: under {notice} days' notice"},
    "override_tag": {"zh": "经理特批", "en": "manager override"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    # ---- validation
    "invalid_change": {
        "zh": "变更申请有误：{problems}。请改正后重新提交，例如："
        "cr add --title 官网首页改版 --size big --effective 2026-12-31",
        "en": "The change request has problems: {problems}. Fix them and submit again, e.g. "
        "cr add --title 'Homepage redesign' --size big --effective 2026-12-31",
    },
    "missing_title": {"zh": "缺少标题", "en": "the title is missing"},
    "title_too_long": {
        "zh": "标题最多 {max} 个字符（现在 {length} 个），详细内容请写在描述里",
        "en": "the title may have at most {max} characters (it has {length}); put details in the description",
    },
    "description_too_long": {
        "zh": "描述最多 {max} 个字符（现在 {length} 个）",
        "en": "the description may have at most {max} characters (it has {length})",
    },
    "field_too_long": {"zh": "{field}最多 {max} 个字符", "en": "the {field} may have at most {max} characters"},
    "bad_size": {
        "zh": "大小「{value}」无效，只能是 big（大变更，需提前{notice}天）或 small（小变更，每{digest_day}统一处理）",
        "en": "size '{value}' is unknown; use big (needs {notice} days' notice) or small (handled every {digest_day})",
    },
    "bad_date": {
        "zh": "{field}「{value}」不是日期，请写成 YYYY-MM-DD，例如 2026-12-31",
        "en": "the {field} '{value}' is not a date; write it as YYYY-MM-DD, e.g. 2026-12-31",
    },
    "missing_effective": {
        "zh": "缺少生效日期（YYYY-MM-DD）",
        "en": "the effective date is missing (YYYY-MM-DD)",
    },
    "effective_too_far": {
        "zh": "生效日期 {date} 太远了：最多可以提前 {days} 天登记，请检查年份",
        "en": "the effective date {date} is too far ahead: at most {days} days ahead is allowed; check the year",
    },
    "effective_in_past": {
        "zh": "生效日期 {date} 已经过去（提交日是 {today}），请填写今天或以后的日期",
        "en": "the effective date {date} is in the past (submitted on {today}); use today or a later date",
    },
    # ---- commands
    "unknown_subcommand": {
        "zh": "未知的子命令「{name}」。可用：new, add, list, show, approve, reject, withdraw, done。",
        "en": "Unknown subcommand '{name}'. Valid: new, add, list, show, approve, reject, withdraw, done.",
    },
    "not_found": {"zh": "没有编号为 {id} 的变更申请。", "en": "There is no change request #{id}."},
    "bad_status": {
        "zh": "状态「{value}」无效，可用：submitted（待审批）, approved, rejected, done, withdrawn",
        "en": "Status '{value}' is unknown; valid: submitted, approved, rejected, done, withdrawn",
    },
    "form_title": {"zh": "提交需求变更", "en": "New change request"},
    "form_submit": {"zh": "提交", "en": "Submit"},
    "form_size_hint": {
        "zh": "大变更需提前{notice}天；小变更每{digest_day}统一处理",
        "en": "big changes need {notice} days' notice; small ones are handled every {digest_day}",
    },
    "created": {"zh": "已提交变更申请 #{id}：", "en": "Change request #{id} submitted:"},
    "created_late": {
        "zh": "⚠ 这是大变更，距生效只有 {days} 天，未提前{notice}天提出，已标记「未提前{notice}天」；"
        "需要经理特批才能批准。",
        "en": "⚠ This big change takes effect in {days} days, under the {notice} days' notice the rule asks; "
        "it is marked late and needs a manager's override to be approved.",
    },
    "created_big": {
        "zh": "大变更，提前 {days} 天提出，符合规则，等待经理审批。",
        "en": "A big change with {days} days' notice, within the rule; it awaits a manager's approval.",
    },
    "created_small": {
        "zh": "小变更将在 {date} 的周报中统一处理。",
        "en": "Small changes are handled together; this one joins the digest of {date}.",
    },
    "managers_only": {
        "zh": "只有经理可以审批变更申请（你是 {user}）。请联系经理：{managers}。",
        "en": "Only managers can approve or reject change requests (you are {user}). Ask a manager: {managers}.",
    },
    "digest_date_out_of_range": {
        "zh": "日期「{value}」超出范围：周报只能预览 2000 到 2100 年之间的某一周。",
        "en": "The date {value} is out of range: a digest can be previewed for a week between 2000 and 2100.",
    },
    "no_managers": {
        "zh": "尚未配置经理（PRBOT_ROLES_MANAGERS）",
        "en": "none configured yet (PRBOT_ROLES_MANAGERS)",
    },
    "needs_override": {
        "zh": "#{id} 是未提前{notice}天的大变更，批准需要经理特批：加上 --override 并写明理由，"
        "例如 cr approve {id} --override 发布会不能延期",
        "en": "#{id} is a late big change; approving it needs an override: add --override and a reason, "
        "e.g. cr approve {id} --override launch date is fixed",
    },
    "override_needs_comment": {
        "zh": "特批未提前{notice}天的大变更时请写明理由。",
        "en": "Give a reason when overriding the {notice}-day rule.",
    },
    "reject_needs_comment": {
        "zh": "驳回时请写明意见，例如：cr reject {id} 与发布会冲突，请改到下月",
        "en": "Give a comment when rejecting, e.g. cr reject {id} clashes with the launch; move it to next month",
    },
    "wrong_state": {
        "zh": "#{id} 当前状态是「{status}」，不能{verb}。",
        "en": "#{id} is {status}; it cannot be {verb}.",
    },
    "verb_approve": {"zh": "批准", "en": "approved"},
    "verb_reject": {"zh": "驳回", "en": "rejected"},
    "verb_withdraw": {"zh": "撤回", "en": "withdrawn"},
    "verb_done": {"zh": "标记完成", "en": "marked done"},
    "not_yours": {
        "zh": "只有提出人或经理可以{verb} #{id}。",
        "en": "Only the requester or a manager can do that to #{id} ({verb}).",
    },
    "changed": {"zh": "#{id} 已{verb}。", "en": "#{id} {verb}."},
    "list_empty": {"zh": "没有符合条件的变更申请。", "en": "No change requests match."},
    "list_header": {"zh": "变更申请（共 {count} 条）：", "en": "Change requests ({count}):"},
    "list_more": {
        "zh": "……还有 {more} 条；用 prbot cr export 导出完整表格。",
        "en": "… and {more} more; prbot cr export writes the whole table.",
    },
    "button_approve": {"zh": "批准", "en": "Approve"},
    "button_reject": {"zh": "驳回", "en": "Reject"},
    "decide_form_approve": {"zh": "批准变更 #{id}", "en": "Approve change #{id}"},
    "decide_form_reject": {"zh": "驳回变更 #{id}", "en": "Reject change #{id}"},
    "card_line": {
        "zh": "#{id} 【{size}】{title} — 生效 {date}（{notice}）· {status}{flags}",
        "en": "#{id} [{size}] {title} — effective {date} ({notice}) · {status}{flags}",
    },
    "card_notice": {"zh": "提前 {days} 天提出", "en": "{days} days' notice"},
    "card_details": {
        "zh": "提出人：{requester}{team} · 活动：{campaign} · 提交于 {created}",
        "en": "Requested by {requester}{team} · campaign: {campaign} · submitted {created}",
    },
    # ---- import / export
    "import_missing_columns": {
        "zh": "表格缺少必需的列：{missing}。第一行应是表头，至少包含 title, size, effective_date"
        "（或 标题, 大小, 生效日期）；可选列：{optional}。没有导入任何行。",
        "en": "The spreadsheet lacks required columns: {missing}. The first row must be a header with at least "
        "title, size, effective_date; optional: {optional}. Nothing was imported.",
    },
    "import_empty": {"zh": "表格是空的，没有表头。", "en": "The spreadsheet is empty: no header row."},
    "import_bad_file": {
        "zh": "无法读取 {name}：{reason}。请提供 UTF-8 的 .csv 或 .xlsx 文件。",
        "en": "Cannot read {name}: {reason}. Give a UTF-8 .csv or an .xlsx file.",
    },
    "import_bad_type": {
        "zh": "不支持的文件类型 {suffix}，请用 .csv 或 .xlsx。",
        "en": "Unsupported file type {suffix}; use .csv or .xlsx.",
    },
    "import_duplicate_id": {"zh": "编号 {id} 已存在，跳过", "en": "id {id} already exists; skipped"},
    "import_bad_id": {"zh": "编号「{value}」不是正整数", "en": "id '{value}' is not a positive whole number"},
    "import_bad_datetime": {
        "zh": "{field}「{value}」不是日期时间（YYYY-MM-DD HH:MM）",
        "en": "{field} '{value}' is not a date-time (YYYY-MM-DD HH:MM)",
    },
    "import_bad_flag": {
        "zh": "{field}「{value}」应为 是/否（true/false）",
        "en": "{field} '{value}' should be yes/no (true/false)",
    },
    "import_summary": {
        "zh": "导入 {imported} 行；跳过 {skipped} 行（已存在）；有误 {bad} 行（未导入）。",
        "en": "Imported {imported} rows; skipped {skipped} (already present); {bad} bad rows (not imported).",
    },
    "import_row": {"zh": "第 {row} 行：{problem}", "en": "row {row}: {problem}"},
    "import_ignored_columns": {
        "zh": "未识别的列（已忽略）：{columns}",
        "en": "Columns not understood (ignored): {columns}",
    },
    "export_done": {"zh": "已导出 {count} 行到 {path}", "en": "Exported {count} rows to {path}"},
    "import_bad_comments": {"zh": "comments 列无法解析", "en": "the comments column cannot be read"},
    # ---- digest
    "digest_title": {
        "zh": "📋 需求变更周报 · {year}年第{week}周（{date}）",
        "en": "📋 Change-request digest · week {week} of {year} ({date})",
    },
    "digest_delayed": {
        "zh": "（延迟发送：原定 {planned}，机器人当时不在线。）",
        "en": "(Delayed: it was due {planned} while the bot was offline.)",
    },
    "digest_held": {
        "zh": "另一个实例正在发送（租约到 {until}）；它若中断，运行中的实例会在租约到期后补发",
        "en": "another process is posting it (lease until {until}); if it stops, a running replica takes over then",
    },
    "digest_delayed_retry": {
        "zh": "（延迟发送：原定 {planned}，当时的发送未能完成，现已补发。）",
        "en": "(Delayed: it was due {planned}; that attempt did not complete and this is the retry.)",
    },
    "digest_shifted": {
        "zh": "（{nominal} 是法定节假日，周报顺延到下一个工作日 {date}。）",
        "en": "({nominal} is a public holiday; the digest moved to the next working day, {date}.)",
    },
    "digest_calendar_unknown": {
        "zh": "（注意：节假日日历尚无 {year} 年的数据，本期只按周末顺延，未考虑法定节假日。）",
        "en": "(Note: the holiday calendar has no data for {year} yet; only weekends are skipped, "
        "public holidays are not.)",
    },
    "digest_small": {"zh": "本周统一处理的小变更（{count}）", "en": "Small changes to handle this week ({count})"},
    "digest_big": {"zh": "即将生效的大变更（{count}）", "en": "Big changes coming up ({count})"},
    "digest_late": {
        "zh": "本周未提前{notice}天提出的大变更（{count}）",
        "en": "Late big changes submitted this week ({count})",
    },
    "digest_none": {"zh": "无", "en": "none"},
    "digest_more": {"zh": "……另有 {more} 条", "en": "… and {more} more"},
    "digest_days_left": {"zh": "还有 {days} 天生效", "en": "{days} days to go"},
    "digest_today": {"zh": "今天生效", "en": "takes effect today"},
    "digest_overdue": {"zh": "已过生效日 {days} 天", "en": "{days} days past its date"},
    "digest_trend": {"zh": "与前 4 周对比", "en": "Against the previous 4 weeks"},
    "digest_trend_line": {
        "zh": "本周新增 {total} 条（大 {big} / 小 {small}），其中未提前{notice}天 {late} 条；"
        "前 4 周平均每周 {avg_total} 条，未提前{notice}天 {avg_late} 条。",
        "en": "This week {total} new ({big} big / {small} small), {late} of them late; the previous 4 weeks "
        "averaged {avg_total} a week, {avg_late} late.",
    },
    "digest_trend_weeks": {"zh": "逐周（新增/未提前{notice}天）：{weeks}", "en": "Week by week (new/late): {weeks}"},
    "digest_chart_title": {"zh": "每周变更量与未提前{notice}天占比", "en": "Weekly changes and late share"},
    "chart_big": {"zh": "大变更", "en": "big"},
    "chart_small": {"zh": "小变更", "en": "small"},
    "chart_late": {"zh": "未提前{notice}天占比", "en": "late share"},
    "chart_count": {"zh": "数量", "en": "requests"},
    "digest_preview_meta": {
        "zh": "预览：第 {period} 期周报，计划 {when} 发送到 {channels}",
        "en": "Preview: digest {period}, to be posted {when} to {channels}",
    },
    "digest_merged": {
        "zh": "（{asked} → {posted}：两期都顺延到同一天，只发较新的一期）",
        "en": "({asked} → {posted}: both moved to the same day; only the newer is posted)",
    },
    "digest_sent": {
        "zh": "{destination}：✓ 已发送",
        "en": "{destination}: ✓ posted",
    },
    "digest_sent_already": {
        "zh": "{destination}：= 本周已发送过",
        "en": "{destination}: = already posted this week",
    },
    "digest_sent_failed": {
        "zh": "{destination}：✗ 发送失败",
        "en": "{destination}: ✗ failed",
    },
    "digest_sent_held": {
        "zh": "{destination}：… 另一个实例正在发送",
        "en": "{destination}: … being posted by another replica",
    },
    "digest_no_channels": {
        "zh": "尚未配置周报发送频道（PRBOT_DIGEST_CHANNELS，例如 slack:C123,feishu:oc_xxx）",
        "en": "no digest channel configured (PRBOT_DIGEST_CHANNELS, e.g. slack:C123,feishu:oc_xxx)",
    },
    "digest_bad_channel": {
        "zh": "周报频道「{value}」格式不对，应为 平台:频道，例如 slack:C123 或 feishu:oc_xxx",
        "en": "Digest channel '{value}' is malformed; use platform:channel, e.g. slack:C123 or feishu:oc_xxx",
    },
    "digest_no_notifier": {
        "zh": "没有可用于 {platform} 的发送通道（未配置该平台的凭据？）",
        "en": "nothing can post to {platform} (are its credentials configured?)",
    },
}


# The weekday a digest is posted on, as the rule's texts say it (每周三 / every Wednesday).
WEEKDAYS: dict[str, dict[str, str]] = {
    "mon": {"zh": "周一", "en": "Monday"},
    "tue": {"zh": "周二", "en": "Tuesday"},
    "wed": {"zh": "周三", "en": "Wednesday"},
    "thu": {"zh": "周四", "en": "Thursday"},
    "fri": {"zh": "周五", "en": "Friday"},
    "sat": {"zh": "周六", "en": "Saturday"},
    "sun": {"zh": "周日", "en": "Sunday"},
}

t = i18n.catalogue("changes", STRINGS)


def rule_values(notice_days: int, digest_day: str, lang: str) -> dict[str, object]:
    """The rule's values as its texts' format fields: ``{notice}`` days, ``{digest_day}`` (周三)."""
    names = WEEKDAYS[digest_day]
    return {"notice": notice_days, "digest_day": names.get(lang) or names["zh"]}


def notice(days: int, lang: str) -> str:
    """「提前 3 天提出」 / "3 days' notice" ("1 day's notice")."""
    if lang == "en" and days == 1:
        return "1 day's notice"
    return t("card_notice", lang, days=days)
