"""Digest and import speed: build the weekly digest over N change requests (target ≤ 1 s) and run
``prbot cr import`` on an N-row XLSX as a user would, in a fresh process (target ≤ 10 s).

Synthetic data (labelled so): requests spread over the last eight weeks, sizes, statuses and late
flags mixed. Everything lives in a throw-away data dir.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from bench.isolation import isolated_env
from handlers.changes.rules import NOTICE_DAYS
from storage.changes import ChangeRequest
from storage.db import make_engine, migrate, session_scope

TZ = ZoneInfo("Asia/Shanghai")
STATUSES = ("submitted", "approved", "rejected", "done", "withdrawn")


def seed(url: str, count: int, now: datetime) -> None:
    engine = make_engine(url)
    migrate(engine)
    rng = random.Random(7)
    with session_scope(engine) as session:
        for n in range(count):
            created = now - timedelta(minutes=rng.randrange(0, 8 * 7 * 24 * 60))
            size = "big" if rng.random() < 0.3 else "small"
            effective = created.astimezone(TZ).date() + timedelta(days=rng.randrange(0, 40))
            notice = (effective - created.astimezone(TZ).date()).days
            session.add(
                ChangeRequest(
                    title=f"合成变更 synthetic change {n}",
                    requester=f"slack:U{n % 50:03d}",
                    team=f"团队{n % 7}",
                    size=size,
                    effective_date=effective,
                    status=rng.choice(STATUSES),
                    late=size == "big" and notice < NOTICE_DAYS,
                    notice_days=notice,
                    created_at=created,
                    updated_at=created,
                )
            )
    engine.dispose()


def time_digest(url: str, now: datetime) -> dict[str, float]:
    from handlers.changes.digest import build_digest
    from handlers.changes.digest_calendar import DigestCalendar
    from handlers.changes.rules import ChangeRule

    engine = make_engine(url)
    calendar = DigestCalendar()
    slot = calendar.current(now)
    previous = calendar.previous(slot)
    rule = ChangeRule()
    timings = {}
    for label in ("cold (first build, imports matplotlib)", "warm"):
        started = time.perf_counter()
        reply = build_digest(engine, slot, now, "zh", late_since=previous.post_at, rule=rule)
        timings[label] = time.perf_counter() - started
    started = time.perf_counter()
    build_digest(engine, slot, now, "zh", late_since=previous.post_at, chart=False, rule=rule)
    timings["warm, text only (no chart)"] = time.perf_counter() - started
    assert reply.files and reply.text
    engine.dispose()
    return timings


def write_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("变更申请")
    sheet.append(["标题", "大小", "生效日期", "提出人", "提出团队", "影响的活动", "描述"])
    start = date.today() + timedelta(days=1)
    for n in range(rows):
        sheet.append(
            [
                f"合成变更 synthetic change {n}",
                "大变更" if n % 3 == 0 else "小变更",
                start + timedelta(days=n % 60),
                f"slack:U{n % 50:03d}",
                f"团队{n % 7}",
                "年度发布会" if n % 5 == 0 else "",
                "说明文字 " * 5,
            ]
        )
    workbook.save(path)


def time_cli_import(data_dir: Path, xlsx: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--data-dir", str(data_dir), "cr", "import", str(xlsx)],
        capture_output=True,
        text=True,
        check=False,
        env=isolated_env(data_dir),
        cwd=data_dir.parent,  # no .env of the operator's is read
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout.strip().splitlines()[0]


def time_import_in_process(root: Path, xlsx: Path) -> float:
    """The import alone (no interpreter start, no app build), to show where the CLI's time goes."""
    from handlers.changes.rules import ChangeRule
    from handlers.changes.table import import_table

    engine = make_engine(f"sqlite:///{root / 'in-process.db'}")
    migrate(engine)
    started = time.perf_counter()
    report = import_table(engine, xlsx, "cli:bench", TZ, datetime.now(UTC), "zh", rule=ChangeRule())
    elapsed = time.perf_counter() - started
    assert report.ok, report.bad[:3]
    engine.dispose()
    return elapsed


def run(requests: int = 10_000, rows: int = 10_000, as_json: bool = False) -> dict[str, object]:
    console = Console(stderr=True)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="prbot-bench-digest-") as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'digest.db'}"
        console.print(f"seeding {requests} synthetic change requests…")
        seed(url, requests, now)
        digest = time_digest(url, now)
        xlsx = root / "import.xlsx"
        console.print(f"writing a {rows}-row XLSX…")
        write_xlsx(xlsx, rows)
        import_s, summary = time_cli_import(root / "import-data", xlsx)
        in_process_s = time_import_in_process(root, xlsx)
    result: dict[str, object] = {
        "requests": requests,
        "digest_seconds": {k: round(v, 3) for k, v in digest.items()},
        "digest_target_s": 1.0,
        "xlsx_rows": rows,
        "cli_import_seconds": round(import_s, 2),
        "cli_import_target_s": 10.0,
        "import_in_process_seconds": round(in_process_s, 2),
        "cli_import_summary": summary,
        "data": "synthetic",
    }
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return result
    table = Table(title=f"digest and import (synthetic data, {requests} requests / {rows} rows)")
    table.add_column("measure")
    table.add_column("seconds", justify="right")
    table.add_column("target", justify="right")
    for label, seconds in digest.items():
        table.add_row(f"build digest, {label}", f"{seconds:.3f}", "≤ 1")
    table.add_row("prbot cr import (new process, end to end)", f"{import_s:.2f}", "≤ 10")
    table.add_row("  of which the import itself (in process)", f"{in_process_s:.2f}", "")
    Console().print(table)
    Console().print(summary, highlight=False)
    return result
