"""Retrieval and answer quality on a SQuAD-format file (e.g. CMRC 2018), plus speed and memory.

Each context becomes one document in a throw-away data dir; every question is asked through the same
Answerer the bot uses. Prints recall@1/3/5, MRR (the internal ranking), what users see (hit@1 of
confident citations, answerable questions declined, the "closest" middle outcome), answer-hit (gold
answer text inside the bot's answer), ingest throughput, warm per-question latency next to plain
dense search over the same library in the same run (timed beside each answer), and peak RSS.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot import messages as msg
from bot.app import Services, build_services
from bot.settings import Settings
from knowledge.library.parse import ParsedDocument


def load_squad(path: Path) -> tuple[list[ParsedDocument], list[tuple[str, str, list[str]]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    docs: list[ParsedDocument] = []
    questions: list[tuple[str, str, list[str]]] = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            pid = str(paragraph.get("id") or f"p{len(docs)}")
            docs.append(ParsedDocument(pid, "case", pid, paragraph["context"], f"squad:{pid}", {}))
            for qa in paragraph["qas"]:
                answers = [a["text"] for a in qa.get("answers", []) if a.get("text")]
                if answers:
                    questions.append((qa["question"], pid, answers))
    return docs, questions


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(
    squad: Path,
    as_json: bool = False,
    limit: int | None = None,
    bm25_weight: float | None = None,
    settings: Settings | None = None,
) -> dict:
    console = Console(stderr=True)
    docs, questions = load_squad(squad)
    if limit:
        questions = questions[:limit]
    with tempfile.TemporaryDirectory(prefix="prbot-bench-") as tmp:
        base = settings or Settings()
        bench_settings = base.model_copy(update={"data_dir": Path(tmp), "database_url": None, "chroma_url": None})
        svc = build_services(bench_settings, use_configured_chat_model=False)
        if bm25_weight is not None:
            svc.retriever.bm25_weight = bm25_weight
        console.print(f"indexing {len(docs)} contexts …")
        load_at_ingest = os.getloadavg()[0]
        report = svc.ingestor.index_documents(docs)
        throughput = report.chunks_embedded / report.seconds if report.seconds else 0.0

        for question, _, _ in questions[:5]:  # warm caches
            svc.answerer.answer(question)
        ranks, hits, latencies, confident, seen_hit, closest = [], 0, [], 0, 0, 0
        dense_latencies = []
        for n, (question, gold_id, answers) in enumerate(questions):
            # The baseline (embed the question, one Chroma query) is timed beside each answer, in
            # alternating order, so a change in the machine's load weighs on both alike.
            if n % 2:
                dense_latencies.append(_dense_only_ms(svc, question))
            started = time.perf_counter()
            answer = svc.answerer.answer(question, k=5, lang=msg.detect_language(question))
            latencies.append((time.perf_counter() - started) * 1000)
            if not n % 2:
                dense_latencies.append(_dense_only_ms(svc, question))
            rank = answer.ranked_ids.index(gold_id) + 1 if gold_id in answer.ranked_ids else 0
            ranks.append(rank)
            confident += answer.confident
            closest += answer.outcome == "closest"
            seen_hit += answer.confident and bool(answer.citations) and answer.citations[0].id == gold_id
            if answer.confident and any(a in answer.text for a in answers):
                hits += 1
        cold = cold_start_seconds(Path(tmp), questions[0][0]) if questions else 0.0
        svc.engine.dispose()

    n = len(questions)
    result = {
        "file": str(squad),
        "documents": len(docs),
        "questions": n,
        "chunks": report.chunks_embedded,
        "recall@1": sum(1 for r in ranks if r == 1) / n,
        "recall@3": sum(1 for r in ranks if 0 < r <= 3) / n,
        "recall@5": sum(1 for r in ranks if 0 < r <= 5) / n,
        "mrr": sum(1 / r for r in ranks if r) / n,
        "seen_hit@1": seen_hit / n,
        "answerable_declined": 1 - confident / n,
        "closest_share": closest / n,
        "answer_hit": hits / n,
        "confident_share": confident / n,
        "ingest_chunks_per_s": throughput,
        # Embedding is most of ingest; its own rate, and the machine's load, say what the figure means.
        "ingest_embed_only_chunks_per_s": report.chunks_embedded / report.embed_seconds
        if report.embed_seconds
        else 0.0,
        "load_average_at_ingest": load_at_ingest,
        "latency_ms_p50": statistics.median(latencies),
        "latency_ms_p95": percentile(latencies, 0.95),
        "dense_only_ms_p50": statistics.median(dense_latencies),
        "dense_only_ms_p95": percentile(dense_latencies, 0.95),
        "latency_p50_vs_dense": statistics.median(latencies) / max(statistics.median(dense_latencies), 1e-9),
        "cold_ask_s": cold,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "bm25_weight": bm25_weight if bm25_weight is not None else (settings or Settings()).retrieval.bm25_weight,
    }
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        table = Table(title=f"retrieval benchmark — {squad.name} (offline mode)")
        table.add_column("metric")
        table.add_column("value", justify="right")
        for key, value in result.items():
            table.add_row(key, f"{value:.3f}" if isinstance(value, float) else str(value))
        Console().print(table)
    return result


def _dense_only_ms(svc: Services, question: str) -> float:
    """Plain dense search: embed the question (no cache), one Chroma query for 40 chunks."""
    started = time.perf_counter()
    svc.vectors.query(svc.embedder.embed_query(question), 40)
    return (time.perf_counter() - started) * 1000


def cold_start_seconds(data_dir: Path, question: str) -> float:
    """Wall time of a fresh `prbot ask` process against the built index (best of three)."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "--data-dir", str(data_dir), "ask", question, "--json"],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return min(times)
