"""What every terminal command shares: the consoles, the settings and the app they build, and who
is typing. The command modules import this; nothing here imports them."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from bot.core import UserError

if TYPE_CHECKING:  # settings and the app graph are imported only when a command runs: --help stays quick
    from pydantic_settings import SettingsError

    from bot.app import Services
    from bot.settings import Settings

T = TypeVar("T")


console = Console(soft_wrap=True)  # a pipe or CI log gets whole lines, not 80-column cuts


err = Console(stderr=True, soft_wrap=True)


class State:
    data_dir: Path | None = None
    log_path: Path | None = None


def load_settings() -> Settings:
    from pydantic_settings import SettingsError

    from bot.settings import Settings

    try:
        settings = Settings()
    except SettingsError as exc:
        # A value that is not valid JSON where a list or table is expected (PRBOT_ROLES_MANAGERS …).
        err.print(f"[red]设置有误 / invalid setting:[/red] {_setting_name(exc)}", highlight=False)
        raise typer.Exit(2) from None
    except ValidationError as exc:
        # Name the setting and what was wrong, never the value (it may be a secret).
        problems = "; ".join(f"PRBOT_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors())
        err.print(f"[red]设置有误 / invalid setting:[/red] {problems}", highlight=False)
        raise typer.Exit(2) from None
    if State.data_dir is not None:
        settings.data_dir = State.data_dir
    return settings


def _setting_name(exc: SettingsError) -> str:
    """pydantic-settings says 'error parsing value for field "roles" from source …'; name the setting."""
    import re

    found = re.search(r'field "([^"]+)"', str(exc))
    name = f"PRBOT_{found[1].upper()}_*" if found else "PRBOT_*"
    return f'{name}: 不是有效的 JSON 值 / not a valid JSON value (lists and tables are JSON, e.g. ["slack:U1"])'


@contextmanager
def services(capabilities: bool = True) -> Iterator[Services]:
    """Build the app (without the chat capabilities for commands that only use the library);
    configuration problems become one clear line and exit code 2."""
    from bot.app import ConfigError, build_services
    from knowledge.library.embed import EmbeddingError
    from knowledge.library.vectors import VectorStoreError
    from storage.db import DatabaseError

    try:
        yield build_services(load_settings(), capabilities=capabilities)
    except (ConfigError, DatabaseError, VectorStoreError, EmbeddingError) as exc:
        err.print(f"[red]错误 / error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None


def cli_user(settings: Settings, as_user: str | None = None) -> str:
    """Who is typing: ``--as USER``, else PRBOT_CLI_USER, else ``cli:`` + the OS user (roles match on it)."""
    return as_user or settings.cli_user or f"cli:{getpass.getuser()}"


@contextmanager
def guarded_services() -> Iterator[tuple[Services, Callable[[Callable[[], T]], T]]]:
    """The app's services and a runner that turns a ``UserError`` into one clear line and exit code 2."""

    def attempt(action: Callable[[], T]) -> T:
        try:
            return action()
        except UserError as exc:
            err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(2) from None

    with services() as svc:
        yield svc, attempt


@contextmanager
def notifying_services() -> Iterator[Services]:
    """The app, able to post: the platforms configured in settings, and the terminal (stderr)."""
    from bot.adapters.terminal import ConsoleNotifier

    with services() as svc:
        # Posts to console channels go to stderr, so stdout holds only the reply (no message twice).
        svc.notifiers["console"] = ConsoleNotifier(output=lambda text: err.print(text, highlight=False, markup=False))
        from bot.adapters.notify import build_notifiers

        for name, notifier in build_notifiers(svc.settings).items():
            svc.notifiers.setdefault(name, notifier)
        yield svc


def run_registry_command(
    full_name: str, values: dict[str, object], as_user: str | None, _parent_lang: str | None, as_json: bool
) -> None:
    """A registry command from the terminal: the same handler and reply as in chat, as the terminal user."""
    from dataclasses import replace

    from bot import messages as msg
    from bot.adapters.cli.registry import emit, run_spec
    from bot.adapters.terminal import render
    from bot.core import Request

    with notifying_services() as svc:
        user = cli_user(svc.settings, as_user)
        request = Request(text=full_name, user_id=user, platform="console", channel_id="cli")
        spec = svc.router.registry.get(full_name)
        if spec is not None and spec.effects and not getattr(svc.settings.roles, spec.role, ["?"]):
            setting = f"PRBOT_ROLES_{spec.role.upper()}"
            err.print(msg.t("operator_note", "zh", setting=setting), highlight=False, markup=False, soft_wrap=True)
        try:
            reply = run_spec(svc.router.registry, full_name, request, dict(values))
        except UserError as exc:
            err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(2) from None
        # Nothing can be clicked in a one-shot command's output.
        code = emit(replace(reply, buttons=[]), as_json, render)
    if code:
        raise typer.Exit(code)
