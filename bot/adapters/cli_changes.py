"""``prbot cr …`` (the change-request table), ``prbot digest`` and ``prbot bench digest``."""

from __future__ import annotations

import json
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
    from bot.adapters.cli import cli_user as resolve

    return resolve(settings, as_user)


def _changes():  # type: ignore[no-untyped-def]
    from bot.adapters.cli import guarded_services

    return guarded_services()


def _print(text: str) -> None:
    """Exactly the text (no wrapping or markup), so a preview shows what would be posted."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


@cr_app.callback()
def _cr_options(
    lang: Annotated[str, typer.Option("--lang", help="Language of the output: zh (default) or en.")] = "zh",
) -> None:
    _LANG["value"] = "en" if lang.lower().startswith("en") else "zh"


# ---- cr --------------------------------------------------------------------------------------------


@cr_app.command("add")
def cr_add(
    title: Annotated[str, typer.Option("--title", help="At most 200 characters.")],
    size: Annotated[str, typer.Option("--size", help="big (15 days' notice) or small (handled on Wednesdays).")],
    effective: Annotated[str, typer.Option("--effective", help="Effective date, YYYY-MM-DD.")],
    description: Annotated[str, typer.Option("--description")] = "",
    team: Annotated[str, typer.Option("--team", help="The requesting team.")] = "",
    campaign: Annotated[str, typer.Option("--campaign", help="The campaign or launch it affects.")] = "",
    requester: Annotated[str | None, typer.Option("--requester", help="Raised on behalf of (default: you).")] = None,
    as_user: AsUser = None,
) -> None:
    """Submit a change request; a big one with under 15 days' notice is marked late."""
    from bot.adapters.console import render
    from handlers.changes import ChangeService, creation_reply

    lang = _LANG["value"]
    with _changes() as (svc, attempt):
        service = ChangeService(svc.engine, svc.settings)  # type: ignore[attr-defined]
        user = cli_user(svc.settings, as_user)  # type: ignore[attr-defined]
        values = {
            "title": title,
            "size": size,
            "effective_date": effective,
            "description": description,
            "team": team,
            "campaign": campaign,
            "requester": requester or user,
        }
        created = attempt(lambda: service.create(values, user, lang, source="cli"))
        reply = creation_reply(service, created, lang)
        reply.buttons = []
        _print(render(reply))


