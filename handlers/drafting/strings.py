"""User-facing strings of drafting, compliance checks and technical-translation notes (zh first, en too)."""

from __future__ import annotations

from bot import i18n

STRINGS: dict[str, dict[str, str]] = {
    # -- drafting --
    "draft_usage": {
        "zh": "用法：draft headline|summary [原文] [--doc 文档id] [--persona 受众] [--format 形式] "
        "[--count 1-20] [--max-chars N]；draft pick N；draft stats。例如：draft headline --doc case-012 "
        "--persona 银发科技爱好者",
        "en": "Usage: draft headline|summary [text] [--doc ID] [--persona NAME] [--format NAME] [--count 1-20] "
        "[--max-chars N]; draft pick N; draft stats. E.g. draft headline --doc case-012 --persona 银发科技爱好者",
    },
    "draft_empty_source": {
        "zh": "没有原文。请在命令后粘贴原文，或用 --doc 指定案例库文档（如 --doc case-012），"
        "命令行里也可用 --file 文件。",
        "en": "No source text. Paste it after the command, or name a library document with --doc (e.g. "
        "--doc case-012); in the terminal --file FILE works too.",
    },
    "draft_no_match": {
        "zh": "案例库里没有找到与「{topic}」足够相关的文档。请换个说法，或用 --doc 指定文档 id（如 --doc case-012）。",
        "en": "No library document is close enough to '{topic}'. Rephrase, or name one with --doc "
        "(e.g. --doc case-012).",
    },
    "draft_two_sources": {
        "zh": "原文只能给一种：粘贴的文字、--file 或 --doc，三选一。",
        "en": "Give one source only: pasted text, --file or --doc.",
    },
    "draft_source_too_long": {
        "zh": "原文太长（{n} 字），上限 {limit} 字。请只粘贴需要改写的部分。",
        "en": "The source is too long ({n} characters; the limit is {limit}). Paste only the part to rewrite.",
    },
    "draft_unknown_doc": {
        "zh": "案例库里没有 id 为「{doc}」的文档。先用提问找到案例，引用里会显示 id（如 case-012）。",
        "en": "No library document has the id '{doc}'. Ask a question first; citations show ids such as case-012.",
    },
    "draft_bad_count": {
        "zh": "--count 必须是 1 到 20 之间的整数（收到 {value}）。默认 5 条。",
        "en": "--count must be a whole number from 1 to 20 (got {value}); the default is 5.",
    },
    "draft_bad_max_chars": {
        "zh": "--max-chars 必须是 5 到 2000 之间的整数（收到 {value}）。",
        "en": "--max-chars must be a whole number from 5 to 2000 (got {value}).",
    },
    "draft_file_in_chat": {
        "zh": "聊天里不能读取服务器上的文件。请直接粘贴原文，或用 --doc 指定案例库文档。",
        "en": "Files on the server cannot be read from chat. Paste the text, or name a library document with --doc.",
    },
    "draft_missing_value": {"zh": "{option} 后面需要一个值。", "en": "{option} needs a value after it."},
    "unknown_persona": {
        "zh": "没有名为「{name}」的受众画像。{suggest}可用的有：{known}。用 personas 查看详情。",
        "en": "No persona named '{name}'. {suggest}Known personas: {known}. Use `personas` for details.",
    },
    "unknown_format": {
        "zh": "没有名为「{name}」的形式。{suggest}可用的有：{known}。",
        "en": "No format named '{name}'. {suggest}Known formats: {known}.",
    },
    "did_you_mean": {"zh": "您是不是要找「{name}」？", "en": "Did you mean '{name}'? "},
    "draft_title_headline": {"zh": "标题", "en": "Headlines"},
    "draft_title_summary": {"zh": "摘要", "en": "Summaries"},
    "draft_header": {
        "zh": "{kind} · 受众：{persona}{format} · 每条 ≤{limit} 字{counter}",
        "en": "{kind} · persona: {persona}{format} · each ≤{limit} characters{counter}",
    },
    "draft_weibo_counter": {"zh": "（按微博计数：半角字符算半个）", "en": " (counted as Weibo counts: half-width = ½)"},
    "draft_offline": {
        "zh": "【离线草稿】未连接大模型，以下由关键词模板和 TextRank 摘录生成，请润色后再用。",
        "en": "[Offline draft] No language model configured; these come from keyword templates and "
        "TextRank extracts. Polish before use.",
    },
    "draft_fell_back": {
        "zh": "【离线草稿】大模型暂不可用，已改用离线方式生成，请润色后再用。",
        "en": "[Offline draft] The language model is unavailable, so these were written offline. Polish before use.",
    },
    "draft_fewer": {
        "zh": "（要 {wanted} 条，原文只够生成 {got} 条不重复的。）",
        "en": "(Asked for {wanted}; the source supports only {got} distinct ones.)",
    },
    "draft_none": {
        "zh": "没有生成符合长度要求的版本。请放宽 --max-chars，或换一段更具体的原文。",
        "en": "No variant fits the length limit. Relax --max-chars or give a more specific source.",
    },
    "draft_dropped": {
        "zh": "已丢弃 {n} 条版本（原因如下）：",
        "en": "Dropped {n} variant(s), for these reasons:",
    },
    "draft_rewritten": {
        "zh": "（{n} 条版本未通过事实或合规检查，已请大模型重写一次。）",
        "en": "({n} variant(s) failed the fact or compliance check and were rewritten once by the model.)",
    },
    "draft_chars": {"zh": "{n} 字", "en": "{n} characters"},
    "draft_chars_cut": {"zh": "，{cut}", "en": ", {cut}"},
    "draft_english_needs_model": {
        "zh": "英文文案需要配置大模型（PRBOT_OPENAI_*）；离线只能写中文，以上为中文版本。",
        "en": "English copy needs a language model (PRBOT_OPENAI_*); offline drafts are Chinese, as above.",
    },
    "draft_bad_lang": {
        "zh": "--lang 只能是 zh 或 en（收到 {value}）。",
        "en": "--lang must be zh or en (got {value}).",
    },
    "draft_cut": {"zh": "已在句子/分句处截短", "en": "cut at a sentence/clause boundary"},
    "fact_flag": {
        "zh": "⚠️ 数字「{claim}」在原文中找不到：“{quote}”",
        "en": "⚠️ The number '{claim}' is not in the source: \"{quote}\"",
    },
    "compliance_sentence": {"zh": "• “{sentence}”", "en": '• "{sentence}"'},
    "compliance_flag": {
        "zh": "{mark} 「{term}」{severity}：{reason}",
        "en": "{mark} '{term}' {severity}: {reason}",
    },
    "compliance_rules": {"zh": "依据：{rules}", "en": "Rule: {rules}"},
    "compliance_suggest": {"zh": "建议改为：“{rewrite}”", "en": 'Suggested: "{rewrite}"'},
    "compliance_no_rewrite": {
        "zh": "没有可直接替换的说法：{advice}",
        "en": "No safe rewording; remove the claim or give its source: {advice}",
    },
    "severity_violation": {"zh": "明确违规", "en": "clear violation"},
    "severity_needs_source": {"zh": "需注明出处", "en": "needs a source"},
    "severity_style": {"zh": "团队规范", "en": "team style"},
    "pick_button": {"zh": "选第 {n} 条", "en": "Pick #{n}"},
    "pick_hint": {
        "zh": "选定一条：点按钮，或 draft pick N（命令行 prbot draft pick N）。",
        "en": "Pick one: click a button, or `draft pick N` (terminal: prbot draft pick N).",
    },
    "pick_saved": {
        "zh": "已记下您的选择：第 {n} 条（{persona}{format}）。\n{text}",
        "en": "Saved your pick: #{n} ({persona}{format}).\n{text}",
    },
    "pick_no_batch": {
        "zh": "还没有可选的草稿。先用 draft headline 或 draft summary 生成。",
        "en": "There is no draft to pick from yet. Run draft headline or draft summary first.",
    },
    "pick_bad_number": {
        "zh": "请选择 1 到 {n} 之间的编号（收到 {value}）。",
        "en": "Pick a number from 1 to {n} (got {value}).",
    },
    "pick_expired": {
        "zh": "这批草稿已不存在，请重新生成。",
        "en": "That batch of drafts no longer exists; draft again.",
    },
    "draft_stats_empty": {"zh": "还没有任何草稿记录。", "en": "No drafts recorded yet."},
    "draft_stats_header": {
        "zh": "哪些受众/形式的草稿被选用（按选用次数）：",
        "en": "Which personas/formats get picked (most picked first):",
    },
    "personas_header": {
        "zh": "受众画像（draft --persona 名称）：",
        "en": "Personas (use with draft --persona NAME):",
    },
    # -- compliance check --
    "check_usage": {
        "zh": "用法：check 文案（命令行也可 prbot check --file 文件）。可加 --format 微博 检查字数。",
        "en": "Usage: check TEXT (terminal: prbot check --file FILE). Add --format 微博 to check the length.",
    },
    "check_clean": {
        "zh": "✅ 未发现绝对化用语或团队禁用词。",
        "en": "✅ No absolute claims or banned words found.",
    },
    "check_found": {
        "zh": "发现 {n} 处可能不合规的表述（{s} 句）：",
        "en": "Found {n} possibly non-compliant expression(s) in {s} sentence(s):",
    },
    "check_more": {
        "zh": "……另有 {n} 句未列出（--json 可看全部）。",
        "en": "… and {n} more sentence(s) (--json lists all).",
    },
    "check_too_long": {
        "zh": "要检查的文字太长（{n} 字），上限 {limit} 字。请分段检查。",
        "en": "The text to check is too long ({n} characters; the limit is {limit}). Check it in parts.",
    },
    "check_length": {
        "zh": "字数：{n}/{limit}（{format}）{verdict}",
        "en": "Length: {n}/{limit} ({format}) {verdict}",
    },
    "too_long": {"zh": "❌ 超出", "en": "❌ too long"},
    "length_ok": {"zh": "✅", "en": "✅"},
    # -- notes --
    "note_usage": {
        "zh": "用法：note submit | note list [状态] | note show ID | note edit ID | note review ID | "
        "note publish ID | note return ID 意见 | note stats [YYYY-MM]",
        "en": "Usage: note submit | note list [state] | note show ID | note edit ID | note review ID | "
        "note publish ID | note return ID COMMENT | note stats [YYYY-MM]",
    },
    "note_form_title": {"zh": "提交技术翻译笔记", "en": "Submit a technical-translation note"},
    "note_field_title": {"zh": "标题", "en": "Title"},
    "note_field_technology": {"zh": "技术名称", "en": "Technology"},
    "note_field_technical": {"zh": "技术原理解读", "en": "技术原理解读 (technical explanation)"},
    "note_field_user_value": {"zh": "用户价值说明", "en": "用户价值说明 (plain-language value)"},
    "note_edit_title": {"zh": "修改用户价值说明", "en": "Edit the plain-language value"},
    "note_missing": {
        "zh": "缺少{fields}。技术翻译笔记需要标题、技术名称和「技术原理解读」。",
        "en": "Missing {fields}. A note needs a title, a technology and its 技术原理解读 section.",
    },
    "note_file_missing_technical": {
        "zh": "{file} 缺少「## 技术原理解读」章节（或内容为空）。格式见 FORMATS.md：front matter 写 title 和 "
        "technology，正文写 ## 技术原理解读。",
        "en": "{file} has no (or an empty) '## 技术原理解读' section. See FORMATS.md: front matter with title "
        "and technology, then a ## 技术原理解读 section.",
    },
    "note_ambiguous": {
        "zh": "「{ref}」对得上不止一篇笔记：{which}。请用编号。",
        "en": "'{ref}' matches more than one note: {which}. Use its id.",
    },
    "note_is_file": {
        "zh": "{which} 是资料库文件里的笔记，已经发布，不经审核流程。要修改，请改文件后重新 ingest。",
        "en": "{which} is a note from a library file, published and outside review: edit the file and ingest again.",
    },
    "note_not_found": {
        "zh": "没有编号为「{ref}」的笔记。用 note list 查看。",
        "en": "No note '{ref}'. Use `note list`.",
    },
    "note_created": {
        "zh": "已创建笔记 {id}（草稿，第 {version} 版）。下面是机器起草的「用户价值说明」：",
        "en": "Created note {id} (draft, version {version}). The drafted 用户价值说明 follows:",
    },
    "note_drafted_offline": {
        "zh": "（离线起草：只是按四个小标题摘了技术原理里的句子，需要人工改写，改写后用 note edit {id} 提交新版本。）",
        "en": "(Drafted offline: sentences from the technical section under the four headings; a person must "
        "rewrite them — use `note edit {id}`.)",
    },
    "note_drafted_fell_back": {
        "zh": "（大模型暂不可用，已离线起草，需要人工改写。）",
        "en": "(The language model is unavailable; drafted offline, a person must rewrite it.)",
    },
    "readability_ok": {
        "zh": "可读性：平均句长 {avg} 字，术语占比 {share}，通过。",
        "en": "Readability: {avg} characters per sentence, jargon share {share}: OK.",
    },
    "readability_bad": {
        "zh": "⚠️ 可读性：平均句长 {avg} 字（上限 {max_avg}），术语占比 {share}（上限 {max_share}）。{details}",
        "en": "⚠️ Readability: {avg} characters per sentence (max {max_avg}), jargon share {share} "
        "(max {max_share}). {details}",
    },
    "readability_jargon": {"zh": "沿用的术语：{terms}。", "en": "Jargon carried over: {terms}. "},
    "readability_abbr": {"zh": "未解释的英文缩写：{terms}。", "en": "Unexplained abbreviations: {terms}."},
    "note_btn_review": {"zh": "提交审核", "en": "Submit for review"},
    "note_btn_edit": {"zh": "修改用户价值说明", "en": "Edit the value text"},
    "note_btn_publish": {"zh": "发布", "en": "Publish"},
    "note_btn_return": {"zh": "退回修改", "en": "Return"},
    "note_return_form": {"zh": "退回意见", "en": "Return with a comment"},
    "note_field_comment": {"zh": "意见", "en": "Comment"},
    "note_bad_state": {
        "zh": "笔记 {id} 现在是「{state}」，不能{action}。",
        "en": "Note {id} is '{state}'; it cannot be {action} now.",
    },
    "note_unfinished": {
        "zh": "笔记 {id} 的用户价值说明还是离线草稿（含「待补充」）。请先用 note edit {id} 改写完整再提交审核。",
        "en": "Note {id} still has the offline scaffold (「待补充」). Rewrite it with `note edit {id}` first.",
    },
    "note_not_author": {
        "zh": "只有作者或审核人可以修改笔记 {id}。",
        "en": "Only the author or a reviewer may change note {id}.",
    },
    "note_not_reviewer": {
        "zh": "只有审核人可以{action}笔记。审核人在配置 roles.reviewers 中设置（PRBOT_ROLES_REVIEWERS）。",
        "en": "Only reviewers may {action} notes. Reviewers are set in roles.reviewers (PRBOT_ROLES_REVIEWERS).",
    },
    "note_return_needs_comment": {
        "zh": "退回时请写明意见：note return ID 意见。",
        "en": "Say why when returning: note return ID COMMENT.",
    },
    "note_in_review": {
        "zh": "笔记 {id} 已提交审核（第 {version} 版），等待审核人发布或退回。",
        "en": "Note {id} (version {version}) is in review; a reviewer will publish or return it.",
    },
    "note_version_saved": {
        "zh": "已保存笔记 {id} 的第 {version} 版。",
        "en": "Saved version {version} of note {id}.",
    },
    "note_returned": {
        "zh": "笔记 {id} 已退回给作者，意见：{comment}",
        "en": "Note {id} was returned to its author: {comment}",
    },
    "note_published": {
        "zh": "笔记 {id} 已发布并加入资料库（{path}），提问时即可引用。",
        "en": "Note {id} is published to the library ({path}) and can be cited by answers right away.",
    },
    "note_publish_failed": {
        "zh": "发布失败，笔记仍在审核中，资料库未改动：{reason}",
        "en": "Publishing failed; the note stays in review and the library is unchanged: {reason}",
    },
    "note_list_empty": {"zh": "还没有笔记。用 note submit 提交一篇。", "en": "No notes yet. Use `note submit`."},
    "note_list_none": {"zh": "没有「{state}」状态的笔记。", "en": "No notes are '{state}'."},
    "note_list_header": {
        "zh": "共 {total} 篇笔记（审核流程中提交的 {reviewed} 篇，资料库文件 {filed} 篇）：",
        "en": "{total} notes ({reviewed} submitted for review here, {filed} from library files):",
    },
    "note_list_more": {
        "zh": "……还有 {rest} 篇。用 note list 状态（如 in_review）缩小范围，或直接问「有哪些关于某技术的笔记」。",
        "en": "… {rest} more. Narrow it with `note list STATE` (in_review, say), or ask for notes on a technology.",
    },
    "from_library": {"zh": "资料库文件", "en": "library file"},
    "note_in_library": {
        "zh": "已发布 · 资料库文件 {file}，不经审核流程；修改请改这个文件后重新 ingest",
        "en": "published · library file {file}, outside review; edit the file and ingest again to change it",
    },
    "feedback_yes": {"zh": "看懂了", "en": "Understood"},
    "feedback_no": {"zh": "没看懂", "en": "Not clear"},
    "feedback_unknown": {
        "zh": "找不到笔记 {id}，这次反馈没有记录。",
        "en": "Note {id} no longer exists; the feedback was not recorded.",
    },
    "feedback_thanks": {
        "zh": "谢谢反馈，已记录（{id}：{answer}）。",
        "en": "Thanks, recorded ({id}: {answer}).",
    },
    "stats_month_bad": {
        "zh": "月份格式应为 YYYY-MM，例如 2026-11（收到 {value}）。",
        "en": "The month must look like YYYY-MM, e.g. 2026-11 (got {value}).",
    },
    "stats_header": {
        "zh": "{month} 技术翻译笔记：已发布 {published}/{goal} 篇（每月目标 {monthly}）{mark}",
        "en": "{month} notes: {published}/{goal} published (monthly goal {monthly}) {mark}",
    },
    "stats_rates": {
        "zh": "理解率（目标 {goal}，从低到高）：",
        "en": "Understanding rate (goal {goal}, lowest first):",
    },
    "stats_authors": {"zh": "{month} 提交（篇）：{authors}", "en": "Submitted in {month} (notes): {authors}"},
    "stats_no_feedback": {"zh": "{month} 还没有「看懂了/没看懂」反馈。", "en": "No understanding feedback in {month}."},
}

STATE_NAMES = {
    "draft": {"zh": "草稿", "en": "draft"},
    "in_review": {"zh": "审核中", "en": "in review"},
    "returned": {"zh": "已退回", "en": "returned"},
    "published": {"zh": "已发布", "en": "published"},
}


t = i18n.catalogue("drafting", STRINGS)


def state_name(state: str, lang: str = "zh") -> str:
    return STATE_NAMES.get(state, {}).get(lang, state)
