"""The replay contract: a mentions file fed in the order and at the times it was published, on a
simulated clock (no waiting), through the same scoring, grouping and rules as live mentions, into a
throw-away database; nothing is posted and no live store is touched. One JSON object per alert:

    {"story": "…", "story_id": 3, "level": 1, "at": "2026-12-01T09:40:00+08:00", "mentions": 37,
     "first": "2026-12-01T09:12:00+08:00", "urls": ["…"]}
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.settings import Settings
from handlers.watch.scoring import Scorer, load_terms
from handlers.watch.service import RaisedAlert, WatchService
from handlers.watch.sources import BadRow, MentionIn, read_file
from storage.db import make_engine, migrate


@dataclass
class ReplayResult:
    alerts: list[dict[str, Any]]
    bad: list[BadRow]
    mentions: int
    stored: int
    seconds: float


class SimulatedClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def alert_json(alert: RaisedAlert, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "story": alert.title,
        "story_id": alert.story_id,
        "level": alert.level,
        "at": alert.at.astimezone(tz).isoformat(),
        "mentions": alert.mentions,
        "first": alert.first.astimezone(tz).isoformat(),
        "urls": alert.urls,
    }


def _by_minute(mentions: list[MentionIn]) -> Iterator[tuple[datetime, list[MentionIn]]]:
    """Mentions in publication order, in batches of one minute; each batch is checked at its last post."""
    batch: list[MentionIn] = []
    minute: datetime | None = None
    for item in mentions:
        key = item.published.replace(second=0, microsecond=0)
        if minute is not None and key != minute:
            yield batch[-1].published, batch
            batch = []
        minute = key
        batch.append(item)
    if batch:
        yield batch[-1].published, batch


def replay_mentions(mentions: list[MentionIn], settings: Settings, scorer: Scorer | None = None) -> ReplayResult:
    ordered = sorted(mentions, key=lambda m: m.published)
    tz = ZoneInfo(settings.timezone)
    alerts: list[dict[str, Any]] = []
    stored = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="prbot-replay-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'replay.db'}")
        try:
            migrate(engine)
            clock = SimulatedClock(ordered[0].published if ordered else datetime.now(tz))
            service = WatchService(
                engine, settings, {}, clock=clock, scorer=scorer or Scorer(load_terms(settings.watch.terms_file))
            )
            for at, batch in _by_minute(ordered):
                clock.now = at
                stored += service.ingest(batch, source="replay").stored
                alerts += [alert_json(a, tz) for a in service.evaluate(now=at)]
        finally:
            engine.dispose()
    return ReplayResult(alerts, [], len(mentions), stored, time.perf_counter() - started)


def replay_file(path: Path, settings: Settings, scorer: Scorer | None = None) -> ReplayResult:
    parsed = read_file(path)
    result = replay_mentions(parsed.mentions, settings, scorer)
    result.bad = parsed.bad
    return result
