"""Follow-ups that only make sense with the thread: ellipsis, corrections, references, the last list.

``resolve`` reads a message against the thread's memory and says what it means: a question
rewritten to stand alone (「那教育行业呢？」 → the last question with the industry replaced), an item
of the last list, the next page, or more like the last answer without what was shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.conversation import cues, slots
from bot.conversation.memory import Thread
from knowledge.library.facts import asks_metadata
from knowledge.library.filters import INDUSTRY_SYNONYMS, Vocabulary, infer_filters
from knowledge.text import tokenize

# 「那教育行业呢？」「2025年的呢？」「那在制造业呢」: the last question with something replaced.
_ELLIPSIS = re.compile(
    r"^(那|那么|那在|那如果是|换成|如果是|what about|how about|and)?\s*(.{1,20}?)(的)?(呢|吧)?\s*[?？]?$", re.I
)
_ELLIPSIS_END = re.compile(r"(呢|what about|how about)\s*[?？]?\s*$|^(what|how) about", re.IGNORECASE)
_CORRECTION = re.compile(
    r"^(不对|不是|错了|我是说|我指的是|我的意思是|no,? i meant|i meant|actually)[，,\s]*(我是说|我指的是)?", re.I
)
_MORE = re.compile(
    r"^(更多|再来点|还有吗|继续|下一页|接着列|more|next|show more|next page)[。.!！?？]*$", re.IGNORECASE
)
# 「一共多少家？」「总共几个」 "how many in all?" right after a list: its length.
_HOW_MANY = re.compile(
    r"^(那)?(一共|总共|总计|合计)(有)?(多少|几)\s*(家|个|项|条|篇)?(呀|啊)?[。.!！?？]*$|"
    r"^how many( are there| in all| in total)?[?.!]*$",
    re.IGNORECASE,
)
# 「那这句呢：…」「这条呢“…”」 "what about: …": new copy for the check just made.
_ANOTHER_COPY = re.compile(
    r"^(那|还有|再看看|再查|再帮我看)?(这|那)?(句|段|条|个|版)?(呢|吗|怎么样|行不行|可以吗)?\s*[：:“\"「]|"
    r"^(and |what about |how about )",
    re.I,
)
# Redoing the last draft: shorter, longer, for another audience, in another format.
_SHORTER = re.compile(r"(再|更)?(短|精简|简短|简练)(一)?(点|些)|太长了|压缩一下|\bshorter\b", re.I)
_LONGER = re.compile(r"(再|更)?(长|详细|丰富)(一)?(点|些)|太短了|\blonger\b", re.I)
_FOR_AUDIENCE = re.compile(
    r"^(那|再)?(换成|改成|改为|换个|换给)?(面向|写给|给|针对)(?P<who>[^，,。！!？?]{2,12}?)(的|看的|写)?(吧|呢)?[。！!？?]*$|"
    r"^(那|再)?(换成|改成|改为)(?P<who2>[^，,。！!？?]{2,12}?)(的|看的)?(版本)?(吧|呢)?[。！!？?]*$"
)
_AS_FORMAT = re.compile(
    r"^(那|再)?(换成|改成|改为|写成|做成)(一条|一篇|一段)?(?P<fmt>微博|公众号|小红书|朋友圈|新闻稿|短视频脚本|海报)"
)
_LIKE_THIS = re.compile(r"类似|相似|同样的|这样的|那样的|similar|like (it|this|that)", re.I)
_SIMILAR = re.compile(
    r"还有(没有)?(别的|其他|其它)|别的类似|类似的(案例|项目)?|any other|anything else like|other similar|more like",
    re.I,
)
# A reviewer's verdict on a note (「发布会」 is no verdict, so 发布 alone is not one).
_NOTE_VERDICT = re.compile(
    r"发布吧|可以发布|发布了吧|审核通过|通过审核|退回|\bpublish (it|this)\b|\bsend (it|this) back\b", re.IGNORECASE
)
_BARE_REFERENCE = re.compile(r"那篇|这篇|这一篇|那一篇|这个|那个|我看过了|看过了|没问题|吧|了")
_REFERENCE = re.compile(
    r"它|它们|这个项目|这个案例|该项目|该案例|那个项目|那个案例|这家客户|这个客户|该客户|这家|这篇|这个方案|上面那个|刚才那个|"
    r"\b(it|its|this project|this case|that case|that project|this customer|the project|the case|"
    r"the customer(?! service)|the client)\b",
    re.IGNORECASE,
)
# "what were the results?" right after an answer: the results of the thread's case (a short message only;
# a longer one names its own subject: "the results of the bank's chatbot project").
_ITS_RESULTS = re.compile(
    r"\bthe (results?|outcomes?|impact|savings|benefits?|figures|numbers|timeline|cost)\b", re.IGNORECASE
)
_PICK = re.compile(r"^(其中)?\s*(.{1,12}?)\s*(的)?(那个|那家|那篇|那项|那一个)[，,]?\s*(.*)$")
_DETAIL = re.compile(r"详细|说说|讲讲|展开|介绍|看看|具体|tell me more|details?|more about", re.IGNORECASE)
_PLAIN = re.compile(
    r"大白话|通俗|简单点|说人话|换个说法|换种说法|浅显|plain (words|language|english)|simpler", re.IGNORECASE
)
# 「最早的是哪个」「最新的那个讲讲」 after a list: its oldest or newest entry (not 「最新的项目有哪些」).
_EXTREME = re.compile(
    r"(最早|最老|最新|最近|最晚)的?(那?一?个|那?一?家|那?一?篇|项目|案例)?|"
    r"\b(the )?(oldest|earliest|newest|latest|most recent)( one)?\b",
    re.IGNORECASE,
)
_NEWEST = re.compile(r"最新|最近|最晚|newest|latest|most recent", re.IGNORECASE)
_ASKS_A_LIST = re.compile(r"哪些|列出|有没有|所有|全部|\b(which ones|list|all)\b", re.IGNORECASE)
# 「看懂了」「没看懂」 typed after a note, as its buttons say them.
_FEEDBACK = re.compile(
    r"^(这篇|这个|那篇)?(我)?(?P<no>没看懂|看不懂|没懂|不太懂|没太懂|不明白)?(?P<yes>看懂了|读懂了|懂了|明白了|清楚了)?"
    r"[。.!！]*$|^(?P<en_yes>got it|understood|makes sense)[.!]*$|"
    r"^(?P<en_no>i don'?t get it|not clear|didn'?t get it)[.!]*$",
    re.IGNORECASE,
)
# 「那技术原理呢」 after the plain words: the other half of the thread's note.
_PRINCIPLE = re.compile(
    r"原理|技术上|技术角度|技术细节|怎么实现|如何实现|how does it work|how it works|technically|under the hood|"
    r"the (technical side|principle)",
    re.IGNORECASE,
)
_PRINCIPLE_WORDS_TEXT = "那 那么 呢 的 它 这个 是 什么 啥 技术 原理 技术原理 技术上 角度 细节 怎么 如何 实现 讲讲 说说"
_PRINCIPLE_WORDS = frozenset(_PRINCIPLE_WORDS_TEXT.split())
# What a plain-words request says besides its subject (「能不能通俗地再解释一遍」).
_PLAIN_WORDS_TEXT = """
讲 讲讲 说 说说 再 再讲 再说 再来 一遍 一次 一下 点 地 解释 解释一下 能 不能 能不能 给 给我 听 重新 简单 干 啥
换 换个 换种 说法 方式 来
explain again say tell simply please me once more in
"""
_PLAIN_WORDS = frozenset(_PLAIN_WORDS_TEXT.split())
_SAME_YEAR = re.compile(r"同一年|同年|那一年|same year", re.IGNORECASE)
_QUESTION_WORD = re.compile(
    r"多少|多久|多长|几|哪|什么|啥|怎么|如何|谁|何时|为什么|为何|吗|[?？]|\b(what|how|which|when|who|why)\b",
    re.IGNORECASE,
)
_NEW_SEARCH = re.compile(r"有没有|有哪些|案例|项目|列出|\b(cases?|projects?)\b", re.IGNORECASE)
_CHAINED_DRAFT = re.compile(r"(写|改写|起草|write|draft)", re.IGNORECASE)
_CHAINED_CHECK = re.compile(
    r"(这条|这段|这个|上面|刚才的?)(文案|标题|草稿|稿子)?.{0,6}(合规|违规|广告法|超|字数|检查)|"
    r"(is|check) (this|that|it)",
    re.IGNORECASE,
)
# 「这家客户后来还跟我们合作过别的项目吗？」: the thread's customer, its other documents.
_CUSTOMER_REF = re.compile(
    r"这家客户|这个客户|该客户|这家公司|这个公司|该公司|这家单位|他们|对方|"
    r"\b(this|that|the same) (customer|client|company)\b|\bthey\b|\bthem\b",
    re.IGNORECASE,
)
_OTHER = re.compile(r"别的|其他|其它|另外|另一个|还.{0,8}(合作|做|签)过|\b(other|another|else)\b", re.IGNORECASE)
# 「那多方安全计算又是怎么回事？跟它比有啥不同」: a subject of its own after 那; 它 is what it is compared with.
_NEW_SUBJECT = re.compile(
    r"^(那|那么|而|那如果是|what about|how about|and)\s*(?P<subject>[^，,。？?！!\s]{2,20}?)\s*"
    r"(又是|又|呢|是|怎么|有|和|跟|与|，|,|\?|？|$)",
    re.IGNORECASE,
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Words that ask rather than name (a library need not use them): 「多久」「几种」「为啥」.
_ASKING = re.compile(r"多少|多久|多长|多大|多高|多远|多快|几|哪|什么|啥|怎么|怎样|如何|为何|为什么|是否|谁|吗|呢")
_WORD = re.compile(r"[A-Za-z0-9']+")
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z][A-Z0-9]{1,7}(?![A-Za-z])")
ELLIPTICAL_MAX = 16  # a question this short, naming nothing of its own, is about the thread's document


@dataclass
class FollowUp:
    # replace | pick | item | more | similar | customer | compare | reference | plain | elliptical | draft | check
    # | note | count | feedback
    kind: str
    question: str = ""  # the standalone question to answer (ask kinds)
    doc: str | None = None  # the document meant
    exclude: list[str] = field(default_factory=list)
    problem: str = ""  # a strings key when the follow-up cannot be served (no list, past the end …)
    values: dict[str, Any] = field(default_factory=dict)
    # The scope the standalone question is asked in: only these documents (the ones the thread points
    # at), and these filters (the last question's, with the new words' in their place).
    within: list[str] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)


def looks_like_followup(text: str) -> bool:
    """Words that only make sense after an earlier turn (for the 'no earlier question' note)."""
    stripped = text.strip()
    return bool(
        (_ELLIPSIS_END.search(stripped) and _size(stripped) <= 24)
        or _CORRECTION.search(stripped)
        or _MORE.match(stripped)
        or _SIMILAR.search(stripped)
        or slots.read_ordinal(stripped) is not None
        or (_REFERENCE.search(stripped) and _size(stripped) <= 30)
    )


def resolve(
    text: str,
    thread: Thread,
    vocab: Vocabulary,
    titles: dict[str, str],
    topic_text: str = "",
) -> FollowUp | None:
    """What the message means in this thread; None when it stands on its own. ``topic_text``: the
    thread's document (its title and body), to tell a question about it from a new one."""
    stripped = text.strip()
    last = str(thread.get("question") or "")
    ids = thread.list_ids
    if thread.get("last_command") == "check" and _ANOTHER_COPY.search(stripped) and slots.read_copy(stripped):
        # 「那这句呢：…」 right after a check: the same check on the new copy.
        return FollowUp("check", values={"copy": slots.read_copy(stripped)})
    if cues.CHECK_RULE.search(stripped) and slots.read_copy(stripped):
        # 「这个说法合规吗：全网第一的智能客服」 brings its own copy to check (「第一」 is not an item).
        return None
    if _NOTE_VERDICT.search(stripped):  # a reviewer's verdict is a note command, on the thread's note or named
        return _review_of(stripped, ids, thread.topic)
    feedback = _FEEDBACK.match(stripped)
    if feedback and thread.topic and any(feedback.group(g) for g in ("yes", "no", "en_yes", "en_no")):
        understood = not (feedback.group("no") or feedback.group("en_no"))
        return FollowUp("feedback", doc=thread.topic, values={"understood": understood})
    if _HOW_MANY.match(stripped) and ids:
        return FollowUp("count", values={"n": len(ids)})
    if _MORE.match(stripped):
        if not ids:
            return FollowUp("more", problem="no_earlier_list")
        return FollowUp("more")
    ordinal = slots.read_ordinal(stripped)
    if ordinal is not None and (ids or _DETAIL.search(stripped)) and _size(stripped) <= 30:
        if not ids:
            return FollowUp("item", problem="no_earlier_list")
        index = len(ids) - 1 if ordinal == -1 else ordinal - 1
        if index < 0 or index >= len(ids):
            return FollowUp("item", problem="ordinal_past_end", values={"n": len(ids), "k": ordinal})
        doc = ids[index]
        rest = re.sub(
            r"第\s*\S{1,3}?\s*(个|条|篇|项|家)|\b(the )?(first|second|third|fourth|fifth|last)( one)?\b", "", stripped
        )
        return FollowUp("item", question=_about(titles.get(doc, doc), rest), doc=doc, within=[doc])
    extreme = _EXTREME.search(stripped)
    if extreme and ids and _size(stripped) <= 20 and not _ASKS_A_LIST.search(stripped):
        years = thread.get("list_years")
        doc = _extreme_of(ids, years, newest=bool(_NEWEST.search(extreme.group(0))))
        year = years[ids.index(doc)] if isinstance(years, list) and len(years) == len(ids) else None
        rest = stripped[: extreme.start()] + stripped[extreme.end() :]
        question = _about(titles.get(doc, doc), rest)
        return FollowUp("item", question=question, doc=doc, within=[doc], values={"named": True, "year": year})
    redraft = _redraft(stripped) if thread.get("draft_order") and _size(stripped) <= 20 else None
    if redraft is not None:
        return redraft
    if thread.get("draft") and _CHAINED_CHECK.search(stripped) and not slots.read_copy(stripped):
        return FollowUp("check", values={"copy": str(thread.get("draft"))})
    topic = thread.topic
    if topic and _CHAINED_DRAFT.search(stripped) and _REFERENCE.search(stripped):
        return FollowUp("draft", doc=topic)
    if not last:
        return None
    customer = str(thread.get("topic_customer") or "")
    if topic and customer and _CUSTOMER_REF.search(stripped) and _OTHER.search(stripped) and _size(stripped) <= 40:
        question = f"{customer}有哪些项目？" if _HAN.search(stripped) else f"Which projects for {customer}?"
        # Besides the one the thread is about (others cited beside it are still this customer's projects).
        return FollowUp("customer", question=question, doc=topic, exclude=[topic], filters={"customer": customer})
    if _SIMILAR.search(stripped) and _size(stripped) <= 30:
        subject = _what_it_did(titles.get(topic, "")) if topic else ""
        question = _merge(last, stripped, vocab, thread, subject)
        return FollowUp("similar", question=question, exclude=_unique([*thread.get("cited", []), *ids]))
    correction = _CORRECTION.search(stripped)
    if correction or (_ELLIPSIS_END.search(stripped) and _size(stripped) <= 24):
        said = stripped[correction.end() :] if correction else stripped
        replaced = _replace(last, said, vocab)
        if replaced != last:
            return FollowUp("replace", question=replaced, filters=_replaced_filters(thread, said, vocab))
    if _PLAIN.search(stripped) and _size(stripped) <= 20:
        cited = _unique(thread.get("cited") or ([topic] if topic else []))
        # 「用大白话讲讲零信任」 after a list of bank cases names its own subject: a new question.
        if not _names_a_subject(stripped, [titles.get(c, c) for c in cited]):
            return FollowUp("plain", question=f"{last} {stripped}", within=cited)
    if topic and _PRINCIPLE.search(stripped) and _size(stripped) <= 20 and not _names_more(stripped):
        # The thread's document, asked how it works: its title carries the subject, the words the section.
        return FollowUp("plain", question=f"{titles.get(topic, topic)}：{stripped}", doc=topic, within=[topic])
    pick = _PICK.match(stripped)
    if pick and ids:
        picked = _best_title(pick.group(2), ids, titles)
        if picked:
            question = _about(titles.get(picked, picked), pick.group(5) or stripped)
            return FollowUp("pick", question=question, doc=picked, within=[picked])
    if stripped.startswith("其中") and ids:
        picked = _best_title(stripped[2:], ids, titles)
        if picked:
            question = _about(titles.get(picked, picked), stripped[2:])
            return FollowUp("pick", question=question, doc=picked, within=[picked])
    if topic and _own_subject(stripped, titles.get(topic, topic)):
        if not _REFERENCE.search(stripped):
            return None  # a new question that happens to start like a follow-up
        # 「跟它比」: the thread's document by name, so both sides of the comparison are searched.
        name = re.split(r"[：:（(]", titles.get(topic, topic))[0].strip() or topic
        question = _REFERENCE.sub(name, re.sub(r"^(那么|那)", "", stripped), count=1)
        # If the comparison finds nothing confident, the part naming the subject is asked alone.
        alone = re.split(r"[，,。？?！!]", re.sub(r"^(那么|那)", "", stripped))[0]
        return FollowUp("compare", question=question, doc=topic, values={"alone": alone})
    if topic and (_REFERENCE.search(stripped) or (_ITS_RESULTS.search(stripped) and _size(stripped) <= 12)):
        # 「它的舆情怎么样」 about a case that never mentions 舆情: the case's title in the rewritten
        # question would carry the evidence, so the words are checked against the case itself.
        said = _REFERENCE.sub(" ", stripped)
        absent = not asks_metadata(stripped) and (_none_in(said, topic_text) or _rate_missing(said, topic_text))
        question = _about(titles.get(topic, topic), stripped)
        return FollowUp("reference", question=question, doc=topic, within=[topic], values={"absent": absent})
    elliptical = topic and _is_elliptical(stripped, vocab)
    if (
        elliptical
        and topic
        and not _names_elsewhere(stripped, topic_text or titles.get(topic, ""))
        and not _mostly_elsewhere(stripped, topic_text)
    ):
        # A guess (nothing in the words points back): the caller asks it as it stands if the document
        # has nothing on it.
        question = _about(titles.get(topic, topic), stripped)
        return FollowUp("elliptical", question=question, doc=topic, within=[topic])
    return None


