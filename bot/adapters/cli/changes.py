"""``prbot cr …`` (the change-request table), ``prbot digest`` and ``prbot bench digest``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import typer

from bot.settings import Settings

T = TypeVar("T")

cr_app = typer.Typer(
    help="需求变更管理表 / the change-request table: big changes need 15 days' notice, small ones go every Wednesday.",
    no_args_is_help=True,
)
_LANG = {"value": "zh"}
_MERGED_ZH = "两期都顺延到同一天，只发较新的一期"
_MERGED_EN = "both moved to the same day; only the newer is posted"

AsUser = Annotated[
    str | None, typer.Option("--as", help="Act as this user id (default PRBOT_CLI_USER, else cli:<OS user>).")
]


def register(app: typer.Typer) -> None:
    app.add_typer(cr_app, name="cr")
    app.command("digest")(digest)
    bench = next((g.typer_instance for g in app.registered_groups if g.name == "bench"), None)
    if bench is not None:
        bench.command("digest")(bench_digest)


def cli_user(settings: Settings, as_user: str | None) -> str:
    from bot.adapters.cli.context import cli_user as resolve

    return resolve(settings, as_user)


def _changes():  # type: ignore[no-untyped-def]
    from bot.adapters.cli.context import guarded_services

    return guarded_services()


def _print(text: str) -> None:
    """Exactly the text (no wrapping or markup), so a preview shows what would be posted."""
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
    from handlers.changes.service import utcnow
    from handlers.changes.strings import t
    from handlers.changes.table import import_table

    lang = _LANG["value"]
    from bot.adapters.cli.context import err

    if not path.is_file():
        err.print(
            t("import_bad_file", lang, name=str(path), reason="not found"),
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    with _changes() as (svc, attempt):
        settings = svc.settings  # type: ignore[attr-defined]
        tz = ZoneInfo(settings.timezone)
        user = cli_user(settings, as_user)
        report = attempt(lambda: import_table(svc.engine, path, user, tz, utcnow(), lang))  # type: ignore[attr-defined]
    _print(t("import_summary", lang, imported=report.imported, skipped=len(report.skipped), bad=len(report.bad)))
    if report.ignored_columns:
        _print(t("import_ignored_columns", lang, columns=", ".join(report.ignored_columns)))
    for row, problem in report.skipped:
        _print("  " + t("import_row", lang, row=row, problem=problem))
    for row, problem in report.bad:
        err.print(
            "  ✗ " + t("import_row", lang, row=row, problem=problem), highlight=False, markup=False, soft_wrap=True
        )
    if report.bad:
        raise typer.Exit(1)


@cr_app.command("export")
def cr_export(
    path: Annotated[Path, typer.Argument(help="Where to write: .csv or .xlsx.")],
    status: Annotated[str, typer.Option("--status")] = "",
    since: Annotated[str | None, typer.Option("--since", help="Submitted on or after YYYY-MM-DD.")] = None,
) -> None:
    """Export the table (imports back unchanged)."""
    from handlers.changes import rules
    from handlers.changes.service import parse_statuses
    from handlers.changes.strings import t
    from handlers.changes.table import export_table

    lang = _LANG["value"]
    with _changes() as (svc, attempt):
        tz = ZoneInfo(svc.settings.timezone)  # type: ignore[attr-defined]

        def run() -> int:
            statuses = parse_statuses(status, lang)
            since_at = datetime.combine(rules.parse_date(since, lang, "since"), time(0), tzinfo=tz) if since else None
            return export_table(svc.engine, path, tz, statuses, since_at)  # type: ignore[attr-defined]

        count = attempt(run)
    _print(t("export_done", lang, count=count, path=path))


# ---- digest ----------------------------------------------------------------------------------------


def digest(
    preview: Annotated[bool, typer.Option("--preview", help="Print what would be posted; post nothing.")] = False,
    send_now: Annotated[
        bool, typer.Option("--send-now", help="Post this week's digest now (once per channel).")
    ] = False,
    date_text: Annotated[
        str | None, typer.Option("--date", help="Preview the digest for this date, YYYY-MM-DD (default: the next).")
    ] = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="Also write the chart PNG here.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh (default) or en.")] = "zh",
) -> None:
    """The weekly change-request digest: --preview [--date D] prints it, --send-now posts it."""
    from bot.adapters.cli.context import err

    lang = "en" if lang.lower().startswith("en") else "zh"
    if preview == send_now:
        err.print("请选择 --preview 或 --send-now 之一 / choose one of --preview or --send-now")
        raise typer.Exit(2)
    if send_now and date_text:
        err.print("--date 只能用于 --preview / --date goes with --preview")
        raise typer.Exit(2)
    with _changes() as (svc, attempt):
        if preview:
            _preview(svc, attempt, date_text, chart, lang)
        else:
            _send_now(svc, attempt, lang)


def _preview(svc: object, attempt: Callable, date_text: str | None, chart: Path | None, lang: str) -> None:
    from handlers.changes import rules
    from handlers.changes.digest import calendar_from, preview_digest
    from handlers.changes.strings import t

    settings: Settings = svc.settings  # type: ignore[attr-defined]
    calendar = calendar_from(settings)
    day = attempt(lambda: rules.parse_date(date_text, lang, "date")) if date_text else None
    reply = attempt(lambda: preview_digest(svc.engine, calendar, day, lang))  # type: ignore[attr-defined]
    info = reply.data["digest"]
    channels = ", ".join(settings.digest.channels) or t("digest_no_channels", lang)
    when = info["post_at"][:16].replace("T", " ")
    from bot.adapters.cli.context import err

    err.print(
        t("digest_preview_meta", lang, period=info["period"], when=when, channels=channels),
        markup=False,
        soft_wrap=True,
    )
    if day is not None and calendar.slot_for(day).period != info["period"]:
        merged = calendar.slot_for(day)
        err.print(
            f"({merged.period} → {info['period']}: "
            + (
                "两期都顺延到同一天，只发较新的一期"
                if lang == "zh"
                else "both moved to the same day; only the newer is posted"
            )
            + ")",
            markup=False,
            soft_wrap=True,
        )
    if not info["calendar_known"]:
        import logging

        logging.getLogger("handlers.changes.digest").warning(
            "the holiday calendar has no data for %s; only weekends are skipped", info["post_at"][:4]
        )
    # Exactly the message that would be posted (its Markdown as the platforms receive it).
    _print("\n".join([reply.text, *(f"  [附件 / file] {f.filename}" for f in reply.files)]))
    if chart is not None and reply.files:
        chart.write_bytes(reply.files[0].content)
        err.print(f"chart → {chart}", markup=False, soft_wrap=True)


def _send_now(svc: object, attempt: Callable, lang: str) -> None:
    from bot.adapters.cli.context import err
    from bot.adapters.notify import build_notifiers
    from handlers.changes.digest_job import DigestJob

    settings: Settings = svc.settings  # type: ignore[attr-defined]
    notifiers = build_notifiers(settings)
    job = DigestJob(svc.engine, settings, notifiers)  # type: ignore[attr-defined]
    outcomes = attempt(lambda: job.send_now(lang))
    failed = False
    for outcome in outcomes:
        marks = {"posted": "✓ posted", "already": "= already posted this week", "failed": "✗ failed"}
        mark = marks.get(outcome.status, "… being posted by another replica")
        line = f"{outcome.destination}: {mark}" + (f" ({outcome.detail})" if outcome.detail else "")
        if outcome.status == "failed":
            failed = True
            err.print(line, markup=False, highlight=False)
        else:
            _print(line)
    if failed:
        raise typer.Exit(1)


# ---- bench ------------------------------------------------------------------------------------------


def bench_digest(
    requests: Annotated[int, typer.Option(help="Change requests in the table for the digest build.")] = 10_000,
    rows: Annotated[int, typer.Option(help="Rows in the XLSX for the import.")] = 10_000,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Digest build time over N change requests (target ≤ 1 s) and `prbot cr import` of an N-row XLSX (≤ 10 s)."""
    from bench.digest import run

    run(requests=requests, rows=rows, as_json=as_json)
