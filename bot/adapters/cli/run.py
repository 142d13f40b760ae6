"""``prbot run`` (the bot on every configured platform) and ``prbot bench slack`` (the load run)."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("run")(run)


def run(
    slack_mode: Annotated[
        str, typer.Option("--slack-mode", help="socket (default, no public URL) or http.")
    ] = "socket",
    feishu_mode: Annotated[
        str | None, typer.Option("--feishu-mode", help="ws (long connection, default) or http (callbacks).")
    ] = None,
    host: Annotated[
        str, typer.Option(help="Interface the HTTP endpoints listen on (0.0.0.0 for every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of POST /slack/events and /feishu/events (HTTP modes).")] = 3000,
    health_port: Annotated[int, typer.Option("--health-port", help="Port of /healthz and /readyz.")] = 8080,
) -> None:
    """Run the bot: Slack and Feishu (whichever is configured), the scheduler and health endpoints."""
    from bot.adapters.cli.context import err, services
    from bot.adapters.runner import RunOptions, Runtime

    if slack_mode not in ("socket", "http"):
        err.print("--slack-mode 只能是 socket 或 http / must be socket or http")
        raise typer.Exit(2)
    if feishu_mode not in (None, "ws", "http"):
        err.print("--feishu-mode 只能是 ws 或 http / must be ws or http")
        raise typer.Exit(2)
    # Answers are CPU-bound Python (embedding, BM25) on worker threads; a shorter GIL switch interval
    # lets the threads that acknowledge Slack and Feishu in under 3 s get their turn sooner.
    sys.setswitchinterval(0.001)
    with services() as svc:
        level = getattr(logging, svc.settings.log_level.upper(), logging.INFO)
        logging.getLogger().setLevel(level)
        runtime = Runtime(svc, RunOptions(slack_mode, feishu_mode, host, port, health_port))
        try:
            runtime.start()
        except (OSError, ValueError) as exc:
            err.print(f"[red]启动失败 / cannot start:[/red] {exc}", highlight=False)
            runtime.stop()
            raise typer.Exit(2) from None
        try:
            runtime.wait()
        finally:
            runtime.stop()