def _extreme_of(ids: list[str], years: Any, newest: bool) -> str:
    """The list's newest or oldest entry by year; by the list's order (newest first) without years."""
    dated = [(y, i) for i, y in zip(ids, years, strict=False) if isinstance(y, int)] if isinstance(years, list) else []
    if not dated:
        return ids[0] if newest else ids[-1]
    best = max(y for y, _ in dated) if newest else min(y for y, _ in dated)
    return next(i for y, i in dated if y == best)


def _redraft(text: str) -> FollowUp | None:
    """「再短一点」「长一些」「换成面向年轻人的」「改成微博」: the last draft again, changed so."""
    if _SHORTER.search(text):
        return FollowUp("redraft", values={"scale": 0.7})
    if _LONGER.search(text):
        return FollowUp("redraft", values={"scale": 1.4})
    audience = _FOR_AUDIENCE.search(text)
    if audience:
        who = audience.group("who") or audience.group("who2")
        if not _AS_FORMAT.search(text):
            return FollowUp("redraft", values={"persona": who.strip()})
    channel = _AS_FORMAT.search(text)
    if channel:
        return FollowUp("redraft", values={"format": channel.group("fmt")})
    return None


def _review_of(text: str, ids: list[str], topic: str | None) -> FollowUp | None:
    """「第二个退回吧，太技术了」「这篇可以发布了」: a reviewer's verdict on a note of the thread. A
    message naming its note in words (「边缘计算那篇…发布吧」) is left to the note command to read."""
    ordinal = slots.read_ordinal(text)
    if ordinal is not None and ids:
        index = len(ids) - 1 if ordinal == -1 else ordinal - 1
        return FollowUp("note", doc=ids[index]) if 0 <= index < len(ids) else None
    rest = _NOTE_VERDICT.sub("", _REFERENCE.sub("", _BARE_REFERENCE.sub("", text.split("，")[0].split(",")[0])))
    if topic and len(_HAN.findall(rest)) <= 4 and (_REFERENCE.search(text) or _BARE_REFERENCE.search(text)):
        return FollowUp("note", doc=topic)
    return None


