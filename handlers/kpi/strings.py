"""User-facing text of the plan's scoreboard (KPI): Chinese first, English too."""

from __future__ import annotations

from bot import i18n

STRINGS: dict[str, dict[str, str]] = {
    "title": {"zh": "年度计划 KPI · {label}", "en": "The year's plan, KPI · {label}"},
    "name_resolved": {"zh": "重大事件 48 小时内解决", "en": "major incidents resolved within 48 h"},
    "name_response": {"zh": "30 分钟内首次响应", "en": "first response within 30 min"},
    "name_warning": {"zh": "首条 → 预警（中位数）", "en": "first post → alert (median)"},
    "name_late_changes": {"zh": "未提前 15 天的大变更（同比降幅）", "en": "late big changes (down on a year earlier)"},
    "name_delayed": {
        "zh": "影响上线的迟到变更（同比降幅）",
        "en": "late changes naming a launch (down on a year earlier)",
    },
    "name_notes": {"zh": "每月发布技术笔记", "en": "notes published per month"},
    "name_understanding": {"zh": "技术笔记看懂率", "en": "notes understood"},
    "name_cited": {"zh": "回答中引用的案例", "en": "cases cited in answers"},
    "name_bids": {"zh": "本年用于投标的案例", "en": "cases used in bids this year"},
    "name_drills": {"zh": "演练熟练度提升（首次 → 最近）", "en": "drill proficiency gain (first → latest)"},
    "target": {"zh": "目标 {target}", "en": "target {target}"},
    "no_data": {"zh": "暂无记录", "en": "no records yet"},
    "met": {"zh": "✅ 达标", "en": "✅ on target"},
    "missed": {"zh": "⚠️ 未达标", "en": "⚠️ below target"},
    "info": {"zh": "", "en": ""},
    "warning_detail": {
        "zh": "{alerts} 条预警，{within} 条在目标内；预警 → 响应中位数 {response} 分钟",
        "en": "{alerts} alerts, {within} within target; alert → response median {response} min",
    },
    "changes_detail": {"zh": "{quarter} {now} · 去年同期 {then}", "en": "{quarter} {now} · a year earlier {then}"},
    "quarter_name": {"zh": "{year}年第{n}季度", "en": "Q{n} {year}"},
    "cited_detail": {"zh": "案例库共 {library} 个", "en": "of {library} cases in the library"},
    "bids_detail": {
        "zh": "{bids} 个标书；去年 {last} 个；案例库共 {library} 个",
        "en": "{bids} bids; last year {last}; {library} cases in the library",
    },
    "chart_title": {"zh": "各项指标达成率（目标 = 100%）", "en": "each figure against its target (target = 100%)"},
    "chart_drills": {"zh": "演练熟练度", "en": "drill proficiency"},
    "bad_period": {"zh": "不认识的周期「{value}」；可用：{valid}", "en": "Unknown period '{value}'; use {valid}"},
    "usage": {
        "zh": "用法：kpi [month|quarter|year] [YYYY-MM-DD]（默认本季度）",
        "en": "Usage: kpi [month|quarter|year] [YYYY-MM-DD] (default: this quarter)",
    },
    "bad_date": {"zh": "日期「{value}」应写成 YYYY-MM-DD", "en": "Date '{value}' should be YYYY-MM-DD"},
    "bad_date_usage": {
        "zh": "日期「{value}」应写成 YYYY-MM-DD\n用法：kpi [month|quarter|year] [YYYY-MM-DD]（默认本季度）",
        "en": "Date '{value}' should be YYYY-MM-DD\n"
        "Usage: kpi [month|quarter|year] [YYYY-MM-DD] (default: this quarter)",
    },
    "bad_period_usage": {
        "zh": "不认识的周期「{value}」；可用：month | quarter | year\n"
        "用法：kpi [month|quarter|year] [YYYY-MM-DD]（默认本季度）",
        "en": "Unknown period '{value}'; use month | quarter | year\n"
        "Usage: kpi [month|quarter|year] [YYYY-MM-DD] (default: this quarter)",
    },
    "bid_required": {
        "zh": "请用 --bid 写明投标项目：case used-in-bid 案例编号 --bid 某省政务云招标",
        "en": 'Name the bid with --bid: case used-in-bid CASE-ID --bid "a tender"',
    },
    "bid_case_missing": {
        "zh": "请给出案例编号：case used-in-bid case-012 --bid 某省政务云招标",
        "en": 'Give the case id: case used-in-bid case-012 --bid "a tender"',
    },
    "bid_missing": {
        "zh": "请用 --bid 写明投标项目：case used-in-bid {case} --bid 某省政务云招标",
        "en": 'Name the bid with --bid: case used-in-bid {case} --bid "a tender"',
    },
    "bid_too_long": {"zh": "投标项目名称最长 300 字。", "en": "The bid name is at most 300 characters."},
    "bid_case_unknown": {
        "zh": "案例库里没有「{case}」；编号见回答的来源或 prbot ingest 的结果。",
        "en": "No '{case}' in the library; ids are shown in answers' sources.",
    },
    "bid_not_case": {"zh": "「{case}」是{kind}，不是案例。", "en": "'{case}' is a {kind}, not a case."},
    "bid_marked": {
        "zh": "已记录：{case}《{title}》用于投标「{bid}」。",
        "en": "Recorded: {case} ({title}) used in bid '{bid}'.",
    },
    "bid_already": {
        "zh": "{case}《{title}》已记录过用于「{bid}」，未重复计数。",
        "en": "{case} ({title}) was already recorded for '{bid}'; not counted twice.",
    },
    "bid_button": {"zh": "用于投标", "en": "Used in a bid"},
    "bid_form_title": {"zh": "案例用于投标", "en": "Case used in a bid"},
    "bid_form_case": {"zh": "案例", "en": "Case"},
    "bid_form_bid": {"zh": "投标项目", "en": "Bid"},
    "bid_form_placeholder": {"zh": "例如：某省政务云招标", "en": "e.g. a provincial cloud tender"},
    "case_usage": {
        "zh": "用法：case used-in-bid 案例编号 --bid 投标项目",
        "en": 'Usage: case used-in-bid CASE-ID --bid "the bid"',
    },
    "monthly_intro": {"zh": "📊 月度 KPI 报告", "en": "📊 Monthly KPI report"},
}


t = i18n.catalogue("kpi", STRINGS)
