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

from knowledge.llm import ChatModel, ChatModelError
from knowledge.text import has_digit
from knowledge.writing import factcheck, length
from knowledge.writing.compliance import Finding, Rulebook
from knowledge.writing.headlines import _ANAPHOR, _BENEFIT, Material, gather, headlines
from knowledge.writing.personas import Format, Persona
from knowledge.writing.summarize import Ranked, rank_sentences
from prompts import load_prompt

log = logging.getLogger(__name__)
_HAN = re.compile(r"[\u4e00-\u9fff]")

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
    language: str = "zh"  # the language of the variants
    english_needs_model: bool = False  # English copy was asked for, but offline copy is Chinese
    rewritten: int = 0  # variants the model was asked to rewrite after failing a check


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
        """``lang`` is the language of the copy. Offline copy is always Chinese (the result says so when
        English was asked for); with a model, a variant that fails the fact or compliance check is
        rewritten once and then dropped with the reason."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        limit, counter = limits(kind, fmt, max_chars)
        result = DraftResult(kind, persona.name, fmt.name if fmt else "", "offline", limit, counter, count)
        result.language = lang
        if self.chat_model is not None:
            try:
                texts = self._llm(kind, source, persona, fmt, count, limit, lang)
                result.mode = "llm"
                failed = self._check(texts, source, result, keep_failing=False)
                if failed:
                    self._rewrite_once(failed, kind, source, persona, fmt, limit, lang, result)
                return result
            except ChatModelError as exc:
                log.warning("chat model unavailable, drafting offline: %s", exc)
                result.fell_back = True
                result.variants, result.dropped = [], []
        texts = offline(kind, source, persona, fmt, count, limit, counter, title, meta)
        # The offline writer quotes the source; where the source itself makes an absolute claim,
        # prefer the variants that do not repeat it (they are still checked and flagged below).
        texts.sort(key=self.rulebook.flags)
        self._check(texts, source, result, keep_failing=True)
        # Offline copy is the source's language: Chinese templates, or an English source's own sentences.
        english_source = bool(source.strip()) and not _HAN.search(source)
        result.language = "en" if english_source else "zh"
        result.english_needs_model = lang == "en" and not english_source
        return result

    def _llm(
        self,
        kind: str,
        source: str,
        persona: Persona,
        fmt: Format | None,
        count: int,
        limit: int,
        lang: str,
        feedback: str = "",
    ) -> list[str]:
        assert self.chat_model is not None
        format_text = f"{fmt.name}：{fmt.guide}（每条不超过 {fmt.max_chars} 字）" if fmt else "不限（通用）"
        system, user = load_prompt(kind).render(
            source=source,
            persona=persona.profile(),
            format=format_text,
            compliance=self.rulebook.prompt_list(),
            count=str(count),
            max_chars=str(limit),
            language="简体中文" if lang == "zh" else "English",
            feedback=feedback or "（无）",
        )
        reply = self.chat_model.complete(system, user)
        texts = parse_variants(reply, kind)
        if not texts:
            raise ChatModelError("no variants in the reply")
        return texts[:count]

    def _rewrite_once(
        self,
        failed: list[tuple[str, str]],
        kind: str,
        source: str,
        persona: Persona,
        fmt: Format | None,
        limit: int,
        lang: str,
        result: DraftResult,
    ) -> None:
        """Ask the model once for replacements of the variants that failed, naming what was wrong; a
        replacement that fails again is dropped with the reason."""
        feedback = "\n".join(f"- “{text}”：{reason}" for text, reason in failed)
        try:
            texts = self._llm(kind, source, persona, fmt, len(failed), limit, lang, feedback=feedback)
        except ChatModelError as exc:
            log.warning("rewrite request failed: %s", exc)
            result.dropped += [(text, f"{reason}（重写请求失败）") for text, reason in failed]
            return
        result.rewritten = len(failed)
        still = self._check(texts, source, result, keep_failing=False)
        result.dropped += [(text, f"{reason}（已重写一次仍未通过）") for text, reason in still]

    def _check(self, texts: list[str], source: str, result: DraftResult, keep_failing: bool) -> list[tuple[str, str]]:
        """Fit, fact-check and compliance-check each text. Failing texts are kept (flagged) for offline
        copy, which only quotes the source, and returned with their reasons for model copy."""
        seen = {v.text for v in result.variants}
        failed: list[tuple[str, str]] = []
        for text in texts:
            text = text.strip()
            if not text or text in seen or len(result.variants) >= result.requested:
                continue
            seen.add(text)
            fitted = length.cut(text, result.limit, result.counter)
            if fitted is None:
                result.dropped.append((text, f"超过 {result.limit} 字且无法在句子或分句处截断"))
                continue
            variant = Variant(fitted, length.count(fitted, result.counter), cut=fitted != text)
            variant.facts = factcheck.check(fitted, source)
            variant.compliance = self.rulebook.check(fitted)
            if variant.clean or keep_failing:
                result.variants.append(variant)
            else:
                failed.append((fitted, problems(variant)))
        return failed


def problems(variant: Variant) -> str:
    """What is wrong with a variant, in words the model (and the user) can act on."""
    parts = [f"数字「{i.claim}」原文没有" for i in variant.facts]
    parts += [f"「{f.term}」{f.reason or f.rule}" for f in variant.compliance]
    return "；".join(parts)


def limits(kind: str, fmt: Format | None, max_chars: int | None) -> tuple[int, str]:
    """The length limit and how it is counted: the format's channel limit caps whatever is asked."""
    counter = fmt.counter if fmt else "plain"
    channel = (fmt.headline_max_chars if kind == "headline" else fmt.max_chars) if fmt else None
    limit = max_chars or channel or DEFAULT_LIMITS[kind]
    if fmt and fmt.counter != "plain":
        limit = min(limit, fmt.max_chars)  # a hard channel limit (Weibo 140) cannot be asked away
    return limit, counter


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
    material = gather(source, title, meta, ranked)
    if kind == "headline":
        return headlines(persona, material, limit)
    return offline_summaries(ranked, material, persona, fmt, count, limit, counter)


