"""The one scheduler of a process: APScheduler 3.x ``BackgroundScheduler`` in the configured time zone.

Jobs are not persisted by APScheduler: capabilities register *providers* that derive their jobs from
settings and the database each time the scheduler starts, so nothing is lost across restarts and two
replicas never share a job store. Exactly-once delivery comes from claim rows (storage.claims), not
from the scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

JobProvider = Callable[["Scheduler"], None]


class Scheduler:
    def __init__(self, timezone: str = "Asia/Shanghai", misfire_grace_s: int = 6 * 3600, workers: int = 8) -> None:
        self.timezone = ZoneInfo(timezone)
        self._aps = BackgroundScheduler(
            timezone=self.timezone,
            executors={"default": ThreadPoolExecutor(workers)},
            job_defaults={"coalesce": True, "misfire_grace_time": misfire_grace_s, "max_instances": 1},
        )
        self._providers: list[JobProvider] = []

    def add_provider(self, provider: JobProvider) -> None:
        self._providers.append(provider)

    def cron(
        self,
        job_id: str,
        func: Callable[..., Any],
        *,
        day_of_week: str,
        hour: int,
        minute: int = 0,
        timezone: str | None = None,
        **kwargs: Any,
    ) -> None:
        """A weekly/daily job; ``day_of_week`` by name (``"wed"``), never a number (APScheduler counts
        Monday as 0, unlike crontab). ``timezone`` overrides the scheduler's for this job's wall clock."""
        tz = ZoneInfo(timezone) if timezone else self.timezone
        trigger = CronTrigger(day_of_week=day_of_week, hour=hour, minute=minute, timezone=tz)
        self._aps.add_job(func, trigger, id=job_id, replace_existing=True, kwargs=kwargs)

    def at(self, job_id: str, func: Callable[..., Any], run_at: datetime, **kwargs: Any) -> None:
        """A one-off job at ``run_at`` (timezone-aware). Past times within the misfire grace still run."""
        self._aps.add_job(
            func, DateTrigger(run_date=run_at, timezone=self.timezone), id=job_id, replace_existing=True, kwargs=kwargs
        )

    def every(self, job_id: str, func: Callable[..., Any], seconds: float, **kwargs: Any) -> None:
        """A job repeated every ``seconds``, e.g. a sweep for timers another process wrote to the database."""
        trigger = IntervalTrigger(seconds=seconds, timezone=self.timezone)
        self._aps.add_job(func, trigger, id=job_id, replace_existing=True, kwargs=kwargs)

    def remove(self, job_id: str) -> None:
        if self._aps.get_job(job_id) is not None:
            self._aps.remove_job(job_id)

    def job_ids(self) -> list[str]:
        return [job.id for job in self._aps.get_jobs()]

    def next_run(self, job_id: str) -> datetime | None:
        job = self._aps.get_job(job_id)
        return job.next_run_time if job is not None else None

    def start(self, paused: bool = False) -> None:
        """Derive the jobs and start; ``paused`` registers them with their times but runs none (tests
        read the schedule and call the jobs themselves)."""
        for provider in self._providers:
            provider(self)
        self._aps.start(paused=paused)
        log.info("scheduler started with %d job(s)", len(self._aps.get_jobs()))

    def shutdown(self, wait: bool = True) -> None:
        if self._aps.running:
            self._aps.shutdown(wait=wait)

    @property
    def running(self) -> bool:
        return bool(self._aps.running)
