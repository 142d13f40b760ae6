"""The terminal's own drafting commands: ``prbot note submit`` (a note file, or the fields asked one by
one), ``prbot notes stats`` (the older spelling of ``prbot note stats``) and ``prbot bench drafting``.

``draft …``, ``check``, ``personas`` and the other ``note …`` commands are generated from the registry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

note_app = typer.Typer(
    help="技术翻译笔记 / technical-translation notes: submit, review, publish.", no_args_is_help=True
)
notes_app = typer.Typer(help="技术翻译笔记统计 / note statistics (same as `prbot note stats`).", hidden=True)

AsUser = Annotated[
    str | None, typer.Option("--as", help="Act as this user id (default PRBOT_CLI_USER, else cli:<OS user>).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the reply's data as JSON.")]
# The note form's fields (their labels are the form's), asked in this order when no file is given.
NOTE_FIELDS = ("title", "technology", "technical")


def register(app: typer.Typer) -> None:
    app.add_typer(note_app, name="note")  # the registry's note commands join this group
    app.add_typer(notes_app, name="notes")


def _run(full_name: str, values: dict[str, object], as_user: str | None, as_json: bool) -> None:
    from bot.adapters.cli.context import run_registry_command

    run_registry_command(full_name, values, as_user, None, as_json)


@note_app.command("submit")
def note_submit(
    file: Annotated[
        Path | None, typer.Option("--file", help="A note file (FORMATS.md note format, ## 技术原理解读 required).")
    ] = None,
    as_json: AsJson = False,
    as_user: AsUser = None,
) -> None:
    """Submit 技术原理解读; the bot drafts 用户价值说明. Without --file, asks field by field."""
    if file is not None:
        _run("note submit", {"file": str(file)}, as_user, as_json)
        return
    from handlers.drafting.strings import t

    values: dict[str, object] = {name: typer.prompt(t(f"note_field_{name}", "zh")) for name in NOTE_FIELDS}
    _run("note submit", values, as_user, as_json)


@notes_app.command("stats")
def notes_stats(
    month: Annotated[str | None, typer.Option("--month", help="YYYY-MM (default: this month).")] = None,
    as_json: AsJson = False,
) -> None:
    """Notes published vs the monthly goal; each note's understanding rate vs the goal, lowest first."""
    _run("note stats", {"month": month} if month else {}, None, as_json)
