"""The terminal-only commands of early warning and the scoreboard: ``prbot watch import|replay|poll``
(files and a poll now), ``prbot kpi`` (the scoreboard, also as a chart and an HTML report),
``prbot bench watch`` and ``prbot bench watch-sentiment``. ``watch status|stories`` and
``case used-in-bid`` come from the command registry like every chat command."""

from __future__ import annotations

import json
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from bot.app import Services

watch_app = typer.Typer(help="舆情预警 / early warning: mentions in, three levels of alerts out.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(watch_app, name="watch")
    app.command("kpi")(kpi)


def _services() -> AbstractContextManager[tuple[Services, Any]]:
    from bot.adapters.cli.context import guarded_services

    return guarded_services()


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# ---- watch ---------------------------------------------------------------------------------------


@watch_app.command("import")
def watch_import(
    file: Annotated[Path, typer.Argument(help="A monitoring tool's export: .jsonl, .csv or .xlsx.")],
) -> None:
    """Store the mentions of an export (duplicates skipped), group them, check the rules.
    Bad rows are listed by line; the good ones are kept."""
    from handlers.watch.service import WatchService
    from handlers.watch.sources import SourceError, read_file

    try:
        parsed = read_file(file)
    except SourceError as exc:
        _err(f"错误 / error: {exc}")
        raise typer.Exit(2) from None
    with _services() as (svc, attempt):
        service = WatchService(svc.engine, svc.settings, svc.notifiers)
        result = attempt(lambda: service.ingest(parsed.mentions, source="import"))
        alerts = service.evaluate()
    _out(
        f"导入 stored {result.stored} · 重复 duplicates {result.duplicates} · 新话题 new stories {result.new_stories}"
        f" · 预警 alerts {len(alerts)} · 错误行 bad rows {len(parsed.bad)}"
    )
    for bad in parsed.bad:
        _err(f"  line {bad.line}: {bad.reason}")
    if parsed.bad:
        raise typer.Exit(1)


@watch_app.command("replay")
def watch_replay(
    file: Annotated[Path, typer.Argument(help="Mentions (.jsonl, .csv, .xlsx; published as ISO 8601 with offset).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per alert raised.")] = False,
) -> None:
    """Replay mentions on a simulated clock through the live rules; nothing is posted or stored."""
    from bot.adapters.cli.context import load_settings
    from handlers.watch.replay import replay_file
    from handlers.watch.sources import SourceError

    try:
        result = replay_file(file, load_settings())
    except SourceError as exc:
        _err(f"错误 / error: {exc}")
        raise typer.Exit(2) from None
    for alert in result.alerts:
        if as_json:
            _out(json.dumps(alert, ensure_ascii=False))
        else:
            _out(
                f"L{alert['level']} {alert['at']} · {alert['mentions']} mentions · first {alert['first']} · "
                f"{alert['story']}"
            )
    _err(
        f"replayed {result.mentions} mentions ({result.stored} stored) in {result.seconds:.2f} s; "
        f"{len(result.alerts)} alerts"
    )
    for bad in result.bad:
        _err(f"  line {bad.line}: {bad.reason}")


@watch_app.command("poll")
def watch_poll() -> None:
    """Poll every configured feed now, check the rules and post new alerts (what the scheduler does)."""
    from handlers.watch.service import WatchService

    with _services() as (svc, _):
        from bot.adapters.notify import build_notifiers

        notifiers = build_notifiers(svc.settings)
        service = WatchService(svc.engine, svc.settings, notifiers)
        results = service.poll_feeds(force=True)
        service.evaluate()
        posted = service.post_pending()
    failed = 0
    for r in results:
        if r.ok:
            _out(f"✅ {r.url}: {r.entries} entries, {r.stored} new")
        else:
            failed += 1
            _err(f"⚠️ {r.url}: {r.error}")
    _out(f"alerts posted: {len(posted)}")
    if failed:
        raise typer.Exit(1)


# ---- kpi and cases -------------------------------------------------------------------------------


def kpi(
    period: Annotated[str, typer.Option("--period", help="month, quarter (default) or year.")] = "quarter",
    on: Annotated[str | None, typer.Option("--date", help="A day in the period, YYYY-MM-DD (default today).")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write a self-contained HTML report here.")] = None,
    chart: Annotated[Path | None, typer.Option("--chart", help="Write the chart PNG here.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    lang: Annotated[str, typer.Option("--lang")] = "zh",
) -> None:
    """The year's plan as figures from the bot's own records, each beside its target (as in chat:
    ``kpi [month|quarter|year] [YYYY-MM-DD]``), optionally as a chart and a self-contained HTML report."""
    from bot.adapters.cli.registry import describe
    from bot.commands import validate
    from bot.core import UserError
    from handlers.kpi import render
    from handlers.kpi.commands import KpiArgs, KpiCommands
    from handlers.kpi.service import KpiService

    language = "en" if lang.lower().startswith("en") else "zh"
    spec = describe([KpiCommands]).get("kpi")
    assert spec is not None
    try:  # the chat command's own argument model: the same words are accepted and refused
        args = validate(spec, {"period": period, "day": on, "lang": language}, language)
    except UserError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    assert isinstance(args, KpiArgs)
    period, day = args.period or "quarter", args.day
    with _services() as (svc, attempt):
        service = KpiService(svc.engine, svc.settings)
        board = attempt(lambda: service.scoreboard(period=period, on=day, lang=language))
    if as_json:
        _out(json.dumps(board.as_data(), ensure_ascii=False))
    else:
        _out(render.text(board, language))
    if html is not None or chart is not None:
        png = render.chart(board, language)
        if chart is not None:
            chart.write_bytes(png)
        if html is not None:
            html.write_text(render.html_report(board, png, language), encoding="utf-8")
            _err(f"HTML report: {html}")


# ---- benchmarks ----------------------------------------------------------------------------------
