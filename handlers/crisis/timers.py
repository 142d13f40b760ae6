"""Persistent timers for drills and incidents: reminders, escalations, drill start and end.

A timer is a database row (storage.drills.CrisisTimer). ``fire`` is the one path that runs it, called
by APScheduler or directly by a test with a controlled clock. Each post goes through
``storage.claims.run_claimed`` keyed by the timer's job (``incident:42:analysis:escalate``) and a
period naming the timer's start and the destination, so a restart or a second replica never
posts twice, and a post that failed for one recipient is retried without repeating the others.

A replica that dies mid-fire leaves the timer's lease and the post's claim behind; both run out
after ``LEASE``, the survivors' sweep puts the timer back on their scheduler at that moment, and
the post is taken over and sent idempotently (the notifier finds a post that did go out by its key).
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core import Destination, Notifier, NotifyError, Reply
from storage import drills as store
from storage.claims import ClaimResult, post_key, run_claimed
from storage.db import DbEngine, DbSession, session_scope
from storage.drills import CrisisTimer
from storage.library import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
LEASE = timedelta(minutes=5)  # a replica that dies mid-fire hands its timers (and claims) over after this
RETRY_AFTER = timedelta(minutes=2)
SWEEP_SECONDS = 30.0


class SchedulerLike(Protocol):
    def at(self, job_id: str, func: Callable[..., Any], run_at: datetime, **kwargs: Any) -> None: ...
    def every(self, job_id: str, func: Callable[..., Any], seconds: float, **kwargs: Any) -> None: ...
    def job_ids(self) -> list[str]: ...


@dataclass(frozen=True)
class Delivery:
    destination: Destination
    reply: Reply


@dataclass
class Plan:
    """What a fired timer does: posts, or nothing with the reason (e.g. the checkpoint is done)."""

    deliveries: list[Delivery] = field(default_factory=list)
    skip_reason: str = ""
    # Runs after the timer's transaction commits (e.g. open the thread of an incident a drill started).
    after: Callable[[], None] | None = None


# Builds the plan of a fired timer; may write to the database inside ``session`` (e.g. a drill start).
Builder = Callable[[DbSession, CrisisTimer, datetime], Plan]


@dataclass(frozen=True)
class FireResult:
    timer_id: int
    status: str  # fired | skipped | retry | failed | not_pending
    posted: int = 0
    late_s: float = 0.0
    retry_at: datetime | None = None  # when a post held by another live replica is looked at again


def delivery_key(destination: Destination) -> str:
    key = f"{destination.platform}:{destination.channel_id}"
    return f"{key}/{destination.thread_id}" if destination.thread_id else key


class TimerService:
    def __init__(
        self,
        engine: DbEngine,
        notifiers: dict[str, Notifier],
        owner: str | None = None,
        lease: timedelta = LEASE,
        sweep_s: float = SWEEP_SECONDS,
    ) -> None:
        self.engine = engine
        self.lease = lease
        self.sweep_s = sweep_s
        # The services' dict itself: adapters add their notifiers after this is built.
        self.notifiers = notifiers
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.builders: dict[str, Builder] = {}
        self.scheduler: SchedulerLike | None = None
        self._inflight: set[int] = set()
        self._lock = threading.Lock()

    def on(self, kind: str, builder: Builder) -> None:
        self.builders[kind] = builder

    # -- creating and scheduling --------------------------------------------------------------------

    def schedule(self, timers: list[CrisisTimer]) -> None:
        """Put timers on the live scheduler (if this process runs one); overdue ones fire once, now."""
        if self.scheduler is None:
            return
        now = utcnow()
        for timer in timers:
            if timer.id is None or timer.status != "pending":
                continue
            # A timer leased by another replica is looked at when that lease runs out (it may have died).
            run_at = max(timer.due_at, timer.lease_until or now, now + timedelta(milliseconds=200))
            self.scheduler.at(f"crisis-timer:{timer.id}", self.run_job, run_at, timer_id=timer.id)

    def provider(self, scheduler: SchedulerLike) -> None:
        """The job provider: every pending timer goes back on the scheduler when it starts."""
        self.scheduler = scheduler
        with session_scope(self.engine) as session:
            timers = store.pending_timers(session=session)
        self.schedule(timers)
        scheduler.every("crisis-timers-sweep", self.sweep, self.sweep_s)
        log.info("crisis timers: %d pending rescheduled", len(timers))

    def sweep(self) -> None:
        """Pick up timers other processes wrote (an incident started from the CLI) before they are due."""
        if self.scheduler is None:
            return
        horizon = utcnow() + timedelta(seconds=2 * self.sweep_s)
        with session_scope(self.engine) as session:
            timers = store.pending_timers(session=session, due_before=horizon)
        scheduled = set(self.scheduler.job_ids())
        with self._lock:
            todo = [t for t in timers if f"crisis-timer:{t.id}" not in scheduled and t.id not in self._inflight]
        self.schedule(todo)

    def run_job(self, timer_id: int) -> None:
        """APScheduler's entry point: fire, and come back later if a platform failed."""
        result = self.fire(timer_id)
        if result.status == "retry" and self.scheduler is not None:
            run_at = result.retry_at or utcnow() + RETRY_AFTER
            self.scheduler.at(f"crisis-timer:{timer_id}", self.run_job, run_at, timer_id=timer_id)

    # -- firing ---------------------------------------------------------------------------------------

    def fire_due(self, now: datetime | None = None) -> list[FireResult]:
        """Fire every pending timer due by ``now`` (tests and catch-up), oldest first."""
        now = now or utcnow()
        with session_scope(self.engine) as session:
            ids = [t.id for t in store.pending_timers(session=session, due_before=now) if t.id is not None]
        return [self.fire(timer_id, now) for timer_id in ids]

    def fire(self, timer_id: int, now: datetime | None = None) -> FireResult:
        now = now or utcnow()
        with self._lock:
            if timer_id in self._inflight:
                return FireResult(timer_id, "not_pending")
            self._inflight.add(timer_id)
        try:
            return self._fire(timer_id, now)
        finally:
            with self._lock:
                self._inflight.discard(timer_id)

    def _lease(self, timer_id: int, now: datetime) -> bool:
        """Take the timer for this process (one conditional UPDATE, atomic on SQLite and PostgreSQL)."""
        return store.lease_timer(
            engine=self.engine, timer_id=timer_id, owner=self.owner, now=now, until=now + self.lease
        )

    def _fire(self, timer_id: int, now: datetime) -> FireResult:
        # A timer already fired, or being fired by another replica, is skipped here before any work;
        # the claim of each post below still guarantees once-only delivery if a lease runs out while
        # its holder is slow.
        if not self._lease(timer_id, now):
            return FireResult(timer_id, "not_pending")
        with session_scope(self.engine) as session:
            timer = store.get_timer(session=session, timer_id=timer_id)
            if timer is None or timer.status != "pending":
                return FireResult(timer_id, "not_pending")
            builder = self.builders.get(timer.kind)
            if builder is None:
                raise RuntimeError(f"no builder for crisis timer kind {timer.kind!r}")
            plan = builder(session, timer, now)
            job, period = timer.job, timer.period
            late_s = (now - timer.due_at).total_seconds()
        if plan.after is not None:
            plan.after()
        posted, failures, retryable = 0, [], False
        held: list[datetime] = []
        for delivery in plan.deliveries:
            try:
                result = self._deliver(job, period, delivery)
                posted += result.status == "ran"
                if result.status == "held" and result.retry_at is not None:
                    held.append(result.retry_at)
            except NotifyError as exc:
                failures.append(f"{delivery_key(delivery.destination)}: {exc}")
                retryable = retryable or exc.retryable
                log.warning("crisis timer %s: post to %s failed: %s", job, delivery_key(delivery.destination), exc)
        if held and not failures:
            return self._wait_for_holder(timer_id, posted, late_s, max(held))
        return self._finish(timer_id, now, plan, posted, failures, retryable, late_s)

    def _wait_for_holder(self, timer_id: int, posted: int, late_s: float, retry_at: datetime) -> FireResult:
        """Another replica holds a post's claim (it may be mid-post, or dead): the timer stays pending
        and comes back when that claim's lease runs out, without counting as a failed attempt."""
        store.hold_timer(engine=self.engine, timer_id=timer_id, until=retry_at)
        return FireResult(timer_id, "retry", posted, late_s, retry_at)

    def _deliver(self, job: str, period: str, delivery: Delivery) -> ClaimResult:
        key = delivery_key(delivery.destination)
        claim_period = f"{period}>{key}"
        if len(claim_period) > 100:
            claim_period = f"{period}>{hashlib.sha1(key.encode()).hexdigest()[:20]}"
        notifier = self.notifiers.get(delivery.destination.platform)
        if notifier is None:
            raise NotifyError(f"no notifier for platform {delivery.destination.platform!r}", retryable=False)
        key = post_key(job, claim_period)
        return run_claimed(
            engine=self.engine,
            job=job,
            period=claim_period,
            owner=self.owner,
            work=lambda _lease: notifier.post(delivery.destination, delivery.reply, key=key),
            lease=self.lease,
        )

    def _finish(
        self,
        timer_id: int,
        now: datetime,
        plan: Plan,
        posted: int,
        failures: list[str],
        retryable: bool,
        late_s: float,
    ) -> FireResult:
        if not failures:
            status = "skipped" if plan.skip_reason else "fired"
            detail = plan.skip_reason or f"{posted} posted"
            done = store.finish_timer(engine=self.engine, timer_id=timer_id, status=status, detail=detail, fired_at=now)
            return FireResult(timer_id, status if done else "not_pending", posted, late_s)
        with session_scope(self.engine) as session:
            # A retry may run anywhere: the lease is dropped while attempts are left.
            timer = store.record_timer_failure(
                session=session,
                timer_id=timer_id,
                detail="; ".join(failures),
                retry=retryable,
                max_attempts=MAX_ATTEMPTS,
                now=now,
            )
            if timer is None:
                return FireResult(timer_id, "not_pending", posted, late_s)
            status = "retry" if timer.status == "pending" else timer.status
            return FireResult(timer_id, status, posted, late_s)
