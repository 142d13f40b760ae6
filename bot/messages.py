"""User-facing strings in one place, Chinese first, English too."""

from __future__ import annotations

from bot import i18n

# The language rule lives in bot.i18n; kept here under its old name for the modules that use it.
detect_language = i18n.detect_language


STRINGS: dict[str, dict[str, str]] = {
    "help_intro": {
        "zh": "我是公关助手。直接提问即可从案例库和技术翻译笔记中查找答案，并标注出处。可用命令：",
        "en": "I'm prbot, the PR assistant. Ask a question and I answer from the case library and "
        "technical notes, with sources. Commands:",
    },
    "help_more": {
        "zh": "输入 `help 命令`（如 `help cr`）查看它的子命令和参数。",
        "en": "Type `help WORD` (e.g. `help cr`) for its sub-commands and options.",
    },
    "help_unknown_word": {
        "zh": "没有「{word}」这个命令。可用的命令：{words}",
        "en": 'There is no command "{word}". The commands are: {words}',
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
        "zh": "共 {total} 个{scope}的资料{order}：",
        "en": "{total} in all {scope}{order}:",
    },
    "list_total_all": {
        "zh": "共 {total} 个{kind}{order}：",
        "en": "{total} {kind} in all{order}:",
    },
    "kind_case": {"zh": "案例", "en": "cases"},
    "kind_note": {"zh": "技术翻译笔记", "en": "notes"},
    "kind_any": {"zh": "资料", "en": "documents"},
    "list_continued": {"zh": "接上文（第 {items} 项，共 {n} 项）：", "en": "Continued ({items} of {n}):"},
    "list_more": {
        "zh": '还有 {rest} 个，回复"更多"查看。',
        "en": '{rest} more; reply "more" to see them.',
    },
    "order_newest": {"zh": "（按年份从新到旧）", "en": " (newest first)"},
    "order_oldest": {"zh": "（按年份从早到晚）", "en": " (oldest first)"},
    "scope_year": {"zh": "{value}年", "en": "from {value}"},
    "scope_industry": {"zh": "{value}行业", "en": "in {value}"},
    "scope_product": {"zh": "用到「{value}」", "en": "using {value}"},
    "scope_customer": {"zh": "客户含「{value}」", "en": "for customers named “{value}”"},
    "scope_tags": {"zh": "标签「{value}」", "en": "tagged {value}"},
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
    "unknown_option": {
        "zh": "未知的选项「{option}」。可用的有：{known}。用法：{usage}",
        "en": "Unknown option '{option}'. Valid options: {known}. Usage: {usage}",
    },
    "missing_value": {
        "zh": "选项「{option}」需要一个值。用法：{usage}",
        "en": "The option '{option}' needs a value. Usage: {usage}",
    },
    "extra_words": {
        "zh": "多出来的内容「{words}」不知道放在哪里。用法：{usage}",
        "en": "Not sure what '{words}' is for. Usage: {usage}",
    },
    "unknown_subcommand": {
        "zh": "未知的子命令「{word}」。",
        "en": "Unknown sub-command '{word}'.",
    },
    "operator_note": {
        "zh": "（尚未设置 {setting}：终端用户作为本机管理员执行。设置它可限定谁能做这件事。）",
        "en": "({setting} is not set: the terminal user acts as this installation's operator. "
        "Set it to restrict who may do this.)",
    },
    "bad_lang": {"zh": "语言「{value}」无效：只能是 zh 或 en。", "en": "Language '{value}' is invalid: use zh or en."},
    "arg_missing": {"zh": "缺少 {arg}", "en": "{arg} is missing"},
    "arg_unknown": {"zh": "不认识 {arg}", "en": "{arg} is not an argument of this command"},
    "arg_invalid": {"zh": "{arg}「{value}」不对：{reason}", "en": "{arg} '{value}' is not valid: {reason}"},
    "bad_arguments": {"zh": "参数有误：{problems}。用法：{usage}", "en": "Wrong arguments: {problems}. Usage: {usage}"},
    # ---- platform edge (Slack / Feishu) ----
    "chat_form_not_opened": {
        "zh": "表单没能及时打开，请点下面的按钮再打开一次。",
        "en": "The form could not be opened in time; press the button below to open it again.",
    },
    "chat_invite_bot": {
        "zh": "我不在这个频道里，发不了消息。请先在频道里输入 /invite @prbot 把我邀请进来，再试一次。",
        "en": "I am not in this channel, so I cannot post here. Invite me with /invite @prbot, then try again.",
    },
    "chat_field_required": {"zh": "这一项必填。", "en": "This field is required."},
    "chat_field_too_long": {
        "zh": "最多 {limit} 个字符，现在是 {length} 个。",
        "en": "At most {limit} characters; this has {length}.",
    },
    "chat_form_done": {"zh": "已提交：{result}", "en": "Submitted: {result}"},
    "chat_form_already": {
        "zh": "这张表单已经提交过了，没有重复处理。",
        "en": "This form was already submitted; it was not processed again.",
    },
    "chat_group_greeting": {
        "zh": "大家好，我是公关助手。@我 提问即可（例如「有没有金融行业的案例？」），发送「help」查看全部命令。",
        "en": "Hello, I am prbot. @-mention me with a question (e.g. 'Do we have a bank case?'); "
        "send 'help' for every command.",
    },
}


t = i18n.catalogue("core", STRINGS)
