"""Offline headlines: a persona's templates filled with words and clauses quoted from the source.

Every slot is filled from the source (its title, key terms, a clause stating a number, a clause saying
what improved, the customer or industry); a template the source cannot fill is skipped. So an offline
headline may be plain, but it never states anything the source does not.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from itertools import product

from knowledge.personas import Persona
from knowledge.summarize import Ranked, clean_source, keywords, rank_sentences
from knowledge.text import add_words, has_digit

# Clause breaks; an ASCII comma between digits (14,520) is a thousands separator, not a break.
_CLAUSE_BREAK = re.compile(r"[，。；！？;!?：:\n]|,(?!\d{3})")
_BENEFIT = re.compile(r"提升|提高|降低|下降|减少|节约|节省|缩短|增长|增加|加快|达到|降到|优化|翻|省下|少跑")
_LEADING = re.compile(r"^(?:但是?|而且?|并且?|且|同时|其中|此外|另外|因此|所以|例如|比如)[，,]?")
_SLOTS = ("topic", "fact", "benefit", "keyword", "keyword2", "who")
GENERIC_TEMPLATES = (
    "{topic}：{fact}",
    "{topic}：{benefit}",
    "{keyword}实践：{fact}",
    "{topic}",
    "{who}的{keyword}实践",
)


@dataclass
class Material:
    """What the source offers to fill headline slots, best first."""

    topic: list[str] = field(default_factory=list)
    fact: list[str] = field(default_factory=list)
    benefit: list[str] = field(default_factory=list)
    keyword: list[str] = field(default_factory=list)
    who: list[str] = field(default_factory=list)

    def options(self, slot: str) -> list[str]:
        if slot == "keyword2":
            return self.keyword[1:]
        return list(getattr(self, slot))


def gather(source: str, title: str = "", meta: dict | None = None, ranked: list[Ranked] | None = None) -> Material:
    meta = meta or {}
    ranked = ranked if ranked is not None else rank_sentences(source)
    best_first = sorted(ranked, key=lambda r: r.score, reverse=True)
    material = Material()
    if title and len(title) <= 24:
        material.topic.append(title.strip())
    first_clause = _CLAUSE_BREAK.split(clean_source(source), maxsplit=1)[0].strip()
    if 4 <= len(first_clause) <= 16 and not has_digit(first_clause):
        material.topic.append(first_clause)
    add_words([w for key in ("products", "tags") for w in meta.get(key, []) if isinstance(w, str)])
    results: list[str] = []
    for item in best_first:
        for clause in _CLAUSE_BREAK.split(item.sentence):
            clause = _LEADING.sub("", clause.strip().strip("“”\"'（）()"))
            if not 4 <= len(clause) <= 26:
                continue
            if _BENEFIT.search(clause) and clause not in material.benefit:
                material.benefit.append(clause)
                if has_digit(clause):
                    results.append(clause)
            elif has_digit(clause) and clause not in material.fact:
                material.fact.append(clause)
    # A measured result makes a better headline than a background figure.
    material.fact = results + material.fact
    material.keyword = [w for w in keywords(source) if w not in (title or "")][:6]
    for key in ("customer", "industry"):
        if isinstance(meta.get(key), str) and meta[key].strip():
            material.who.append(meta[key].strip())
    if not material.topic and len(material.keyword) >= 2:
        material.topic.append(f"{material.keyword[0]}与{material.keyword[1]}")
    return material


def _slots(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def headlines(persona: Persona, material: Material, limit: int) -> list[str]:
    """Candidate headlines, persona templates first, each slot rotated so the variants differ."""
    out: list[str] = []
    used_facts: set[str] = set()
    for template in (*persona.templates, *GENERIC_TEMPLATES):
        slots = _slots(template)
        if any(s not in _SLOTS for s in slots):
            continue
        choices = [material.options(s)[:3] for s in slots]
        if any(not c for c in choices):
            continue
        # Prefer a fact/benefit not used by an earlier variant, so variants say different things.
        combos = sorted(product(*choices), key=lambda combo: sum(v in used_facts for v in combo))
        for combo in combos:
            values = dict(zip(slots, combo, strict=True))
            if values.get("keyword") and values.get("keyword") == values.get("keyword2"):
                continue
            text = template.format(**values)
            if len(text) <= limit and text not in out:
                out.append(text)
                used_facts.update(combo)
                break
    return out
