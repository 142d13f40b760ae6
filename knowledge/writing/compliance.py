"""Compliance check for copy: claims in context (《广告法》第九条 and the team's list), with rewrites.

The rules are data (``prompts/lexicon/compliance.yaml`` plus the team's file from settings). A claim is a
phrase (「国内第一家」「全网最低价」「No.1」), not a character: everyday uses that cover it (第一时间,
放在第一位, 唯一的序列号, 最短的时间内) excuse it, and a ranking claim with a named source and date in the
same sentence is fine. Each flagged sentence gets one suggested sentence with every fix applied, and a
suggestion is offered only if it passes this same checker and a fluency guard.

Every pattern is a regular expression without unbounded repetition (the loader refuses ``*``, ``+`` and
``{n,}``), each match attempt reads a bounded number of characters, and the excuse and rewrite searches
look a bounded distance around a claim, so checking is linear in the length of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jieba
import jieba.posseg

from knowledge.writing.fluency import FluencyGuard
from knowledge.writing.personas import DataFileError, read_yaml
from prompts import PROMPTS_DIR

COMPLIANCE_FILE = PROMPTS_DIR / "lexicon" / "compliance.yaml"
SEVERITIES = ("violation", "needs_source", "style")
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]*")
_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]{1,3}")
# How far before a claim an everyday phrase may start (放在第一位 starts two characters before 第一), and how
# far around it a rewrite's context may reach.
_LOOKBACK = 12
_REWRITE_REACH = 16
# A sentence longer than this gets findings but no suggested rewrite (nobody pastes such a sentence back).
MAX_SUGGESTION_SENTENCE = 300
# Suggestions are worked out for this many flagged sentences per text; the rest still get their findings.
MAX_SUGGESTED_SENTENCES = 200
# Unbounded repetition outside a character class: *, +, {n,} (escaped characters are skipped).
_UNBOUNDED = re.compile(r"\\.|\[(?:\\.|[^\]])*\]|([*+]|\{\d*,\})")


class PatternError(DataFileError):
    """A pattern in a compliance file is not valid or could make a scan slow."""


def compile_patterns(patterns: list[str], where: str) -> re.Pattern[str] | None:
    """One alternation for a list of phrases and ``re:`` patterns. Phrases come first, longest first, so the
    alternative that matches at a position is the longest phrase there (「最先进」 before 「最」+one)."""
    phrases = sorted({p for p in patterns if not p.startswith("re:")}, key=len, reverse=True)
    regexes = [p[3:] for p in patterns if p.startswith("re:")]
    for regex in regexes:
        if any(m.group(1) for m in _UNBOUNDED.finditer(regex)):
            raise PatternError(
                f"{where}: 「{regex}」含无上限的重复（* + {{n,}}），请写成 {{0,12}} 这样的上限 / "
                "unbounded repetition is not allowed, use a bound such as {0,12}"
            )
        try:
            re.compile(regex)
        except re.error as exc:
            raise PatternError(f"{where}: 「{regex}」不是合法的正则表达式 / is not a valid pattern: {exc}") from None
    parts = [re.escape(p) for p in phrases] + [f"(?:{r})" for r in regexes]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


@dataclass(frozen=True)
class Rewrite:
    find: re.Pattern[str]
    to: str


@dataclass
class Claim:
    """One rule entry: the phrases it flags, the everyday uses it does not, how to rewrite them."""

    id: str
    rule: str
    severity: str
    reason: str
    advice: str
    match: re.Pattern[str]
    everyday: re.Pattern[str] | None = None
    rewrites: list[Rewrite] = field(default_factory=list)
    fallback: str | None = None  # "remove", a replacement phrase, or None (remove or source it by hand)
    # Words that are everyday when the next word has one of these jieba parts of speech (最多 + 推送).
    next_words: frozenset[str] = frozenset()
    next_pos: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()  # the plain phrases, for the model's prompt


@dataclass(frozen=True)
class Finding:
    term: str  # the claim as it occurs, e.g. 「国内第一家」
    quote: str  # the sentence that contains it
    rule: str  # the law or team rule, in words
    advice: str
    rewrite: str  # the suggested sentence (every fix of that sentence applied), "" when none passes the checks
    severity: str = "violation"
    reason: str = ""
    claim: str = ""  # the entry id
    start: int = 0  # offsets of the claim in the sentence
    end: int = 0


@dataclass
class FlaggedSentence:
    sentence: str
    findings: list[Finding]
    suggestion: str  # "" when no rewrite passes the checker and the fluency guard
    note: str = ""  # why there is no suggestion

    @property
    def severity(self) -> str:
        return min((f.severity for f in self.findings), key=SEVERITIES.index)


@dataclass
class Rulebook:
    claims: list[Claim]
    rules: dict[str, str]
    source_cues: re.Pattern[str] | None = None
    everyday_all: re.Pattern[str] | None = None
    guard: FluencyGuard = field(default_factory=FluencyGuard)

    # -- finding claims ------------------------------------------------------------------------------

    def check(self, text: str) -> list[Finding]:
        """Every claim in the text, sentence by sentence, each carrying its sentence's suggestion."""
        return [f for flagged in self.review(text) for f in flagged.findings]

    def review(self, text: str, suggest: bool = True) -> list[FlaggedSentence]:
        out: list[FlaggedSentence] = []
        for sentence_match in _SENTENCE.finditer(text):
            sentence = sentence_match.group().strip()
            if not sentence:
                continue
            spans = self.claims_in(sentence)
            if not spans:
                continue
            suggestion, note = "", ""
            if suggest and len(out) < MAX_SUGGESTED_SENTENCES:
                suggestion, note = self.suggest(sentence, spans)
            elif suggest:
                note = f"只为前 {MAX_SUGGESTED_SENTENCES} 句给出改写 / rewrites for the first sentences only"
            findings = [
                Finding(
                    sentence[s:e],
                    sentence,
                    self.rules.get(c.rule, c.rule),
                    c.advice,
                    suggestion,
                    c.severity,
                    c.reason,
                    c.id,
                    s,
                    e,
                )
                for s, e, c in spans
            ]
            out.append(FlaggedSentence(sentence, findings, suggestion, note))
        return out

    def prompt_list(self) -> str:
        """The rules as a model's prompt shows them: severity, what is banned, examples."""
        lines = []
        for claim in self.claims:
            label = {"violation": "禁止", "needs_source": "须注明来源和时间，否则不用", "style": "避免"}[claim.severity]
            examples = "、".join(claim.examples[:8])
            lines.append(f"- {label}：{claim.reason}" + (f"（如：{examples}）" if examples else ""))
        return "\n".join(lines)

    def flags(self, text: str) -> bool:
        return any(self.claims_in(m.group()) for m in _SENTENCE.finditer(text))

    def claims_in(self, sentence: str) -> list[tuple[int, int, Claim]]:
        """Non-overlapping claims, leftmost first (the longest at the same start)."""
        candidates: list[tuple[int, int, Claim]] = []
        sourced: bool | None = None
        for claim in self.claims:
            for m in claim.match.finditer(sentence):
                start, end = m.start(), m.end()
                if end - start > 2 and sentence[end - 1] == "的":
                    end -= 1  # 「最好的」 is the claim 「最好」
                elif len(sentence) <= MAX_SUGGESTION_SENTENCE:
                    end = _word_end(sentence, start, end)
                if end <= start or self._excused(sentence, start, end, claim):
                    continue
                if claim.severity == "needs_source":
                    if sourced is None:
                        sourced = bool(self.source_cues and self.source_cues.search(sentence))
                    if sourced:
                        continue
                candidates.append((start, end, claim))
        candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
        kept: list[tuple[int, int, Claim]] = []
        for start, end, claim in candidates:
            if kept and start < kept[-1][1]:
                continue
            kept.append((start, end, claim))
        return kept

    def _excused(self, sentence: str, start: int, end: int, claim: Claim) -> bool:
        """An everyday phrase that covers the claim's first two characters (or all of a shorter claim)."""
        need = min(end, start + 2)
        if claim.next_words and sentence[start:need] in claim.next_words:
            following = jieba.posseg.lcut(sentence[need : need + 6], HMM=False)[:1]
            if following and following[0].flag.startswith(claim.next_pos):
                return True
        for pattern in (claim.everyday, self.everyday_all):
            if pattern is None:
                continue
            for pos in range(max(0, start - _LOOKBACK), start + 1):
                m = pattern.match(sentence, pos)
                if m and m.end() >= need and m.start() <= start:
                    return True
        return False

    # -- suggesting a rewrite ------------------------------------------------------------------------

    def suggest(self, sentence: str, spans: list[tuple[int, int, Claim]]) -> tuple[str, str]:
        """One sentence with every claim fixed, or ("", why not)."""
        if len(sentence) > MAX_SUGGESTION_SENTENCE:
            return "", "句子过长，未给出改写 / sentence too long for a suggested rewrite"
        out = sentence
        for _ in range(3):  # a rewrite may leave a milder claim (最领先的 → 领先的): fix that too
            out, note = self._suggest_once(out, spans)
            if not out:
                return "", note
            spans = self.claims_in(out)
            if not spans:
                return out, ""
        return "", "需删除或补充出处 / remove the claim or give its source"

    def _suggest_once(self, sentence: str, spans: list[tuple[int, int, Claim]]) -> tuple[str, str]:
        fixes: list[tuple[int, int, str]] = []
        for start, end, claim in spans:
            if fixes and start < fixes[-1][1]:
                continue  # already inside the previous fix's context
            fix = self._fix(sentence, start, end, claim, fixes[-1][1] if fixes else 0)
            if fix is None:
                return "", "需删除或补充出处 / remove the claim or give its source"
            fixes.append(fix)
        out = sentence
        for start, end, replacement in reversed(fixes):
            out = out[:start] + replacement + out[end:]
        out = re.sub(r"的{2,}", "的", re.sub(r"\s{2,}", " ", out)).strip()
        if not out.strip("。！？!? "):
            return "", "需删除或补充出处 / remove the claim or give its source"
        return out, ""

    def _fix(self, sentence: str, start: int, end: int, claim: Claim, floor: int) -> tuple[int, int, str] | None:
        """The first rewrite of this claim that reads well: the entry's phrase rewrites, then its fallback."""
        low, high = max(floor, start - _REWRITE_REACH), min(len(sentence), end + _REWRITE_REACH)
        options: list[tuple[int, int, str]] = []
        for rewrite in claim.rewrites:
            for m in rewrite.find.finditer(sentence, low, high):
                if m.start() <= start < m.end():  # covers the claim's start; what it leaves is re-checked
                    options.append((m.start(), m.end(), m.expand(rewrite.to)))
                    break
        if claim.fallback is not None:
            options.append((start, end, "" if claim.fallback == "remove" else claim.fallback))
        for option in options:
            if self.guard.reads_well(sentence, *option):
                return option
        return None


