"""User-facing text of early warning (舆情预警): Chinese first, English too."""

from __future__ import annotations

from bot import i18n

LEVEL_NAMES = {"zh": {1: "一级", 2: "二级", 3: "三级"}, "en": {1: "level 1", 2: "level 2", 3: "level 3"}}

STRINGS: dict[str, dict[str, str]] = {
    "alert_title": {
        "zh": "🚨 舆情预警 · {level_name}（{rule}）",
        "en": "🚨 Early warning · {level_name} ({rule})",
    },
    "rule_3": {"zh": "关键词触发", "en": "keyword trigger"},
    "rule_2": {"zh": "负面情绪集中", "en": "negative sentiment"},
    "rule_1": {"zh": "大号快速扩散", "en": "fast spread through large accounts"},
    "alert_story": {"zh": "话题：{title}", "en": "Story: {title}"},
    "alert_times": {
        "zh": "首条：{first} · 预警：{at}（首条后 {minutes} 分钟）· 提及 {mentions} 条",
        "en": "First post: {first} · alert: {at} ({minutes} min after) · {mentions} mentions",
    },
    "alert_reason": {"zh": "依据：{reason}", "en": "Why: {reason}"},
    "alert_top": {"zh": "传播最广的帖子：", "en": "Posts that carried it furthest:"},
    "top_post": {
        "zh": "{n}. {platform} @{author}（粉丝 {followers}，转发 {reposts}）：{text} {url}",
        "en": "{n}. {platform} @{author} ({followers} followers, {reposts} reposts): {text} {url}",
    },
    "button_respond": {"zh": "启动 {level} 级响应", "en": "Start a level {level} response"},
    "button_ignore": {"zh": "忽略", "en": "Ignore"},
    "button_observe": {"zh": "继续观察", "en": "Keep watching"},
    "chart_title": {"zh": "每 10 分钟提及数", "en": "mentions per 10 minutes"},
    "reason_3": {
        "zh": "{window} 分钟内 {count} 条提及含风险词（{words}）",
        "en": "{count} mentions with risk words ({words}) within {window} min",
    },
    "reason_2": {
        "zh": "{window} 分钟内 {count} 条提及，负面占 {share}",
        "en": "{count} mentions within {window} min, {share} negative",
    },
    "reason_1": {
        "zh": "最近 10 分钟 {rate} 条（基线 {baseline}/10 分钟），{big} 个粉丝超过 {threshold} 的账号在传播",
        "en": "{rate} mentions in the last 10 min (baseline {baseline}/10 min), spread by {big} accounts over "
        "{threshold} followers",
    },
    "responded": {
        "zh": "已启动 {level} 级响应：事件 #{incident}。首条 → 预警 {to_alert} 分钟，预警 → 响应 {to_response} 分钟。",
        "en": "Level {level} response started: incident #{incident}. First post → alert {to_alert} min, "
        "alert → response {to_response} min.",
    },
    "already_responded": {
        "zh": "这条预警已经启动响应（事件 #{incident}，{who}）。",
        "en": "A response was already started for this alert (incident #{incident}, {who}).",
    },
    "ignored": {
        "zh": "已忽略这条预警（{who}）。同一话题升到更高级别时仍会预警。",
        "en": "Alert ignored ({who}). A higher level on the same story still alerts.",
    },
    "observing": {
        "zh": "继续观察（{who}）：话题仍在监测中。",
        "en": "Keep watching ({who}): the story is still monitored.",
    },
    "alert_not_found": {"zh": "找不到预警 #{id}。", "en": "Alert #{id} not found."},
    "no_incidents": {
        "zh": "事件计时未启用，无法启动响应；请用 incident start --level N 手动开始。",
        "en": "The incident clock is not available; start one with incident start --level N.",
    },
    "not_participant": {
        "zh": "只有应急小组成员可以启动响应（{user} 不在 PRBOT_INCIDENTS_TEAMS 中）。",
        "en": "Only response team members may start a response ({user} is not in PRBOT_INCIDENTS_TEAMS).",
    },
    "incident_description": {
        "zh": "【舆情预警 #{alert}】{title}（{level_name}，首条 {first}，预警 {at}，{mentions} 条提及）",
        "en": "[Early warning #{alert}] {title} ({level_name}, first post {first}, alert {at}, {mentions} mentions)",
    },
    "status_title": {
        "zh": "舆情监测：{mentions} 条提及 · {stories} 个话题 · {alerts} 条预警",
        "en": "Watch: {mentions} mentions · {stories} stories · {alerts} alerts",
    },
    "status_feeds": {"zh": "订阅源：", "en": "Feeds:"},
    "feed_ok": {"zh": "✅ {url} · 上次成功 {at} · {entries} 条", "en": "✅ {url} · last ok {at} · {entries} entries"},
    "feed_failing": {
        "zh": "⚠️ {url} · 连续失败 {failures} 次：{error}",
        "en": "⚠️ {url} · failed {failures} times in a row: {error}",
    },
    "feed_never": {"zh": "⏳ {url} · 尚未拉取", "en": "⏳ {url} · not polled yet"},
    "feed_failed_post": {
        "zh": "⚠️ 舆情订阅源拉取失败（已重试 {attempts} 次）：{url}\n原因：{error}\n恢复前每次拉取都会重试。",
        "en": "⚠️ A watch feed failed ({attempts} attempts): {url}\nReason: {error}\nIt is retried on every poll.",
    },
    "status_alerts": {"zh": "最近的预警：", "en": "Recent alerts:"},
    "alert_line": {
        "zh": "#{id} {level_name} · {at} · {status} · {title}",
        "en": "#{id} {level_name} · {at} · {status} · {title}",
    },
    "status_raised": {"zh": "待发送", "en": "pending"},
    "status_posted": {"zh": "已发送", "en": "posted"},
    "status_failed": {"zh": "发送被拒（检查 PRBOT_WATCH_CHANNEL）", "en": "refused (check PRBOT_WATCH_CHANNEL)"},
    "status_responded": {"zh": "已响应", "en": "responded"},
    "status_ignored": {"zh": "已忽略", "en": "ignored"},
    "status_watching": {"zh": "观察中", "en": "watching"},
    "no_feeds": {"zh": "（未配置 PRBOT_WATCH_FEEDS）", "en": "(no PRBOT_WATCH_FEEDS configured)"},
    "stories_title": {"zh": "最近的话题：", "en": "Recent stories:"},
    "story_line": {
        "zh": "#{id} · {mentions} 条 · 首条 {first} · 最新 {last} · {title}",
        "en": "#{id} · {mentions} mentions · first {first} · last {last} · {title}",
    },
    "no_stories": {"zh": "还没有收到任何提及。", "en": "No mentions received yet."},
    "usage": {
        "zh": "用法：watch status | watch stories（导入与回放在命令行：prbot watch import|replay FILE）",
        "en": "Usage: watch status | watch stories (import and replay: prbot watch import|replay FILE)",
    },
    "unknown_sub": {"zh": "不认识的子命令「{sub}」。{usage}", "en": "Unknown subcommand '{sub}'. {usage}"},
    "unknown_action": {"zh": "不认识的预警操作。", "en": "Unknown alert action."},
}


t = i18n.catalogue("watch", STRINGS)


def level_name(level: int, lang: str) -> str:
    return LEVEL_NAMES.get(lang, LEVEL_NAMES["zh"]).get(level, str(level))
