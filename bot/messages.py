"""User-facing strings in one place, Chinese first, English too."""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str, command: bool = True) -> str:
    """'zh' unless the text is plainly English (no Han characters).

    For a whole message (``command``), the leading command word and ``--options`` say nothing about
    the reader, so three English words must remain (``cr list --status approved`` stays Chinese).
    For free text alone (a title, a comment) any English word counts.
    """
    if _HAN.search(text):
        return "zh"
    if not command:
        return "en" if re.search(r"[A-Za-z]{2,}", text) else "zh"
    without_options = re.sub(r"(?<!\S)--?[A-Za-z][\w-]*", " ", text)
    english = re.findall(r"[A-Za-z]{2,}", without_options)[1:]
    return "en" if len(english) >= 3 else "zh"


STRINGS: dict[str, dict[str, str]] = {
    "help_intro": {
        "zh": "我是公关助手。直接提问即可从案例库和技术翻译笔记中查找答案，并标注出处。可用命令：",
        "en": "I'm prbot, the PR assistant. Ask a question and I answer from the case library and "
        "technical notes, with sources. Commands:",
    },
    "empty_question": {
        "zh": "问题是空的。请直接输入问题，例如：「有没有金融行业用智能客服降本的案例？」",
        "en": 'The question is empty. Type a question, for example: "Do we have a hospital case?"',
    },
    "question_truncated": {
        "zh": "（问题过长，只取了前 {limit} 个字符。）",
        "en": "(The question was too long; only its first {limit} characters were used.)",
    },
    "not_found": {
        "zh": "没有找到相关资料。案例库和技术翻译笔记里没有足够相关的内容，请换个说法，或补充行业、年份、产品等信息。",
        "en": "Nothing relevant found. The case library and technical notes have nothing close enough; "
        "try other words, or name an industry, a year or a product.",
    },
    "low_confidence_prefix": {
        "zh": "没有找到直接相关的资料，以下是最接近的内容，仅供参考：",
        "en": "Nothing directly relevant was found; the closest material follows, for reference only:",
    },
    "closest_intro": {
        "zh": "没有找到直接回答这个问题的资料。最接近的是：",
        "en": "Nothing in the library answers this directly. The closest is:",
    },
    "closest_conflict": {
        "zh": "没有同时满足{filters}的资料。最接近的是：",
        "en": "No document matches all of: {filters}. The closest is:",
    },
    "model_refused": {
        "zh": "资料中没有相关内容：案例库和技术翻译笔记里找到的资料回答不了这个问题。"
        "请换个说法，或补充行业、年份、产品等信息。",
        "en": "The sources do not answer this: the material found in the library does not cover the question; "
        "try other words, or name an industry, a year or a product.",
    },
    "unchecked_dropped": {
        "zh": "（模型回答中有 {n} 句无法在所引资料中核实，已删去。）",
        "en": "({n} sentence(s) of the model's answer could not be checked against the cited sources "
        "and were left out.)",
    },
    "quoted_from_chinese": {
        "zh": "（以下摘录自中文资料原文。）",
        "en": "(Quoted from the Chinese sources.)",
    },
    "list_total": {
        "zh": "共 {total} 个{scope}的资料（{order}）：",
        "en": "{total} in all {scope} ({order}):",
    },
    "list_more": {
        "zh": '还有 {rest} 个，回复"更多"查看。',
        "en": '{rest} more; reply "more" to see them.',
    },
    "order_newest": {"zh": "按年份从新到旧", "en": "newest first"},
    "order_oldest": {"zh": "按年份从早到晚", "en": "oldest first"},
    "scope_year": {"zh": "{value}年", "en": "from {value}"},
    "scope_industry": {"zh": "{value}行业", "en": "in {value}"},
    "scope_product": {"zh": "用到「{value}」", "en": "using {value}"},
    "scope_other": {"zh": "{key}={value}", "en": "{key}={value}"},
    "scope_joiner": {"zh": "、", "en": ", "},
    "llm_fallback": {
        "zh": "（大模型暂不可用，以下为离线摘录的回答。）",
        "en": "(The language model is unavailable; this is the offline extractive answer.)",
    },
    "filter_matched_none": {
        "zh": "（没有同时满足 {filters} 的资料，以下结果未按该条件筛选。）",
        "en": "(No document matches {filters}; the results below are not filtered by it.)",
    },
    "unknown_filter": {
        "zh": "未知的筛选条件「{key}」。可用的有：{valid}。格式：key=value，例如 industry=金融。",
        "en": "Unknown filter '{key}'. Valid keys: {valid}. Use key=value, e.g. industry=金融.",
    },
    "bad_filter": {
        "zh": "筛选条件「{text}」格式不对，应为 key=value，例如 year=2023。",
        "en": "Filter '{text}' is malformed; use key=value, e.g. year=2023.",
    },
    "unknown_action": {
        "zh": "这个按钮已失效，请重新发起请求。",
        "en": "This button has expired; please start again.",
    },
    "internal_error": {
        "zh": "处理时出错了，已记录。如需排查，请把参考编号 {ref} 告诉管理员。",
        "en": "Something went wrong and it has been logged. Give the administrator reference {ref}.",
    },
    "sources": {"zh": "来源", "en": "Sources"},
    "offline_mode_note": {
        "zh": "（离线模式：摘录自资料原文。）",
        "en": "(Offline mode: sentences quoted from the sources.)",
    },
    # ---- chat platforms (Slack, Feishu): acks, bad input, feedback, sharing ----
    "chat_searching": {"zh": "正在查找…", "en": "Looking it up…"},
    "chat_unsupported_content": {
        "zh": "我目前只读取文字消息，图片和文件还看不了。请把问题用文字发给我，例如：「有没有医院的案例？」",
        "en": "I read text messages only; images and files are not read. "
        'Please type your question, e.g. "Do we have a hospital case?"',
    },
    "chat_attachment_ignored": {
        "zh": "（附带的图片或文件没有读取，只回答了文字部分。）",
        "en": "(The attached image or file was not read; only the text was answered.)",
    },
    "chat_message_truncated": {
        "zh": "（消息过长，只读取了前 {limit} 个字符。）",
        "en": "(The message was too long; only its first {limit} characters were read.)",
    },
    "chat_unknown_subcommand": {
        "zh": "没有「{command}」这个子命令。可用的有：{valid}。例如：/prbot ask 有没有银行的案例？",
        "en": "There is no subcommand '{command}'. Valid ones: {valid}. "
        "For example: /prbot ask do we have a bank case?",
    },
    "chat_post_failed": {
        "zh": "回复发送失败，已记录。如需排查，请把参考编号 {ref} 告诉管理员。",
        "en": "The reply could not be posted and this has been logged. Give the administrator reference {ref}.",
    },
    "chat_feedback_up": {"zh": "👍 有用", "en": "👍 Helpful"},
    "chat_feedback_down": {"zh": "👎 没用", "en": "👎 Not helpful"},
    "chat_feedback_thanks": {
        "zh": "谢谢反馈，已记录。",
        "en": "Thanks, your feedback has been recorded.",
    },
    "chat_feedback_unknown": {
        "zh": "找不到这条回答，反馈没有记录。",
        "en": "That answer is no longer known; the feedback was not recorded.",
    },
    "chat_share": {"zh": "分享到频道", "en": "Share to channel"},
    "chat_shared_by": {"zh": "<@{user}> 分享了公关助手的回答：", "en": "<@{user}> shared an answer from prbot:"},
    "chat_open_form": {"zh": "填写「{title}」", "en": "Fill in '{title}'"},
    "chat_expired": {
        "zh": "这条消息已过期，请重新发起请求。",
        "en": "This message has expired; please start again.",
    },
    "chat_continued": {"zh": "（续）", "en": "(continued)"},
}


def t(name: str, lang: str = "zh", **values: object) -> str:
    entry = STRINGS[name]
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text
