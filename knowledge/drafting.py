"""Drafting copy: headline and summary variants for a persona and a format, then checked.

With a chat model the variants come from the prompt files; if the model fails or answers nothing
usable, the offline writer takes over and the result says so. Every variant is then fact-checked
against the source, compliance-checked, and held to the channel's length: a variant that is too long
is cut at a sentence or clause boundary, or dropped (and reported), never passed on silently.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from knowledge import factcheck, length
from knowledge.compliance import Finding, Rulebook
from knowledge.headlines import gather, headlines
from knowledge.llm import ChatModel, ChatModelError
from knowledge.personas import Format, Persona
from knowledge.summarize import rank_sentences, summarize
from prompts import load_prompt

log = logging.getLogger(__name__)

KINDS = ("headline", "summary")
DEFAULT_LIMITS = {"headline": 40, "summary": 200}
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}\s*[.、)）:：]|[-*•]|#+\s*版本\s*\d+|版本\s*\d+\s*[:：]?)\s*")
_VERSION_HEAD = re.compile(r"^\s*#{1,6}\s*(?:版本|version)\s*\d+\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass
class Variant:
    text: str
    chars: int
    facts: list[factcheck.FactIssue] = field(default_factory=list)
    compliance: list[Finding] = field(default_factory=list)
    cut: bool = False  # shortened to fit the limit

    @property
    def clean(self) -> bool:
        return not self.facts and not self.compliance


@dataclass
class DraftResult:
    kind: str
    persona: str
    format: str
    mode: str  # "llm" | "offline"
    limit: int
    counter: str
    requested: int
    variants: list[Variant] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (text, reason)
    fell_back: bool = False


class Drafter:
    def __init__(self, rulebook: Rulebook, chat_model: ChatModel | None = None) -> None:
        self.rulebook = rulebook
        self.chat_model = chat_model

    def draft(
        self,
        kind: str,
        source: str,
        persona: Persona,
        fmt: Format | None,
        count: int,
        max_chars: int | None = None,
        lang: str = "zh",
        title: str = "",
        meta: dict | None = None,
    ) -> DraftResult:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        limit, counter = limits(kind, fmt, max_chars)
        result = DraftResult(kind, persona.name, fmt.name if fmt else "", "offline", limit, counter, count)
        texts: list[str] = []
        if self.chat_model is not None:
            try:
                texts = self._llm(kind, source, persona, fmt, count, limit, lang)
                result.mode = "llm"
            except ChatModelError as exc:
                log.warning("chat model unavailable, drafting offline: %s", exc)
                result.fell_back = True
        if result.mode == "offline":
            texts = offline(kind, source, persona, fmt, count, limit, counter, title, meta)
            # The offline writer quotes the source; where the source itself makes an absolute claim,
            # prefer the variants that do not repeat it (they are still checked and flagged below).
            texts.sort(key=lambda text: bool(self.rulebook.check(text)))
        self._check(texts, source, result)
        return result

    def _llm(
        self, kind: str, source: str, persona: Persona, fmt: Format | None, count: int, limit: int, lang: str
    ) -> list[str]:
        assert self.chat_model is not None
        format_text = f"{fmt.name}：{fmt.guide}" if fmt else "不限（通用）"
        system, user = load_prompt(kind).render(
            source=source,
            persona=persona.profile(),
            format=format_text,
            count=str(count),
            max_chars=str(limit),
            language="简体中文" if lang == "zh" else "English",
        )
        reply = self.chat_model.complete(system, user)
        texts = parse_variants(reply, kind)
        if not texts:
            raise ChatModelError("no variants in the reply")
        return texts[:count]

    def _check(self, texts: list[str], source: str, result: DraftResult) -> None:
        seen: set[str] = set()
        for text in texts:
            text = text.strip()
            if not text or text in seen:
                continue
            seen.add(text)
            fitted = length.cut(text, result.limit, result.counter)
            if fitted is None:
                result.dropped.append((text, f"超过 {result.limit} 字且无法在句子或分句处截断"))
                continue
            variant = Variant(fitted, length.count(fitted, result.counter), cut=fitted != text)
            variant.facts = factcheck.check(fitted, source)
            variant.compliance = self.rulebook.check(fitted)
            result.variants.append(variant)
            if len(result.variants) == result.requested:
                break


def limits(kind: str, fmt: Format | None, max_chars: int | None) -> tuple[int, int]:
    """The length limit and how it is counted: the format's channel limit caps whatever is asked."""
    counter = fmt.counter if fmt else "plain"
    channel = (fmt.headline_max_chars if kind == "headline" else fmt.max_chars) if fmt else None
    limit = max_chars or channel or DEFAULT_LIMITS[kind]
    if fmt and fmt.counter != "plain":
        limit = min(limit, fmt.max_chars)  # a hard channel limit (Weibo 140) cannot be asked away
    return limit, counter  # type: ignore[return-value]


def parse_variants(reply: str, kind: str) -> list[str]:
    if kind == "summary" and _VERSION_HEAD.search(reply):
        parts = _VERSION_HEAD.split(reply)
        return [p.strip() for p in parts if p.strip()]
    lines = [_NUMBERING.sub("", line).strip().strip('"“”') for line in reply.splitlines()]
    return [line for line in lines if line]


def offline(
    kind: str,
    source: str,
    persona: Persona,
    fmt: Format | None,
    count: int,
    limit: int,
    counter: str,
    title: str = "",
    meta: dict | None = None,
) -> list[str]:
    ranked = rank_sentences(source)
    if kind == "headline":
        return headlines(persona, gather(source, title, meta, ranked), limit)
    sections = fmt.sections if fmt else ()
    overhead = sum(len(s) + 2 for s in sections)
    texts: list[str] = []
    for skip in range(min(len(ranked), count + 3)):
        text = summarize(source, max(limit - overhead, 10), counter, skip=skip, ranked=ranked)
        if sections and text:
            text = with_sections(text, sections)
        if text and text not in texts:
            texts.append(text)
        if len(texts) == count:
            break
    return texts


def with_sections(text: str, sections: tuple[str, ...]) -> str:
    """Label the summary's sentences as a script: first → opening, last → closing, the rest between."""
    from knowledge.text import split_sentences

    sentences = split_sentences(text)
    if len(sentences) < len(sections):
        return f"【{sections[min(1, len(sections) - 1)]}】" + text
    first, *middle, last = sentences
    return f"【{sections[0]}】{first}\n【{sections[1]}】{''.join(middle)}\n【{sections[-1]}】{last}"
