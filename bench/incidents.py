"""1,000 concurrent incident clocks on real APScheduler: every reminder and escalation posted exactly
once across replicas, and how late the worst one was.

Each incident gets the real three checkpoints, compressed from minutes to seconds (reminder at 1/3/5 s,
deadline at 2/4/6 s after its start) so the whole run fits in ``spread`` seconds; nobody marks a
checkpoint done, so every reminder and every escalation goes out (15 posts per incident: reminder to
the thread and the lead, escalation to the thread, the lead and the manager). Incidents are created
first with the schedulers stopped and their clocks set to start together a few seconds after setup,
so setup time is not counted as lateness; then every replica (a separate process, as in production)
starts its scheduler, and its job provider reschedules every pending timer from the database (the
same path as a restart). Each replica writes the posts it made to its own file; the parent counts
them for duplicates and measures each post's arrival against its due time.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import statistics
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlmodel import Session, select

from bot.core import Destination, Reply
from bot.router import Router
from bot.scheduler import Scheduler
from bot.settings import CheckpointSettings, IncidentSettings, Settings, SeverityLevel
from handlers.crisis.wiring import register
from storage.db import make_engine, migrate, session_scope
from storage.drills import CrisisTimer, Incident, IncidentCheckpoint

CHECKPOINTS = [
    CheckpointSettings(
        key="response", name_zh="首次响应", name_en="response", target_minutes=2 / 60, remind_at_minutes=1 / 60
    ),
    CheckpointSettings(
        key="analysis", name_zh="深度分析", name_en="analysis", target_minutes=4 / 60, remind_at_minutes=3 / 60
    ),
    CheckpointSettings(
        key="statement", name_zh="官方声明", name_en="statement", target_minutes=6 / 60, remind_at_minutes=5 / 60
    ),
]
POSTS_PER_INCIDENT = 3 * (2 + 3)
LEAD_IN_S = 3.0


@dataclass
class FileNotifier:
    """Appends each post, with the time it arrived, to this replica's own file (one JSON line each)."""

    path: Path
    lock: threading.Lock = field(default_factory=threading.Lock)
    count: int = 0

    def post(self, destination: Destination, reply: Reply, key: str | None = None) -> str:
        line = json.dumps([destination.platform, destination.channel_id, reply.text, time.time()], ensure_ascii=False)
        with self.lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
            self.count += 1
            return f"{self.path.stem}-{self.count}"


def bench_settings(data_dir: Path) -> Settings:
    severity = [SeverityLevel(level=n, owner_role=f"L{n}", lead_id=f"console:lead{n}") for n in range(1, 6)]
    incidents = IncidentSettings(
        channel="console:pr-crisis",
        managers=["console:manager"],
        teams={"公关": ["console:pr"]},
        severity=severity,
        checkpoints=CHECKPOINTS,
    )
    # The database is named explicitly: a PRBOT_DATABASE_URL in the environment must never be the
    # store a benchmark shifts and fires (it would fire every timer of real incidents).
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        database_url=f"sqlite:///{(data_dir / 'bench.db').as_posix()}",
        chroma_url=None,
        incidents=incidents,
    )


def run(
    incidents: int = 1000,
    spread_s: float = 20.0,
    replicas: int = 2,
    as_json: bool = False,
    data_dir: Path | None = None,
) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        return _run(incidents, spread_s, replicas, as_json, data_dir or Path(tmp))


def _replica(data_dir: str, index: int, ready: Any, go: Any, done: Any) -> None:
    """One replica in its own process: its engine, its scheduler, its job provider."""
    settings = bench_settings(Path(data_dir))
    engine = make_engine(settings.resolved_database_url)
    providers: list = []
    notifier = FileNotifier(Path(data_dir) / f"posts-{index}.jsonl")
    register(Router(), engine, settings, {"console": notifier}, providers)
    scheduler = Scheduler(settings.timezone)
    for provider in providers:
        scheduler.add_provider(provider)
    ready.set()
    go.wait()
    scheduler.start()
    done.wait()
    scheduler.shutdown()
    engine.dispose()


