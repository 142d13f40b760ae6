"""What the conversation layer says, Chinese first, English too."""

from __future__ import annotations

from bot import i18n

STRINGS = {
    "overview_intro": {
        "zh": "你好！我是公关助手，直接用大白话告诉我要做什么就行。我能：",
        "en": "Hi! I'm the PR assistant; just tell me in your own words what you need. I can:",
    },
    "overview_line": {
        "zh": "• {summary} — 例如「{first}」「{second}」",
        "en": "• {summary} — e.g. “{first}”, “{second}”",
    },
    "overview_outro": {
        "zh": "输入 help 查看每个命令的完整用法。",
        "en": "Type help for every command and its options.",
    },
    "thanks": {"zh": "不客气！还有需要随时说。", "en": "You're welcome! Ask any time."},
    "nearest": {
        "zh": "我不太确定你想做什么。和你说的最接近的是：\n{lines}\n"
        "也可以直接问案例库的问题，或输入 help 查看全部命令。",
        "en": "I'm not sure what you'd like to do. The closest things I can do:\n{lines}\n"
        "You can also ask the library a question, or type help for every command.",
    },
    "nearest_line": {"zh": "• {summary}：例如「{example}」", "en": "• {summary}: e.g. “{example}”"},
    "ask_slot": {"zh": "好的，{what}？（例如：{example}）", "en": "OK — {what}? (e.g. {example})"},
    "ask_slot_again": {
        "zh": "没看懂「{words}」。{what}？例如：{example}（其他信息已记下：{kept}）",
        "en": "I couldn't read “{words}”. {what}? e.g. {example} (kept so far: {kept})",
    },
    "nothing_kept": {"zh": "暂无", "en": "nothing yet"},
    "kept_joiner": {"zh": "、", "en": ", "},
    "kept_title": {"zh": "内容「{value}」", "en": "“{value}”"},
    "kept_effective": {"zh": "{value} 生效", "en": "effective {value}"},
    "kept_level": {"zh": "{value}级", "en": "level {value}"},
    "kept_description": {"zh": "事件「{value}」", "en": "incident “{value}”"},
    "kept_copy": {"zh": "文案「{value}」", "en": "copy “{value}”"},
    "kept_id": {"zh": "{value} 号", "en": "number {value}"},
    "kept_comment": {"zh": "理由「{value}」", "en": "reason “{value}”"},
    "nothing_to_confirm": {
        "zh": "现在没有等你确认的操作。直接告诉我要做什么就行，例如「帮我规划明年的危机演练」。",
        "en": "Nothing is waiting for your confirmation; just tell me what you need.",
    },
    "confirm": {
        "zh": "我将{action}。确认吗？（回复「是」或「否」）",
        "en": "I will {action}. Go ahead? (reply yes or no)",
    },
    "confirm_yes": {"zh": "确认", "en": "Confirm"},
    "confirm_no": {"zh": "取消", "en": "Cancel"},
    "cancelled": {"zh": "已取消，什么都没有改。", "en": "Cancelled; nothing was changed."},
    "acknowledged": {"zh": "好的。还需要什么，随时说。", "en": "Good. Ask any time."},
    "not_understood": {
        "zh": "哪里没看懂？可以问得具体一些，例如「第二个的成效呢」「用大白话再讲一遍」。",
        "en": 'Which part was unclear? Ask about it, e.g. "what were the results?" or "in plain words".',
    },
    "pending_dropped": {
        "zh": "（上一个没有完成的请求已放下，什么都没有提交。）",
        "en": "(The unfinished request before this was dropped; nothing was submitted.)",
    },
    "already_done": {
        "zh": "这个确认已经处理过了（或已取消），不会重复执行。",
        "en": "That confirmation was already handled (or cancelled); it will not run twice.",
    },
    "expired": {
        "zh": "之前的对话已过期（超过 {minutes} 分钟），我记不得上文了，请把问题说完整。",
        "en": "The earlier conversation has expired (over {minutes} minutes); please ask in full.",
    },
    "no_earlier_question": {
        "zh": "（这个对话里还没有上一个问题，我按字面来回答。）",
        "en": "(There is no earlier question in this conversation, so I answered it as it stands.)",
    },
    "no_earlier_list": {
        "zh": "这个对话里还没有列出过结果，请先问一个问题，例如「2023年制造业有哪些案例？」",
        "en": "Nothing has been listed in this conversation yet; ask first, e.g. “Which cases are from 2023?”",
    },
    "ordinal_past_end": {
        "zh": "上一个列表只有 {n} 项，没有第 {k} 个。",
        "en": "The last list had only {n} items; there is no number {k}.",
    },
    "list_count": {"zh": "上一个列表一共 {n} 项。", "en": "The last list has {n} items in all."},
    "list_end": {
        "zh": "上一个列表的 {n} 项都已经列出了，没有更多了。",
        "en": "All {n} items of the last list have been shown; there are no more.",
    },
    "list_more": {"zh": "接上文（第 {start}–{end} 项，共 {n} 项）：", "en": "Continued (items {start}–{end} of {n}):"},
    "no_more_similar": {
        "zh": "除了已经给出的，没有找到其他符合的资料。",
        "en": "Apart from the ones already given, nothing else matches.",
    },
    "not_in_document": {
        "zh": "《{title}》里没有说到这一点。可以换个问法，或问问别的案例。",
        "en": "“{title}” does not say; try other words, or ask about another case.",
    },
    "nothing_in_scope": {
        "zh": "没有同时符合「{scope}」的资料。",
        "en": "Nothing in the library matches all of: {scope}.",
    },
    "no_draft": {
        "zh": "这个对话里还没有草稿。把要检查的文案贴在后面，例如「这段文案合规吗：我们是行业第一」",
        "en": "There is no draft in this conversation yet; paste the copy, "
        "e.g. “is this compliant: the best tablet ever”",
    },
    "no_topic": {
        "zh": "（这个对话里还没有提到过具体的资料，我按字面来回答。）",
        "en": "(No document has come up in this conversation yet, so I answered it as it stands.)",
    },
    # slot prompts: what is missing, and an example of a good answer
    "slot_title": {"zh": "要变更的是什么", "en": "what is changing"},
    "slot_title_example": {"zh": "官网首页换横幅", "en": "new banner on the homepage"},
    "slot_size": {"zh": "这是小变更还是大变更", "en": "is it a small or a big change"},
    "slot_size_example": {"zh": "小变更", "en": "small"},
    "slot_effective": {"zh": "从哪天起生效", "en": "from which day does it take effect"},
    "slot_effective_example": {"zh": "下周一 / 2026-12-31", "en": "next Monday / 2026-12-31"},
    "slot_level": {"zh": "响应级别是几级（一级最高）", "en": "which level (1 is the most severe)"},
    "slot_level_example": {"zh": "二级", "en": "level 2"},
    "slot_description": {"zh": "发生了什么（一句话描述事件）", "en": "what happened (one line)"},
    "slot_description_example": {"zh": "微博上有人说我们的平板充电起火", "en": "customer data leaked on a forum"},
    "slot_copy": {"zh": "要检查的文案是什么", "en": "what is the copy to check"},
    "slot_copy_example": {"zh": "我们是行业第一的智能客服", "en": "the best tablet ever"},
    "slot_case": {"zh": "是哪个案例（编号）", "en": "which case (its id)"},
    "slot_case_example": {"zh": "case-012", "en": "case-012"},
    "slot_bid": {"zh": "用于哪个投标项目", "en": "which bid"},
    "slot_bid_example": {"zh": "某省政务云招标", "en": "the provincial cloud tender"},
    "do_case_used-in-bid": {"zh": "记录案例 {case} 用于「{bid}」", "en": "record case {case} as used in '{bid}'"},
    "slot_note": {"zh": "是哪一篇笔记", "en": "which note"},
    "slot_note_example": {"zh": "边缘计算 / note-20261201-3", "en": "edge computing / note-20261201-3"},
    "slot_id": {"zh": "是几号", "en": "which number"},
    "slot_id_example": {"zh": "12", "en": "12"},
    "slot_comment": {"zh": "理由是什么", "en": "what is the reason"},
    "slot_comment_example": {"zh": "和年终活动冲突", "en": "it clashes with the launch"},
    # what an inferred action will do
    "do_cr_add": {
        "zh": "提交需求变更「{title}」（{size}，{effective} 生效）",
        "en": "submit the change request “{title}” ({size}, effective {effective})",
    },
    "do_cr_approve": {"zh": "批准 {id} 号需求变更", "en": "approve change request {id}"},
    "do_cr_reject": {"zh": "驳回 {id} 号需求变更（理由：{comment}）", "en": "reject change request {id} ({comment})"},
    "do_cr_withdraw": {"zh": "撤回 {id} 号需求变更", "en": "withdraw change request {id}"},
    "do_cr_done": {"zh": "把 {id} 号需求变更标记为已完成", "en": "mark change request {id} done"},
    "do_incident_start": {
        "zh": "启动{level}级响应并开始计时：{description}",
        "en": "start a level {level} incident and its clock: {description}",
    },
    "do_incident_level": {"zh": "把当前事件调整为{level}级", "en": "set the current incident to level {level}"},
    "do_incident_close": {"zh": "关闭当前事件并生成复盘报告", "en": "close the current incident and write its report"},
    "do_incident_done": {
        "zh": "把当前事件的「{checkpoint}」节点记为完成",
        "en": "mark “{checkpoint}” done on the current incident",
    },
    "do_drill_plan": {"zh": "规划{year}年的危机演练", "en": "plan the crisis drills of {year}"},
    "do_note_publish": {"zh": "发布笔记「{note}」到案例库", "en": "publish the note '{note}' to the library"},
    "do_note_return": {
        "zh": "把笔记「{note}」退回作者（意见：{comment}）",
        "en": "return the note '{note}' to its author ({comment})",
    },
    "do_command": {"zh": "执行 `{command}`", "en": "run `{command}`"},
    "small": {"zh": "小变更", "en": "small"},
    "big": {"zh": "大变更", "en": "big"},
}

t = i18n.catalogue("conversation", STRINGS)
