"""The ``prbot`` sub-commands generated from the command registry: one click command per chat
command, with the same arguments, the same handler and the same replies as in Slack or Feishu.

Help is built from the declarations alone (no app, database or model is loaded for ``--help``);
running a command builds the app, acts as the terminal user and renders the reply as plain lines.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Callable, Iterable
from typing import Annotated, Any

import typer

from bot.commands import ArgSpec, CommandSpec, Registry
from bot.core import Reply, Request, UserError

RunCommand = Callable[[str, dict[str, Any], str | None, str | None, bool], None]


def describe(classes: Iterable[type]) -> Registry:
    """The registry of the command classes' declarations, without building any service."""
    registry = Registry()
    for capability in classes:
        registry.scan(capability)
    return registry


def add_commands(app: typer.Typer, registry: Registry, run: RunCommand) -> None:
    """Add every CLI-enabled command to ``app``, into a sub-app of the same name if one exists
    (``prbot cr import`` and ``prbot cr add`` live side by side)."""
    for group in registry.groups:
        specs = [spec for spec in registry.of_group(group.name) if spec.cli]
        if not specs:
            continue
        if len(specs) == 1 and specs[0].name is None:
            _register(app, specs[0], group.name, run)
            continue
        parent = next((g.typer_instance for g in app.registered_groups if g.name == group.name), None)
        if parent is None:
            parent = typer.Typer(help=f"{group.zh} / {group.en}", no_args_is_help=True)
            app.add_typer(parent, name=group.name)
        for spec in specs:
            assert spec.name is not None
            _register(parent, spec, spec.name, run)


_SPELLED = "__spelled"  # a positional's option spelling (``-m`` for the comment)


def _register(app: typer.Typer, spec: CommandSpec, name: str, run: RunCommand) -> None:
    parameters = [_parameter(arg) for arg in spec.args]
    for arg in spec.args:
        if arg.kind in ("positional", "rest") and len(arg.flags) > 1:
            info = typer.Option(*arg.flags[1:], help=arg.help, metavar=arg.name.upper(), show_default=False)
            parameters.append(
                inspect.Parameter(
                    arg.name + _SPELLED,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=None,
                    annotation=Annotated[str | None, info],
                )
            )
    parameters.append(
        inspect.Parameter(
            "as_user",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                str | None,
                typer.Option(
                    "--as", metavar="USER", help="Act as this user id (default PRBOT_CLI_USER, else cli:<OS user>)."
                ),
            ],
        )
    )
    parameters.append(
        inspect.Parameter(
            "as_json",
            inspect.Parameter.KEYWORD_ONLY,
            default=False,
            annotation=Annotated[bool, typer.Option("--json", help="Print the reply's data as JSON.")],
        )
    )
    has_lang = any(arg.name == "lang" for arg in spec.args)

    def callback(ctx: typer.Context, as_user: str | None = None, as_json: bool = False, **values: Any) -> None:
        parent_lang = ctx.parent.params.get("lang") if ctx.parent is not None else None
        if has_lang and values.get("lang") is None and parent_lang:
            values["lang"] = parent_lang
        run(spec.full_name, _clean(spec, values), as_user, parent_lang, as_json)

    context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
    callback.__signature__ = inspect.Signature([context, *parameters])  # type: ignore[attr-defined]
    callback.__name__ = spec.full_name.replace(" ", "_")
    doc = spec.en + (f"\n\n{spec.description}" if spec.description else "") + f"\n\n{spec.zh}"
    app.command(name, help=doc, short_help=spec.en)(callback)


def _parameter(arg: ArgSpec) -> inspect.Parameter:
    kind: inspect._ParameterKind = inspect.Parameter.KEYWORD_ONLY
    metavar = arg.name.upper()
    if arg.kind == "positional":
        info: Any = typer.Argument(help=arg.help, metavar=metavar, show_default=False)
        annotation: Any = str if arg.required else str | None
    elif arg.kind == "rest":
        info = typer.Argument(help=arg.help, metavar=f"{metavar}...", show_default=False)
        annotation = list[str] if arg.required else list[str] | None
    elif arg.kind == "switch":
        info = typer.Option(*arg.flags, help=arg.help, show_default=False)
        annotation = bool | None
    elif arg.kind == "list":
        info = typer.Option(*arg.flags, help=arg.help, metavar=metavar, show_default=False)
        annotation = list[str] | None
    else:
        info = typer.Option(*arg.flags, help=arg.help, metavar=metavar, show_default=False)
        annotation = str if arg.required else str | None
    default = inspect.Parameter.empty if arg.required else None
    if arg.kind in ("positional", "rest") and arg.required:
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Parameter(arg.name, kind, default=default, annotation=Annotated[annotation, info])


def _clean(spec: CommandSpec, values: dict[str, Any]) -> dict[str, Any]:
    """click's values → the argument model's: unset options left out, rest words joined."""
    kinds = {arg.name: arg.kind for arg in spec.args}
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if value is None or value in ((), []):
            continue
        if name.endswith(_SPELLED):
            clean[name.removesuffix(_SPELLED)] = value
            continue
        if kinds.get(name) == "rest":
            value = " ".join(value)
        elif kinds.get(name) == "list":
            value = list(value)
        clean[name] = value
    return clean


def emit(reply: Reply, as_json: bool, render: Callable[[Reply], str]) -> int:
    """Print a reply for the terminal; the exit code: 1 when the reply says something was flagged."""
    if as_json:
        items = reply.data.get("items")
        if isinstance(items, list):
            for item in items:
                sys.stdout.write(json.dumps(item, ensure_ascii=False, default=str) + "\n")
        else:
            sys.stdout.write(json.dumps(reply.data, ensure_ascii=False, default=str) + "\n")
    else:
        sys.stdout.write(render(reply) + "\n")
    sys.stdout.flush()
    return int(reply.data.get("exit_code", 0) or 0)


def run_spec(registry: Registry, full_name: str, request: Request, values: dict[str, Any]) -> Reply:
    """Run a command of the live app's registry; a ``UserError`` is the caller's to show."""
    from bot.commands import validate

    spec = registry.get(full_name)
    if spec is None:
        raise UserError(f"{full_name}: not available in this installation")
    args = validate(spec, values, request.lang)
    return registry.run(spec, request, args)
