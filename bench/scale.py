"""Query latency at large libraries: 10k and 100k chunks.

Embedding 100k real chunks would take hours on two cores, so the stored vectors here are SYNTHETIC
(random unit vectors, labelled so in the output). Everything else is real: chunk text made from the
demo library's own words (so BM25 sees a realistic vocabulary), SQLite rows, the Chroma HNSW index,
the BM25 index, query embeddings from the offline model, and the full answer path as chat takes it
(a list answer quotes the page it shows).
"""

from __future__ import annotations

import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

from bot.app import build_services
from bot.settings import Settings
from knowledge.library.parse import discover, parse_file
from knowledge.library.vectors import chroma_metadata
from knowledge.text import tokenize
from storage import library
from storage.db import session_scope

DEMO_LIBRARY = Path(__file__).resolve().parents[1] / "demo" / "library"
QUESTIONS = [
    "有没有金融行业用智能客服降本的案例？",
    "风电场站智能运维减少了多少故障停机？",
    "什么是差分隐私",
    "Do we have a hospital case?",
    "2023年制造业有哪些案例？",
    "港口集装箱调度优化了什么",
]
INDUSTRIES = ["金融", "医疗", "制造业", "零售", "教育", "政务", "交通物流", "能源", "互联网/传媒"]


def vocabulary() -> list[str]:
    words: list[str] = []
    for path in discover([DEMO_LIBRARY]):
        for doc in parse_file(path, DEMO_LIBRARY).documents:
            words += tokenize(doc.body)
    return words


def build(svc, size: int, words: list[str], rng: random.Random) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    per_doc = 4
    dim = svc.embedder.dim
    np_rng = np.random.default_rng(7)
    for start in range(0, size, 5000):
        count = min(5000, size - start)
        doc_rows, chunk_rows, ids, metas = [], [], [], []
        for i in range(start, start + count, per_doc):
            doc_id = f"syn-{i // per_doc}"
            meta = {"industry": rng.choice(INDUSTRIES), "year": rng.randint(2019, 2025)}
            doc_rows.append(
                {
                    "id": doc_id,
                    "type": "case",
                    "title": doc_id,
                    "meta": meta,
                    "body": "",
                    "source_path": "synthetic",
                    "content_hash": "",
                    "indexed": True,
                    "indexed_at": library.utcnow(),
                    "updated_at": library.utcnow(),
                }
            )
            for ordinal in range(min(per_doc, start + count - i)):
                tokens = rng.choices(words, k=60)
                chunk_id = f"{doc_id}#{ordinal}"
                chunk_rows.append(
                    {
                        "id": chunk_id,
                        "document_id": doc_id,
                        "ordinal": ordinal,
                        "section": "",
                        "text": "".join(tokens) + "。",
                        "tokens": " ".join(tokens),
                    }
                )
                ids.append(chunk_id)
                metas.append(chroma_metadata(doc_id, "case", meta))
        with session_scope(svc.engine) as session:
            session.execute(insert(library.Document), doc_rows)
            session.execute(insert(library.Chunk), chunk_rows)
        vectors = np_rng.standard_normal((len(ids), dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        svc.vectors.upsert(ids, vectors, metas)
    with session_scope(svc.engine) as session:
        library.set_state(session=session, key="library_generation", value=f"synthetic-{size}")
    svc.ingestor.refresh_lexical(force=True)
    return time.perf_counter() - started


def run(sizes: list[int], queries: int = 200) -> list[dict]:
    console = Console(stderr=True)
    rng = random.Random(7)
    words = vocabulary()
    results = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="prbot-scale-") as tmp:
            svc = build_services(
                Settings(_env_file=None, data_dir=Path(tmp)),
                use_configured_chat_model=False,
            )
            page = slice(0, svc.settings.retrieval.list_page_size)  # a chat reply quotes one page of a list
            console.print(f"building {size:,} synthetic chunks …")
            build_s = build(svc, size, words, rng)
            for question in QUESTIONS * 5:  # warm: Chroma settles its freshly written index on first queries
                svc.answerer.answer(question, quoted=page)
            latencies = []
            for index in range(queries):
                question = QUESTIONS[index % len(QUESTIONS)]
                started = time.perf_counter()
                svc.answerer.answer(question, quoted=page)
                latencies.append((time.perf_counter() - started) * 1000)
            latencies.sort()
            results.append(
                {
                    "chunks": size,
                    "vectors": "synthetic (random unit vectors)",
                    "build_s": round(build_s, 1),
                    "p50_ms": round(statistics.median(latencies), 1),
                    "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
                    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                }
            )
            svc.engine.dispose()
    table = Table(title="query latency at scale (full answer path; stored vectors are SYNTHETIC)")
    for column in results[0]:
        table.add_column(column)
    for row in results:
        table.add_row(*[str(v) for v in row.values()])
    Console().print(table)
    return results
