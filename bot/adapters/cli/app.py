"""The ``prbot`` command line (typer). Every command builds the app from settings, then calls handlers."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot import messages as msg
from bot.adapters.cli import log_file as cli_logging
from bot.adapters.cli import run as run_cli
from bot.adapters.cli.changes import Terminal
from bot.adapters.cli.changes import register as register_changes
from bot.adapters.cli.context import (
    State,
    cli_user,
    console,
    err,
    guarded_services,
    load_settings,
    run_registry_command,
    services,
)
from bot.adapters.cli.draft import register as register_drafting
from bot.adapters.cli.drills import register as register_drills
from bot.adapters.cli.registry import add_commands, describe
from bot.adapters.cli.watch import register as register_watch
from bot.command_classes import command_classes
from bot.core import UserError, new_reference

if TYPE_CHECKING:  # the app graph is imported only when a command runs, so --help stays quick
    from bot.app import Services
    from knowledge.library.ingest import IngestReport

_app = typer.Typer(
    help="公关助手 prbot: answers from the case library with citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: no type labels such as <bool> beside every flag
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
_app.add_typer(db_app, name="db")
run_cli.register(_app)  # prbot run
register_drafting(_app)  # prbot note submit, notes stats
register_drills(_app)  # prbot drill …, prbot incident … (their --lang)
register_watch(_app)  # prbot watch import|replay|poll, prbot kpi

DEMO_LIBRARY = Path(__file__).resolve().parents[3] / "demo" / "library"
DEMO_QUESTIONS = (
    "有没有金融行业用智能客服降本的案例？",
    "Do we have a hospital case?",
    "2023年制造业有哪些案例？",
)


@_app.callback()
def _options(
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Database, Chroma store and caches (PRBOT_DATA_DIR, default ./data)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    State.data_dir = data_dir
    State.log_path = cli_logging.configure(data_dir, verbose)


# ---- ingest ------------------------------------------------------------------------------------


@_app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of the library (searched recursively).")],
    prune: Annotated[bool, typer.Option(help="Remove documents whose files are gone.")] = False,
) -> None:
    """Index library files: Markdown, CSV/XLSX tables, txt, DOCX, PDF. Unchanged files are skipped."""
    with services(capabilities=False) as svc:
        report = run_ingest(svc, paths, prune)
    print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def run_ingest(svc: Services, paths: list[Path], prune: bool = False) -> IngestReport:
    report = _ingest_with_progress(svc, paths, prune)
    # The relevance profile of a changed library is measured here (a few seconds of self-questions),
    # not on the first question someone asks; an unchanged library keeps its stored one.
    svc.retriever.profile()
    return report


def _ingest_with_progress(svc: Services, paths: list[Path], prune: bool) -> IngestReport:
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


@_app.command()
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
    from bot.adapters.terminal import render
    from handlers.ask.service import AskService

    with services(capabilities=False) as svc:
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


@_app.command()
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


@_app.command()
def demo(
    interactive: Annotated[
        bool | None, typer.Option(help="Open the chat (default: when a terminal is attached).")
    ] = None,
) -> None:
    """Index the bundled demo library (first run), then chat; without a terminal, answer three samples."""
    from bot.adapters.cli.console import ConsoleChat
    from bot.adapters.terminal import render

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


# ---- commands generated from the registry -------------------------------------------------------


# prbot cr import|export, prbot digest chart; handed what they need from here.
register_changes(
    _app,
    Terminal(guarded_services, cli_user, lambda text: err.print(text, highlight=False, markup=False, soft_wrap=True)),
)
# The commands written here are cheap to declare; the registry's (every chat command, e.g. prbot cr
# add) and the plug-ins (prbot bench) import every capability's declarations, so they are added only
# when the command line needs them: a one-shot `prbot ask` does not pay for them.
_complete = False
_WRITTEN_HERE = {(c.name or c.callback.__name__).replace("_", "-") for c in _app.registered_commands if c.callback} | {
    "db"
}


def complete() -> typer.Typer:
    """The whole command line: the commands written here, the registry's and the plug-ins'."""
    global _complete
    if not _complete:
        _complete = True
        add_commands(_app, describe(command_classes()), run_registry_command)
        _add_plugins()
    return _app


def _add_plugins() -> None:
    """Command groups other packages plug in (``prbot bench`` from the benchmarks) by entry point."""
    from importlib.metadata import entry_points

    for plugin in entry_points(group="prbot.cli"):
        _app.add_typer(plugin.load(), name=plugin.name)


def _written_here_only(argv: list[str]) -> bool:
    """Whether the command named on the line is one of this module's own (ask, ingest, chat …)."""
    words = iter(argv)
    for word in words:
        if word == "--data-dir":
            next(words, None)
        elif not word.startswith("-"):
            return word in _WRITTEN_HERE
    return False  # --help or nothing: the whole list


def __getattr__(name: str) -> object:
    if name == "app":  # importers (tests, tools) get the whole command line
        return complete()
    raise AttributeError(name)


def main() -> None:
    try:
        (_app if _written_here_only(sys.argv[1:]) else complete())()
    except Exception:
        # Anything unexpected: log the trace with a reference, show the user only the reference.
        ref = new_reference()
        if State.log_path is None:
            State.log_path = cli_logging.configure(State.data_dir, verbose=False)
        logging.getLogger("prbot").exception("unexpected failure ref=%s", ref)
        err.print(msg.t("internal_error", "zh", ref=ref) + f"（{State.log_path}）", highlight=False, markup=False)
        sys.exit(1)
