"""Cite or decline: a small logistic model over evidence that transfers across libraries and languages.

An absolute similarity threshold does not transfer (a library of look-alike PR cases sits in a narrow
band where encyclopaedic paragraphs spread out; English questions on Chinese text sit 0.10-0.15
lower). What the decision uses instead:

- ``dense_rel``: where the document's dense similarity stands between the library's two reference
  points (knowledge/library/retrieve.py): what questions it cannot answer score (0) and what questions
  it certainly answers score (1), each measured on the library itself, per language;
- ``lead_rel``: its lead over the best other document, in units of the typical lead of a question the
  library answers;
- ``soft``: the share of the question's rare terms the document holds, with partial credit for shared
  characters and English terms matched through the glossary;
- ``unmeasured``: the question had no term the library knows (plain English that the glossary does not
  translate), so ``soft`` is missing evidence, not evidence against;
- ``dense_top`` / ``lexical_top``: whether dense search and BM25 each rank the document first.

``features`` also reports evidence the model was offered but that did not transfer (the absolute
similarity, the share of the question's terms absent from the whole library, exact coverage): fitted
without a PR-style library, those taught the model that a colloquial paraphrase is off-topic.

The weights are fitted by ``prbot bench calibrate --fit`` on labelled questions (the demo set, a
PR-style dev library, and the CMRC reading-comprehension set with answers taken away for unanswerable
questions) and checked on the sets left out of each fit. Three outcomes: confident (cite it),
closest (show the nearest documents, marked ``confident: false``), decline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np

from knowledge.library.retrieve import DEFAULT_PROFILE, DocumentHit

FEATURES = ("dense_rel", "lead_rel", "soft", "unmeasured", "dense_top", "lexical_top", "english", "scoped")

# Fitted by `prbot bench calibrate --fit` on all three labelled sets (each set, and within it answerable
# and unanswerable questions, weighted equally).
WEIGHTS: dict[str, float] = {
    "bias": -5.580,
    "dense_rel": 2.757,
    "lead_rel": 1.659,
    "soft": 4.477,
    "unmeasured": 1.395,
    "dense_top": 0.492,
    "lexical_top": 0.965,
    "english": 1.069,
    "scoped": 0.0,
}
# Probability cut-offs: at or above CONFIDENT the answer is cited; between CLOSEST and CONFIDENT the
# nearest documents are shown as "the closest is …" (confident: false); below CLOSEST, a decline.
CONFIDENT = 0.25
CLOSEST = 0.1


class Outcome(Enum):
    CONFIDENT = "confident"
    CLOSEST = "closest"
    DECLINE = "decline"


@dataclass(frozen=True)
class Judgement:
    outcome: Outcome
    probability: float


def features(hit: DocumentHit, lang: str, scoped: bool = False) -> dict[str, float]:
    """The model's features, then diagnostics it does not use (kept for calibration dumps)."""
    dense_rel, lead_rel = (hit.profile or DEFAULT_PROFILE).relative(hit.dense, hit.dense_lead, lang)
    return {
        "dense_rel": dense_rel,
        "lead_rel": lead_rel,
        "soft": hit.soft_coverage,
        "unmeasured": 1.0 if hit.unmeasured else 0.0,
        "dense_top": 1.0 if hit.dense_rank == 1 else 0.0,
        "lexical_top": 1.0 if hit.lexical_rank == 1 else 0.0,
        "english": 1.0 if lang == "en" else 0.0,
        "scoped": 1.0 if scoped else 0.0,
        "dense": hit.dense,
        "gap": hit.dense - hit.library_median,
        "lead": hit.dense_lead,
        "zscore": hit.dense_z,
        "coverage": hit.coverage,
        "absent": hit.absent,
    }


def probability(values: dict[str, float], weights: dict[str, float] | None = None) -> float:
    w = weights or WEIGHTS
    z = w["bias"] + sum(w[name] * values[name] for name in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def judge(
    hit: DocumentHit,
    lang: str,
    scoped: bool = False,
    weights: dict[str, float] | None = None,
    confident: float = CONFIDENT,
    closest: float = CLOSEST,
) -> Judgement:
    p = probability(features(hit, lang, scoped), weights)
    if p >= confident:
        return Judgement(Outcome.CONFIDENT, p)
    return Judgement(Outcome.CLOSEST if p >= closest else Outcome.DECLINE, p)


def fit(
    rows: list[dict[str, float]], labels: list[int], sample_weight: list[float], l2: float = 0.003
) -> dict[str, float]:
    """L2-regularised logistic regression by Newton's method on standardised features; the weights
    returned apply to the raw features (as ``probability`` uses them)."""
    x = np.array([[r[name] for name in FEATURES] for r in rows], dtype=np.float64)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0  # a constant feature (e.g. no scoped questions) gets no weight
    z = np.hstack([np.ones((len(rows), 1)), (x - mean) / scale])
    y = np.asarray(labels, dtype=np.float64)
    sw = np.asarray(sample_weight, dtype=np.float64)
    sw = sw / sw.sum()
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0  # the intercept is not shrunk
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -50, 50)))
        gradient = z.T @ (sw * (p - y)) + penalty * beta
        hessian = (z * (sw * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-12)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    raw = beta[1:] / scale
    return {"bias": float(beta[0] - raw @ mean), **{name: float(w) for name, w in zip(FEATURES, raw, strict=True)}}
