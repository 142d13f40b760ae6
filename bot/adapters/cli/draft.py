"""``prbot draft …``, ``prbot check``, ``prbot personas``, ``prbot note …``, ``prbot notes stats`` and
``prbot bench drafting``: the same services the chat commands use, with terminal options."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from bot.core import Reply, UserError

T = TypeVar("T")

draft_app = typer.Typer(
    help="起草文案 / draft headlines and summaries for a persona and a format.", no_args_is_help=True
)
note_app = typer.Typer(
    help="技术翻译笔记 / technical-translation notes: submit, review, publish.", no_args_is_help=True
)
notes_app = typer.Typer(help="技术翻译笔记统计 / note statistics.", no_args_is_help=True)

AsUser = Annotated[
    str | None, typer.Option("--as", help="Act as this user id (default PRBOT_CLI_USER, else cli:<OS user>).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
DEFAULT_CMRC = Path(__file__).resolve().parents[3] / "shared" / "bench" / "cmrc2018_trial.json"


def register(app: typer.Typer) -> None:
    app.add_typer(draft_app, name="draft")
    app.add_typer(note_app, name="note")
    app.add_typer(notes_app, name="notes")
    app.command("check")(check)
    app.command("personas")(personas)
    bench = next((g.typer_instance for g in app.registered_groups if g.name == "bench"), None)
    if bench is not None:
        bench.command("drafting")(bench_drafting)


def _session():  # type: ignore[no-untyped-def]
    from bot.adapters.cli.app import guarded_services

    return guarded_services()


def _user(svc: Any, as_user: str | None) -> str:
    from bot.adapters.cli.app import cli_user

    return cli_user(svc.settings, as_user)


def _print(reply: Reply, as_json: bool, key: str) -> None:
    from bot.adapters.cli.app import console
    from bot.adapters.terminal import render

    if as_json:
        sys.stdout.write(json.dumps(reply.data.get(key, {}), ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        console.print(render(reply), highlight=False, markup=False, soft_wrap=True)


def _read(path: Path | None, text: str | None) -> str:
    if path is not None:
        try:
            return path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"无法读取 {path} / cannot read {path}: {exc.__class__.__name__}") from None
    if text == "-":
        return sys.stdin.read()
    return text or ""


def _services_of(svc: Any) -> tuple[Any, Any]:
    from handlers.drafting.draft import DraftService
    from handlers.drafting.notes import NotesService

    drafts = DraftService(svc.engine, svc.settings, svc.chat_model)
    notes = NotesService(svc.engine, svc.settings, svc.chat_model, svc.ingestor)
    return drafts, notes


# ---- draft ----------------------------------------------------------------------------------------


def _draft(
    kind: str,
    text: str | None,
    file: Path | None,
    doc: str | None,
    persona: str | None,
    fmt: str | None,
    count: int,
    max_chars: int | None,
    pick: int | None,
    as_json: bool,
    as_user: str | None,
) -> None:
    from handlers.drafting.draft import DraftArgs
    from handlers.drafting.strings import t

    with _session() as (svc, attempt):
        drafts, _ = _services_of(svc)
        user = _user(svc, as_user)

        def run() -> Reply:
            if file is not None and (text or doc):
                raise UserError(t("draft_two_sources", "zh"))
            source = _read(file, text)
            if pick is not None and not source.strip() and not doc:
                return drafts.pick(user, pick, "zh")
            args = DraftArgs(kind, source, doc, persona, fmt, count, max_chars, pick)
            return drafts.draft(args, user, "console", "zh")

        reply = attempt(run)
        key = "pick" if "pick" in reply.data and "draft" not in reply.data else "draft"
        _print(reply, as_json, key)


Text = Annotated[str | None, typer.Argument(help="原文 / the source text ('-' reads stdin).")]
FileOpt = Annotated[Path | None, typer.Option("--file", help="Read the source from a file.")]
DocOpt = Annotated[str | None, typer.Option("--doc", help="A library document id, e.g. case-012.")]
PersonaOpt = Annotated[str | None, typer.Option("--persona", "-p", help="受众画像 (see `prbot personas`).")]
FormatOpt = Annotated[
    str | None, typer.Option("--format", "-f", help="微博, 新闻稿导语, 短视频脚本, 白皮书摘要, 图文, 朋友圈")
]
CountOpt = Annotated[int, typer.Option("--count", "-n", help="How many variants (1-20).")]
MaxOpt = Annotated[int | None, typer.Option("--max-chars", help="Length limit (the channel's limit still applies).")]
PickOpt = Annotated[
    int | None, typer.Option("--pick", help="Pick variant N (of this draft, or with no source of your last one).")
]


@draft_app.command("headline")
def draft_headline(
    text: Text = None,
    file: FileOpt = None,
    doc: DocOpt = None,
    persona: PersonaOpt = None,
    fmt: FormatOpt = None,
    count: CountOpt = 5,
    max_chars: MaxOpt = None,
    pick: PickOpt = None,
    as_json: AsJson = False,
    as_user: AsUser = None,
) -> None:
    """标题 / headline variants, fact- and compliance-checked."""
    _draft("headline", text, file, doc, persona, fmt, count, max_chars, pick, as_json, as_user)


@draft_app.command("summary")
def draft_summary(
    text: Text = None,
    file: FileOpt = None,
    doc: DocOpt = None,
    persona: PersonaOpt = None,
    fmt: FormatOpt = None,
    count: CountOpt = 5,
    max_chars: MaxOpt = None,
    pick: PickOpt = None,
    as_json: AsJson = False,
    as_user: AsUser = None,
) -> None:
    """摘要 / summary variants cut at sentence boundaries, fact- and compliance-checked."""
    _draft("summary", text, file, doc, persona, fmt, count, max_chars, pick, as_json, as_user)


@draft_app.command("pick")
def draft_pick(
    number: Annotated[int, typer.Argument(help="The variant number shown.")],
    batch: Annotated[str | None, typer.Option("--batch", help="A draft batch id (default: your last draft).")] = None,
    as_json: AsJson = False,
    as_user: AsUser = None,
) -> None:
    """Record which variant you chose (so `prbot draft stats` shows which styles win)."""
    with _session() as (svc, attempt):
        drafts, _ = _services_of(svc)
        reply = attempt(lambda: drafts.pick(_user(svc, as_user), number, "zh", batch_id=batch))
    _print(reply, as_json, "pick")


@draft_app.command("stats")
def draft_stats(as_json: AsJson = False) -> None:
    """Which personas and formats get picked."""
    with _session() as (svc, attempt):
        drafts, _ = _services_of(svc)
        reply = attempt(lambda: drafts.stats("zh"))
    _print(reply, as_json, "stats")


def check(
    text: Text = None,
    file: FileOpt = None,
    fmt: FormatOpt = None,
    as_json: AsJson = False,
) -> None:
    """检查文案 / check copy for absolute claims (广告法第九条) and the team's banned words."""
    with _session() as (svc, attempt):
        drafts, _ = _services_of(svc)
        reply = attempt(lambda: drafts.check(_read(file, text), fmt, "zh"))
    _print(reply, as_json, "check")
    if reply.data.get("check", {}).get("flagged"):  # a claim or the length: decided by the service
        raise typer.Exit(1)


