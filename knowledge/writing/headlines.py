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

from knowledge.text import add_words, has_digit
from knowledge.writing.personas import Persona
from knowledge.writing.summarize import Ranked, clean_source, keywords, rank_sentences

# Clause breaks; an ASCII comma between digits (14,520) is a thousands separator, not a break.
_CLAUSE_BREAK = re.compile(r"[，。；！？;!?：:\n]|,(?!\d{3})")
_BENEFIT = re.compile(r"提升|提高|降低|下降|减少|节约|节省|缩短|增长|增加|加快|达到|降到|优化|翻|省下|少跑")
_LEADING = re.compile(r"^(?:但是?|而且?|并且?|且|同时|其中|此外|另外|因此|所以|例如|比如)[，,]?")
# A clause that leans on the one before it (「该行…」「是原来的 3 倍」) cannot stand in a headline.
_ANAPHOR = re.compile(r"^(?:该|其|这|此|他们|它|上述|以上|是|为|较|比|并|而|也|还|都|即|且|既|又|持续)")
_BY_KIND = re.compile(r"^(?:该|这家|这个|此)([\u4e00-\u9fff]{2,4}?)(?:在|于|从|有|是|的|已|通过|上线|推出|[，,。])")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_EN_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_EN_JOINER = re.compile(r"^(and|but|while|so|then)\s+", re.IGNORECASE)
_EN_CLAUSE = re.compile(r"[;:]\s*|,\s+(?!\d{3})|\s+(?:and|but|while)\s+")
_HAN_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_SLOTS = ("topic", "who", "product", "fact", "benefit")
_SUBJECT_SLOTS = {"topic", "who", "product"}
# Noun-like tags; "x" is what jieba gives a word taught from the library's metadata (智能客服).
_NOUN_FLAGS = ("n", "nr", "ns", "nt", "nz", "vn", "eng", "j", "x")
GENERIC_TEMPLATES = (
    "{topic}：{fact}",
    "{topic}：{benefit}",
    "{who}{product}：{fact}",
    "{product}实践：{who}{benefit}",
    "{topic}",
)


@dataclass
class Material:
    """What the source offers to fill headline slots, best first."""

    topic: list[str] = field(default_factory=list)
    who: list[str] = field(default_factory=list)
    product: list[str] = field(default_factory=list)
    fact: list[str] = field(default_factory=list)
    benefit: list[str] = field(default_factory=list)
    text: str = ""  # the source, to tell whether it is about a persona's audience
    title: str = ""

    def options(self, slot: str) -> list[str]:
        return list(getattr(self, slot))

    def subjects(self) -> list[str]:
        return [*self.topic, *self.who, *self.product]


def subject_of(text: str) -> tuple[str, str]:
    """Who and what product the first sentence is about: the words before its first verb, and the nouns
    right after it (「华东某城商行上线智能客服一年后…」 → 华东某城商行, 智能客服). Empty where unclear."""
    import jieba.posseg

    first = _CLAUSE_BREAK.split(clean_source(text), maxsplit=1)[0].strip()[:40]
    named_by_kind = _BY_KIND.match(first)
    if named_by_kind:  # 「该超市在…」 names the subject by its kind
        return named_by_kind.group(1), ""
    tagged = jieba.posseg.lcut(first, HMM=False)
    who, product, index = "", "", 0
    while index < len(tagged) and not _is_verb(tagged[index].word, tagged[index].flag):
        index += 1
    head = tagged[:index]
    if head and any(t.flag.startswith(_NOUN_FLAGS) for t in head) and not has_digit("".join(t.word for t in head)):
        candidate = "".join(t.word for t in head).strip()
        if 2 <= len(candidate) <= 14 and not _ANAPHOR.match(candidate):
            who = candidate
    tail = []
    for token in tagged[index + 1 :]:
        if not token.flag.startswith(_NOUN_FLAGS) or has_digit(token.word) or not _HAN_WORD.match(token.word):
            break
        tail.append(token.word)
    if 2 <= len("".join(tail)) <= 10:
        product = "".join(tail)
    return who, product


# Verbs that open a case's first sentence; jieba tags some of them as nouns (上线/n).
_CASE_VERBS = frozenset(
    "上线 推出 发布 部署 引入 建设 采用 启用 完成 实现 打造 开通 落地 使用 应用 建成 升级 上马 试点 搭建 接入".split()  # noqa: SIM905
)


def _is_verb(word: str, flag: str) -> bool:
    return word in _CASE_VERBS or (flag.startswith("v") and flag != "vn")