def _word_end(sentence: str, start: int, end: int) -> int:
    """Extend a claim that stops inside a word to the word's end (「最领」 → 「最领先」), at most 3 characters."""
    if end >= len(sentence) or not _HAN_CHAR.match(sentence[end]):
        return end
    position = start
    for word in jieba.lcut(sentence[start : end + 4], HMM=False):
        position += len(word)
        if position >= end:
            return position if position - end <= 3 and _HAN_CHAR.fullmatch(sentence[end:position] or "x") else end
    return end


# ---- loading ------------------------------------------------------------------------------------------


def _list(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise DataFileError(f"{where}: 应是列表 / must be a list")
    return [str(v) for v in value]


def _claim(entry: dict[str, Any], path: Path) -> Claim:
    where = f"{path}: claim {entry.get('id', '?')!r}"
    if not str(entry.get("id") or "").strip():
        raise DataFileError(f"{path}: 每个条目需要 id / every claim needs an id: {entry!r}")
    match = compile_patterns(_list(entry.get("match"), where), where)
    if match is None:
        raise DataFileError(f"{where}: 需要 match 短语 / needs match phrases")
    severity = str(entry.get("severity") or "violation")
    if severity not in SEVERITIES:
        raise DataFileError(f"{where}: severity 应是 {' / '.join(SEVERITIES)}（收到 {severity}）")
    rewrites = []
    for item in entry.get("rewrite") or []:
        if not isinstance(item, dict) or "find" not in item:
            raise DataFileError(f"{where}: rewrite 的每项需要 find 和 to / every rewrite needs find and to")
        find = compile_patterns([str(item["find"])], where)
        assert find is not None
        rewrites.append(Rewrite(find, str(item.get("to") or "")))
    fallback = entry.get("fallback")
    nxt = entry.get("everyday_next") or {}
    if not isinstance(nxt, dict):
        raise DataFileError(f"{where}: everyday_next 应是 {{words, pos}} / must be a mapping of words and pos")
    return Claim(
        id=str(entry["id"]).strip(),
        rule=str(entry.get("rule") or "team"),
        severity=severity,
        reason=str(entry.get("reason") or ""),
        advice=str(entry.get("advice") or "删除，或改为可举证的具体表述。"),
        match=match,
        everyday=compile_patterns(_list(entry.get("everyday"), where), where),
        rewrites=rewrites,
        fallback=None if fallback is None else str(fallback),
        next_words=frozenset(_list(nxt.get("words"), where)),
        next_pos=tuple(_list(nxt.get("pos"), where)),
        examples=tuple(p for p in _list(entry.get("match"), where) if not p.startswith("re:")),
    )


def _read(path: Path) -> tuple[list[Claim], dict[str, str], list[str], list[str], list[str]]:
    data = read_yaml(path)
    entries = data.get("claims") or []
    if not isinstance(entries, list):
        raise DataFileError(f"{path}: claims 应是列表 / claims must be a list")
    claims = [_claim(e, path) if isinstance(e, dict) else _claim({}, path) for e in entries]
    rules = {str(k): str(v) for k, v in (data.get("rules") or {}).items()}
    return (
        claims,
        rules,
        _list(data.get("source_cues"), f"{path}: source_cues"),
        _list(data.get("everyday_all"), f"{path}: everyday_all"),
        _list(data.get("refuse"), f"{path}: refuse"),
    )


def load_rulebook(extra_file: Path | None = None) -> Rulebook:
    """The bundled rules, then the team's file: an entry with the same id replaces the bundled one."""
    claims, rules, cues, everyday, refuse = _read(COMPLIANCE_FILE)
    if extra_file is not None:
        extra_claims, extra_rules, extra_cues, extra_everyday, extra_refuse = _read(extra_file)
        rules.update(extra_rules)
        replaced = {c.id for c in extra_claims}
        claims = [c for c in claims if c.id not in replaced] + extra_claims
        cues, everyday, refuse = cues + extra_cues, everyday + extra_everyday, refuse + extra_refuse
    unknown = sorted({c.rule for c in claims} - set(rules))
    if unknown:
        raise DataFileError(f"未定义的规则 / rules used but not defined: {', '.join(unknown)}")
    where = "compliance lists"
    return Rulebook(
        claims,
        rules,
        compile_patterns(cues, f"{where}: source_cues"),
        compile_patterns(everyday, f"{where}: everyday_all"),
        FluencyGuard(compile_patterns(refuse, f"{where}: refuse")),
    )
