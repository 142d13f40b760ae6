"""Cite-or-decline calibration on labelled questions, per set and language.

Sets (each indexed into its own throw-away data dir, or ``work_dir`` to reuse an index):

- **demo**: the bundled demo library with ``bench/demo_questions.yaml`` (answerable / unanswerable);
- **prlib**: a PR-style dev library (``--prlib DIR``: ``corpus/`` + ``questions.jsonl``; kinds
  direct, paraphrase, filter, list, note, english answerable; ``none`` unanswerable, split into near
  misses and off-topic);
- **cmrc**: a SQuAD-format file (``--squad FILE``): every question answerable; the same question with
  its paragraph taken away (the rest of its article still there, and the answer text nowhere else) is a
  near miss; with its whole article taken away, off-topic.

For each question the bot answers as users see it (metadata lists included) and the table reports:
answerable questions declined (every reply that is not a confident citation, "closest" included, as
the dev set's score.py counts them), the "closest" middle outcome, hit@1 of confident citations, and
unanswerable questions answered, near misses and off-topic apart. With ``fit`` the relevance model
(knowledge/library/relevance.py) is fitted on the sets' retrieval evidence (label: the top document is a right
answer), each set weighted equally, and checked leave-one-set-out: fitted on the other sets, each set
is answered again, as users would see it, with the weights that never saw it (the held-out columns).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from bot import messages as msg
from bot.app import Services, build_services
from bot.settings import Settings
from knowledge.library import relevance
from knowledge.library.parse import ParsedDocument

DEFAULT_QUESTIONS = Path(__file__).parent / "demo_questions.yaml"
DEMO_LIBRARY = Path(__file__).resolve().parents[1] / "demo" / "library"
_ID = re.compile(r"(?:case|note)-\d+")


@dataclass
class Item:
    set: str
    question: str
    expect: list[str]  # empty: the library has no answer
    kind: str  # answerable | near | off
    exclude: frozenset[str] = frozenset()
    features: dict[str, float] = field(default_factory=dict)
    top: str | None = None
    lang: str = "zh"
    # As users see it, with the shipped weights and with weights fitted without this set:
    outcome: str = ""
    cited: list[str] = field(default_factory=list)
    held_outcome: str = ""
    held_cited: list[str] = field(default_factory=list)


def demo_items(questions_file: Path) -> list[Item]:
    data = yaml.safe_load(questions_file.read_text(encoding="utf-8"))
    items = [Item("demo", q["q"], list(q["expect"]), "answerable") for q in data["answerable"]]
    items += [Item("demo", q["q"], [], "near" if q.get("near") else "off") for q in data["unanswerable"]]
    return items


def prlib_items(root: Path) -> list[Item]:
    items = []
    for line in (root / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        if q["kind"] == "followup":
            continue
        kind = "answerable" if q["expect"] else ("near" if q.get("near_miss") else "off")
        items.append(Item("prlib", q["question"], list(q["expect"]), kind))
    return items


def squad_items(path: Path) -> tuple[list[ParsedDocument], list[Item]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    docs, items = [], []
    for a_index, article in enumerate(data["data"]):
        article_ids = [str(p.get("id") or f"a{a_index}p{i}") for i, p in enumerate(article["paragraphs"])]
        for pid, paragraph in zip(article_ids, article["paragraphs"], strict=True):
            docs.append(ParsedDocument(pid, "case", pid, paragraph["context"], f"squad:{pid}", {}))
        texts = {pid: p["context"] for pid, p in zip(article_ids, article["paragraphs"], strict=True)}
        for pid, paragraph in zip(article_ids, article["paragraphs"], strict=True):
            for qa in paragraph["qas"]:
                answers = [a["text"] for a in qa.get("answers", []) if a.get("text")]
                if not answers:
                    continue
                items.append(Item("cmrc", qa["question"], [pid], "answerable"))
                # Near miss: the rest of the article stays; only when no other paragraph holds the answer.
                others = [t for other, t in texts.items() if other != pid]
                if len(article_ids) > 1 and not any(a in t for a in answers for t in others):
                    items.append(Item("cmrc", qa["question"], [], "near", frozenset([pid])))
                items.append(Item("cmrc", qa["question"], [], "off", frozenset(article_ids)))
    all_texts = [d.body for d in docs]
    # Off-topic only if no paragraph outside the article holds the answer either.
    answer_of = {}
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answer_of[qa["question"]] = [a["text"] for a in qa.get("answers", []) if a.get("text")]
    items = [
        i
        for i in items
        if i.kind != "off" or sum(any(a in t for a in answer_of.get(i.question, [])) for t in all_texts) <= 1
    ]
    return docs, items


@contextmanager
def _services(settings: Settings, work_dir: Path | None, name: str) -> Iterator[Services]:
    with tempfile.TemporaryDirectory(prefix=f"prbot-calibrate-{name}-") as tmp:
        data_dir = (work_dir / name) if work_dir else Path(tmp)
        svc = build_services(
            settings.model_copy(update={"data_dir": data_dir, "database_url": None, "chroma_url": None}),
            use_configured_chat_model=False,
        )
        try:
            yield svc
        finally:
            svc.engine.dispose()


def evidence(svc: Services, items: list[Item]) -> None:
    """Features of the top document, for fitting."""
    for item in items:
        item.lang = msg.detect_language(item.question)
        result = svc.retriever.search(item.question, exclude=item.exclude)
        if result.hits:
            top = result.hits[0]
            item.top = top.id
            item.features = relevance.features(top, item.lang, scoped=False)


def answer_all(svc: Services, items: list[Item], weights: dict[str, float] | None, held: bool) -> None:
    """Each question answered as users see it, with ``weights`` (None: the shipped ones)."""
    svc.answerer.weights = weights
    try:
        for item in items:
            answer = svc.answerer.answer(item.question, lang=item.lang, exclude=item.exclude)
            cited = [_doc_id(c.id) for c in answer.citations]
            if held:
                item.held_outcome, item.held_cited = answer.outcome, cited
            else:
                item.outcome, item.cited = answer.outcome, cited
    finally:
        svc.answerer.weights = None


def collect(
    settings: Settings,
    questions_file: Path,
    library: Path,
    prlib: Path | None,
    squad: Path | None,
    work_dir: Path | None,
    seen: bool = True,
    fit: bool = False,
) -> list[Item]:
    """Index each set, gather its evidence, then (with ``seen``) answer it as users see it, and (with
    ``fit``) again with weights fitted on the other sets only."""
    console = Console(stderr=True)
    sets: list[tuple[str, Callable[[Services], list[Item]]]] = [
        ("demo", lambda svc: _index_demo(svc, questions_file, library))
    ]
    if prlib is not None:
        sets.append(("prlib", lambda svc: _index_prlib(svc, prlib)))
    if squad is not None:
        sets.append(("cmrc", lambda svc: _index_squad(svc, squad)))
    with ExitStack() as stack:
        services: dict[str, Services] = {}
        by_set: dict[str, list[Item]] = {}
        for name, index in sets:
            console.print(f"{name}: indexing …")
            services[name] = stack.enter_context(_services(settings, work_dir, name))
            by_set[name] = index(services[name])
            evidence(services[name], by_set[name])
        items = [i for group in by_set.values() for i in group]
        for name, group in by_set.items():
            if seen:
                console.print(f"{name}: answering {len(group)} questions …")
                answer_all(services[name], group, None, held=False)
            others = [i for i in items if i.set != name]
            if fit and others:
                answer_all(services[name], group, fit_weights(others), held=True)
    return items


def _index_demo(svc: Services, questions_file: Path, library: Path) -> list[Item]:
    svc.ingestor.ingest([library])
    return demo_items(questions_file)


def _index_prlib(svc: Services, root: Path) -> list[Item]:
    svc.ingestor.ingest([root / "corpus"])
    return prlib_items(root)


def _index_squad(svc: Services, path: Path) -> list[Item]:
    docs, items = squad_items(path)
    svc.ingestor.index_documents(docs)
    return items


def _doc_id(citation_id: str) -> str:
    """A chunk-suffixed id (case-101#3) as its document's id."""
    match = _ID.search(citation_id)
    return match.group(0) if match else citation_id


def seen_table(items: list[Item], held: bool = False) -> list[dict[str, object]]:
    """What users see, per set and language; with ``held``, the held-out answers beside them."""
    groups: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        groups[(item.set, item.lang)].append(item)
    rows = []
    for (set_name, lang), group in sorted(groups.items()):
        answerable = [i for i in group if i.kind == "answerable"]
        near = [i for i in group if i.kind == "near"]
        off = [i for i in group if i.kind == "off"]
        confident = [i for i in answerable if i.outcome == "confident"]
        rows.append(
            {
                "set": set_name,
                "lang": lang,
                "answerable": len(answerable),
                "hit@1": _share(sum(bool(i.cited) and i.cited[0] in i.expect for i in confident), len(answerable)),
                "declined": _share(sum(i.outcome != "confident" for i in answerable), len(answerable)),
                "closest": _share(sum(i.outcome == "closest" for i in answerable), len(answerable)),
                "near": len(near),
                "near_answered": _share(sum(i.outcome == "confident" for i in near), len(near)),
                "off": len(off),
                "off_answered": _share(sum(i.outcome == "confident" for i in off), len(off)),
            }
        )
        if held:
            rows[-1].update(
                {
                    "held: hit@1": _share(
                        sum(
                            i.held_outcome == "confident" and bool(i.held_cited) and i.held_cited[0] in i.expect
                            for i in answerable
                        ),
                        len(answerable),
                    ),
                    "held: declined": _share(sum(i.held_outcome != "confident" for i in answerable), len(answerable)),
                    "held: near ans.": _share(sum(i.held_outcome == "confident" for i in near), len(near)),
                    "held: off ans.": _share(sum(i.held_outcome == "confident" for i in off), len(off)),
                }
            )
    return rows


def _share(count: int, total: int) -> float | None:
    return round(count / total, 3) if total else None


def _label(item: Item) -> int:
    return int(item.kind == "answerable" and item.top in item.expect)


def fit_weights(items: list[Item]) -> dict[str, float]:
    usable = [i for i in items if i.features]
    per_set: defaultdict[tuple[str, int], int] = defaultdict(int)
    for i in usable:
        per_set[(i.set, _label(i))] += 1
    # Each set counts equally, and within a set answerable and unanswerable evidence count equally.
    weights = [1.0 / (2 * per_set[(i.set, _label(i))]) for i in usable]
    return relevance.fit([i.features for i in usable], [_label(i) for i in usable], weights)


def run(
    questions_file: Path = DEFAULT_QUESTIONS,
    library: Path = DEMO_LIBRARY,
    as_json: bool = False,
    settings: Settings | None = None,
    prlib: Path | None = None,
    squad: Path | None = None,
    fit: bool = False,
    work_dir: Path | None = None,
    dump: Path | None = None,
    seen: bool = True,
) -> dict:
    items = collect(settings or Settings(), questions_file, library, prlib, squad, work_dir, seen, fit)
    if dump is not None:
        dump.write_text(
            "\n".join(json.dumps(i.__dict__, ensure_ascii=False, default=sorted) for i in items), encoding="utf-8"
        )
    result: dict[str, object] = {"seen": seen_table(items, held=fit)}
    if fit:
        result["weights"] = fit_weights(items)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return result
    console = Console(width=200)
    title = "what users see (shipped relevance model"
    title += "; held: weights fitted on the other sets only)" if fit else ")"
    _print(console, title, result["seen"])  # type: ignore[arg-type]
    if fit:
        console.print("weights fitted on all sets:", json.dumps(result["weights"]))
    return result


def _print(console: Console, title: str, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    table = Table(title=title)
    for column in rows[0]:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*["–" if v is None else str(v) for v in row.values()])
    console.print(table)