def _run(incidents: int, spread_s: float, replicas: int, as_json: bool, data_dir: Path) -> dict[str, object]:
    console = Console(stderr=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = bench_settings(data_dir)
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    drills = register(Router(), engine, settings, {}, [])
    span = max(0.0, spread_s - CHECKPOINTS[-1].target_minutes * 60)

    # The replicas start first (imports take a while) and wait for the go.
    context = multiprocessing.get_context("spawn")
    go, done = context.Event(), context.Event()
    readies = [context.Event() for _ in range(replicas)]
    processes = [
        context.Process(target=_replica, args=(str(data_dir), n, readies[n], go, done), daemon=True)
        for n in range(replicas)
    ]
    for process in processes:
        process.start()

    # Setup: the incidents, their checkpoints and timers, through the same code as `incident start`.
    setup_started = time.perf_counter()
    placeholder = datetime.now(UTC) + timedelta(days=1)
    for i in range(incidents):
        with session_scope(engine) as session:
            drills.incidents.open(
                session,
                level=1 + i % 5,
                description=f"bench incident {i}",
                created_by="console:pr",
                channel=settings.incidents.channel,
                now=placeholder + timedelta(seconds=span * i / max(1, incidents - 1)),
            )
    setup_s = time.perf_counter() - setup_started
    for ready in readies:
        ready.wait(120)
    # Start every clock LEAD_IN_S from now (shifted, so setup time is not counted as lateness).
    shift = datetime.now(UTC) + timedelta(seconds=LEAD_IN_S) - placeholder
    with session_scope(engine) as session:
        for row in session.exec(select(CrisisTimer)):
            row.due_at += shift
            session.add(row)
        for inc in session.exec(select(Incident)):
            inc.started_at += shift
            session.add(inc)
        for cp in session.exec(select(IncidentCheckpoint)):
            cp.due_at += shift
            session.add(cp)
    with Session(engine) as session:
        starts = {inc.id: inc.started_at for inc in session.exec(select(Incident))}
        timer_count = len(list(session.exec(select(CrisisTimer))))

    # Run: each replica's scheduler asks its provider for every pending timer, as after a restart.
    go.set()
    expected = incidents * POSTS_PER_INCIDENT
    deadline = time.monotonic() + spread_s + LEAD_IN_S + 300
    with console.status("firing…"):
        while time.monotonic() < deadline:
            with Session(engine) as session:
                left = len(list(session.exec(select(CrisisTimer.id).where(CrisisTimer.status == "pending"))))
            if left == 0:
                break
            time.sleep(0.5)
    done.set()
    for process in processes:
        process.join(30)
    with Session(engine) as session:
        statuses = Counter(t.status for t in session.exec(select(CrisisTimer)))
        fire_late = [
            (t.fired_at - t.due_at).total_seconds() for t in session.exec(select(CrisisTimer)) if t.fired_at is not None
        ]
    engine.dispose()
    posts: list[tuple[str, str, float]] = []
    for path in sorted(data_dir.glob("posts-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            platform, channel, text, arrived = json.loads(line)
            posts.append((f"{platform}:{channel}", text, arrived))
    per_replica = Counter(path.stem for path in data_dir.glob("posts-*.jsonl") for _ in path.open(encoding="utf-8"))

    lateness = _post_lateness(posts, starts)
    per_delivery = Counter((d, text) for d, text, _ in posts)
    duplicates = sum(count - 1 for count in per_delivery.values() if count > 1)
    first = min((t for _, _, t in posts), default=0.0)
    last = max((t for _, _, t in posts), default=0.0)
    result: dict[str, object] = {
        "incidents": incidents,
        "replicas": replicas,
        "timers": timer_count,
        "timer_status": dict(statuses),
        "posts_expected": expected,
        "posts_delivered": len(posts),
        "posts_per_replica": dict(per_replica),
        "distinct_posts": len(per_delivery),
        "duplicates": duplicates,
        "setup_s": round(setup_s, 2),
        "posting_window_s": round(last - first, 2),
        "fire_lateness_s": _summary(fire_late),
        "post_lateness_s": _summary(lateness),
    }
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        _print(result)
    return result


_ID = re.compile(r"事件 #(\d+)")
_NAME = re.compile(r"「(.+?)」")


def _post_lateness(posts: list[tuple[str, str, float]], starts: dict[int | None, datetime]) -> list[float]:
    """Arrival time minus due time, for each post (due time recovered from incident, checkpoint, kind)."""
    offsets = {c.name_zh: (c.remind_at_minutes * 60, c.target_minutes * 60) for c in CHECKPOINTS}
    out = []
    for _, text, arrived in posts:
        ident, name = _ID.search(text), _NAME.search(text)
        if ident is None or name is None or name.group(1) not in offsets:
            continue
        remind, target = offsets[name.group(1)]
        due = starts[int(ident.group(1))].timestamp() + (target if "升级" in text else remind)
        out.append(arrived - due)
    return out


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {
        "max": round(ordered[-1], 3),
        "p99": round(ordered[int(0.99 * (len(ordered) - 1))], 3),
        "p50": round(statistics.median(ordered), 3),
        "min": round(ordered[0], 3),
    }


def _print(result: dict[str, object]) -> None:
    console = Console()
    ok = result["duplicates"] == 0 and result["posts_delivered"] == result["posts_expected"]
    console.print(
        f"[bold]{result['incidents']} incidents · {result['timers']} timers · {result['replicas']} replicas[/bold]"
    )
    console.print(f"timers: {result['timer_status']}")
    console.print(
        f"posts: {result['posts_delivered']} delivered / {result['posts_expected']} expected, "
        f"{result['duplicates']} duplicates → {'exactly once ✓' if ok else 'NOT exactly once ✗'}"
    )
    console.print(
        f"setup {result['setup_s']} s · posting window {result['posting_window_s']} s · "
        f"posts by replica {result['posts_per_replica']}"
    )
    console.print(f"fire lateness (s): {result['fire_lateness_s']}")
    lateness = result["post_lateness_s"]
    worst = lateness.get("max") if isinstance(lateness, dict) else None
    console.print(f"post lateness (s): {lateness}  ← worst: {worst}")
