"""Posting the weekly digest: on time, exactly once, never missed.

- A cron job on the configured weekday *name* and time wakes ``run_due``; when a holiday moves the
  post, a one-off job at the moved time does the same.
- ``run_due`` asks the calendar which digest is due now (the newest one whose time has come and
  that is not stale), builds it (with its chart) and only then posts it to each channel through a
  leased claim ``("digest", "<week>/<channel>")`` (storage.claims): two schedulers on one database, a
  restart right after the fire time, or a retry never post twice.
- A claim held by another replica is looked at again when its lease runs out: if that replica died
  mid-post, this one takes the claim over within minutes and posts idempotently (the notifier finds
  a post that did go out by the claim's key), and the digest says it is a retry, not that the bot
  was offline.
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
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from bot.core import Destination, Notifier, NotifyError, Reply, UserError
from bot.settings import Settings
from handlers.changes.digest import build_digest, calendar_from, preview_digest
from handlers.changes.digest_calendar import Slot
from handlers.changes.rules import ChangeRule
from handlers.changes.strings import t
from storage.changes import Engine

if TYPE_CHECKING:
    from bot.scheduler import JobProvider

from storage.claims import DEFAULT_LEASE, TAKEOVER_MARGIN, Claim, get_claim, post_key, run_claimed

log = logging.getLogger(__name__)

JOB = "digest"
CRON_ID = "digest.weekly"
CATCHUP_ID = "digest.catchup"
SWEEP_ID = "digest.sweep"
# How often a replica looks for a digest claim abandoned by a process that died mid-post (a replica
# or a `prbot digest send`), so it is taken over within the lease plus this.
SWEEP_SECONDS = 60.0
SHIFTED_ID = "digest.shifted"
RETRY_ID = "digest.retry"
# Posted this long after its time, a digest says it is delayed (a restart seconds later is not "delayed").
DELAY_TOLERANCE = timedelta(minutes=5)


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

    def every(self, job_id: str, func: Callable[..., Any], seconds: float, **kwargs: Any) -> None: ...


@dataclass(frozen=True)
class Outcome:
    destination: str
    status: str  # posted | already | held | failed
    detail: str = ""
    retry_at: datetime | None = None  # held: when the holder's lease runs out


def parse_destination(spec: str, lang: str = "zh") -> Destination:
    platform, sep, channel = spec.strip().partition(":")
    if not sep or not platform or not channel:
        raise UserError(t("digest_bad_channel", lang, value=spec))
    return Destination(platform.lower(), channel)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _hhmm(moment: datetime | None, slot: Slot) -> str:
    return moment.astimezone(slot.post_at.tzinfo).strftime("%H:%M:%S") if moment else "?"


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
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.notifiers = notifiers  # looked up at post time: adapters add theirs when they connect
        self.calendar = calendar_from(settings)
        self.rule = ChangeRule.from_settings(settings)
        self.clock = clock
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.sleep = sleep
        self.lang = lang
        self.lease = lease
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
        scheduler.every(SWEEP_ID, self.sweep, SWEEP_SECONDS)
        now = self.clock()
        due = self.calendar.due(now)
        if due is not None:
            claims = self._claims(due)
            if any(self._takeable(claim, now) for claim in claims):
                log.info("digest %s was due at %s and is not posted yet: posting now", due.period, due.post_at)
                scheduler.at(CATCHUP_ID, self.run_due, now)
            elif held := [c.lease_until for c in claims if c is not None and c.status != "done" and c.lease_until]:
                # Another process holds it: look again when its lease runs out (it may have died).
                self._retry_at(max(held) + TAKEOVER_MARGIN)
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

    def _claims(self, slot: Slot) -> list[Claim | None]:
        return [get_claim(engine=self.engine, job=JOB, period=self.claim_period(slot, d)) for d in self.destinations()]

    @staticmethod
    def _takeable(claim: Claim | None, now: datetime) -> bool:
        """No claim, a released one, or one whose owner stopped renewing it (died)."""
        if claim is None or claim.status == "released":
            return True
        return claim.status == "claimed" and (claim.lease_until is None or claim.lease_until < now)

    # ---- posting

    def sweep(self) -> list[Outcome]:
        """Take over the due digest if a claim on it was abandoned (its owner stopped renewing it).
        A slot nobody claimed yet is left to the cron job (or the catch-up at start)."""
        try:
            now = self.clock()
            slot = self.calendar.due(now)
            if slot is None:
                return []
            claims = self._claims(slot)
            if not any(claim is not None and self._takeable(claim, now) for claim in claims):
                return []
            log.warning("digest %s: a claim was abandoned mid-post; taking it over", slot.period)
            return self.run_due()
        except Exception:
            log.exception("digest: the sweep failed")
            return []

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
                held = [o.retry_at for o in outcomes if o.status == "held" and o.retry_at is not None]
                if held:
                    self._retry_at(max(held))
            self._arm_next(now)
            return outcomes
        except Exception:
            log.exception("digest: the scheduled run failed")
            return []

    def send_now(self, lang: str | None = None) -> list[Outcome]:
        """Post this week's digest now (``digest send``, in chat or the terminal), still exactly once
        per channel."""
        now = self.clock()
        slot = self.calendar.current(now)
        if not self.destinations():
            raise UserError(t("digest_no_channels", lang or self.lang))
        outcomes = self.post(slot, now, delayed=False, note_shift=False, lang=lang)
        # A one-shot command does not come back later: a post held elsewhere is reported, and the
        # running replicas' sweep takes it over if that holder stops.
        return [
            Outcome(o.destination, "already", t("digest_held", lang or self.lang, until=_hhmm(o.retry_at, slot)))
            if o.status == "held"
            else o
            for o in outcomes
        ]

    def post(
        self, slot: Slot, as_of: datetime, delayed: bool, note_shift: bool = True, lang: str | None = None
    ) -> list[Outcome]:
        lang = lang or self.lang
        destinations = self.destinations()
        claims = [get_claim(engine=self.engine, job=JOB, period=self.claim_period(slot, d)) for d in destinations]
        if all(claim is not None and claim.status == "done" for claim in claims):
            return [Outcome(f"{d.platform}:{d.channel_id}", "already") for d in destinations]
        # Built (chart included) before any claim is taken, so a claim is held only while posting.
        # A claim already on the table means a replica was online at the fire time and failed.
        previous = self.calendar.previous(slot)
        reply = build_digest(
            self.engine,
            slot,
            as_of,
            lang,
            delayed,
            late_since=previous.post_at,
            note_shift=note_shift,
            retried=any(claim is not None for claim in claims),
            rule=self.rule,
        )
        outcomes = [self._post_one(slot, destination, reply) for destination in destinations]
        if any(outcome.status == "failed" for outcome in outcomes):
            self._retry_later(as_of)
        return outcomes

    def _post_one(self, slot: Slot, destination: Destination, reply: Reply) -> Outcome:
        name = f"{destination.platform}:{destination.channel_id}"
        notifier = self.notifiers.get(destination.platform)
        if notifier is None:
            detail = t("digest_no_notifier", "en", platform=destination.platform)
            log.error("digest %s to %s not posted: %s", slot.period, name, detail)
            return Outcome(name, "failed", detail)
        period = self.claim_period(slot, destination)
        key = post_key(JOB, period)

        def work(_lease: object) -> str:
            message_id = self._post_with_retries(notifier, destination, reply, key, f"{slot.period} to {name}")
            return f"message {message_id}"

        try:
            result = run_claimed(
                engine=self.engine, job=JOB, period=period, owner=self.owner, work=work, lease=self.lease
            )
        except Exception as exc:
            log.error(
                "digest %s to %s failed after %d attempt(s): %s; claim released so it can go again",
                slot.period,
                name,
                self.settings.digest.retry_attempts,
                exc,
            )
            return Outcome(name, "failed", str(exc))
        if result.status == "held":
            log.info(
                "digest %s to %s is being posted by another replica; looking again at its lease end", slot.period, name
            )
            return Outcome(name, "held", retry_at=result.retry_at)
        if result.status == "done":
            log.info("digest %s to %s was already posted (claimed elsewhere)", slot.period, name)
            return Outcome(name, "already")
        log.info("digest %s posted to %s", slot.period, name)
        return Outcome(name, "posted")

    def _post_with_retries(
        self, notifier: Notifier, destination: Destination, reply: Reply, key: str, what: str
    ) -> str:
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
        return str(retrying(notifier.post, destination, reply, key=key))

    def _retry_at(self, run_at: datetime) -> None:
        if self._scheduler is not None:
            log.info("digest: looking again at %s", run_at.isoformat())
            self._scheduler.at(RETRY_ID, self.run_due, run_at)

    def _retry_later(self, now: datetime) -> None:
        if self._scheduler is None:
            return
        run_at = now + timedelta(minutes=self.settings.digest.retry_later_minutes)
        log.info("digest: another attempt at %s", run_at.isoformat())
        self._scheduler.at(RETRY_ID, self.run_due, run_at)


def schedule(
    engine: Engine,
    settings: Settings,
    notifiers: MutableMapping[str, Notifier],
    job_providers: list[JobProvider],
) -> None:
    """Adds the weekly digest job to what ``prbot run`` schedules (when the digest is enabled)."""
    if settings.digest.enabled:
        job_providers.append(DigestJob(engine, settings, notifiers).provide)


_SENT = {"posted": "digest_sent", "already": "digest_sent_already", "failed": "digest_sent_failed"}


class DigestDesk:
    """What people ask of the digest, in chat or in the terminal: a preview, and posting it now."""

    def __init__(self, engine: Engine, settings: Settings, notifiers: Mapping[str, Notifier]) -> None:
        self.engine = engine
        self.settings = settings
        self.notifiers = notifiers  # looked up when posting: adapters add theirs when they connect
        self.calendar = calendar_from(settings)
        self.rule = ChangeRule.from_settings(settings)

    def preview(self, day: date | None, lang: str) -> Reply:
        channels = self.settings.digest.channels
        return preview_digest(self.engine, self.calendar, day, lang, rule=self.rule, channels=channels)

    def send_now(self, lang: str) -> Reply:
        """This week's digest posted now, once per channel; one line per channel says what happened
        (exit code 1 when a post failed)."""
        outcomes = DigestJob(self.engine, self.settings, self.notifiers, lang=lang).send_now(lang)
        lines = []
        for outcome in outcomes:
            line = t(_SENT.get(outcome.status, "digest_sent_held"), lang, destination=outcome.destination)
            lines.append(line + (f" ({outcome.detail})" if outcome.detail else ""))
        failed = any(outcome.status == "failed" for outcome in outcomes)
        data: dict[str, Any] = {"outcomes": [{"destination": o.destination, "status": o.status} for o in outcomes]}
        if failed:
            data["exit_code"] = 1
        return Reply(text="\n".join(lines), data=data)