def personas(
    name: Annotated[str | None, typer.Argument(help="Show one persona in full.")] = None,
    as_json: AsJson = False,
) -> None:
    """受众画像 / list the audience personas (bundled and the team's own file)."""
    from bot.adapters.cli.app import console
    from handlers.drafting.draft import persona_card

    with _session() as (svc, attempt):
        drafts, _ = _services_of(svc)
        if name:
            persona = attempt(lambda: drafts.persona(name, "zh"))
            console.print(persona_card(persona), highlight=False, markup=False)
            return
        if as_json:
            sys.stdout.write(json.dumps(attempt(drafts.personas_json), ensure_ascii=False, indent=2) + "\n")
        else:
            console.print(attempt(lambda: drafts.personas_text("zh")), highlight=False, markup=False)


# ---- notes ----------------------------------------------------------------------------------------


@note_app.command("submit")
def note_submit(
    file: Annotated[
        Path | None, typer.Option("--file", help="A note file (FORMATS.md note format, ## 技术原理解读 required).")
    ] = None,
    as_json: AsJson = False,
    as_user: AsUser = None,
) -> None:
    """Submit 技术原理解读; the bot drafts 用户价值说明. Without --file, asks field by field."""
    with _session() as (svc, attempt):
        _, notes = _services_of(svc)
        user = _user(svc, as_user)
        if file is not None:
            reply = attempt(lambda: notes.submit_file(file, user))
        else:
            form = notes.submit_form("zh").form
            values = {f.name: typer.prompt(f.label) for f in form.fields}
            reply = attempt(lambda: notes.submit(values["title"], values["technology"], values["technical"], user))
    _print(reply, as_json, "note")