def _size(text: str) -> int:
    """A message's length for the follow-up limits, in Chinese characters: an English word counts as
    two (a Chinese word's usual length), so "the second one, what were the results?" is as short as
    「第二个的成效呢」 is."""
    words = _WORD.findall(text)
    return len(_WORD.sub("", re.sub(r"\s+", "", text))) + 2 * len(words)


def _names_a_subject(text: str, titles: list[str]) -> bool:
    """Whether a plain-words request names something besides the thread's documents: a word left
    after the request words (讲讲, 再, 一遍, explain …) that none of their titles holds."""
    rest = _REFERENCE.sub(" ", _PLAIN.sub(" ", text))
    words = [w for w in tokenize(rest) if w not in _PLAIN_WORDS and (len(w) >= 2 or w.isascii())]
    shown = " ".join(titles).lower()
    return any(w not in shown for w in words)


def _names_more(text: str) -> bool:
    """Whether 「…原理呢」 names a subject of its own (「RAG的原理呢」), beyond asking how it works."""
    rest = _PRINCIPLE.sub(" ", text)
    return any(w not in _PRINCIPLE_WORDS and (len(w) >= 2 or w.isascii()) for w in tokenize(rest))


def _names_elsewhere(text: str, topic_text: str) -> bool:
    """「RAG的原理是什么？」 after a hospital case: an acronym the thread's document never uses."""
    acronyms = {a for a in _ACRONYM.findall(text) if a.upper() not in ("OK", "AI")}
    return bool(topic_text) and any(a.lower() not in topic_text.lower() for a in acronyms)


