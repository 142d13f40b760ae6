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


Lang = Annotated[str | None, typer.Option("--lang", help="Language of the output: zh or en (default: of the text).")]


@drill_app.callback()
def _drill_options(lang: Lang = None) -> None:
    """The sub-commands read ``--lang`` from here when it is given before them."""


@incident_app.callback()
def _incident_options(lang: Lang = None) -> None:
    """The sub-commands read ``--lang`` from here when it is given before them."""


# ---- bench -------------------------------------------------------------------------------------
