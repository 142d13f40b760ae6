"""The ``prbot`` command line (typer). Every command builds the app from settings, then calls handlers."""

from __future__ import annotations

import getpass
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.adapters import run_cli
from bot.adapters.cli_changes import register as register_changes
from bot.adapters.cli_draft import register as register_drafting
from bot.adapters.cli_drills import register as register_drills
from bot.app import ConfigError, Services, build_services
from bot.core import UserError
from bot.settings import Settings
from knowledge.embed import EmbeddingError
from knowledge.ingest import IngestReport
from knowledge.vectors import VectorStoreError
from storage.db import DatabaseError

app = typer.Typer(
    help="公关助手 prbot: answers from the case library with citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks (run on purpose; they print figures).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(bench_app, name="bench")
run_cli.register(app)  # prbot run, prbot bench slack
register_changes(app)  # prbot cr …, prbot digest, prbot bench digest
register_drafting(app)  # prbot draft …, check, personas, note …, notes stats, bench drafting
register_drills(app)  # prbot drill …, prbot incident …, prbot bench incidents

T = TypeVar("T")
console = Console()
err = Console(stderr=True)
DEMO_LIBRARY = Path(__file__).resolve().parents[2] / "demo" / "library"
DEMO_QUESTIONS = (
    "有没有金融行业用智能客服降本的案例？",
    "Do we have a hospital case?",
    "2023年制造业有哪些案例？",
)


class State:
    data_dir: Path | None = None


@app.callback()
def _options(
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Database, Chroma store and caches (PRBOT_DATA_DIR, default ./data)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    State.data_dir = data_dir
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


def load_settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        # Name the setting and what was wrong, never the value (it may be a secret).
        problems = "; ".join(f"PRBOT_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors())
        err.print(f"[red]设置有误 / invalid setting:[/red] {problems}", highlight=False)
        raise typer.Exit(2) from None
    if State.data_dir is not None:
        settings.data_dir = State.data_dir
    return settings


@contextmanager
def services() -> Iterator[Services]:
    """Build the app; configuration problems become one clear line and exit code 2."""
    try:
        yield build_services(load_settings())
    except (ConfigError, DatabaseError, VectorStoreError, EmbeddingError) as exc:
        err.print(f"[red]错误 / error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


def cli_user(settings: Settings, as_user: str | None = None) -> str:
    """Who is typing: ``--as USER``, else PRBOT_CLI_USER, else ``cli:`` + the OS user (roles match on it)."""
    return as_user or settings.cli_user or f"cli:{getpass.getuser()}"


@contextmanager
def guarded_services() -> Iterator[tuple[Services, Callable[[Callable[[], T]], T]]]:
    """The app's services and a runner that turns a ``UserError`` into one clear line and exit code 2."""

    def attempt(action: Callable[[], T]) -> T:
        try:
            return action()
        except UserError as exc:
            err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(2) from None

    with services() as svc:
        yield svc, attempt


# ---- ingest ------------------------------------------------------------------------------------


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of the library (searched recursively).")],
    prune: Annotated[bool, typer.Option(help="Remove documents whose files are gone.")] = False,
) -> None:
    """Index library files: Markdown, CSV/XLSX tables, txt, DOCX, PDF. Unchanged files are skipped."""
    with services() as svc:
        report = run_ingest(svc, paths, prune)
    print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def run_ingest(svc: Services, paths: list[Path], prune: bool = False) -> IngestReport:
    columns = (
        TextColumn("[bold]索引 / indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("", total=None)

        def on_progress(doc_id: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, description=doc_id)

        return svc.ingestor.ingest(paths, prune=prune, progress=on_progress)


def print_report(report: IngestReport) -> None:
    console.print(
        f"新增 added {len(report.added)} · 更新 updated {len(report.updated)} · 未变 unchanged "
        f"{len(report.unchanged)} · 删除 removed {len(report.removed)} · 失败 failed {len(report.failed)}"
        f"  ({report.chunks_embedded} chunks embedded, {report.seconds:.1f}s)",
        highlight=False,
    )
    for path, reason in report.failed:
        err.print(f"[red]✗[/red] {path}: {reason}", highlight=False)


# ---- ask ---------------------------------------------------------------------------------------


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, or - to read one question per line from stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON object(s) of the contract.")] = False,
    k: Annotated[int | None, typer.Option("--k", help="How many documents to cite (1-10).")] = None,
    filters: Annotated[
        list[str] | None,
        typer.Option("--filter", help="key=value; keys: type, industry, year, products, tags. Repeatable."),
    ] = None,
) -> None:
    """Answer a question from the library, with citations."""
    from bot.adapters.console import render
    from handlers.ask import AskService

    with services() as svc:
        service = AskService(svc.answerer, svc.settings.retrieval)
        questions = _stdin_questions() if question == "-" else iter([question])
        status = 0
        for text in questions:
            try:
                reply = service.ask(text, k=k, filter_pairs=filters or [])
            except UserError as exc:
                if question != "-":
                    err.print(str(exc), highlight=False)
                    raise typer.Exit(2) from None
                reply_json = {"question": text, "error": str(exc)}
                status = 1
                sys.stdout.write(json.dumps(reply_json, ensure_ascii=False) + "\n")
                sys.stdout.flush()
                continue
            if as_json:
                sys.stdout.write(json.dumps(reply.data["answer"], ensure_ascii=False) + "\n")
                sys.stdout.flush()
            else:
                console.print(render(reply), highlight=False, markup=False)
        if status:
            raise typer.Exit(status)


def _stdin_questions() -> Iterator[str]:
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line.strip():
            yield line


# ---- chat and demo -----------------------------------------------------------------------------


@app.command()
def chat(
    as_json: Annotated[
        bool, typer.Option("--json", help="One message per stdin line in, one JSON object per reply out.")
    ] = False,
) -> None:
    """A terminal conversation with the bot (the same router Slack and Feishu use)."""
    from bot.adapters.console import ConsoleChat

    if as_json:
        from bot.adapters import chat_json

        with services() as svc:
            status = chat_json.run(svc.router, sys.stdin, lambda s: print(s, flush=True), cli_user(svc.settings))
        raise typer.Exit(status)
    with services() as svc:
        if svc.retriever.document_count == 0:
            err.print("资料库还是空的 / the library is empty: run `prbot ingest PATH` first (or `prbot demo`).")
        ConsoleChat(svc.router, output=lambda s: console.print(s, highlight=False, markup=False)).loop()


@app.command()
def demo(
    interactive: Annotated[
        bool | None, typer.Option(help="Open the chat (default: when a terminal is attached).")
    ] = None,
) -> None:
    """Index the bundled demo library (first run), then chat; without a terminal, answer three samples."""
    from bot.adapters.console import ConsoleChat, render

    with services() as svc:
        library = svc.settings.demo_library or DEMO_LIBRARY
        if not library.is_dir():
            err.print(f"找不到演示资料库 / demo library not found at {library}; set PRBOT_DEMO_LIBRARY")
            raise typer.Exit(2)
        report = run_ingest(svc, [library])
        print_report(report)
        if not report.ok:
            raise typer.Exit(1)
        chat_loop = ConsoleChat(svc.router, output=lambda s: console.print(s, highlight=False, markup=False))
        if interactive if interactive is not None else sys.stdin.isatty():
            chat_loop.loop()
            return
        for question in DEMO_QUESTIONS:
            console.print(f"\n[bold]问 / Q:[/bold] {question}", highlight=False)
            console.print(render(chat_loop.send(question)), highlight=False, markup=False)


# ---- maintenance and benchmarks ----------------------------------------------------------------


@db_app.command("check")
def db_check() -> None:
    """Fail if the SQLModel tables and the Alembic migrations disagree."""
    import tempfile

    from storage.db import check_migrations

    with tempfile.TemporaryDirectory() as tmp:
        check_migrations(f"sqlite:///{tmp}/check.db")
    console.print("migrations match the models")


@bench_app.command("retrieval")
def bench_retrieval(
    squad: Annotated[Path, typer.Option(help="A SQuAD-format JSON file, e.g. ../shared/bench/cmrc2018_trial.json")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    bm25_weight: Annotated[float | None, typer.Option(help="Override the fusion weight.")] = None,
) -> None:
    """Recall@k, MRR, answer-hit, ingest throughput, latency and memory on a SQuAD-format file."""
    from bench.retrieval import run

    run(squad, as_json=as_json, limit=limit, bm25_weight=bm25_weight, settings=load_settings())


@bench_app.command("calibrate")
def bench_calibrate(
    questions: Annotated[Path | None, typer.Option(help="Labelled questions (YAML); default: the demo set.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """How well the bot cites or declines on labelled answerable and unanswerable questions."""
    from bench.calibrate import DEFAULT_QUESTIONS, run

    run(questions or DEFAULT_QUESTIONS, as_json=as_json, settings=load_settings())


@bench_app.command("conversation")
def bench_conversation(
    dataset: Annotated[Path, typer.Option(help="A folder with intents.jsonl, questions.jsonl and corpus/.")] = Path(
        "../shared/bench/prlib-dev"
    ),
    as_json: Annotated[bool, typer.Option("--json")] = False,
    index_dir: Annotated[
        Path | None, typer.Option(help="Keep the corpus index in this data dir between runs (default: a temp dir).")
    ] = None,
) -> None:
    """Routing accuracy, follow-up hit@3, list completeness and per-message latency, offline."""
    from bench.conversation import run

    run(dataset, as_json=as_json, settings=load_settings(), index_dir=index_dir)


@bench_app.command("scale")
def bench_scale(
    sizes: Annotated[str, typer.Option(help="Comma-separated chunk counts.")] = "10000,100000",
    queries: Annotated[int, typer.Option(help="Queries per size.")] = 200,
) -> None:
    """Query latency at large chunk counts (synthetic vectors, labelled so)."""
    from bench.scale import run

    run([int(s) for s in sizes.split(",")], queries)


def main() -> None:
    try:
        app()
    except Exception:
        # Anything unexpected: log the trace with a reference, show the user only the reference.
        from bot import messages as msg
        from bot.core import new_reference

        ref = new_reference()
        logging.getLogger("prbot").exception("unexpected failure ref=%s", ref)
        err.print(msg.t("internal_error", "zh", ref=ref))
        sys.exit(1)
