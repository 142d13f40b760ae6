"""``prbot run`` (the bot on every configured platform) and ``prbot bench slack`` (the load run)."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    bench = next((g.typer_instance for g in app.registered_groups if g.name == "bench"), None)
    if bench is not None:
        bench.command("slack")(bench_slack)


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
    from bot.adapters.cli.app import err, services
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


def bench_slack(
    events: Annotated[int, typer.Option(help="Signed events to send.")] = 200,
    senders: Annotated[int, typer.Option(help="Concurrent senders.")] = 20,
    retries: Annotated[float, typer.Option(help="Share of events redelivered with X-Slack-Retry-Num.")] = 0.1,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the last answer.")] = 600.0,
    workers: Annotated[int | None, typer.Option(help="Answer workers of the server (PRBOT_SLACK_WORKERS).")] = None,
    model_delay: Annotated[
        float, typer.Option("--model-delay", help="Seconds the fake chat model takes per answer (0: offline writer).")
    ] = 5.0,
    forms: Annotated[int, typer.Option(help="/prbot cr new commands (forms) sent while the answers run.")] = 20,
) -> None:
    """Load run: signed events against HTTP mode and a loopback fake Slack API; ack latency, exactly-once."""
    from bench.slack_load import run as run_load

    run_load(
        events=events,
        senders=senders,
        retry_share=retries,
        timeout_s=timeout,
        workers=workers,
        model_delay=model_delay,
        forms=forms,
    )
