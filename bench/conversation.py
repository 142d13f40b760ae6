"""The conversation layer on a labelled set: routing, follow-ups, list completeness, latency.

``intents.jsonl`` (requests labelled with the capability that should handle them) gives routing
accuracy overall and per capability, on a tuning half (even ids) and a held-out half (odd ids).
``questions.jsonl``'s follow-up dialogues are sent turn by turn in one thread through the full chat
path (the same as Slack's) and scored hit@3 per turn (a turn expecting nothing must be declined);
the same turns asked alone are the baseline. List completeness is the share of each complete list
(list questions and list turns) that the reply carries. Latency: the plain ask path and the routed
path on the same questions in the same run, the query-vector cache cleared before each message.
"""

from __future__ import annotations

import json
import secrets
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.adapters.chat import Inbound, respond
from bot.app import Services, build_services
from bot.conversation import Conversation
from bot.conversation.conversation import list_ids_of
from bot.core import Reply, Request
from bot.settings import Settings
from knowledge.library.embed_cache import QueryCache


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def routing(conversation: Conversation, intents: list[dict[str, Any]]) -> dict[str, Any]:
    def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
        right: Counter[str] = Counter()
        total: Counter[str] = Counter()
        wrong = []
        for row in rows:
            got = conversation.classify(row["text"])
            total[row["intent"]] += 1
            if got == row["intent"]:
                right[row["intent"]] += 1
            else:
                wrong.append({"id": row["id"], "expected": row["intent"], "got": got})
        per = {k: round(right[k] / total[k], 3) for k in sorted(total)}
        return {"accuracy": round(sum(right.values()) / max(1, len(rows)), 3), "per_capability": per, "wrong": wrong}

    tune = [r for r in intents if _number(r["id"]) % 2 == 0]
    held = [r for r in intents if _number(r["id"]) % 2 == 1]
    return {"all": score(intents), "tune": score(tune), "held_out": score(held)}


def _number(identifier: str) -> int:
    digits = "".join(ch for ch in identifier if ch.isdigit())
    return int(digits or 0)


def cited(reply: Reply) -> list[str]:
    return [c.id.split("#")[0] for c in reply.citations]


def declined(reply: Reply) -> bool:
    answer = reply.data.get("answer") if isinstance(reply.data, dict) else None
    return not reply.citations or (isinstance(answer, dict) and not answer.get("confident", True))


def turn_hit(reply: Reply, expect: list[str]) -> bool:
    if not expect:
        return declined(reply)
    return not declined(reply) and bool(set(cited(reply)[:3]) & set(expect))


def completeness(reply: Reply, expect: list[str]) -> float:
    carried = set(list_ids_of(reply)) | set(cited(reply))
    return len(carried & set(expect)) / len(expect) if expect else 1.0


def followups(svc: Services, dialogues: list[dict[str, Any]], run_id: str = "") -> dict[str, Any]:
    hits, alone_hits, turns, lists = 0, 0, 0, []
    misses = []
    for number, dialogue in enumerate(dialogues):
        for index, turn in enumerate(dialogue["turns"]):
            inbound = Inbound("console", "bench:user", "bench", turn["question"], thread_id=f"{run_id}d{number}")
            reply = respond(svc.router, inbound)
            alone = svc.router.ask(Request(text=turn["question"], channel_id="bench-alone", thread_id=run_id))
            turns += 1
            hit = turn_hit(reply, turn["expect"])
            hits += hit
            alone_hits += turn_hit(alone, turn["expect"])
            if index > 0 and not hit:
                misses.append({"dialogue": dialogue["id"], "turn": index + 1, "got": cited(reply)[:3]})
            if turn.get("complete"):
                lists.append(completeness(reply, turn["expect"]))
    return {
        "turns": turns,
        "hit@3": round(hits / max(1, turns), 3),
        "asked_alone_hit@3": round(alone_hits / max(1, turns), 3),
        "list_turns_complete": round(statistics.mean(lists), 3) if lists else None,
        "misses": misses,
    }


def off_topic_in_threads(
    svc: Services, dialogues: list[dict[str, Any]], questions: list[dict[str, Any]], run_id: str = ""
) -> dict[str, Any]:
    """Each dialogue's first turn, then in the same thread a question the library does not answer
    (the set's out-of-scope ones, not near misses): the share declined, as asked alone it is."""
    off = [q["question"] for q in questions if q.get("kind") == "none" and not q.get("near_miss")]
    if not off or not dialogues:
        return {"n": 0, "declined": None}
    declines = []
    for number, question in enumerate(off):
        dialogue = dialogues[number % len(dialogues)]
        thread = f"{run_id}o{number}"
        respond(
            svc.router, Inbound("console", "bench:user", "bench", dialogue["turns"][0]["question"], thread_id=thread)
        )
        declines.append(
            declined(respond(svc.router, Inbound("console", "bench:user", "bench", question, thread_id=thread)))
        )
    return {"n": len(declines), "declined": round(sum(declines) / len(declines), 3)}


def list_questions(svc: Services, questions: list[dict[str, Any]], run_id: str = "") -> dict[str, Any]:
    shares = []
    for number, question in enumerate(q for q in questions if q.get("kind") == "list"):
        inbound = Inbound("console", "bench:user", "bench", question["question"], thread_id=f"{run_id}l{number}")
        shares.append(completeness(respond(svc.router, inbound), question["expect"]))
    return {"n": len(shares), "complete": round(statistics.mean(shares), 3) if shares else None}


