"""Offline drafting benchmark: latency and number faithfulness (run on purpose: `prbot bench drafting`).

1. Latency: headline + summary drafts (offline writer, all checks) for a 2,000-character source built
   from CMRC 2018 trial contexts; p50/p95 over ``runs`` drafts after one warm-up (the warm-up loads
   jieba's dictionaries once per process; its time is reported separately). Target p95 ≤ 300 ms.
2. Faithfulness: for every CMRC context, an offline summary (≤200 characters) and five headlines;
   the share whose every number, percentage and date occurs in the source. Must be 100%.

3. Compliance checks on the labelled set in ``bench/data/compliance_labelled.yaml`` (sentences with claims
   and everyday sentences with the same words, from press releases, crisis statements and social posts):
   recall on claims, false flags on everyday sentences, how many flagged sentences get a suggested rewrite,
   and the share of suggestions that pass the checker (targets: recall ≥ 0.95, false flags ≤ 5%, every
   suggestion passes). Also the time to check N×「最」 for two N: linear matching keeps the ratio near N's.

The CMRC file is read where it lies (../shared/bench/); nothing is copied into the repository.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from knowledge.writing import factcheck
from knowledge.writing.compliance import Rulebook, load_rulebook
from knowledge.writing.drafting import Drafter
from knowledge.writing.personas import Catalog, load_catalog

SOURCE_CHARS = 2000
LABELLED = Path(__file__).parent / "data" / "compliance_labelled.yaml"
DEMO_CASES = Path(__file__).resolve().parents[1] / "demo" / "library" / "cases"
TABLE_CASES = ("001", "005", "008", "012", "013", "014", "017", "020", "024", "028")
TABLE_PERSONAS = ("银发科技爱好者", "企业IT决策人", "Z世代极客")


def load_contexts(path: Path) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [p["context"] for article in data["data"] for p in article["paragraphs"]]


def source_of(contexts: list[str], chars: int = SOURCE_CHARS) -> str:
    text = ""
    for context in contexts:
        if len(text) >= chars:
            break
        text += context
    return text[:chars]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def run(squad: Path, runs: int = 100, as_json: bool = False) -> dict:
    if not squad.exists():
        sys.stderr.write(f"找不到 / not found: {squad} (pass --squad PATH to cmrc2018_trial.json)\n")
        raise SystemExit(2)
    contexts = load_contexts(squad)
    catalog = load_catalog()
    drafter = Drafter(load_rulebook())
    personas = list(catalog.personas.values())
    weibo = catalog.format("微博")
    source = source_of(contexts)

    t0 = time.perf_counter()
    drafter.draft("summary", source, personas[0], None, 5)
    warmup_ms = (time.perf_counter() - t0) * 1000

    timings = []
    for i in range(runs):
        persona = personas[i % len(personas)]
        kind = "headline" if i % 2 == 0 else "summary"
        fmt = weibo if i % 4 == 1 else None
        started = time.perf_counter()
        drafter.draft(kind, source, persona, fmt, 5)
        timings.append((time.perf_counter() - started) * 1000)

    summaries_ok = summaries = headlines_ok = headlines = 0
    offenders: list[dict] = []
    for index, context in enumerate(contexts):
        persona = personas[index % len(personas)]
        for kind in ("summary", "headline"):
            result = drafter.draft(kind, context, persona, None, 5 if kind == "headline" else 1, 200)
            for variant in result.variants:
                issues = factcheck.check(variant.text, context)
                if kind == "summary":
                    summaries += 1
                    summaries_ok += not issues
                else:
                    headlines += 1
                    headlines_ok += not issues
                if issues and len(offenders) < 5:
                    offenders.append(
                        {"context": index, "kind": kind, "text": variant.text, "claims": [i.claim for i in issues]}
                    )

    demo = demo_headlines(drafter, catalog)
    checks = compliance(drafter.rulebook)
    report = {
        "demo_headlines": demo,
        "compliance": checks,
        "source_chars": len(source),
        "runs": runs,
        "warmup_ms": round(warmup_ms, 1),
        "latency_ms_p50": round(statistics.median(timings), 1),
        "latency_ms_p95": round(percentile(timings, 0.95), 1),
        "latency_target_ms": 300,
        "contexts": len(contexts),
        "summaries": summaries,
        "summaries_numbers_in_source": round(summaries_ok / summaries, 4) if summaries else None,
        "headlines": headlines,
        "headlines_numbers_in_source": round(headlines_ok / headlines, 4) if headlines else None,
        "offenders": offenders,
    }
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    else:
        print(f"offline drafting, {report['source_chars']}-character source, {runs} drafts (headline/summary mix)")
        print(f"  warm-up (loads jieba dictionaries once): {report['warmup_ms']} ms")
        print(f"  latency p50 {report['latency_ms_p50']} ms, p95 {report['latency_ms_p95']} ms (target ≤ 300 ms)")
        print(f"CMRC 2018 trial: {report['contexts']} contexts")
        print(
            f"  summaries whose every number is in the source: {summaries_ok}/{summaries} "
            f"= {report['summaries_numbers_in_source']:.2%} (must be 100%)"
        )
        print(
            f"  headlines whose every number is in the source: {headlines_ok}/{headlines} "
            f"= {report['headlines_numbers_in_source']:.2%}"
        )
        for offender in offenders:
            print(f"  ✗ context {offender['context']} {offender['kind']}: {offender['text']} {offender['claims']}")
        print_compliance(checks)
        print_demo(demo)
    return report


def demo_headlines(drafter: Drafter, catalog: Catalog, cases: Path = DEMO_CASES) -> dict:
    """Offline headlines for 10 demo cases × 3 personas, and the share that name the subject (title,
    customer or product) and state only numbers from the source."""
    import yaml

    rows, named, faithful, total = [], 0, 0, 0
    for case in TABLE_CASES:
        path = cases / f"case-{case}.md"
        if not path.exists():
            continue
        _, front, body = path.read_text(encoding="utf-8").split("---", 2)
        meta = yaml.safe_load(front)
        subjects = [meta.get("title", ""), meta.get("customer", ""), *meta.get("products", [])]
        for name in TABLE_PERSONAS:
            result = drafter.draft("headline", body, catalog.persona(name), None, 3, title=meta["title"], meta=meta)
            texts = [v.text for v in result.variants]
            for text in texts:
                total += 1
                named += any(s and s in text for s in subjects)
                faithful += not factcheck.check(text, body)
            rows.append({"case": meta["id"], "title": meta["title"], "persona": name, "headlines": texts})
    return {
        "rows": rows,
        "headlines": total,
        "names_subject": round(named / total, 4) if total else None,
        "numbers_in_source": round(faithful / total, 4) if total else None,
    }


def print_demo(d: dict) -> None:
    print(
        f"offline headlines, {len(TABLE_CASES)} demo cases × {len(TABLE_PERSONAS)} personas: {d['headlines']} headlines"
    )
    print(f"  naming the subject: {d['names_subject']:.2%}; every number in the source: {d['numbers_in_source']:.2%}")
    for row in d["rows"]:
        print(f"  {row['case']} {row['persona']}: " + " ｜ ".join(row["headlines"]))


def compliance(rulebook: Rulebook, path: Path = LABELLED) -> dict:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    claims, everyday = data["claim"], data["everyday"]
    missed = [c["text"] for c in claims if not rulebook.review(c["text"], suggest=False)]
    false_flags = [
        {"text": e["text"], "terms": [f.term for f in rulebook.check(e["text"])]}
        for e in everyday
        if rulebook.review(e["text"], suggest=False)
    ]
    flagged = suggested = passing = 0
    failing: list[dict] = []
    for item in claims:
        for sentence in rulebook.review(item["text"]):
            flagged += 1
            if sentence.suggestion:
                suggested += 1
                if rulebook.check(sentence.suggestion):
                    failing.append({"text": sentence.sentence, "suggestion": sentence.suggestion})
                else:
                    passing += 1
    timings = {}
    rulebook.check("最" * 100)  # warm-up
    for n in (5000, 20000):
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            rulebook.check("最" * n)
            runs.append((time.perf_counter() - started) * 1000)
        timings[n] = statistics.median(runs)
    return {
        "claims": len(claims),
        "everyday": len(everyday),
        "recall": round(1 - len(missed) / len(claims), 4),
        "false_flag_rate": round(len(false_flags) / len(everyday), 4),
        "flagged_sentences": flagged,
        "suggested": suggested,
        "suggestions_passing": round(passing / suggested, 4) if suggested else None,
        "missed": missed,
        "false_flags": false_flags,
        "failing_suggestions": failing,
        "check_ms_5000": round(timings[5000], 1),
        "check_ms_20000": round(timings[20000], 1),
        "time_ratio_20000_vs_5000": round(timings[20000] / timings[5000], 2) if timings[5000] else None,
    }


def print_compliance(c: dict) -> None:
    print(f"compliance, labelled set: {c['claims']} sentences with claims, {c['everyday']} everyday sentences")
    print(f"  recall on claims: {c['recall']:.2%} (target ≥ 95%)")
    print(f"  false flags on everyday sentences: {c['false_flag_rate']:.2%} (target ≤ 5%)")
    print(
        f"  suggested rewrites: {c['suggested']}/{c['flagged_sentences']} flagged sentences; "
        f"passing the checker: {c['suggestions_passing']:.2%} (must be 100%); the rest say remove or source it"
    )
    print(
        f"  check of 5,000×「最」: {c['check_ms_5000']} ms, 20,000×「最」: {c['check_ms_20000']} ms "
        f"(ratio {c['time_ratio_20000_vs_5000']}; linear ≈ 4)"
    )
    for text in c["missed"]:
        print(f"  ✗ missed: {text}")
    for item in c["false_flags"]:
        print(f"  ✗ false flag: {item['text']} {item['terms']}")
    for item in c["failing_suggestions"]:
        print(f"  ✗ suggestion fails: {item['text']} → {item['suggestion']}")
