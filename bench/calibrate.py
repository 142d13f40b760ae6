"""Cite-or-decline calibration on labelled questions (bench/demo_questions.yaml by default).

Indexes the demo library in a throw-away data dir, asks every question, and reports: top-1 accuracy
on answerable questions, how many are answered (not declined), how many unanswerable questions are
correctly declined, and the similarity margins, so the threshold can be re-derived for another
embedding backend.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from bot import messages as msg
from bot.app import build_services
from bot.settings import Settings

DEFAULT_QUESTIONS = Path(__file__).parent / "demo_questions.yaml"
DEMO_LIBRARY = Path(__file__).resolve().parents[1] / "demo" / "library"


def run(
    questions_file: Path = DEFAULT_QUESTIONS,
    library: Path = DEMO_LIBRARY,
    as_json: bool = False,
    settings: Settings | None = None,
) -> dict:
    data = yaml.safe_load(questions_file.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="prbot-calibrate-") as tmp:
        base = settings or Settings()
        svc = build_services(
            base.model_copy(update={"data_dir": Path(tmp), "database_url": None, "chroma_url": None}),
            use_configured_chat_model=False,
        )
        svc.ingestor.ingest([library])
        rows = []
        for kind in ("answerable", "unanswerable"):
            for item in data[kind]:
                question = item["q"]
                lang = msg.detect_language(question)
                answer = svc.answerer.answer(question, lang=lang)
                top = svc.retriever.search(question).hits
                rows.append(
                    {
                        "question": question,
                        "kind": kind,
                        "expect": item.get("expect", []),
                        "top": answer.ranked_ids[0] if answer.ranked_ids else None,
                        "dense": round(top[0].dense, 3) if top else 0.0,
                        "coverage": round(top[0].coverage, 2) if top else 0.0,
                        "lang": lang,
                        "confident": answer.confident,
                    }
                )
        svc.engine.dispose()

    answerable = [r for r in rows if r["kind"] == "answerable"]
    unanswerable = [r for r in rows if r["kind"] == "unanswerable"]
    result = {
        "answerable": len(answerable),
        "top1_correct": sum(r["top"] in r["expect"] for r in answerable) / len(answerable),
        "answered": sum(r["confident"] for r in answerable) / len(answerable),
        "unanswerable": len(unanswerable),
        "declined": sum(not r["confident"] for r in unanswerable) / len(unanswerable),
        "threshold": (settings or Settings()).retrieval.min_relevance,
    }
    if as_json:
        print(json.dumps({"summary": result, "rows": rows}, ensure_ascii=False))
        return result
    table = Table(title="cite-or-decline calibration")
    for column in ("kind", "lang", "question", "top", "dense", "coverage", "answered"):
        table.add_column(column)
    for r in rows:
        mark = "✓" if (r["kind"] == "answerable") == r["confident"] else "✗"
        table.add_row(
            r["kind"][:6],
            r["lang"],
            r["question"][:28],
            str(r["top"]),
            str(r["dense"]),
            str(r["coverage"]),
            f"{r['confident']} {mark}",
        )
    console = Console()
    console.print(table)
    console.print(json.dumps(result, ensure_ascii=False))
    return result
