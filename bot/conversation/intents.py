"""Which capability a request in words is for: rules for the unambiguous, then a semantic router.

The semantic router embeds every command's declared example requests once (the vectors are kept),
scores a message per capability by its nearest examples, adds the capability's domain cues, and
accepts the best capability when it leads the next one by a margin. Weights are calibrated with
``prbot bench conversation`` on a labelled set (part of it held out).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from bot.commands import Registry
from bot.conversation import cues
from knowledge.library.embed import Embedder

# Calibrated on the labelled requests (see the README's conversation section for the figures).
CUE_WEIGHT = 0.04  # what one domain cue is worth, in cosine-similarity units
ASK_PRIOR = 0.01  # a tie goes to the library: a wrong search costs less than a wrong action
# Without a domain cue, only a close paraphrase of an example counts (off-topic chat scores ~0.84-0.87).
STRONG = 0.90
NEAREST = 2  # examples averaged per capability
# A capability whose domain words the message uses wins over an uncued one scoring at most this much
# more: a close example without any of its job's words (「边缘计算的原理是什么」 beside the note example
# 「边缘计算那篇笔记…发布吧」) shares the topic, not the request.
CUED_LEAD = 0.02

# The examples are constants of the code, so their vectors are memoised per process and embedder:
# rebuilding the app (a reload, each test) does not embed them again.
_EXAMPLE_VECTORS: dict[tuple[str, str], np.ndarray] = {}


@dataclass(frozen=True)
class Route:
    capability: str  # a command group: ask, draft, check, cr, digest, drill, incident, note, personas, help
    score: float
    rule: str = ""  # the rule that decided, when one did
    ranked: tuple[tuple[str, float], ...] = field(default_factory=tuple)  # every capability, best first
    cued: bool = False  # the message uses the best capability's domain words

    @property
    def fits(self) -> bool:
        """Something fits: a rule decided, a domain word backs the choice, or an example is close."""
        return bool(self.rule) or self.cued or self.score >= STRONG

    @property
    def margin(self) -> float:
        return self.ranked[0][1] - self.ranked[1][1] if len(self.ranked) > 1 else 1.0


class IntentRouter:
    def __init__(self, registry: Registry, embedder: Embedder) -> None:
        self.registry = registry
        self.embedder = embedder
        self._lock = threading.Lock()
        self._groups: list[str] = []
        self._vectors: dict[str, np.ndarray] = {}
        self._examples: dict[str, list[tuple[str, str]]] = {}  # group → (command full name, example)

    # ---- the example index

    def _collect(self) -> None:
        if self._examples:
            return
        for spec in self.registry.commands:
            if spec.chat:
                for example in spec.examples:
                    self._examples.setdefault(spec.group.name, []).append((spec.full_name, example))

    def warm(self) -> None:
        """Embed every declared example once (at start, or at the first message)."""
        with self._lock:
            if self._vectors:
                return
            self._collect()
            for group, examples in self._examples.items():
                vectors = np.vstack([self._example_vector(text) for _, text in examples])
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                self._vectors[group] = vectors / np.maximum(norms, 1e-9)
            self._groups = list(self._vectors)

    def _example_vector(self, text: str) -> np.ndarray:
        key = (self.embedder.name, text)
        if key not in _EXAMPLE_VECTORS:
            _EXAMPLE_VECTORS[key] = self.embedder.embed_query(text)
        return _EXAMPLE_VECTORS[key]

    def examples(self, group: str) -> list[tuple[str, str]]:
        with self._lock:
            self._collect()
        return list(self._examples.get(group, []))

    def nearest_example(self, group: str, vector: np.ndarray) -> tuple[str, str] | None:
        self.warm()
        if group not in self._vectors:
            return None
        sims = self._vectors[group] @ _unit(vector)
        return self._examples[group][int(np.argmax(sims))]

    # ---- routing

    def rule(self, text: str) -> str:
        """The capability an unambiguous message names by rule, or ''."""
        stripped = text.strip()
        if cues.GREETING.match(stripped) and len(stripped) <= 24:
            return "help"
        if cues.CAPABILITIES.search(stripped) and len(stripped) <= 40:
            return "help"
        if cues.INCIDENT_RULE.search(stripped) and not cues.DRILL_WORD.search(stripped):
            return "incident"
        if cues.CHECK_RULE.search(stripped):
            return "check"
        return ""

    def route(self, text: str, vector: np.ndarray | None = None) -> Route:
        self.warm()
        ruled = self.rule(text)
        if ruled:
            return Route(ruled, 1.0, rule=ruled, ranked=((ruled, 1.0),), cued=True)
        vector = self.embedder.embed_query(text) if vector is None else vector
        unit = _unit(vector)
        hits = cues.cue_hits(text)
        scores: dict[str, float] = {}
        for group in self._groups:
            sims = np.sort(self._vectors[group] @ unit)[::-1][:NEAREST]
            scores[group] = float(sims.mean()) + CUE_WEIGHT * hits.get(group, 0)
        if "ask" in scores:
            scores["ask"] += ASK_PRIOR
        ranked = tuple(sorted(scores.items(), key=lambda item: item[1], reverse=True))
        best, score = ranked[0]
        if not hits.get(best):
            cued = [(group, value) for group, value in ranked[1:] if hits.get(group) and score - value <= CUED_LEAD]
            if cued:
                best, score = cued[0]
                ranked = ((best, score), *[item for item in ranked if item[0] != best])
        return Route(best, score, ranked=ranked, cued=hits.get(best, 0) > 0)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-9)
