"""Extractive summaries with no language model: sentence-level TextRank over jieba tokens.

Sentences are ranked by TextRank (Mihalcea & Tarau 2004: PageRank on a graph whose edges are token
overlap normalised by sentence length), the best are kept in their original order within the length
asked, and nothing is reworded, so every number a summary states is quoted from the source.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from knowledge.text import STOPWORDS, has_digit, split_sentences, tokenize
from knowledge.writing.length import count, cut

_MARKDOWN = re.compile(r"^\s*(#{1,6}\s+.*|[-*_]{3,}\s*)$", re.MULTILINE)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)、])\s+", re.MULTILINE)


@dataclass(frozen=True)
class Ranked:
    index: int  # position in the source
    sentence: str
    score: float


def clean_source(text: str) -> str:
    """Drop Markdown headings and rules, keep the prose (headings are labels, not sentences)."""
    text = _MARKDOWN.sub("", text)
    return _BULLET.sub("", text).strip()


# TextRank compares every pair of sentences; beyond this many (a long source of one-word lines) the later
# sentences are not ranked, which bounds a draft's work whatever the source looks like.
MAX_RANKED_SENTENCES = 300


def rank_sentences(text: str, damping: float = 0.85, iterations: int = 50) -> list[Ranked]:
    sentences = [s for s in split_sentences(clean_source(text)) if len(s.strip()) >= 2][:MAX_RANKED_SENTENCES]
    if not sentences:
        return []
    tokens = [set(tokenize(s)) for s in sentences]
    n = len(sentences)
    weights = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            overlap = len(tokens[i] & tokens[j])
            if overlap:
                norm = math.log(len(tokens[i]) + 1) + math.log(len(tokens[j]) + 1)
                weights[i, j] = weights[j, i] = overlap / norm if norm else 0.0
    out_sums = weights.sum(axis=1)
    # Sentences linked to nothing still get the (1 - d) share; rows normalise to transition weights.
    transition = np.divide(weights, out_sums[:, None], out=np.zeros_like(weights), where=out_sums[:, None] > 0)
    scores = np.full(n, 1.0 / n)
    for _ in range(iterations):
        updated = (1 - damping) / n + damping * transition.T @ scores
        if np.abs(updated - scores).sum() < 1e-6:
            scores = updated
            break
        scores = updated
    # A small lead bias (in news and case write-ups the first sentences carry the point) and a bonus for
    # sentences stating a number: PR copy leads with measurable results.
    lead = np.array([1.0 + 0.15 / (1 + i) for i in range(n)])
    numeric = np.array([1.3 if has_digit(s) else 1.0 for s in sentences])
    scores = scores * lead * numeric
    return [Ranked(i, sentences[i], float(scores[i])) for i in range(n)]


def summarize(
    text: str, max_chars: int, counter: str = "plain", skip: int = 0, ranked: list[Ranked] | None = None
) -> str:
    """The best-ranked sentences (after skipping the ``skip`` best, for variants) in source order,
    within ``max_chars``. Empty when nothing fits."""
    ranked = ranked if ranked is not None else rank_sentences(text)
    order = sorted(ranked, key=lambda r: r.score, reverse=True)[skip:]
    chosen: list[Ranked] = []
    used = 0
    for item in order:
        size = count(item.sentence, counter)
        if used + size > max_chars:
            continue
        chosen.append(item)
        used += size
    if not chosen and order:
        # Even the best sentence is too long: keep its whole clauses.
        return cut(order[0].sentence, max_chars, counter) or ""
    return "".join(r.sentence for r in sorted(chosen, key=lambda r: r.index))


_KEEP_POS = ("n", "nr", "ns", "nt", "nz", "vn", "eng")


def keywords(text: str, top: int = 8, window: int = 5) -> list[str]:
    """Key terms by word-level TextRank over nouns (jieba's algorithm, as in ``jieba.analyse.textrank``),
    but segmented without the HMM pass: the same dictionary words ten times faster, and a keyword is
    only ever a dictionary word or a term taught from the library's metadata."""
    import jieba.posseg

    words = [
        w.word
        for w in jieba.posseg.lcut(clean_source(text), HMM=False)
        if w.flag.startswith(_KEEP_POS)
        and len(w.word.strip()) >= 2
        and not has_digit(w.word)
        and w.word.lower() not in STOPWORDS
    ]
    if not words:
        return []
    vocab = {w: i for i, w in enumerate(dict.fromkeys(words))}
    n = len(vocab)
    weights = np.zeros((n, n))
    ids = [vocab[w] for w in words]
    for i, a in enumerate(ids):
        for b in ids[i + 1 : i + window]:
            if a != b:
                weights[a, b] += 1
                weights[b, a] += 1
    sums = weights.sum(axis=1)
    transition = np.divide(weights, sums[:, None], out=np.zeros_like(weights), where=sums[:, None] > 0)
    scores = np.full(n, 1.0 / n)
    for _ in range(30):
        scores = 0.15 / n + 0.85 * transition.T @ scores
    ranked = sorted(vocab, key=lambda w: -scores[vocab[w]])
    return ranked[:top]