def _mostly_elsewhere(text: str, topic_text: str) -> bool:
    """「公司年会的抽奖规则是什么？」「误报率是多少？」 after a hospital case: half its words are not in the
    case, so the case is not what it asks about (「客户是怎么评价的？」 uses the case's own words)."""
    if not topic_text:
        return False
    words = [w for w in tokenize(text) if len(w) >= 2 and _HAN.search(w) and not _ASKING.search(w)]
    return bool(words) and sum(w not in topic_text for w in words) * 2 >= len(words)


def _none_in(text: str, topic_text: str) -> bool:
    """「它的舆情怎么样」 about a case that never mentions 舆情: not one of its words is in the case
    (「它支持几种语言？」 shares 语言 with it, so it is asked)."""
    if not topic_text:
        return False
    words = [w for w in tokenize(text) if len(w) >= 2 and _HAN.search(w) and not _ASKING.search(w)]
    return bool(words) and all(w not in topic_text for w in words)


def _rate_missing(text: str, topic_text: str) -> bool:
    """「它的安全事故率下降了多少」 about a case that reports no accident rate: the rate asked for (a word
    ending in 率) is not in the case, though other words (安全) are."""
    if not topic_text:
        return False
    rates = [w for w in tokenize(text) if len(w) >= 3 and w.endswith("率") and _HAN.search(w)]
    return any(r not in topic_text for r in rates)