def offline_summaries(
    ranked: list[Ranked],
    material: Material,
    persona: Persona,
    fmt: Format | None,
    count: int,
    limit: int,
    counter: str,
) -> list[str]:
    """Extractive summaries that name the subject and state a result: each variant leads with a different
    result sentence (the ones this persona cares about first), filled with the best-ranked other sentences
    in source order. A variant that does not name the subject gets it as a label (【…】 on social formats)."""
    sections = fmt.sections if fmt else ()
    overhead = sum(len(s) + 2 for s in sections)
    social = fmt is not None and (fmt.counter == "weibo" or bool(sections) or fmt.max_chars <= 150)
    subject = (material.topic or [" ".join([*material.who[:1], *material.product[:1]]).strip()])[0]
    label = (f"【{subject}】" if social else f"{subject}：") if subject else ""
    results = [r for r in ranked if has_digit(r.sentence) and _BENEFIT.search(r.sentence)]
    results.sort(key=lambda r: (not any(w in r.sentence for w in persona.lead), -r.score))
    others = sorted((r for r in ranked if r not in results), key=lambda r: -r.score)
    leads: list[Ranked | None] = [*results] or [None]
    texts: list[str] = []
    for attempt in range(count + 3):
        lead = leads[attempt % len(leads)]
        skip = attempt // len(leads)
        chosen = [lead] if lead else []
        budget = max(limit - overhead, 10)
        pool = [r for r in (others[skip:] + results) if r is not lead]
        text = _fill(chosen, pool, budget, counter, label, material)
        if sections and text:
            text = with_sections(text, sections)
        if text and text not in texts:
            texts.append(text)
        if len(texts) == count:
            break
    return texts


def _fill(chosen: list[Ranked], pool: list[Ranked], budget: int, counter: str, label: str, material: Material) -> str:
    def render(items: list[Ranked]) -> str:
        body = "".join(r.sentence for r in sorted(items, key=lambda r: r.index))
        names = [*material.topic, *material.who] or material.product  # who it is about, else the product
        names_subject = any(s and s in body for s in names)
        return body if names_subject and not _ANAPHOR.match(body) else label + body

    if chosen and length.count(render(chosen), counter) > budget:
        cut = length.cut(render(chosen), budget, counter)
        return cut or ""
    for item in pool:
        if length.count(render([*chosen, item]), counter) <= budget:
            chosen.append(item)
    return render(chosen) if chosen else ""


def with_sections(text: str, sections: tuple[str, ...]) -> str:
    """Label the summary's sentences as a script: first → opening, last → closing, the rest between."""
    from knowledge.text import split_sentences

    sentences = split_sentences(text)
    if len(sentences) < len(sections):
        return f"【{sections[min(1, len(sections) - 1)]}】" + text
    first, *middle, last = sentences
    return f"【{sections[0]}】{first}\n【{sections[1]}】{''.join(middle)}\n【{sections[-1]}】{last}"
