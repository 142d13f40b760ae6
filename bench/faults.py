"""Scheduled posts under faults: N posts across two replica processes sharing one database (PostgreSQL,
a scratch schema dropped afterwards; SQLite when no server is reachable, said so), with replica A
killed by SIGKILL at a chosen point of a post:

- ``after_claim``: A holds the post's claim and has not posted;
- ``after_post``: Slack accepted A's post, A has not recorded it;
- ``before_done``: A is about to mark the claim done.

Replica B stays online and must take the post over once A's lease runs out, without posting it twice
(the post carries its claim's key in Slack message metadata; B finds it in the channel's history).
Every post goes through the real timer service, claims, Slack notifier and slack_sdk client, to a
loopback fake of the Slack Web API. Reports expected, delivered, duplicated, lost and the worst
recovery time (from A's death to the post's claim being done by B). Targets: 0 duplicated, 0 lost,
recovery within the lease.

The Slack *events* half of the fault bench (a kill mid-answer) belongs with the event states;
``EVENT_FAULTS`` is the hook where it plugs in.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from bench.pgtemp import scratch_schema, unreachable_reason
from bot.core import Destination, Reply
from handlers.crisis.timers import Delivery, Plan, TimerService
from storage.claims import Claim
from storage.db import make_engine, migrate
from storage.drills import CrisisTimer

REPO = Path(__file__).resolve().parents[1]
CRASH_POINTS = ("after_claim", "after_post", "before_done")
KIND = "bench_post"
CHANNEL = "CFAULTS"
JOB_PREFIX = "faults:"
# Recovery is due within the lease of the dead owner plus the moment a survivor needs to notice
# the expiry and make (or find) the post.
NOTICE_S = 1.0
# Extra fault kinds (e.g. Slack events killed mid-answer) register a runner here: name -> run(**options).
EVENT_FAULTS: dict[str, Callable[..., dict[str, object]]] = {}


# ---- one replica (its own process) ------------------------------------------------------------------


def _build_post(_session: Session, timer: CrisisTimer, _now: datetime) -> Plan:
    return Plan([Delivery(Destination("slack", CHANNEL), Reply(text=f"scheduled post {timer.job}"))])


def _crash(report: Path, job: str, point: str) -> None:
    with report.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"job": job, "point": point, "crashed_at": time.time()}) + "\n")
    os.kill(os.getpid(), signal.SIGKILL)


def replica(url: str, api_url: str, owner: str, lease_s: float, sweep_s: float, crash: str, report: Path) -> None:
    """Fire scheduled posts until told to stop (SIGTERM); with ``crash``, die at that point of the
    first post this replica handles."""
    import storage.claims as claims
    from bot.adapters.slack.app import SlackNotifier, make_client
    from bot.scheduler import Scheduler
    from bot.settings import SlackSettings

    engine = make_engine(url)
    client = make_client(SlackSettings(bot_token="xoxb-bench", api_url=api_url))
    notifier = SlackNotifier(client)
    if crash in ("after_claim", "after_post"):
        real_post = notifier.post

        def post(destination: Destination, reply: Reply, key: str | None = None) -> str:
            job = (key or "").partition("@")[0]
            if crash == "after_claim":
                _crash(report, job, crash)
            message_id = real_post(destination, reply, key=key)
            _crash(report, job, crash)
            return message_id

        notifier.post = post  # type: ignore[method-assign]
    elif crash == "before_done":
        real_finish = claims.finish

        def finish(*, engine: Any, lease: claims.Lease, detail: str = "") -> bool:
            if lease.job.startswith(JOB_PREFIX):
                _crash(report, lease.job, crash)
            return real_finish(engine=engine, lease=lease, detail=detail)

        claims.finish = finish  # run_claimed looks the name up at call time
    timers = TimerService(engine, {"slack": notifier}, owner=owner, lease=timedelta(seconds=lease_s), sweep_s=sweep_s)
    timers.on(KIND, _build_post)
    scheduler = Scheduler("UTC")
    scheduler.add_provider(timers.provider)
    stopping = [False]
    signal.signal(signal.SIGTERM, lambda *_: stopping.__setitem__(0, True))
    scheduler.start()
    print("ready", flush=True)
    while not stopping[0]:
        time.sleep(0.1)
    scheduler.shutdown(wait=False)
    engine.dispose()


# ---- the run ------------------------------------------------------------------------------------------


@dataclass
class Round:
    point: str
    expected: int = 0
    delivered: int = 0
    duplicated: int = 0
    lost: int = 0
    crashed: bool = False
    recovery_s: float | None = None
    timer_status: dict[str, int] = field(default_factory=dict)
    # The claim of the post A died on: who finished it, and its fencing token (2 = taken over once).
    crashed_claim: tuple[str, str, int] | None = None


def _fake_slack() -> Any:
    try:
        from tests.fakes import slack_api
    except ImportError:
        raise SystemExit("prbot bench faults needs the source checkout (tests/fakes/slack_api.py)") from None
    return slack_api


@contextmanager
def _database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "postgresql":
        with scratch_schema(prefix="prbot_faults") as url:
            yield url
    else:
        yield f"sqlite:///{tmp / 'faults.db'}"


def _start_replica(
    url: str, api_url: str, owner: str, lease_s: float, sweep_s: float, crash: str, report: Path
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRBOT_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    args = [sys.executable, "-m", "bench.faults", "replica", url, api_url, owner, str(lease_s), str(sweep_s)]
    process = subprocess.Popen(
        [*args, crash, str(report)],
        env=env,
        cwd=report.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline() if process.stdout else ""
    if line.strip() != "ready":
        process.kill()
        raise RuntimeError(f"replica {owner} did not start: {process.stderr.read()[-2000:] if process.stderr else ''}")
    return process


def _add_timers(url: str, first: int, count: int, due: datetime, gap_s: float) -> None:
    engine = make_engine(url)
    with Session(engine) as session:
        for n in range(first, first + count):
            session.add(
                CrisisTimer(
                    job=f"{JOB_PREFIX}{n}",
                    period="bench",
                    kind=KIND,
                    due_at=due + timedelta(seconds=gap_s * (n - first)),
                )
            )
        session.commit()
    engine.dispose()


def _pending(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        left = len(list(session.exec(select(CrisisTimer.id).where(CrisisTimer.status == "pending"))))
    engine.dispose()
    return left


def run_point(
    point: str, posts: int, lease_s: float, backend: str, max_rounds: int = 8, timeout_s: float | None = None
) -> Round:
    """One crash point: replica A (armed) and B (survivor) on a fresh database and a fresh fake Slack.
    Timers come in rounds until A has died on one (it dies on the first post it handles)."""
    fakes = _fake_slack()
    result = Round(point)
    timeout_s = timeout_s or 8 * lease_s + 60
    with tempfile.TemporaryDirectory(prefix="prbot-faults-") as tmp, fakes.FakeSlackAPI() as fake:
        report = Path(tmp) / "crashes.jsonl"
        with _database(backend, Path(tmp)) as url:
            engine = make_engine(url)
            migrate(engine)
            engine.dispose()
            b = _start_replica(url, fake.api_url, "replica-b", lease_s, 1.0, "none", report)
            a = _start_replica(url, fake.api_url, "replica-a", lease_s, 0.2, point, report)
            try:
                added, batch = 0, max(1, posts // 4)
                for _ in range(max_rounds):
                    count = batch if not result.crashed else posts - added
                    if count <= 0:
                        break
                    _add_timers(url, added, count, datetime.now(UTC) + timedelta(seconds=0.3), 0.1)
                    added += count
                    deadline = time.monotonic() + timeout_s
                    while _pending(url) and time.monotonic() < deadline:
                        time.sleep(0.1)
                    result.crashed = a.poll() == -signal.SIGKILL
                result.expected = added
            finally:
                for process in (a, b):
                    if process.poll() is None:
                        process.terminate()
                for process in (a, b):
                    try:
                        process.wait(15)
                    except subprocess.TimeoutExpired:
                        process.kill()
            keys = Counter(
                str(call["body"]["metadata"]["event_payload"]["key"]).partition("@")[0]
                for call in fake.of("chat.postMessage")
                if "failed" not in call and call["body"].get("metadata")
            )
            result.delivered = sum(1 for n in range(result.expected) if keys.get(f"{JOB_PREFIX}{n}", 0) >= 1)
            result.duplicated = sum(count - 1 for count in keys.values() if count > 1)
            result.lost = result.expected - result.delivered
            engine = make_engine(url)
            with Session(engine) as session:
                result.timer_status = dict(Counter(t.status for t in session.exec(select(CrisisTimer))))
                crashes = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
                for crash in crashes:
                    claim = session.exec(select(Claim).where(Claim.job == crash["job"])).first()
                    if claim is not None:
                        result.crashed_claim = (claim.status, claim.owner, claim.token)
                    if claim is not None and claim.finished_at is not None:
                        recovery = claim.finished_at.timestamp() - crash["crashed_at"]
                        result.recovery_s = max(result.recovery_s or 0.0, recovery)
            engine.dispose()
    return result


def run(
    posts: int = 40,
    lease_s: float = 5.0,
    points: tuple[str, ...] = CRASH_POINTS,
    as_json: bool = False,
    backend: str | None = None,
) -> dict[str, object]:
    reason = unreachable_reason()
    backend = backend or ("postgresql" if reason is None else "sqlite")
    rounds = [run_point(point, posts, lease_s, backend) for point in points]
    result: dict[str, object] = {
        "backend": backend,
        "backend_note": f"PostgreSQL unavailable ({reason}): ran on SQLite" if backend == "sqlite" and reason else "",
        "replicas": 2,
        "lease_s": lease_s,
        "points": [vars(r) for r in rounds],
        "expected": sum(r.expected for r in rounds),
        "delivered": sum(r.delivered for r in rounds),
        "duplicated": sum(r.duplicated for r in rounds),
        "lost": sum(r.lost for r in rounds),
        "crashes": sum(r.crashed for r in rounds),
        "recovery_target_s": lease_s + NOTICE_S,
        "worst_recovery_s": max((r.recovery_s for r in rounds if r.recovery_s is not None), default=None),
    }
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        _print(result)
    return result


def _print(result: dict[str, object]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"scheduled posts under SIGKILL · 2 replicas · {result['backend']} · lease {result['lease_s']} s"
    )
    for column in ("crash point", "expected", "delivered", "duplicated", "lost", "A killed", "recovery s"):
        table.add_column(column, justify="left" if column == "crash point" else "right", no_wrap=True)
    for r in result["points"]:  # type: ignore[attr-defined]
        recovery = "—" if r["recovery_s"] is None else f"{r['recovery_s']:.2f}"
        table.add_row(
            r["point"],
            str(r["expected"]),
            str(r["delivered"]),
            str(r["duplicated"]),
            str(r["lost"]),
            "yes" if r["crashed"] else "no",
            recovery,
        )
    console = Console(width=max(100, Console().width))
    console.print(table)
    if result["backend_note"]:
        console.print(result["backend_note"])
    recovered = result["worst_recovery_s"]
    worst = float(recovered) if isinstance(recovered, int | float) else None
    lease_s = result["lease_s"]
    assert isinstance(lease_s, int | float)
    bound = float(lease_s) + NOTICE_S
    ok = result["duplicated"] == 0 and result["lost"] == 0 and worst is not None and worst <= bound
    console.print(
        f"total: {result['delivered']}/{result['expected']} delivered, {result['duplicated']} duplicated, "
        f"{result['lost']} lost, worst recovery {worst if worst is None else round(worst, 2)} s "
        f"(targets 0, 0, ≤ lease + {NOTICE_S:.0f} s to notice and post) → {'met ✓' if ok else 'NOT met ✗'}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("run", help="the benchmark")
    bench.add_argument("--posts", type=int, default=40)
    bench.add_argument("--lease", type=float, default=5.0, help="lease seconds (short, to keep the run short)")
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--backend", choices=("postgresql", "sqlite"))
    one = sub.add_parser("replica", help="one replica process (used by the run)")
    for name in ("url", "api_url", "owner", "lease_s", "sweep_s", "crash", "report"):
        one.add_argument(name)
    args = parser.parse_args(argv)
    if args.command == "replica":
        replica(
            args.url, args.api_url, args.owner, float(args.lease_s), float(args.sweep_s), args.crash, Path(args.report)
        )
    else:
        run(args.posts, args.lease, as_json=args.json, backend=args.backend)


if __name__ == "__main__":
    main()
