"""Posting the weekly digest: on time, exactly once, never missed.

- A cron job on the configured weekday *name* and time wakes ``run_due``; when a holiday moves the
  post, a one-off job at the moved time does the same.
- ``run_due`` asks the calendar which digest is due now (the newest one whose time has come and
  that is not stale) and posts it to each channel through a claim row ``("digest", "<week>/<channel>")``:
  two schedulers on one database, a restart right after the fire time, or a retry never post twice.
- At start ``provide`` checks whether this week's digest is due and unclaimed (the bot was down at
  the fire time) and posts it at once, marked delayed. A bot down for weeks posts only the current one.
- A platform failure is retried with backoff; if it still fails it is logged, the claim released,
  and another attempt scheduled a little later.
"""

from __future__ import annotations

import logging
import os
import socket
import time as time_module
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from bot.core import Destination, Notifier, NotifyError, Reply, UserError
from bot.settings import Settings
from handlers.changes_strings import t
from handlers.digest import build_digest, calendar_from
from handlers.digest_calendar import Slot
from storage.claims import get_claim, release, run_claimed

log = logging.getLogger(__name__)

JOB = "digest"
CRON_ID = "digest.weekly"
CATCHUP_ID = "digest.catchup"
SHIFTED_ID = "digest.shifted"
RETRY_ID = "digest.retry"
# Posted this long after its time, a digest says it is delayed (a restart seconds later is not "delayed").
DELAY_TOLERANCE = timedelta(minutes=5)
# A claim still unfinished this long after it was taken belongs to a process that died mid-post
# (retries take a minute at most); it is released so the digest is not lost for the week.
STALE_CLAIM = timedelta(minutes=30)


class JobScheduler(Protocol):
    """What the digest needs from ``bot.scheduler.Scheduler``."""

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
    ) -> None: ...

    def at(self, job_id: str, func: Callable[..., Any], run_at: datetime, **kwargs: Any) -> None: ...


@dataclass(frozen=True)
class Outcome:
    destination: str
    status: str  # posted | already | failed
    detail: str = ""


def parse_destination(spec: str, lang: str = "zh") -> Destination:
    platform, sep, channel = spec.strip().partition(":")
    if not sep or not platform or not channel:
        raise UserError(t("digest_bad_channel", lang, value=spec))
    return Destination(platform.lower(), channel)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _retryable(exc: BaseException) -> bool:
    return exc.retryable if isinstance(exc, NotifyError) else isinstance(exc, Exception)