@cr_app.command("list")
def cr_list(
    status: Annotated[
        str, typer.Option("--status", help="Comma list: submitted,approved,rejected,done,withdrawn.")
    ] = "",
    since: Annotated[str | None, typer.Option("--since", help="Submitted on or after YYYY-MM-DD.")] = None,
    size: Annotated[str | None, typer.Option("--size", help="big or small.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List change requests."""
    from handlers import change_rules as rules
    from handlers.changes import ChangeService, as_dict, card_line, parse_statuses
    from handlers.changes_strings import t

    lang = _LANG["value"]
    with _changes() as (svc, attempt):
        service = ChangeService(svc.engine, svc.settings)  # type: ignore[attr-defined]

        def query() -> list:
            statuses = parse_statuses(status, lang)
            since_day = rules.parse_date(since, lang, "since") if since else None
            wanted = rules.parse_size(size, lang) if size else None
            return service.list(statuses, since_day, wanted)

        found = attempt(query)
        if as_json:
            for item in found:
                sys.stdout.write(json.dumps(as_dict(item), ensure_ascii=False) + "\n")
            return
        if not found:
            _print(t("list_empty", lang))
            return
        _print(t("list_header", lang, count=len(found)))
        for item in found:
            _print(card_line(item, lang))


@cr_app.command("show")
def cr_show(request_id: Annotated[int, typer.Argument(help="The request's number.")]) -> None:
    """One request with its comments."""
    from bot.adapters.console import render
    from handlers.changes import ChangeService, card

    lang = _LANG["value"]
    with _changes() as (svc, attempt):
        service = ChangeService(svc.engine, svc.settings)  # type: ignore[attr-defined]
        found = attempt(lambda: service.get(request_id, lang))
        reply = card(found, service.comments(request_id), lang, service.tz)
        reply.buttons = []
        _print(render(reply))


def _decide(verb: str, request_id: int, comment: str, as_user: str | None, override: bool = False) -> None:
    from bot.adapters.console import render
    from handlers.changes import ChangeService, card
    from handlers.changes_strings import t

    lang = _LANG["value"]
    with _changes() as (svc, attempt):
        service = ChangeService(svc.engine, svc.settings)  # type: ignore[attr-defined]
        user = cli_user(svc.settings, as_user)  # type: ignore[attr-defined]
        if verb == "approve":
            changed = attempt(lambda: service.approve(request_id, user, comment, override, lang))
        else:
            method = getattr(service, verb)
            changed = attempt(lambda: method(request_id, user, comment, lang))
        reply = card(changed, service.comments(request_id), lang, service.tz)
        reply.buttons = []
        _print(t("changed", lang, id=request_id, verb=t(f"verb_{verb}", lang)))
        _print(render(reply))


@cr_app.command("approve")
def cr_approve(
    request_id: Annotated[int, typer.Argument()],
    comment: Annotated[str, typer.Option("--comment", "-m")] = "",
    override: Annotated[bool, typer.Option("--override", help="Approve a late big change (give a reason).")] = False,
    as_user: AsUser = None,
) -> None:
    """Approve (managers only); a late big change needs --override and a comment."""
    _decide("approve", request_id, comment, as_user, override)


@cr_app.command("reject")
def cr_reject(
    request_id: Annotated[int, typer.Argument()],
    comment: Annotated[str, typer.Option("--comment", "-m", help="Why (required).")] = "",
    as_user: AsUser = None,
) -> None:
    """Reject with a comment (managers only)."""
    _decide("reject", request_id, comment, as_user)


@cr_app.command("withdraw")
def cr_withdraw(
    request_id: Annotated[int, typer.Argument()],
    comment: Annotated[str, typer.Option("--comment", "-m")] = "",
    as_user: AsUser = None,
) -> None:
    """Withdraw a request (its requester or a manager)."""
    _decide("withdraw", request_id, comment, as_user)


@cr_app.command("done")
def cr_done(
    request_id: Annotated[int, typer.Argument()],
    comment: Annotated[str, typer.Option("--comment", "-m")] = "",
    as_user: AsUser = None,
) -> None:
    """Mark a request done (its requester or a manager)."""
    _decide("done", request_id, comment, as_user)


@cr_app.command("import")
def cr_import(
    path: Annotated[Path, typer.Argument(help="A .csv (UTF-8) or .xlsx file with a header row.")],
    as_user: AsUser = None,
) -> None:
    """Import rows; bad rows are reported by row number and the good ones imported together."""
    from handlers.change_table import import_table
    from handlers.changes import utcnow
    from handlers.changes_strings import t

    lang = _LANG["value"]
    from bot.adapters.cli import err

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
    from handlers import change_rules as rules
    from handlers.change_table import export_table
    from handlers.changes import parse_statuses
    from handlers.changes_strings import t

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
    from bot.adapters.cli import err

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
    from bot.adapters.console import render
    from handlers import change_rules as rules
    from handlers.changes_strings import t
    from handlers.digest import calendar_from, preview_digest

    settings: Settings = svc.settings  # type: ignore[attr-defined]
    calendar = calendar_from(settings)
    day = attempt(lambda: rules.parse_date(date_text, lang, "date")) if date_text else None
    reply = preview_digest(svc.engine, calendar, day, lang)  # type: ignore[attr-defined]
    info = reply.data["digest"]
    channels = ", ".join(settings.digest.channels) or t("digest_no_channels", lang)
    when = info["post_at"][:16].replace("T", " ")
    from bot.adapters.cli import err

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

        logging.getLogger("handlers.digest").warning(
            "the holiday calendar has no data for %s; only weekends are skipped", info["post_at"][:4]
        )
    _print(render(reply))
    if chart is not None and reply.files:
        chart.write_bytes(reply.files[0].content)
        err.print(f"chart → {chart}", markup=False, soft_wrap=True)


def _send_now(svc: object, attempt: Callable, lang: str) -> None:
    from bot.adapters.cli import err
    from bot.adapters.notify import build_notifiers
    from handlers.digest_job import DigestJob

    settings: Settings = svc.settings  # type: ignore[attr-defined]
    notifiers = build_notifiers(settings)
    job = DigestJob(svc.engine, settings, notifiers)  # type: ignore[attr-defined]
    outcomes = attempt(lambda: job.send_now(lang))
    failed = False
    for outcome in outcomes:
        mark = {"posted": "✓ posted", "already": "= already posted this week", "failed": "✗ failed"}[outcome.status]
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