def gather(source: str, title: str = "", meta: dict | None = None, ranked: list[Ranked] | None = None) -> Material:
    meta = meta or {}
    ranked = ranked if ranked is not None else rank_sentences(source)
    best_first = sorted(ranked, key=lambda r: r.score, reverse=True)
    material = Material(text=source, title=" ".join([title, *[str(t) for t in meta.get("tags", []) or []]]))
    if title and len(title) <= 24:
        material.topic.append(title.strip())
    products = [w for w in meta.get("products", []) or [] if isinstance(w, str) and w.strip()]
    add_words([*products, *[w for w in meta.get("tags", []) or [] if isinstance(w, str)]])
    # The customer names who it is about; the industry only when there is no customer (「零售的知识库」 reads badly).
    for key in ("customer", "industry"):
        if isinstance(meta.get(key), str) and meta[key].strip() and len(meta[key]) <= 16 and not material.who:
            material.who.append(meta[key].strip())
    material.product += [p.strip() for p in products if len(p) <= 12]
    who, product = subject_of(source)
    if who and not material.who:
        material.who.append(who)
    if product and not material.product:
        material.product.append(product)
    if not material.topic:
        first_clause = _CLAUSE_BREAK.split(clean_source(source), maxsplit=1)[0].strip()
        if who and product and len(who + product) <= 20:
            material.topic.append(who + product)
        elif 4 <= len(first_clause) <= 16 and not has_digit(first_clause) and not _ANAPHOR.match(first_clause):
            material.topic.append(first_clause)
        elif material.who:
            material.topic.append(material.who[0])
    if not material.subjects():
        words = keywords(source)
        if len(words) >= 2:
            material.topic.append(f"{words[0]}与{words[1]}")
    results: list[str] = []
    for item in best_first:
        for clause in _CLAUSE_BREAK.split(item.sentence):
            clause = _LEADING.sub("", clause.strip().strip("“”\"'（）()"))
            if not 4 <= len(clause) <= 26 or _ANAPHOR.match(clause):
                continue
            if _BENEFIT.search(clause) and clause not in material.benefit:
                material.benefit.append(clause)
                if has_digit(clause):
                    results.append(clause)
            elif has_digit(clause) and clause not in material.fact:
                material.fact.append(clause)
    # A measured result makes a better headline than a background figure or an unmeasured benefit.
    material.fact = results if len(results) >= 3 else results + material.fact
    measured = [c for c in material.benefit if has_digit(c)]
    material.benefit = measured if len(measured) >= 3 else sorted(material.benefit, key=lambda c: not has_digit(c))
    return material


def lead_first(clauses: list[str], words: tuple[str, ...]) -> list[str]:
    """The clauses that mention what this audience cares about first, otherwise in their order."""
    return sorted(clauses, key=lambda c: not any(w in c for w in words))


def _slots(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def headlines(persona: Persona, material: Material, limit: int) -> list[str]:
    """Candidate headlines, the persona's templates first, each slot rotated so the variants differ. A
    template must name the subject; audience templates apply only to a source about that audience."""
    material = Material(
        material.topic,
        material.who,
        material.product,
        lead_first(material.fact, persona.lead),
        lead_first(material.benefit, persona.lead),
        material.text,
        material.title,
    )
    if not _HAN.search(material.text):
        # The templates are Chinese: filled with English words they read 「bank与chatbot」. Offline, an
        # English source's own clauses are its headlines.
        return _english_clauses(material.text, limit)
    out: list[str] = []
    used: set[str] = set()
    for template in (*persona.templates_for(material.text, material.title), *GENERIC_TEMPLATES):
        slots = _slots(template)
        if any(s not in _SLOTS for s in slots) or not _SUBJECT_SLOTS & set(slots):
            continue
        choices = [material.options(s)[:3] for s in slots]
        if any(not c for c in choices):
            continue
        # Prefer a result not used by an earlier variant, so the variants say different things.
        combos = sorted(product(*choices), key=lambda combo: sum(v in used for v in combo))
        for combo in combos:
            values = dict(zip(slots, combo, strict=True))
            if _repeats(values):
                continue
            text = template.format(**values)
            if len(text) <= limit and text not in out:
                out.append(text)
                used.update(v for k, v in values.items() if k in ("fact", "benefit"))
                break
    return out


def _english_clauses(text: str, limit: int) -> list[str]:
    """Sentences, then clauses, of an English source that fit the limit, each capitalised, once."""
    sentences = [s.strip(" .") for s in _EN_SENTENCE.split(clean_source(text)) if s.strip(" .")]
    pieces = [*sentences, *(c.strip(" .") for s in sentences for c in _EN_CLAUSE.split(s))]
    out: list[str] = []
    for piece in pieces:
        piece = _EN_JOINER.sub("", piece)
        piece = piece[:1].upper() + piece[1:]
        if 8 <= len(piece) <= limit and len(piece.split()) >= 2 and piece not in out:
            out.append(piece)
    return out


def _repeats(values: dict[str, str]) -> bool:
    """A headline that says the same thing twice (the product inside the topic, a fact inside the benefit)."""
    items = list(values.values())
    return any(a != b and a in b for a in items for b in items) or len(set(items)) < len(items)