def _own_subject(text: str, title: str) -> bool:
    """「那多方安全计算又是怎么回事」 names a subject that is not the thread's document."""
    found = _NEW_SUBJECT.match(text)
    if not found:
        return False
    subject = found.group("subject")
    if _REFERENCE.search(subject) or _QUESTION_WORD.search(subject) or slots.read_ordinal(subject) is not None:
        return False
    shared = set(subject) & set(title)
    return len(shared) * 2 < len(set(subject))


def _replaced_filters(thread: Thread, said: str, vocab: Vocabulary) -> dict[str, Any]:
    """The last question's filters with those the new words name in their place (「2025年的呢？」)."""
    new = {k: v for k, v in infer_filters(said, vocab).values.items() if k != "type"}
    if not new:
        return {}
    last = thread.get("filters")
    return {**(last if isinstance(last, dict) else {}), **new}


def _about(title: str, rest: str) -> str:
    if asks_metadata(rest):  # 「这家客户是谁」 "Who was the customer?": the words are the field asked for
        return f"{title}：{rest.strip()}"
    rest = _REFERENCE.sub("", rest).strip(" ，,。").removeprefix("的")
    return f"{title}：{rest}" if rest else title


def _is_elliptical(text: str, vocab: Vocabulary) -> bool:
    # Characters, not _size: an English guess has no library words to check it against.
    core = re.sub(r"[\s，,。.!！?？、]", "", text)
    if len(core) > ELLIPTICAL_MAX or not _QUESTION_WORD.search(text) or _NEW_SEARCH.search(text):
        return False
    return not infer_filters(text, vocab)


