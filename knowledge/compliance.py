"""Compliance check for copy: absolute and superlative claims (《广告法》第九条) and the team's own list.

The word list is data (``prompts/lexicon/compliance.yaml`` plus the team's file from settings). Each finding
names the word, quotes the sentence, cites the rule and suggests a rewrite of that sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.personas import DataFileError, read_yaml
from prompts import PROMPTS_DIR

COMPLIANCE_FILE = PROMPTS_DIR / "lexicon" / "compliance.yaml"
# How many characters after a prefix term (最) belong to the claim: 最佳, 最先进, 最受欢迎.
_PREFIX_SPAN = re.compile(r"[\u4e00-\u9fff]{1,3}")
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


@dataclass(frozen=True)
class Term:
    term: str
    rule: str
    advice: str
    replace: str = ""
    prefix: bool = False
    exceptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    term: str  # the words as they occur, e.g. 「最先进」
    quote: str  # the sentence that contains them
    rule: str  # the law or team rule, in words
    advice: str
    rewrite: str  # the sentence with the claim softened


@dataclass
class Rulebook:
    terms: list[Term]
    rules: dict[str, str]

    def check(self, text: str) -> list[Finding]:
        findings: list[Finding] = []
        for sentence_match in _SENTENCE.finditer(text):
            sentence = sentence_match.group().strip()
            if sentence:
                findings += self._check_sentence(sentence)
        return findings

    def _check_sentence(self, sentence: str) -> list[Finding]:
        found: list[tuple[int, int, Term]] = []
        for term in sorted(self.terms, key=lambda t: len(t.term), reverse=True):
            for match in re.finditer(re.escape(term.term), sentence, flags=re.IGNORECASE):
                start, end = match.start(), match.end()
                if any(sentence.startswith(exc, start) for exc in term.exceptions):
                    continue
                if any(s <= start < e for s, e, _ in found):
                    continue  # inside a longer term already found (业界领先 before 领先)
                if term.prefix:
                    tail = _PREFIX_SPAN.match(sentence, end)
                    end = min(tail.end(), end + 2) if tail else end
                found.append((start, end, term))
        findings = []
        for start, end, term in sorted(found, key=lambda f: f[0]):
            words = sentence[start:end]
            rewrite = self._rewrite(sentence, term)
            rule = self.rules.get(term.rule, term.rule)
            findings.append(Finding(words, sentence, rule, term.advice, rewrite))
        return findings

    def _rewrite(self, sentence: str, term: Term) -> str:
        """The sentence with every listed claim replaced by its softer wording (longest terms first)."""
        out = sentence
        for each in sorted(self.terms, key=lambda t: len(t.term), reverse=True):
            out = _replace_outside(out, each)
        out = re.sub(r"的{2,}", "的", out)
        return re.sub(r"\s{2,}", " ", out).strip()


def _replace_outside(text: str, term: Term) -> str:
    result, index = [], 0
    for match in re.finditer(re.escape(term.term), text, flags=re.IGNORECASE):
        if any(text.startswith(exc, match.start()) for exc in term.exceptions):
            continue
        result.append(text[index : match.start()])
        result.append(term.replace)
        index = match.end()
    result.append(text[index:])
    return "".join(result)


def _terms(path: Path) -> tuple[list[Term], dict[str, str]]:
    data = read_yaml(path)
    rules = {str(k): str(v) for k, v in (data.get("rules") or {}).items()}
    terms = []
    for entry in data.get("terms") or []:
        if not isinstance(entry, dict) or not str(entry.get("term") or "").strip():
            raise DataFileError(f"{path}: 每个条目需要 term / every entry needs a term: {entry!r}")
        terms.append(
            Term(
                term=str(entry["term"]).strip(),
                rule=str(entry.get("rule") or "team"),
                advice=str(entry.get("advice") or "删除或改为可举证的具体表述。"),
                replace=str(entry.get("replace") or ""),
                prefix=bool(entry.get("prefix", False)),
                exceptions=tuple(str(e) for e in entry.get("except") or ()),
            )
        )
    return terms, rules


def load_rulebook(extra_file: Path | None = None) -> Rulebook:
    """The bundled list, then the team's file: a term listed again replaces the bundled entry."""
    terms, rules = _terms(COMPLIANCE_FILE)
    if extra_file is not None:
        extra_terms, extra_rules = _terms(extra_file)
        rules.update(extra_rules)
        replaced = {t.term for t in extra_terms}
        terms = [t for t in terms if t.term not in replaced] + extra_terms
    return Rulebook(terms, rules)
