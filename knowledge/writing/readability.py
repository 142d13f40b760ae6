"""Readability of a note's 用户价值说明: is it written for a non-engineer?

Three measures: average sentence length in characters; the share of its terms carried over from the
技术原理解读 that are jargon (in no everyday vocabulary: the team's list or jieba's common words); and
English abbreviations used without a Chinese explanation beside them. Thresholds are deliberately
plain so a reviewer can see why a draft was flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import jieba

from knowledge.text import split_sentences
from knowledge.writing.personas import read_yaml
from prompts import PROMPTS_DIR

EVERYDAY_FILE = PROMPTS_DIR / "lexicon" / "everyday.yaml"
MAX_AVG_SENTENCE = 40
MAX_JARGON_SHARE = 0.15
_ABBREVIATION = re.compile(r"(?<![A-Za-z])([A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*)(?![A-Za-z])")
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[A-Za-z][A-Za-z0-9-]+")
# An abbreviation counts as explained when a Chinese gloss sits right beside it: 「PSI（隐私求交）」,
# 「隐私求交（PSI）」, 「PSI，也就是…」.
_GLOSS_AFTER = r"\s*[（(][^）)]*[\u4e00-\u9fff][^）)]*[）)]|\s*[，,]?\s*(?:即|也就是|就是|指|是指)"
_GLOSS_BEFORE = r"[\u4e00-\u9fff]\s*[（(]\s*"


@dataclass
class Readability:
    avg_sentence_chars: float
    jargon_share: float
    jargon: list[str] = field(default_factory=list)
    abbreviations: list[str] = field(default_factory=list)
    sentence_count: int = 0

    @property
    def too_technical(self) -> bool:
        return (
            self.avg_sentence_chars > MAX_AVG_SENTENCE
            or self.jargon_share > MAX_JARGON_SHARE
            or bool(self.abbreviations)
        )

    def as_dict(self) -> dict:
        return {
            "avg_sentence_chars": round(self.avg_sentence_chars, 1),
            "jargon_share": round(self.jargon_share, 3),
            "jargon": self.jargon,
            "abbreviations": self.abbreviations,
            "too_technical": self.too_technical,
        }


@cache
def _everyday() -> tuple[frozenset[str], frozenset[str], int]:
    data = read_yaml(EVERYDAY_FILE)
    words = frozenset(str(data.get("words") or "").lower().split())
    jargon = frozenset(str(data.get("jargon") or "").lower().split())
    return words, jargon, int(data.get("common_frequency", 1000))


def is_everyday(word: str) -> bool:
    words, jargon, threshold = _everyday()
    if word.lower() in jargon:
        return False
    if word.lower() in words:
        return True
    jieba.initialize()
    return (jieba.dt.FREQ.get(word) or 0) >= threshold


def _terms(text: str) -> list[str]:
    out = []
    for token in jieba.lcut(text):
        token = token.strip()
        if _WORD.fullmatch(token):
            out.append(token)
    return out


def check(user_value: str, technical: str, technology: str = "") -> Readability:
    body = re.sub(r"^#{1,6}\s.*$|^【.*】\s*$", "", user_value, flags=re.MULTILINE)
    sentences = [s for s in split_sentences(body) if len(s.strip()) > 1]
    avg = sum(len(s) for s in sentences) / len(sentences) if sentences else 0.0
    exempt = {technology.lower()} | {w.lower() for w in _terms(technology)}
    tech_terms = {t.lower() for t in _terms(technical)}
    terms = [t for t in _terms(body) if t.lower() not in exempt]
    carried = [t for t in terms if t.lower() in tech_terms and not is_everyday(t)]
    jargon = sorted(set(carried), key=carried.index)
    share = len(carried) / len(terms) if terms else 0.0
    unexplained = []
    for match in _ABBREVIATION.finditer(body):
        abbr = match.group(1)
        if abbr.lower() in exempt or abbr in unexplained:
            continue
        after = re.match(_GLOSS_AFTER, body[match.end() :])
        before = re.search(_GLOSS_BEFORE + "$", body[: match.start()])
        if not after and not before:
            unexplained.append(abbr)
    return Readability(avg, share, jargon, unexplained, len(sentences))