def _merge(last: str, said: str, vocab: Vocabulary, thread: Thread, subject: str = "") -> str:
    """「同一年交通行业还有别的案例吗？」: the new words, with 「同一年」 read from the thread.
    「那能源化工行业有没有类似的？」: the new scope, and what the thread's case did (``subject``)."""
    question = said
    year = thread.get("topic_year")
    if _SAME_YEAR.search(said) and year:
        question = _SAME_YEAR.sub(f"{year}年", said)
    if set(infer_filters(question, vocab).values) - {"type"}:  # the new words name their own scope
        if not (subject and _LIKE_THIS.search(said)):
            return question
        # What the case did, without words that happen to name another customer (「供电服务热线…」 holds
        # 「服务热线」, part of a 12345 hotline's name): a similar case is sought for any customer.
        customer = infer_filters(subject, vocab).values.get("customer")
        subject = subject.replace(str(customer), " ").strip() if customer else subject
        return f"{question} {subject}" if subject else question
    return f"{last} {question}"


def _what_it_did(entry: str) -> str:
    """The project without its customer, whose name would contradict the scope asked for: 「华东某建筑
    集团：智慧工地AI安全监管」 → 「智慧工地AI安全监管」, 「某汽车零部件厂视觉质检」 (customer 华南某汽车零部件企业)
    → 「厂视觉质检」. ``entry``: the thread's title line (title, customer, industry, …)."""
    name, _, rest = entry.partition(" ")
    if re.search(r"[：:]", name):
        return re.split(r"[：:]", name, maxsplit=1)[-1].strip()
    customer = rest.split(" ")[0]
    shared = _longest_shared(name, customer)
    return name.replace(shared, "", 1).strip() if len(shared) >= 2 else name


