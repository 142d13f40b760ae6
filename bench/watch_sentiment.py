"""``prbot bench watch-sentiment``: the offline Chinese sentiment packages against a labelled set.

The set (``bench/watch_sentiment_zh.tsv``) is 106 short social posts about a product company,
written for this comparison and labelled negative / neutral / positive. Every backend maps its output
to [-1, 1] and uses the same neutral band, fixed before the comparison.
"""

from __future__ import annotations

import csv
import json
import statistics
import time
from pathlib import Path
from typing import Any

from handlers.watch.scoring import BACKENDS, label_of

LABELLED = Path(__file__).with_name("watch_sentiment_zh.tsv")


def load(path: Path = LABELLED) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [(row["label"], row["text"]) for row in csv.DictReader(handle, delimiter="\t")]


def compare(rows: list[tuple[str, str]], repeats: int = 3) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for name, factory in BACKENDS.items():
        started = time.perf_counter()
        backend = factory()
        backend("预热")  # load dictionaries or models once
        load_s = time.perf_counter() - started
        runs, predicted = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            predicted = [label_of(max(-1.0, min(1.0, backend(text)))) for _, text in rows]
            runs.append(time.perf_counter() - started)
        correct = sum(1 for (gold, _), got in zip(rows, predicted, strict=True) if gold == got)
        per_class = {}
        for label in ("negative", "neutral", "positive"):
            gold_rows = [i for i, (gold, _) in enumerate(rows) if gold == label]
            per_class[label] = sum(1 for i in gold_rows if predicted[i] == label) / len(gold_rows)
        median = statistics.median(runs)
        results.append(
            {
                "package": name,
                "accuracy": correct / len(rows),
                "recall": per_class,
                "posts_per_s": len(rows) / median,
                "load_s": load_s,
            }
        )
    return sorted(results, key=lambda r: -float(r["accuracy"]))


def run(as_json: bool = False) -> list[dict[str, Any]]:
    rows = load()
    results = compare(rows)
    if as_json:
        print(json.dumps(results, ensure_ascii=False))
        return results
    print(f"labelled posts: {len(rows)}")
    print("| package | accuracy | negative / neutral / positive recall | posts/s | load |")
    print("| --- | --- | --- | --- | --- |")
    for r in results:
        rec = r["recall"]
        assert isinstance(rec, dict)
        print(
            f"| {r['package']} | {float(r['accuracy']):.3f} | {rec['negative']:.2f} / {rec['neutral']:.2f} / "
            f"{rec['positive']:.2f} | {float(r['posts_per_s']):,.0f} | {float(r['load_s']):.1f} s |"
        )
    return results