class DigestJob:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        notifiers: Mapping[str, Notifier],
        clock: Callable[[], datetime] = _utcnow,
        owner: str | None = None,
        sleep: Callable[[float], None] = time_module.sleep,
        lang: str = "zh",
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.notifiers = notifiers  # looked up at post time: adapters add theirs when they connect
        self.calendar = calendar_from(settings)
        self.clock = clock
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.sleep = sleep
        self.lang = lang
        self._scheduler: JobScheduler | None = None

    # ---- configuration

    def destinations(self) -> list[Destination]:
        found = []
        for spec in self.settings.digest.channels:
            try:
                found.append(parse_destination(spec))
            except UserError as exc:
                log.error("digest: %s", exc)
        return found

    @staticmethod
    def claim_period(slot: Slot, destination: Destination) -> str:
        return f"{slot.period}/{destination.platform}:{destination.channel_id}"

    # ---- scheduling

    def provide(self, scheduler: JobScheduler) -> None:
        """The job provider: called by the scheduler at start to derive the digest's jobs."""
        self._scheduler = scheduler
        if not self.destinations():
            log.warning("digest: %s; no digest will be posted", t("digest_no_channels", "en"))
            return
        digest = self.settings.digest
        hour, minute = (int(part) for part in digest.time.split(":"))
        scheduler.cron(
            CRON_ID, self.run_due, day_of_week=digest.day, hour=hour, minute=minute, timezone=digest.timezone
        )
        now = self.clock()
        due = self.calendar.due(now)
        if due is not None:
            pending = self._pending_claims(due)
            if self._unclaimed(due, now):
                log.info("digest %s was due at %s and is not posted yet: posting now", due.period, due.post_at)
                scheduler.at(CATCHUP_ID, self.run_due, now)
            elif pending:
                # Another process claimed it and has not finished: look again once that claim is stale.
                scheduler.at(RETRY_ID, self.run_due, max(pending) + STALE_CLAIM + timedelta(seconds=1))
        self._arm_next(now)

    def _arm_next(self, now: datetime) -> None:
        """A one-off job when the next post is not at the cron's time (moved by a holiday)."""
        upcoming = self.calendar.upcoming(now)
        if not upcoming.calendar_known:
            log.warning(
                "digest %s: the holiday calendar has no data for %s; only weekends are skipped",
                upcoming.period,
                upcoming.post_date.year,
            )
        if upcoming.shifted and self._scheduler is not None:
            log.info(
                "digest %s: %s is not a working day; it moves to %s",
                upcoming.period,
                upcoming.nominal,
                upcoming.post_at,
            )
            self._scheduler.at(SHIFTED_ID, self.run_due, upcoming.post_at)

    def _unclaimed(self, slot: Slot, now: datetime) -> bool:
        """Some channel has no claim for ``slot``, or only a stale one."""
        for destination in self.destinations():
            claim = get_claim(self.engine, JOB, self.claim_period(slot, destination))
            if claim is None or (claim.status != "done" and now - claim.claimed_at > STALE_CLAIM):
                return True
        return False

    def _pending_claims(self, slot: Slot) -> list[datetime]:
        """When the unfinished claims of ``slot`` were taken."""
        claims = [get_claim(self.engine, JOB, self.claim_period(slot, d)) for d in self.destinations()]
        return [claim.claimed_at for claim in claims if claim is not None and claim.status != "done"]

    def _release_if_stale(self, period: str, name: str) -> None:
        claim = get_claim(self.engine, JOB, period)
        if claim is not None and claim.status != "done" and self.clock() - claim.claimed_at > STALE_CLAIM:
            log.warning(
                "digest %s to %s: claimed by %s at %s and never finished (a crash?); releasing it",
                period,
                name,
                claim.owner,
                claim.claimed_at.isoformat(),
            )
            release(self.engine, JOB, period)

    # ---- posting

    def run_due(self) -> list[Outcome]:
        """Post the digest that is due now, if any (what every scheduled job calls). Never raises."""
        try:
            now = self.clock()
            slot = self.calendar.due(now)
            outcomes: list[Outcome] = []
            if slot is None:
                log.info("digest: nothing due at %s", now.isoformat())
            else:
                outcomes = self.post(slot, now, delayed=now - slot.post_at > DELAY_TOLERANCE)
            self._arm_next(now)
            return outcomes
        except Exception:
            log.exception("digest: the scheduled run failed")
            return []

    def send_now(self, lang: str | None = None) -> list[Outcome]:
        """Post this week's digest now (``prbot digest --send-now``), still exactly once per channel."""
        now = self.clock()
        slot = self.calendar.current(now)
        if not self.destinations():
            raise UserError(t("digest_no_channels", lang or self.lang))
        return self.post(slot, now, delayed=False, note_shift=False, lang=lang)

    def post(
        self, slot: Slot, as_of: datetime, delayed: bool, note_shift: bool = True, lang: str | None = None
    ) -> list[Outcome]:
        lang = lang or self.lang
        built: list[Reply] = []

        def reply() -> Reply:  # built once, and only if some channel still needs it
            if not built:
                previous = self.calendar.previous(slot)
                built.append(
                    build_digest(
                        self.engine, slot, as_of, lang, delayed, late_since=previous.post_at, note_shift=note_shift
                    )
                )
            return built[0]

        outcomes = []
        for destination in self.destinations():
            outcomes.append(self._post_one(slot, destination, reply))
        if any(outcome.status == "failed" for outcome in outcomes):
            self._retry_later(as_of)
        return outcomes

    def _post_one(self, slot: Slot, destination: Destination, reply: Callable[[], Reply]) -> Outcome:
        name = f"{destination.platform}:{destination.channel_id}"
        notifier = self.notifiers.get(destination.platform)
        if notifier is None:
            detail = t("digest_no_notifier", "en", platform=destination.platform)
            log.error("digest %s to %s not posted: %s", slot.period, name, detail)
            return Outcome(name, "failed", detail)
        period = self.claim_period(slot, destination)
        self._release_if_stale(period, name)

        def work() -> str:
            message_id = self._post_with_retries(notifier, destination, reply(), f"{slot.period} to {name}")
            return f"message {message_id}"

        try:
            posted = run_claimed(self.engine, JOB, period, self.owner, work)
        except Exception as exc:
            log.error(
                "digest %s to %s failed after %d attempt(s): %s; claim released so it can go again",
                slot.period,
                name,
                self.settings.digest.retry_attempts,
                exc,
            )
            return Outcome(name, "failed", str(exc))
        if not posted:
            log.info("digest %s to %s was already posted (claimed elsewhere)", slot.period, name)
            return Outcome(name, "already")
        log.info("digest %s posted to %s", slot.period, name)
        return Outcome(name, "posted")

    def _post_with_retries(self, notifier: Notifier, destination: Destination, reply: Reply, what: str) -> str:
        digest = self.settings.digest

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning("digest %s: attempt %d failed (%s); retrying", what, state.attempt_number, exc)

        retrying = Retrying(
            stop=stop_after_attempt(digest.retry_attempts),
            wait=wait_exponential(multiplier=digest.retry_wait_s, max=60),
            retry=retry_if_exception(_retryable),
            before_sleep=before_sleep,
            sleep=self.sleep,
            reraise=True,
        )
        return str(retrying(notifier.post, destination, reply))

    def _retry_later(self, now: datetime) -> None:
        if self._scheduler is None:
            return
        run_at = now + timedelta(minutes=self.settings.digest.retry_later_minutes)
        log.info("digest: another attempt at %s", run_at.isoformat())
        self._scheduler.at(RETRY_ID, self.run_due, run_at)