def _longest_shared(a: str, b: str) -> str:
    best = ""
    for start in range(len(a)):
        for end in range(start + len(best) + 1, len(a) + 1):
            if a[start:end] in b:
                best = a[start:end]
            else:
                break
    return best


def _replace(last: str, said: str, vocab: Vocabulary) -> str:
    """The last question with each filter the new words name put in place of the old one."""
    new = infer_filters(said, vocab).values
    old = infer_filters(last, vocab).values
    question = last
    if "year" in new:
        if "year" in old:
            question = re.sub(str(old["year"]), str(new["year"]), question, count=1)
        else:
            question = f"{new['year']}年{question}"
    if "industry" in new:
        new_words = _surface(said, str(new["industry"])) or str(new["industry"])
        old_words = _surface(last, str(old["industry"])) if "industry" in old else None
        question = question.replace(old_words, new_words, 1) if old_words else f"{new_words}{question}"
    if "products" in new and new.get("products") != old.get("products"):
        if "products" in old:
            question = question.replace(str(old["products"]), str(new["products"]), 1)
        else:
            question = f"{new['products']} {question}"
    return question


def _surface(text: str, industry: str) -> str | None:
    """The words in ``text`` that named ``industry`` (「教育行业」, 「制造业」, 「银行」)."""
    stem = industry.rstrip("业") if len(industry) > 2 else industry
    for word in (
        f"{industry}行业",
        f"{stem}行业",
        industry,
        f"{stem}业",
        stem,
        *industry.split("/"),
        *INDUSTRY_SYNONYMS.get(industry, ()),
    ):
        if len(word) >= 2 and word.lower() in text.lower():
            start = text.lower().index(word.lower())
            return text[start : start + len(word)]
    return None


def _best_title(words: str, ids: list[str], titles: dict[str, str]) -> str | None:
    """The listed document whose title (or metadata) shares most characters with ``words``."""
    wanted = {ch for ch in re.sub(r"[\s，,。的那个家篇其中]", "", words)}
    if not wanted:
        return None
    scored = [(len(wanted & set(titles.get(i, ""))), -n, i) for n, i in enumerate(ids)]
    best = max(scored)
    return best[2] if best[0] >= 2 or (best[0] >= 1 and len(wanted) <= 2) else None


def _unique(ids: list[Any]) -> list[str]:
    return list(dict.fromkeys(str(i) for i in ids))
