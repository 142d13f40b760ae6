"""The ``prbot`` command line (typer). Every command builds the app from settings, then calls handlers."""

from __future__ import annotations

import getpass
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot import messages as msg
from bot.adapters.cli import log_file as cli_logging
from bot.adapters.cli import run as run_cli
from bot.adapters.cli.changes import Terminal
from bot.adapters.cli.changes import register as register_changes
from bot.adapters.cli.draft import register as register_drafting
from bot.adapters.cli.drills import register as register_drills
from bot.adapters.cli.registry import add_commands, describe
from bot.adapters.cli.watch import register as register_watch
from bot.command_classes import command_classes
from bot.core import UserError, new_reference
from bot.settings import Settings

if TYPE_CHECKING:  # the app graph is imported only when a command runs, so --help stays quick
    from bot.app import Services
    from knowledge.ingest import IngestReport

app = typer.Typer(
    help="公关助手 prbot: answers from the case library with citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: no type labels such as <bool> beside every flag
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks (run on purpose; they print figures).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(bench_app, name="bench")
run_cli.register(app)  # prbot run, prbot bench slack
register_drafting(app)  # prbot draft …, check, personas, note …, notes stats, bench drafting
register_drills(app)  # prbot drill …, prbot incident …, prbot bench incidents
register_watch(app)  # prbot watch …, prbot kpi, prbot case used-in-bid, prbot bench watch

T = TypeVar("T")
console = Console(soft_wrap=True)  # a pipe or CI log gets whole lines, not 80-column cuts
err = Console(stderr=True, soft_wrap=True)
DEMO_LIBRARY = Path(__file__).resolve().parents[3] / "demo" / "library"
DEMO_QUESTIONS = (
    "有没有金融行业用智能客服降本的案例？",
    "Do we have a hospital case?",
    "2023年制造业有哪些案例？",
)


class State:
    data_dir: Path | None = None
    log_path: Path | None = None


@app.callback()
def _options(
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Database, Chroma store and caches (PRBOT_DATA_DIR, default ./data)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    State.data_dir = data_dir
    State.log_path = cli_logging.configure(data_dir, verbose)


def load_settings() -> Settings:
    try:
        settings = Settings()
    except SettingsError as exc:
        # A value that is not valid JSON where a list or table is expected (PRBOT_ROLES_MANAGERS …).
        err.print(f"[red]设置有误 / invalid setting:[/red] {_setting_name(exc)}", highlight=False)
        raise typer.Exit(2) from None
    except ValidationError as exc:
        # Name the setting and what was wrong, never the value (it may be a secret).
        problems = "; ".join(f"PRBOT_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors())
        err.print(f"[red]设置有误 / invalid setting:[/red] {problems}", highlight=False)
        raise typer.Exit(2) from None
    if State.data_dir is not None:
        settings.data_dir = State.data_dir
    return settings


def _setting_name(exc: SettingsError) -> str:
    """pydantic-settings says 'error parsing value for field "roles" from source …'; name the setting."""
    import re

    found = re.search(r'field "([^"]+)"', str(exc))
    name = f"PRBOT_{found[1].upper()}_*" if found else "PRBOT_*"
    return f'{name}: 不是有效的 JSON 值 / not a valid JSON value (lists and tables are JSON, e.g. ["slack:U1"])'


@contextmanager
def services() -> Iterator[Services]:
    """Build the app; configuration problems become one clear line and exit code 2."""
    from bot.app import ConfigError, build_services
    from knowledge.embed import EmbeddingError
    from knowledge.vectors import VectorStoreError
    from storage.db import DatabaseError

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
    if not err.is_terminal:
        return svc.ingestor.ingest(paths, prune=prune, progress=_progress_lines())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("", total=None)

        def on_progress(doc_id: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, description=doc_id)

        return svc.ingestor.ingest(paths, prune=prune, progress=on_progress)


def _progress_lines(every_s: float = 5.0) -> Callable[[str, int, int], None]:
    """Without a terminal (CI, a pipe, a container log) a line every few seconds instead of a bar,
    so a long first indexing never looks stuck."""
    import time

    last = [0.0, -1.0]  # when the last line was printed, and at which count

    def on_progress(doc_id: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done != last[1] and (now - last[0] >= every_s or done == total):
            last[0], last[1] = now, done
            err.print(f"索引 / indexing {done}/{total} {doc_id}", highlight=False, markup=False)

    return on_progress


def print_report(report: IngestReport) -> None:
    console.print(
        f"新增 added {len(report.added)} · 更新 updated {len(report.updated)} · 未变 unchanged "
        f"{len(report.unchanged)} · 删除 removed {len(report.removed)} · 失败 failed {len(report.failed)}"
        f"  ({report.chunks_embedded} chunks embedded, {report.seconds:.1f}s)",
        highlight=False,
    )
    for path, reason in report.failed:
        err.print(f"[red]✗[/red] {path}: {reason}", highlight=False)
    for path, reason in report.skipped:
        err.print(f"[yellow]—[/yellow] {path}: {reason}", highlight=False)


# ---- ask ---------------------------------------------------------------------------------------


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, or - to read one question per line from stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON object(s) of the contract.")] = False,
    k: Annotated[
        int | None, typer.Option("--k", help="How many documents an answer may cite (1-10); a list names every match.")
    ] = None,
    filters: Annotated[
        list[str] | None,
        typer.Option("--filter", help="key=value; keys: type, industry, year, products, tags, customer. Repeatable."),
    ] = None,
) -> None:
    """Answer a question from the library, with citations."""
    from bot.adapters.cli.console import render
    from handlers.ask.service import AskService

    with services() as svc:
        service = AskService(svc.answerer, svc.settings.retrieval)
        questions = _stdin_questions() if question == "-" else iter([question])
        status = 0
        for item in questions:
            text = "" if isinstance(item, UserError) else item
            try:
                if isinstance(item, UserError):
                    raise item
                reply = service.ask(text, k=k, filter_pairs=filters or [])
            except UserError as exc:
                if question != "-":
                    err.print(str(exc), highlight=False)
                    raise typer.Exit(2) from None
                _write_error(text, str(exc))
                status = 1
                continue
            except Exception:
                if question != "-":
                    raise
                ref = new_reference()  # one broken question must not stop the stream
                logging.getLogger("prbot").exception("ask failed ref=%s", ref)
                _write_error(text, msg.t("internal_error", "zh", ref=ref))
                status = 1
                continue
            if as_json:
                sys.stdout.write(json.dumps(reply.data["answer"], ensure_ascii=False) + "\n")
                sys.stdout.flush()
            else:
                console.print(render(reply), highlight=False, markup=False)
        if status:
            raise typer.Exit(status)


def _write_error(question: str, error: str) -> None:
    sys.stdout.write(json.dumps({"question": question, "error": error}, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _stdin_questions() -> Iterator[str | UserError]:
    """One question per line, bytes decoded here: a line that is not UTF-8, or blank, becomes an
    error object in its place, so answers keep lining up with questions."""
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            yield UserError(f"第 {number} 行不是 UTF-8 文本 / line {number} is not UTF-8 text")
            continue
        yield line if line.strip() else UserError(f"第 {number} 行是空的 / line {number} is empty")


# ---- chat and demo -----------------------------------------------------------------------------


@app.command()
def chat(
    as_json: Annotated[
        bool, typer.Option("--json", help="One message per stdin line in, one JSON object per reply out.")
    ] = False,
) -> None:
    """A terminal conversation with the bot (the same router Slack and Feishu use)."""
    from bot.adapters.cli.console import ConsoleChat

    if as_json:
        from bot.adapters.cli import chat_json

        with services() as svc:
            status = chat_json.run(svc.router, sys.stdin, lambda s: print(s, flush=True), cli_user(svc.settings))
        raise typer.Exit(status)
    with services() as svc:
        if svc.retriever.document_count == 0:
            err.print("资料库还是空的 / the library is empty: run `prbot ingest PATH` first (or `prbot demo`).")
        output = lambda s: console.print(s, highlight=False, markup=False)  # noqa: E731
        ConsoleChat(svc.router, user_id=cli_user(svc.settings), output=output).loop()


@app.command()
def demo(
    interactive: Annotated[
        bool | None, typer.Option(help="Open the chat (default: when a terminal is attached).")
    ] = None,
) -> None:
    """Index the bundled demo library (first run), then chat; without a terminal, answer three samples."""
    from bot.adapters.cli.console import ConsoleChat, render

    with services() as svc:
        library = svc.settings.demo_library or DEMO_LIBRARY
        if not library.is_dir():
            err.print(f"找不到演示资料库 / demo library not found at {library}; set PRBOT_DEMO_LIBRARY")
            raise typer.Exit(2)
        report = run_ingest(svc, [library])
        print_report(report)
        if not report.ok:
            raise typer.Exit(1)
        output = lambda s: console.print(s, highlight=False, markup=False)  # noqa: E731
        chat_loop = ConsoleChat(svc.router, user_id=cli_user(svc.settings), output=output)
        if interactive if interactive is not None else sys.stdin.isatty():
            chat_loop.loop()
            return
        for question in DEMO_QUESTIONS:
            console.print(f"\n[bold]问 / Q:[/bold] {question}", highlight=False)
            console.print(render(chat_loop.send(question)), highlight=False, markup=False)


# ---- maintenance and benchmarks ----------------------------------------------------------------


@db_app.command("check")
def db_check() -> None:
    """Fail if the tables and the migrations disagree: on a scratch database and on the configured one
    (which is brought to the newest migrations first, as the bot does at start)."""
    from alembic.util.exc import AutogenerateDiffsDetected

    from storage.db import DatabaseError, check_database

    settings = load_settings()
    try:
        summary = check_database(settings.resolved_database_url)
    except DatabaseError as exc:
        err.print(f"[red]错误 / error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    except AutogenerateDiffsDetected as exc:
        err.print(f"[red]表结构与迁移不一致 / the tables and the migrations disagree:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None
    console.print(summary, highlight=False)


@bench_app.command("faults")
def bench_faults(
    posts: Annotated[int, typer.Option(help="Scheduled posts per crash point.")] = 40,
    lease: Annotated[float, typer.Option(help="Claim lease in seconds (short, so recovery is quick).")] = 5.0,
    backend: Annotated[
        str | None, typer.Option(help="postgresql or sqlite (default: PostgreSQL where reachable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Two replica processes, one killed with SIGKILL at each crash point: posts delivered, duplicated,
    lost, and the worst recovery time. Uses its own scratch database, never a configured one."""
    from bench.faults import run

    run(posts, lease, as_json=as_json, backend=backend)


@bench_app.command("retrieval")
def bench_retrieval(
    squad: Annotated[Path, typer.Option(help="A SQuAD-format JSON file, e.g. ../shared/bench/cmrc2018_trial.json")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    bm25_weight: Annotated[float | None, typer.Option(help="Override the fusion weight.")] = None,
) -> None:
    """Recall@k, MRR, answer-hit, ingest throughput, latency and memory on a SQuAD-format file."""
    from bench.retrieval import run

    if not squad.is_file():
        err.print(
            f"找不到数据集 / no data set at {squad}: the CMRC 2018 trial set (SQuAD format, CC BY-SA 4.0) "
            "is read in place from the shared bench folder (../shared/bench/cmrc2018_trial.json); "
            "pass its path with --squad.",
            highlight=False,
        )
        raise typer.Exit(2)

    run(squad, as_json=as_json, limit=limit, bm25_weight=bm25_weight, settings=load_settings())


@bench_app.command("calibrate")
def bench_calibrate(
    questions: Annotated[Path | None, typer.Option(help="Labelled questions (YAML); default: the demo set.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    prlib: Annotated[Path | None, typer.Option(help="A labelled dev library: corpus/ + questions.jsonl.")] = None,
    squad: Annotated[Path | None, typer.Option(help="A SQuAD-format file, e.g. CMRC 2018 trial.")] = None,
    fit: Annotated[bool, typer.Option(help="Fit the relevance model; check it leave-one-set-out.")] = False,
) -> None:
    """How well the bot cites or declines on labelled answerable and unanswerable questions."""
    from bench.calibrate import DEFAULT_QUESTIONS, run

    run(questions or DEFAULT_QUESTIONS, as_json=as_json, settings=load_settings(), prlib=prlib, squad=squad, fit=fit)


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


# ---- commands generated from the registry -------------------------------------------------------


@contextmanager
def notifying_services() -> Iterator[Services]:
    """The app, able to post: the platforms configured in settings, and the terminal (stderr)."""
    from bot.adapters.cli.console import ConsoleNotifier

    with services() as svc:
        # Posts to console channels go to stderr, so stdout holds only the reply (no message twice).
        svc.notifiers["console"] = ConsoleNotifier(output=lambda text: err.print(text, highlight=False, markup=False))
        from bot.adapters.notify import build_notifiers

        for name, notifier in build_notifiers(svc.settings).items():
            svc.notifiers.setdefault(name, notifier)
        yield svc


def run_registry_command(
    full_name: str, values: dict[str, object], as_user: str | None, _parent_lang: str | None, as_json: bool
) -> None:
    """A registry command from the terminal: the same handler and reply as in chat, as the terminal user."""
    from dataclasses import replace

    from bot import messages as msg
    from bot.adapters.cli.console import render
    from bot.adapters.cli.registry import emit, run_spec
    from bot.core import Request

    with notifying_services() as svc:
        user = cli_user(svc.settings, as_user)
        request = Request(text=full_name, user_id=user, platform="console", channel_id="cli")
        spec = svc.router.registry.get(full_name)
        if spec is not None and spec.effects and not svc.settings.roles.managers:
            err.print(msg.t("operator_note", "zh"), highlight=False, markup=False, soft_wrap=True)
        try:
            reply = run_spec(svc.router.registry, full_name, request, dict(values))
        except UserError as exc:
            err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(2) from None
        # Nothing can be clicked in a one-shot command's output.
        code = emit(replace(reply, buttons=[]), as_json, render)
    if code:
        raise typer.Exit(code)


# prbot cr import|export, prbot digest chart, prbot bench digest; handed what they need from here.
register_changes(
    app,
    Terminal(guarded_services, cli_user, lambda text: err.print(text, highlight=False, markup=False, soft_wrap=True)),
)
add_commands(app, describe(command_classes()), run_registry_command)  # every chat command, e.g. prbot cr add


def main() -> None:
    try:
        app()
    except Exception:
        # Anything unexpected: log the trace with a reference, show the user only the reference.
        ref = new_reference()
        if State.log_path is None:
            State.log_path = cli_logging.configure(State.data_dir, verbose=False)
        logging.getLogger("prbot").exception("unexpected failure ref=%s", ref)
        err.print(msg.t("internal_error", "zh", ref=ref) + f"（{State.log_path}）", highlight=False, markup=False)
        sys.exit(1)
