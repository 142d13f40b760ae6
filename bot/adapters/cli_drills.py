"""``prbot drill …``, ``prbot incident …`` and ``prbot bench incidents``: the same commands as in chat.

Each subcommand builds the argument list the chat command takes and calls the same handler, so the
terminal and Slack/Feishu behave alike. ``--as`` says who is acting (roles matter for drills).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from bot.core import Request, UserError

drill_app = typer.Typer(
    help="应急演练 / crisis drills: plan, confirm, move, cancel, RSVP, start.", no_args_is_help=True
)
incident_app = typer.Typer(
    help="危机事件计时 / incident clock: 30 min response, 2 h analysis, 4 h statement.", no_args_is_help=True
)
_LANG = {"value": "zh"}

AsUser = Annotated[
    str | None,
    typer.Option("--as", help="Act as this user id, e.g. slack:U123 (default PRBOT_CLI_USER, else cli:<OS user>)."),
]
IncidentId = Annotated[int | None, typer.Option("--id", help="The incident (default: the only open one).")]


def register(app: typer.Typer) -> None:
    app.add_typer(drill_app, name="drill")
    app.add_typer(incident_app, name="incident")
    bench = next((g.typer_instance for g in app.registered_groups if g.name == "bench"), None)
    if bench is not None:
        bench.command("incidents")(bench_incidents)


@contextmanager
def _notifying_services() -> Iterator[object]:
    """The app, able to post: the platforms configured in settings, and the terminal."""
    from bot.adapters.cli import services
    from bot.adapters.console import ConsoleNotifier

    with services() as svc:
        try:
            from bot.adapters.notify import build_notifiers

            for name, notifier in build_notifiers(svc.settings).items():
                svc.notifiers.setdefault(name, notifier)
        except ImportError:
            pass
        svc.notifiers.setdefault("console", ConsoleNotifier(output=_print_post))
        yield svc


def _print_post(text: str) -> None:
    from bot.adapters.cli import err

    err.print(text, highlight=False, markup=False)


def _run(kind: str, args: list[str], as_user: str | None) -> None:
    from bot.adapters.cli import cli_user, console, err
    from bot.adapters.console import render

    with _notifying_services() as svc:
        user = cli_user(svc.settings, as_user)  # type: ignore[attr-defined]
        spec = svc.router.registry.get(kind)  # type: ignore[attr-defined]
        if spec is None:
            err.print(f"{kind} is not available", highlight=False)
            raise typer.Exit(1)
        args = [*args, "--lang", _LANG["value"]]
        request = Request(text=" ".join([kind, *args]), user_id=user, platform="console", channel_id="cli")
        try:
            reply = svc.router.run_words(spec, request, args)  # type: ignore[attr-defined]
        except UserError as exc:
            err.print(str(exc), highlight=False, markup=False)
            raise typer.Exit(2) from None
        console.print(render(reply), highlight=False, markup=False)


def _lang_option(lang: str) -> None:
    _LANG["value"] = "en" if lang.lower().startswith("en") else "zh"


Lang = Annotated[str, typer.Option("--lang", help="Language of the output: zh (default) or en.")]


@drill_app.callback()
def _drill_options(lang: Lang = "zh") -> None:
    _lang_option(lang)


@incident_app.callback()
def _incident_options(lang: Lang = "zh") -> None:
    _lang_option(lang)


# ---- drill -------------------------------------------------------------------------------------


@drill_app.command("plan")
def drill_plan(
    year: Annotated[int | None, typer.Option("--year", help="Year to plan (default: next year in Q4).")] = None,
    as_user: AsUser = None,
) -> None:
    """Propose one drill per quarter, rotating scenarios, avoiding weekends and public holidays (managers)."""
    _run("drill", ["plan", *(["--year", str(year)] if year else [])], as_user)


@drill_app.command("list")
def drill_list(
    year: Annotated[int | None, typer.Option("--year")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include past and cancelled drills.")] = False,
    as_user: AsUser = None,
) -> None:
    """List drills."""
    _run("drill", ["list", *(["--year", str(year)] if year else []), *(["--all"] if all_ else [])], as_user)


@drill_app.command("show")
def drill_show(drill_id: int, as_user: AsUser = None) -> None:
    """A drill: scenario, time, lead, participants by team and their answers, checklist."""
    _run("drill", ["show", str(drill_id)], as_user)


@drill_app.command("confirm")
def drill_confirm(
    drill_id: int,
    lead: Annotated[str | None, typer.Option("--lead", help="Lead of this drill (a configured member).")] = None,
    as_user: AsUser = None,
) -> None:
    """Confirm a proposed drill; its reminders are scheduled (managers)."""
    _run("drill", ["confirm", str(drill_id), *(["--lead", lead] if lead else [])], as_user)


@drill_app.command("move")
def drill_move(
    drill_id: int,
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    at: Annotated[str | None, typer.Argument(help="HH:MM (default: the drill's current time)")] = None,
    force: Annotated[bool, typer.Option("--force", help="Allow a past, weekend or holiday date.")] = False,
    as_user: AsUser = None,
) -> None:
    """Move a drill to another day (managers)."""
    _run("drill", ["move", str(drill_id), day, *([at] if at else []), *(["--force"] if force else [])], as_user)


@drill_app.command("cancel")
def drill_cancel(drill_id: int, as_user: AsUser = None) -> None:
    """Cancel a drill and its reminders (managers)."""
    _run("drill", ["cancel", str(drill_id)], as_user)


@drill_app.command("rsvp")
def drill_rsvp(
    drill_id: int,
    answer: Annotated[str, typer.Argument(help="参加/yes or 请假/no")],
    as_user: AsUser = None,
) -> None:
    """Answer a drill invitation."""
    _run("drill", ["rsvp", str(drill_id), answer], as_user)


@drill_app.command("invite")
def drill_invite(
    drill_id: int,
    user: str,
    team: Annotated[str | None, typer.Option("--team")] = None,
    as_user: AsUser = None,
) -> None:
    """Add a configured member to a drill (managers)."""
    _run("drill", ["invite", str(drill_id), user, *(["--team", team] if team else [])], as_user)


@drill_app.command("start")
def drill_start(drill_id: int, as_user: AsUser = None) -> None:
    """Start a confirmed drill now: the incident clock runs in drill mode (lead or managers)."""
    _run("drill", ["start", str(drill_id)], as_user)


# ---- incident ----------------------------------------------------------------------------------


@incident_app.command("start")
def incident_start(
    description: Annotated[str, typer.Argument(help="What happened.")],
    level: Annotated[int, typer.Option("--level", help="Severity 1 (most severe) to 5.")],
    channel: Annotated[str | None, typer.Option("--channel", help="platform:channel for the thread.")] = None,
    as_user: AsUser = None,
) -> None:
    """Open an incident: names the lead from the severity table, opens the thread, starts the clock."""
    _run(
        "incident", ["start", "--level", str(level), *(["--channel", channel] if channel else []), description], as_user
    )


@incident_app.command("done")
def incident_done(
    checkpoint: Annotated[str, typer.Argument(help="response | analysis | statement")],
    text: Annotated[str | None, typer.Option("--text", help="Holding or official statement text.")] = None,
    incident_id: IncidentId = None,
    as_user: AsUser = None,
) -> None:
    """Mark a checkpoint done (with the statement text, checked for compliance)."""
    extra = [*(["--text", text] if text else []), *(["--id", str(incident_id)] if incident_id else [])]
    _run("incident", ["done", checkpoint, *extra], as_user)


@incident_app.command("log")
def incident_log(
    step: Annotated[int, typer.Argument(help="Checklist step number (see: prbot incident steps).")],
    note: Annotated[str | None, typer.Argument()] = None,
    incident_id: IncidentId = None,
    as_user: AsUser = None,
) -> None:
    """Log a checklist step as done."""
    _run(
        "incident",
        ["log", str(step), *([note] if note else []), *(["--id", str(incident_id)] if incident_id else [])],
        as_user,
    )


@incident_app.command("steps")
def incident_steps(incident_id: IncidentId = None, as_user: AsUser = None) -> None:
    """The checklist (信息核查 → 口径制定 → 渠道发布) and what is logged."""
    _run("incident", ["steps", *(["--id", str(incident_id)] if incident_id else [])], as_user)


@incident_app.command("level")
def incident_level(
    level: Annotated[int, typer.Argument(help="New severity 1-5.")],
    incident_id: IncidentId = None,
    as_user: AsUser = None,
) -> None:
    """Change the severity level; the lead follows the table (lead or managers)."""
    _run("incident", ["level", str(level), *(["--id", str(incident_id)] if incident_id else [])], as_user)


@incident_app.command("close")
def incident_close(incident_id: IncidentId = None, as_user: AsUser = None) -> None:
    """Close the incident and print the after-action report (lead or managers)."""
    _run("incident", ["close", *(["--id", str(incident_id)] if incident_id else [])], as_user)


@incident_app.command("list")
def incident_list(as_user: AsUser = None) -> None:
    """Recent incidents and drills."""
    _run("incident", ["list"], as_user)


@incident_app.command("show")
def incident_show(incident_id: Annotated[int | None, typer.Argument()] = None, as_user: AsUser = None) -> None:
    """An incident: lead, thread, checkpoints, steps, level changes, statements."""
    _run("incident", ["show", *([str(incident_id)] if incident_id else [])], as_user)


# ---- bench -------------------------------------------------------------------------------------


def bench_incidents(
    incidents: Annotated[int, typer.Option("--incidents", help="Concurrent incidents.")] = 1000,
    spread: Annotated[float, typer.Option("--spread", help="Seconds over which their timers fall due.")] = 20.0,
    replicas: Annotated[int, typer.Option("--replicas", help="Schedulers sharing one database.")] = 2,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """1,000 incident clocks on real APScheduler: every reminder once, worst lateness."""
    from bench.incidents import run

    run(incidents=incidents, spread_s=spread, replicas=replicas, as_json=as_json)