@note_app.command("edit")
def note_edit(
    ref: Annotated[str, typer.Argument(help="Note id, e.g. note-20261126-3.")],
    file: Annotated[Path | None, typer.Option("--file", help="The new 用户价值说明 ('-' for stdin).")] = None,
    text: Annotated[str | None, typer.Option("--text", help="The new 用户价值说明 inline.")] = None,
    as_json: AsJson = False,
    as_user: AsUser = None,
) -> None:
    """Save a new version of the plain-language 用户价值说明."""
    with _session() as (svc, attempt):
        _, notes = _services_of(svc)
        reply = attempt(lambda: notes.edit(ref, _user(svc, as_user), _read(file, text)))
    _print(reply, as_json, "note")


def _note_action(name: str, call: Callable[[Any, str], Reply], as_json: bool, as_user: str | None) -> None:
    with _session() as (svc, attempt):
        _, notes = _services_of(svc)
        reply = attempt(lambda: call(notes, _user(svc, as_user)))
    _print(reply, as_json, name)


@note_app.command("review")
def note_review(ref: str, as_json: AsJson = False, as_user: AsUser = None) -> None:
    """Send a note to review (author or reviewer)."""
    _note_action("note", lambda n, u: n.submit_for_review(ref, u), as_json, as_user)


@note_app.command("publish")
def note_publish(ref: str, as_json: AsJson = False, as_user: AsUser = None) -> None:
    """Publish a note in review to the library and index it (reviewers only)."""
    _note_action("note", lambda n, u: n.publish(ref, u), as_json, as_user)


@note_app.command("return")
def note_return(
    ref: str,
    comment: Annotated[str, typer.Option("--comment", "-m", help="Why it goes back.")] = "",
    as_json: AsJson = False,
    as_user: AsUser = None,
) -> None:
    """Return a note in review to its author with a comment (reviewers only)."""
    _note_action("note", lambda n, u: n.return_note(ref, u, comment), as_json, as_user)


@note_app.command("show")
def note_show(ref: str, as_json: AsJson = False) -> None:
    """Show a note's current version and state."""
    _note_action("note", lambda n, u: n.show(ref), as_json, None)


@note_app.command("list")
def note_list(
    state: Annotated[str | None, typer.Argument(help="draft, in_review, returned, published")] = None,
) -> None:
    """List notes, newest first."""
    _note_action("note", lambda n, u: n.listing(state), False, None)


@notes_app.command("stats")
def notes_stats(
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM (default: this month).")] = None,
    as_json: AsJson = False,
) -> None:
    """Notes published vs the monthly goal; each note's understanding rate vs the goal, lowest first."""
    _note_action("stats", lambda n, u: n.stats(month), as_json, None)


# ---- bench ----------------------------------------------------------------------------------------


def bench_drafting(
    squad: Annotated[Path, typer.Option(help="CMRC 2018 trial file (read in place).")] = DEFAULT_CMRC,
    runs: Annotated[int, typer.Option(help="Timed drafts for the latency figure.")] = 100,
    as_json: AsJson = False,
) -> None:
    """Offline drafting latency (p95, 2,000-character source) and number faithfulness on CMRC contexts."""
    from bench.drafting import run

    run(squad, runs=runs, as_json=as_json)
