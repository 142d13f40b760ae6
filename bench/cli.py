"""``prbot bench …``: the benchmarks, plugged into the command line through the ``prbot.cli`` entry
point, so the product never imports them (an install without ``bench`` has no ``prbot bench``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.adapters.cli.context import err, load_settings

bench_app = typer.Typer(help="Benchmarks (run on purpose; they print figures).", no_args_is_help=True)
# The public CMRC 2018 trial set is read in place from the shared bench folder beside the checkout.
DEFAULT_CMRC = Path(__file__).resolve().parents[2] / "shared" / "bench" / "cmrc2018_trial.json"


@bench_app.command("faults")
def bench_faults(
    posts: Annotated[int, typer.Option(help="Scheduled posts per crash point.")] = 40,
    lease: Annotated[float, typer.Option(help="Claim lease in seconds (short, so recovery is quick).")] = 5.0,
    backend: Annotated[
        str | None, typer.Option(help="postgresql or sqlite (default: PostgreSQL where reachable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Two replica processes, one killed with SIGKILL at each crash point: posts delivered, duplicated,
    lost, and the worst recovery time. Uses its own scratch database, never a configured one."""
    from bench.faults import run

    run(posts, lease, as_json=as_json, backend=backend)


@bench_app.command("retrieval")
def bench_retrieval(
    squad: Annotated[Path, typer.Option(help="A SQuAD-format JSON file, e.g. ../shared/bench/cmrc2018_trial.json")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int | None, typer.Option(help="Only the first N questions.")] = None,
    bm25_weight: Annotated[float | None, typer.Option(help="Override the fusion weight.")] = None,
) -> None:
    """Recall@k, MRR, answer-hit, ingest throughput, latency and memory on a SQuAD-format file."""
    from bench.retrieval import run

    if not squad.is_file():
        err.print(
            f"找不到数据集 / no data set at {squad}: the CMRC 2018 trial set (SQuAD format, CC BY-SA 4.0) "
            "is read in place from the shared bench folder (../shared/bench/cmrc2018_trial.json); "
            "pass its path with --squad.",
            highlight=False,
        )
        raise typer.Exit(2)

    run(squad, as_json=as_json, limit=limit, bm25_weight=bm25_weight, settings=load_settings())


@bench_app.command("calibrate")
def bench_calibrate(
    questions: Annotated[Path | None, typer.Option(help="Labelled questions (YAML); default: the demo set.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    prlib: Annotated[Path | None, typer.Option(help="A labelled dev library: corpus/ + questions.jsonl.")] = None,
    squad: Annotated[Path | None, typer.Option(help="A SQuAD-format file, e.g. CMRC 2018 trial.")] = None,
    fit: Annotated[bool, typer.Option(help="Fit the relevance model; check it leave-one-set-out.")] = False,
) -> None:
    """How well the bot cites or declines on labelled answerable and unanswerable questions."""
    from bench.calibrate import DEFAULT_QUESTIONS, run

    run(questions or DEFAULT_QUESTIONS, as_json=as_json, settings=load_settings(), prlib=prlib, squad=squad, fit=fit)


@bench_app.command("conversation")
def bench_conversation(
    dataset: Annotated[Path, typer.Option(help="A folder with intents.jsonl, questions.jsonl and corpus/.")] = Path(
        "../shared/bench/prlib-dev"
    ),
    as_json: Annotated[bool, typer.Option("--json")] = False,
    index_dir: Annotated[
        Path | None, typer.Option(help="Keep the corpus index in this data dir between runs (default: a temp dir).")
    ] = None,
) -> None:
    """Routing accuracy, follow-up hit@3, list completeness and per-message latency, offline."""
    from bench.conversation import run

    run(dataset, as_json=as_json, settings=load_settings(), index_dir=index_dir)


@bench_app.command("scale")
def bench_scale(
    sizes: Annotated[str, typer.Option(help="Comma-separated chunk counts.")] = "10000,100000",
    queries: Annotated[int, typer.Option(help="Queries per size.")] = 200,
) -> None:
    """Query latency at large chunk counts (synthetic vectors, labelled so)."""
    from bench.scale import run

    run([int(s) for s in sizes.split(",")], queries)


@bench_app.command("incidents")
def bench_incidents(
    incidents: Annotated[int, typer.Option("--incidents", help="Concurrent incidents.")] = 1000,
    spread: Annotated[float, typer.Option("--spread", help="Seconds over which their timers fall due.")] = 20.0,
    replicas: Annotated[int, typer.Option("--replicas", help="Schedulers sharing one database.")] = 2,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """1,000 incident clocks on real APScheduler: every reminder once, worst lateness."""
    from bench.incidents import run

    run(incidents=incidents, spread_s=spread, replicas=replicas, as_json=as_json)


@bench_app.command("slack")
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


@bench_app.command("drafting")
def bench_drafting(
    squad: Annotated[Path, typer.Option(help="CMRC 2018 trial file (read in place).")] = DEFAULT_CMRC,
    runs: Annotated[int, typer.Option(help="Timed drafts for the latency figure.")] = 100,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Offline drafting latency (p95, 2,000-character source) and number faithfulness on CMRC contexts."""
    from bench.drafting import run

    run(squad, runs=runs, as_json=as_json)


@bench_app.command("watch")
def bench_watch(
    seed: Annotated[int, typer.Option(help="Seed of the synthetic day.")] = 7,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A replayed synthetic day with planted crises: alerts per level, false alerts, minutes to alert, throughput."""
    from bench.watch import run
    from bot.adapters.cli.context import load_settings

    report = run(as_json=as_json, seed=seed, settings=load_settings())
    if not report["all_crises_in_time"]:
        raise typer.Exit(1)


@bench_app.command("watch-sentiment")
def bench_watch_sentiment(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The offline Chinese sentiment packages on the labelled set: accuracy and speed."""
    from bench.watch_sentiment import run

    run(as_json=as_json)


@bench_app.command("digest")
def bench_digest(
    requests: Annotated[int, typer.Option(help="Change requests in the table for the digest build.")] = 10_000,
    rows: Annotated[int, typer.Option(help="Rows in the XLSX for the import.")] = 10_000,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Digest build time over N change requests (target ≤ 1 s) and `prbot cr import` of an N-row XLSX (≤ 10 s)."""
    from bench.digest import run

    run(requests=requests, rows=rows, as_json=as_json)
