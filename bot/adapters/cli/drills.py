"""``prbot drill …`` and ``prbot incident …`` (their sub-commands come from the command registry;
here only the groups' ``--lang`` option) and ``prbot bench incidents``."""

from __future__ import annotations

from typing import Annotated

import typer

drill_app = typer.Typer(
    help="应急演练 / crisis drills: plan, confirm, move, cancel, RSVP, start.", no_args_is_help=True
)
incident_app = typer.Typer(
    help="危机事件计时 / incident clock: 30 min response, 2 h analysis, 4 h statement.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(drill_app, name="drill")
    app.add_typer(incident_app, name="incident")
    bench = next((g.typer_instance for g in app.registered_groups if g.name == "bench"), None)
    if bench is not None:
        bench.command("incidents")(bench_incidents)


Lang = Annotated[str | None, typer.Option("--lang", help="Language of the output: zh or en (default: of the text).")]


@drill_app.callback()
def _drill_options(lang: Lang = None) -> None:
    """The sub-commands read ``--lang`` from here when it is given before them."""


@incident_app.callback()
def _incident_options(lang: Lang = None) -> None:
    """The sub-commands read ``--lang`` from here when it is given before them."""


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
