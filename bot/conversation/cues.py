"""The words that name each capability's domain, and the rules for what is unambiguous.

The semantic router learns from the few examples each command declares; these cues add the
vocabulary of each job (a change request is a 变更, a drill an 演练 …), so a request phrased unlike
any example still lands. Cues are about what the capability *is*, never about particular sentences.
"""

from __future__ import annotations

import re

# Capability (command group) → patterns naming its domain. A hit adds to that capability's score.
CUES: dict[str, tuple[str, ...]] = {
    "personas": (
        r"画像|受众|人群|persona|audience",
        r"(画像|persona).{0,20}(是什么|怎么|关注|定义|描述|细节|重点|care|look like|有吗)",
        r"(哪些|什么|几类|多少|所有).{0,6}(画像|受众|persona)",
    ),
    "digest": (
        r"周报|digest",
        r"(本周|这周|这礼拜|本礼拜|这一周|this week|weekly).{0,12}(变更|改动|变动|调整|计划|change)",
        r"(changes?|changed).{0,30}(this week|weekly)",
        r"(变更|改动|变动|调整|change).{0,12}(汇总|摘要|概况|简报|要点|总结|结论|summary|overview)",
        r"(汇总|摘要|概况|简报|要点|总结|summary).{0,12}(变更|改动|变动|调整|change)",
    ),
    "cr": (
        r"变更|change request|log a change|\bCR-?\d",
        r"(提|登记|走|记)(一|个|一下|一笔)|记一笔|走个?流程",
        r"(改到|推迟|提前|换成).{0,20}(变更|记|登记|提)",
        r"审批|批了|批准|驳回|撤回|通过|同意|approv|reject|withdraw",
        r"\b(big|small|major|minor) change\b|\b(submit|log|file|raise) (a|the|my) (\w+ )?change\b|"
        r"\bchanges?\b.{0,20}\b(pending|waiting|approv|to approve|status)|\bpending changes?\b",
    ),
    "drill": (r"演练|推演|drill|simulation|tabletop",),
    "incident": (
        r"(一|二|三|四|[1-4])级(响应|事件|舆情)|level\s*[1-4]",
        r"事件|incident|应急响应|启动.{0,4}响应|开始计时|计时|clock",
        r"节点|声明|通报|首次回应|首次响应|情况分析|口径|超时|剩.{0,4}(时间|多久)|还有多久|statement|time.{0,10}left",
        r"出事了|紧急|舆情",
    ),
    "note": (
        r"(笔记|技术说明|技术解读|解读|说明|explainer|note).{0,16}(提交|发布|上线|审核|退回|收录|更新|交给你|修改|通过)",
        r"(提交|发布|上线|审核|退回|收录|submit|publish).{0,16}(笔记|技术说明|note|explainer)",
        r"(多少|几)篇|篇数|待审核|理解率|(notes?|explainers?)\s+(were|are|published|submitted)|how many notes",
        r"那篇.{0,10}(审核|通过|发布|上线|退回)|收录|原理和用户价值|技术原理.{0,6}用户价值",
        r"写好了|写了一篇|写了个.{0,6}(说明|解读|笔记)|engineer.{0,30}(submit|explainer)",
    ),
    "check": (
        r"合规|广告法|极限词|绝对化|违规|违禁|禁用词|被罚|敏感词|compliant|compliance|ok to use|allowed",
        r"(能|可以)用吗|行不行|有没有问题|会不会.{0,6}(太长|违|罚)|(超过|超没超|超了|不超过|under|over).{0,6}\d+\s*(个)?(字|characters?)|字数|太长",
        r"过一遍|检查一下|帮我看看.{0,8}(文案|这段|这句|这条)|check (whether|if|this)",
    ),
    "draft": (
        r"写(一|个|几|[\d二两三四五六七八九十]+|段|条|篇|份|点)|起草|撰写|改写|浓缩|润色|起(几|[一二三四五六七八九十\d]+)个",
        r"标题|文案|脚本|导语|新闻稿|微博|公众号|小红书|摘要|开场|口播|海报语|"
        r"headline|post|press release|tagline|copy|script",
        r"\b(write|draft|put together|compose)\b",
    ),
    "ask": (
        r"案例|项目|客户|case stud|cases?\b|project",
        r"有没有|有哪些|有几个|多少|哪一年|哪个|哪家|怎么说|是什么|什么意思|原理",
        r"笔记里|笔记(是)?怎么(写|说)|what does our note|in plain language|通俗|大白话",
    ),
}

