"""Check a model's answer against its sources instead of trusting it.

- Sources go to the model as delimited data (``<source n="1">…</source>``); a document's own text can
  never close the delimiter, so an instruction inside a document stays inside its source.
- Every sentence must carry a valid ``[n]`` marker; a sentence with none, or with a number that is not
  a source's, is dropped (not kept uncited).
- Every number in a sentence must occur in one of the sources the sentence cites; otherwise the
  sentence is dropped and the caller says so.
- A reply that says the sources do not answer the question is a refusal: an honest decline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.text import split_sentences

_MARKER = re.compile(r"\[(\d{1,3})\]")
# Markers placed after the sentence's full stop belong to that sentence: "…32%。[1]" → "…32%[1]。"
_MARKER_AFTER_STOP = re.compile(r"([。！？!?；;]|\.(?=\s|\[|$))\s*((?:\[\d{1,3}\]\s*)*\[\d{1,3}\])(\s*)")
_NUMBER = re.compile(r"\d+(?:[.,，]\d+)*")
_REFUSAL = re.compile(
    r"资料(中|里)?(没有|未|并未|不)(提供|提及|包含|涉及|给出|找到)?|没有(找到)?相关(内容|资料|信息)|无法(根据资料)?回答|"
    r"不足以回答|未能找到|"
    r"\b(the )?sources? (do(es)? not|don't|doesn't) (contain|mention|cover|say|answer)|"
    r"no relevant (information|content)|"
    r"cannot (be )?answer|can't answer|not (mentioned|covered|found) in the sources",
    re.IGNORECASE,
)


def render_sources(sources: list[tuple[str, str, str]]) -> str:
    """``sources`` are (title, document id, text); numbered from 1 in order."""
    blocks = []
    for number, (title, doc_id, text) in enumerate(sources, start=1):
        blocks.append(
            f'<source n="{number}" id="{_attribute(doc_id)}" title="{_attribute(title)}">\n{_contain(text)}\n</source>'
        )
    return "\n".join(blocks)


def delimit_question(question: str) -> str:
    """The question cannot close its own <question> block either."""
    return re.sub(r"<\s*/?\s*question", lambda m: m.group(0).replace("<", "＜"), question, flags=re.IGNORECASE)


def is_refusal(reply: str) -> bool:
    """The model says the sources do not answer (and cites nothing)."""
    return not _MARKER.search(reply) and bool(_REFUSAL.search(reply))


@dataclass
class CheckedAnswer:
    sentences: list[str] = field(default_factory=list)
    used: list[int] = field(default_factory=list)  # source numbers cited, in order of first use
    dropped: int = 0
    joiner: str = ""

    @property
    def text(self) -> str:
        return self.joiner.join(self.sentences)

    def renumbered(self, mapping: dict[int, int]) -> str:
        return _MARKER.sub(lambda m: f"[{mapping[int(m.group(1))]}]", self.text)


def check_answer(reply: str, sources: list[str]) -> CheckedAnswer:
    """Keep the sentences whose markers and numbers the sources bear out."""
    normalised = [_squash(s) for s in sources]
    text = _MARKER_AFTER_STOP.sub(lambda m: re.sub(r"\s+", "", m.group(2)) + m.group(1) + m.group(3), reply.strip())
    checked = CheckedAnswer(joiner="" if re.search(r"[\u4e00-\u9fff]", text) else " ")
    for sentence in split_sentences(text):
        cited = [int(n) for n in _MARKER.findall(sentence)]
        if not cited or any(not 1 <= n <= len(sources) for n in cited):
            checked.dropped += 1
            continue
        claim = _MARKER.sub("", sentence)
        if any(not any(_occurs(number, normalised[n - 1]) for n in cited) for number in _NUMBER.findall(claim)):
            checked.dropped += 1
            continue
        checked.sentences.append(sentence)
        for n in cited:
            if n not in checked.used:
                checked.used.append(n)
    return checked


def _squash(text: str) -> str:
    """Numbers compare without thousands separators or spaces (1,150 万 = 1150万)."""
    return re.sub(r"(?<=\d)[,，](?=\d{3})|\s+", "", text)


def _occurs(number: str, source: str) -> bool:
    """The whole number occurs in the source (32 is not found in 320)."""
    return re.search(rf"(?<![\d.]){re.escape(_squash(number))}(?![\d]|\.\d)", source) is not None


def _contain(text: str) -> str:
    """A document cannot open or close a source block of its own."""
    return re.sub(r"<\s*/?\s*source", lambda m: m.group(0).replace("<", "＜"), text, flags=re.IGNORECASE)


def _attribute(value: str) -> str:
    return _contain(value).replace('"', "＂").replace("\n", " ")
