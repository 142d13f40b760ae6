"""Draft a note's 用户价值说明 from its 技术原理解读: by the language model, or offline as a scaffold.

The offline draft is honest about what it is: under the four headings the prompt asks for, it puts the
technical sentences most relevant to each heading and a clear marker that a person must rewrite them
in plain words. It does not pretend to have translated anything.
"""

from __future__ import annotations

import re

from knowledge.llm import ChatModel
from knowledge.writing.summarize import rank_sentences
from prompts import load_prompt

HEADINGS = ("解决什么问题", "打个比方", "客户得到什么", "适合谁")
OFFLINE_MARK = "【离线草稿：以下句子摘自技术原理解读，请用大白话改写后再提交审核】"
_CUES = {
    "解决什么问题": re.compile(r"问题|痛点|难以|无法|不能|瓶颈|风险|慢|贵|成本|为了|为防止|防止|避免|孤岛|泄露"),
    "打个比方": re.compile(r"好比|就像|类似|相当于|如同|比如|例如|像"),
    "客户得到什么": re.compile(r"提升|提高|降低|减少|节省|保护|保证|确保|加快|更|无需|不用|即可|实现|让"),
    "适合谁": re.compile(r"适用|适合|场景|行业|如多家|银行|医院|企业|机构|用户|客户|政务|工厂"),
}
TODO = {
    "解决什么问题": "（待补充：客户原来遇到什么麻烦？用一句话说清。）",
    "打个比方": "（待补充：用一个生活中的比方解释它怎么工作。）",
    "客户得到什么": "（待补充：客户能得到的好处，数字须有出处。）",
    "适合谁": "（待补充：哪些行业、哪些客户最用得上。）",
}


def offline_user_value(technical: str) -> str:
    ranked = rank_sentences(technical)
    used: set[int] = set()
    lines = [OFFLINE_MARK]
    for heading in HEADINGS:
        candidates = [r for r in ranked if _CUES[heading].search(r.sentence) and r.index not in used]
        candidates.sort(key=lambda r: r.score, reverse=True)
        lines.append(f"### {heading}")
        if candidates and heading != "打个比方":
            pick = candidates[0]
            used.add(pick.index)
            lines.append(f"{pick.sentence} {TODO[heading]}")
        elif candidates:
            lines.append(f"{candidates[0].sentence} {TODO[heading]}")
        else:
            lines.append(TODO[heading])
    return "\n".join(lines)


def llm_user_value(chat_model: ChatModel, title: str, technology: str, technical: str, lang: str = "zh") -> str:
    """Raises ChatModelError when the model fails or skips the four headings."""
    from knowledge.llm import ChatModelError

    system, user = load_prompt("user_value").render(
        title=title, technology=technology, technical=technical, language="简体中文" if lang == "zh" else "English"
    )
    text = chat_model.complete(system, user)
    missing = [h for h in HEADINGS if h not in text]
    if len(missing) > 1:
        raise ChatModelError(f"the draft lacks the headings {missing}")
    return text.strip()