# Greetings and thanks: a short overview, never a library search.
GREETING = re.compile(
    r"^\s*(你好|您好|嗨|哈喽|hello|hi|hey|早上好|上午好|下午好|晚上好|早安|晚安|在吗|在不在|有人吗|"
    r"good (morning|afternoon|evening)|"
    r"谢谢|多谢|感谢|辛苦(了|啦)?|thanks?|thank you|thx|cheers|ok|好的|收到)"
    r"[\s\w~～!！。.,，、？?😀-🙏]*$",
    re.IGNORECASE,
)
GREETING_WORD = re.compile(
    r"^(你好|您好|嗨|哈喽|hello|hi|hey|早上好|上午好|下午好|晚上好|在吗|谢谢|多谢|感谢|辛苦|thanks|thank you)",
    re.IGNORECASE,
)
# "What can you do / how do I use you": the capability overview.
CAPABILITIES = re.compile(
    r"(你|您|机器人|bot|助手)?.{0,4}(能|会|可以)(做|干|帮)(些)?(什么|啥)|都能做些什么|有(哪些|什么)功能|支持哪些功能|"
    r"使用说明|怎么用你|如何使用|该怎么(开始|用)|第一次用|新手|帮助文档|"
    r"what can you (do|help)|how do i use|how (do|can) i (start|get started)|what do you do|help me get started",
    re.IGNORECASE,
)
# A pasted copy after 「合规吗」 / 「有没有违反广告法」: a check, whatever else is said.
CHECK_RULE = re.compile(
    r"合规吗|合不合规|违反广告法|违不违反广告法|有没有违反|极限词|绝对化用语|is this (copy )?compliant", re.I
)
# An incident level: 「二级响应」 is the incident clock, never a drill or a question.
INCIDENT_RULE = re.compile(
    r"(启动|开启|拉起|进入)?\s*([一二三四1-4])\s*级\s*响应|start (a |the )?(level\s*\d )?incident", re.I
)
DRILL_WORD = re.compile(r"演练|推演|drill|simulation", re.IGNORECASE)

# A question for the library rather than a request to do something.
QUESTION = re.compile(
    r"[?？]|吗$|呢$|什么|啥|哪|几|多少|多久|多长时间|谁|何时|怎么|如何|为什么|是否|有没有|是不是|能否|"
    r"\b(what|which|how|who|when|where|why|do we|does|did|is|are|any)\b",
    re.IGNORECASE,
)


# Words two jobs share: a drill rehearses an incident, so its scenario is told in incident words; notes
# are reviewed and approved like change requests, so approval words say nothing about which one.
_CR_APPROVAL = next(p for p in CUES["cr"] if p.startswith("审批"))
_NOTE_WORD = re.compile(r"笔记|那篇|这篇|技术说明|技术解读|explainer|\bnotes?\b", re.IGNORECASE)
_CR_WORD = re.compile(r"变更|change|\bCR-?\d", re.IGNORECASE)


def cue_hits(text: str) -> dict[str, int]:
    """How many of each capability's cue patterns the text matches (shared words counted for one)."""
    hits = {group: sum(1 for p in patterns if re.search(p, text, re.IGNORECASE)) for group, patterns in CUES.items()}
    if DRILL_WORD.search(text):
        hits["incident"] = 0
    if _NOTE_WORD.search(text) and not _CR_WORD.search(text) and re.search(_CR_APPROVAL, text, re.IGNORECASE):
        hits["cr"] -= 1
    return hits
