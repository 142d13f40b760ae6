"""The terminal-only commands of the change requests: ``prbot cr import|export`` (the table as a
spreadsheet), and ``prbot digest chart`` (the digest's PNG to a file).

Every chat command (``cr add`` … ``cr done``, ``digest preview``, ``digest send``) is generated
from the registry into the same ``cr`` and ``digest`` sub-apps (bot/adapters/cli/registry.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

if TYPE_CHECKING:
    from bot.app import Services
    from bot.settings import Settings

cr_app = typer.Typer(
    help="需求变更管理表 / the change-request table: big changes need notice (PRBOT_CHANGE_NOTICE_DAYS), "
    "small ones are handled on the digest day (PRBOT_DIGEST_DAY).",
    no_args_is_help=True,
)
digest_app = typer.Typer(
    help="需求变更周报 / the weekly change-request digest: preview, send now, chart.", no_args_is_help=True
)
_LANG = {"value": "zh"}

AsUser = Annotated[
    str | None, typer.Option("--as", help="Act as this user id (default PRBOT_CLI_USER, else cli:<OS user>).")
]


Attempt = Callable[[Callable[[], Any]], Any]  # runs an action; a UserError becomes one line and exit 2


@dataclass(frozen=True)
class Terminal:
    """What these commands take from the CLI app, handed in by it (so this module never imports it)."""

    services: Callable[[], AbstractContextManager[tuple[Services, Attempt]]]  # the app, guarded
    user: Callable[[Settings, str | None], str]  # who is typing (--as, PRBOT_CLI_USER, cli:<OS user>)
    error: Callable[[str], None]  # one line on stderr, exactly as given


class _Registered:
    terminal: Terminal | None = None


def _terminal() -> Terminal:
    if _Registered.terminal is None:
        raise RuntimeError("bot.adapters.cli.changes.register(app, terminal) was not called")
    return _Registered.terminal


def register(app: typer.Typer, terminal: Terminal) -> None:
    _Registered.terminal = terminal
    app.add_typer(cr_app, name="cr")
    app.add_typer(digest_app, name="digest")


def _print(text: str) -> None:
    """Exactly the text (no wrapping or markup)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


@cr_app.callback()
def _cr_options(
    lang: Annotated[str | None, typer.Option("--lang", help="Language of the output: zh (default) or en.")] = None,
) -> None:
    _LANG["value"] = "en" if (lang or "").lower().startswith("en") else "zh"


# ---- cr --------------------------------------------------------------------------------------------


@cr_app.command("import")
def cr_import(
    path: Annotated[Path, typer.Argument(help="A .csv (UTF-8) or .xlsx file with a header row.")],
    as_user: AsUser = None,
) -> None:
    """Import rows; bad rows are reported by row number and the good ones imported together."""
    from handlers.changes.rules import ChangeRule
    from handlers.changes.service import utcnow
    from handlers.changes.strings import t
    from handlers.changes.table import import_table

    lang = _LANG["value"]
    terminal = _terminal()
    if not path.is_file():
        terminal.error(t("import_bad_file", lang, name=str(path), reason="not found"))
        raise typer.Exit(2)
    with terminal.services() as (svc, attempt):
        settings = svc.settings
        tz = ZoneInfo(settings.timezone)
        user = terminal.user(settings, as_user)
        rule = ChangeRule.from_settings(settings)
        report = attempt(lambda: import_table(svc.engine, path, user, tz, utcnow(), lang, rule=rule))
    _print(t("import_summary", lang, imported=report.imported, skipped=len(report.skipped), bad=len(report.bad)))
    if report.ignored_columns:
        _print(t("import_ignored_columns", lang, columns=", ".join(report.ignored_columns)))
    for row, problem in report.skipped:
        _print("  " + t("import_row", lang, row=row, problem=problem))
    for row, problem in report.bad:
        terminal.error("  ✗ " + t("import_row", lang, row=row, problem=problem))
    if report.bad:
        raise typer.Exit(1)


@cr_app.command("export")
def cr_export(
    path: Annotated[Path, typer.Argument(help="Where to write: .csv or .xlsx.")],
    status: Annotated[str, typer.Option("--status")] = "",
    since: Annotated[str | None, typer.Option("--since", help="Submitted on or after YYYY-MM-DD.")] = None,
) -> None:
    """Export the table (imports back unchanged)."""
    from handlers.changes import parse
    from handlers.changes.strings import t
    from handlers.changes.table import export_table

    lang = _LANG["value"]
    with _terminal().services() as (svc, attempt):
        tz = ZoneInfo(svc.settings.timezone)

        def run() -> int:
            statuses = parse.parse_statuses(status, lang)
            since_at = datetime.combine(parse.parse_date(since, lang, "since"), time(0), tzinfo=tz) if since else None
            return export_table(svc.engine, path, tz, statuses, since_at)

        count = attempt(run)
    _print(t("export_done", lang, count=count, path=path))


# ---- digest ----------------------------------------------------------------------------------------


@digest_app.command("chart")
def digest_chart(
    path: Annotated[Path, typer.Argument(help="Where to write the PNG.")],
    date_text: Annotated[
        str | None, typer.Option("--date", help="A day in the digest's week, YYYY-MM-DD (default: the next).")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh (default) or en.")] = "zh",
) -> None:
    """Write the chart of the digest `digest preview` shows (weekly volume and late share) to a PNG."""
    from handlers.changes import parse
    from handlers.changes.digest_job import DigestDesk

    lang = "en" if lang.lower().startswith("en") else "zh"
    with _terminal().services() as (svc, attempt):
        desk = DigestDesk(svc.engine, svc.settings, svc.notifiers)
        day = attempt(lambda: parse.parse_date(date_text, lang, "date")) if date_text else None
        reply = attempt(lambda: desk.preview(day, lang))
    path.write_bytes(reply.files[0].content)
    _print(f"chart → {path}")