def latency(
    svc: Services, questions: list[dict[str, Any]], conversation: Conversation, run_id: str = ""
) -> dict[str, Any]:
    """Milliseconds per message: the plain ask path, the routed path, and what routing adds.

    The question's vector is computed once before both (the routed path computes it to route and the
    answer reuses it; the plain path computes it to answer), so neither pays it. "Added" is measured
    inside the same call: the routed message's total time minus the time spent in the ask command,
    which keeps the machine's load out of the difference.
    """
    cache = svc.query_embedder
    plain, routed, added = [], [], []
    sample = [q["question"] for q in questions if q.get("kind") in ("direct", "paraphrase", "english")]
    inside: list[float] = []
    run_values = svc.router.run_values

    def timed_run_values(*args: Any, **kwargs: Any) -> Reply:
        start = time.perf_counter()
        try:
            return run_values(*args, **kwargs)
        finally:
            inside.append(time.perf_counter() - start)

    svc.router.run_values = timed_run_values  # type: ignore[method-assign]
    try:
        for number, text in enumerate(sample):
            if isinstance(cache, QueryCache):
                cache.embed_query(text)
            start = time.perf_counter()
            svc.router.ask(Request(text=text, channel_id="bench-plain", thread_id=f"{run_id}t{number}"))
            plain.append((time.perf_counter() - start) * 1000)
            inside.clear()
            start = time.perf_counter()
            svc.router.handle(Request(text=text, channel_id="bench-routed", thread_id=f"{run_id}t{number}"))
            total = time.perf_counter() - start
            routed.append(total * 1000)
            added.append((total - sum(inside)) * 1000)
    finally:
        svc.router.run_values = run_values  # type: ignore[method-assign]
    return {
        "messages": len(sample),
        "plain_p50_ms": round(percentile(plain, 0.5), 1),
        "plain_p95_ms": round(percentile(plain, 0.95), 1),
        "routed_p50_ms": round(percentile(routed, 0.5), 1),
        "routed_p95_ms": round(percentile(routed, 0.95), 1),
        "added_p50_ms": round(percentile(added, 0.5), 1),
        "added_p95_ms": round(percentile(added, 0.95), 1),
    }


def run(
    dataset: Path, as_json: bool = False, settings: Settings | None = None, index_dir: Path | None = None
) -> dict[str, Any]:
    """``index_dir``: a data dir to keep the index in between runs (unchanged files are not re-indexed);
    default a throw-away one."""
    console = Console(stderr=True)
    intents = load(dataset / "intents.jsonl")
    questions = load(dataset / "questions.jsonl")
    with tempfile.TemporaryDirectory(prefix="prbot-bench-") as tmp:
        base = settings or Settings()
        data_dir = index_dir or Path(tmp)
        bench_settings = base.model_copy(update={"data_dir": data_dir, "database_url": None, "chroma_url": None})
        svc = build_services(bench_settings, use_configured_chat_model=False)
        try:
            console.print("索引 / indexing the corpus …")
            report = svc.ingestor.ingest([dataset / "corpus"])
            if not report.ok:
                console.print(f"failed: {report.failed}")
            conversation = svc.router.interpreter
            if not isinstance(conversation, Conversation):
                raise SystemExit("the conversation layer is off (PRBOT_CONVERSATION_ENABLED=false)")
            conversation.intents.warm()
            # Threads of this run only: a kept data dir also keeps the memory of earlier runs' threads.
            run_id = secrets.token_hex(4) + "-"
            result = {
                "routing": routing(conversation, intents),
                "followups": followups(svc, [q for q in questions if q.get("kind") == "followup"], run_id),
                "lists": list_questions(svc, questions, run_id),
                "off_topic_in_threads": off_topic_in_threads(
                    svc, [q for q in questions if q.get("kind") == "followup"], questions, run_id
                ),
                "latency": latency(svc, questions, conversation, run_id),
            }
        finally:
            svc.engine.dispose()
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        show(result)
    return result


def show(result: dict[str, Any]) -> None:
    console = Console()
    table = Table(title="routing accuracy (intents.jsonl)")
    table.add_column("capability")
    for part in ("all", "tune", "held_out"):
        table.add_column(part)
    routing_result = result["routing"]
    table.add_row("overall", *(str(routing_result[p]["accuracy"]) for p in ("all", "tune", "held_out")))
    for capability in routing_result["all"]["per_capability"]:
        table.add_row(
            capability,
            *(str(routing_result[p]["per_capability"].get(capability, "")) for p in ("all", "tune", "held_out")),
        )
    console.print(table)
    f = result["followups"]
    console.print(
        f"follow-up dialogues: {f['turns']} turns, hit@3 {f['hit@3']} (turns asked alone: "
        f"{f['asked_alone_hit@3']}); list turns complete {f['list_turns_complete']}"
    )
    console.print(f"list questions: {result['lists']['n']}, complete {result['lists']['complete']}")
    off = result["off_topic_in_threads"]
    console.print(f"off-topic questions after an answer in the thread: {off['n']}, declined {off['declined']}")
    lat = result["latency"]
    console.print(
        f"latency per message ({lat['messages']}): plain ask p50 {lat['plain_p50_ms']} ms / "
        f"p95 {lat['plain_p95_ms']} ms; "
        f"routed p50 {lat['routed_p50_ms']} / p95 {lat['routed_p95_ms']}; added p50 {lat['added_p50_ms']} / "
        f"p95 {lat['added_p95_ms']} ms"
    )
