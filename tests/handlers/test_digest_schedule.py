"""The weekly digest on the real scheduler (APScheduler) with a controllable clock (time-machine):
on time, exactly once, holiday-aware, caught up after downtime, retried on failure.

Each test travels to a moment, starts a scheduler (paused) with the digest's job provider, checks
which jobs it registered and when they are due, and calls the job at that moment. No test waits on
the scheduler's clock."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy.engine import Engine

from bot.scheduler import Scheduler
from bot.settings import Settings
from handlers.changes.digest_job import CATCHUP_ID, CRON_ID, RETRY_ID, SHIFTED_ID, DigestJob, Outcome
from storage.claims import TAKEOVER_MARGIN, get_claim, try_claim
from storage.db import make_engine
from tests.handlers import changes_support
from tests.handlers.changes_support import Recorder, change_settings, sh

db = changes_support.db  # fixtures shared with the other change-request tests
db_template = changes_support.db_template


@dataclass
class Running:
    scheduler: Scheduler
    job: DigestJob

    def run_at(self, job_id: str, moment: datetime) -> list[Outcome]:
        """The job the scheduler holds for ``moment``, run then (as APScheduler would)."""
        assert self.scheduler.next_run(job_id) == moment, self.scheduler.job_ids()
        with travel(moment):
            return self.job.run_due()


def start(engine: Engine, settings: Settings, notifier: Recorder, owner: str = "replica-a") -> Running:
    job = DigestJob(engine, settings, {"slack": notifier}, owner=owner, sleep=lambda _s: None)
    scheduler = Scheduler("Asia/Shanghai")
    scheduler.add_provider(job.provide)
    scheduler.start(paused=True)  # the jobs are registered with their times; none runs by itself
    return Running(scheduler, job)


@pytest.fixture
def setup(db: tuple[Engine, str], tmp_path: Path) -> Iterator[tuple[Engine, Settings, Recorder, list[Running]]]:
    engine, url = db
    started: list[Running] = []
    yield engine, change_settings(tmp_path, url), Recorder(), started
    for running in started:
        running.scheduler.shutdown(wait=True)


def travel(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def just_before(*args: int) -> datetime:
    """A moment 0.3 s before a fire time."""
    return sh(*args) - timedelta(milliseconds=300)


def test_an_ordinary_wednesday_posts_once_at_ten(setup) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, started = setup
    with travel(just_before(2025, 10, 15, 10, 0)):
        running = start(engine, settings, notifier)
        started.append(running)
    outcomes = running.run_at(CRON_ID, sh(2025, 10, 15, 10, 0))
    assert [o.status for o in outcomes] == ["posted"]
    [reply] = notifier.to("CMGR")
    assert "2025年第42周（2025-10-15 周三）" in reply.text and "延迟" not in reply.text
    assert reply.files[0].mime == "image/png"
    claim = get_claim(engine=engine, job="digest", period="2025-W42/slack:CMGR")
    assert claim is not None and claim.status == "done" and claim.owner == "replica-a"


def test_a_wednesday_in_the_national_day_holiday_moves_to_the_next_working_day(setup) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, started = setup
    with travel(just_before(2025, 10, 1, 10, 0)):
        first = start(engine, settings, notifier)
        started.append(first)
        assert first.scheduler.next_run(SHIFTED_ID) == sh(2025, 10, 9, 10, 0)
    assert first.run_at(CRON_ID, sh(2025, 10, 1, 10, 0)) == []  # 1 October: a holiday, nothing posted
    first.scheduler.shutdown()
    with travel(just_before(2025, 10, 8, 10, 0)):
        second = start(engine, settings, notifier)
        started.append(second)
    assert second.run_at(CRON_ID, sh(2025, 10, 8, 10, 0)) == []  # 8 October is still 国庆
    second.scheduler.shutdown()
    assert notifier.posts == []
    with travel(just_before(2025, 10, 9, 10, 0)):
        third = start(engine, settings, notifier)
        started.append(third)
    assert [o.status for o in third.run_at(SHIFTED_ID, sh(2025, 10, 9, 10, 0))] == ["posted"]
    [reply] = notifier.to("CMGR")
    assert "2025年第41周（2025-10-09 周四）" in reply.text
    assert "2025-10-08 周三 是法定节假日，周报顺延到下一个工作日 2025-10-09 周四" in reply.text
    assert (
        get_claim(engine=engine, job="digest", period="2025-W40/slack:CMGR") is None
    )  # merged into W41, never posted twice


def test_a_restart_right_after_the_fire_time_does_not_post_again(setup) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, started = setup
    with travel(just_before(2025, 10, 15, 10, 0)):
        before = start(engine, settings, notifier)
        started.append(before)
    before.run_at(CRON_ID, sh(2025, 10, 15, 10, 0))
    before.scheduler.shutdown()
    with travel(sh(2025, 10, 15, 10, 0, 30)):
        after = start(engine, settings, notifier, owner="replica-a-restarted")
        started.append(after)
        assert CATCHUP_ID not in after.scheduler.job_ids()  # claimed: nothing to catch up
        assert [o.status for o in after.job.run_due()] == ["already"]
    assert len(notifier.posts) == 1


def test_a_bot_down_at_ten_posts_once_when_it_comes_back_marked_delayed(setup) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, started = setup
    with travel(sh(2025, 10, 15, 14, 0)):
        back = start(engine, settings, notifier)
        started.append(back)
    assert [o.status for o in back.run_at(CATCHUP_ID, sh(2025, 10, 15, 14, 0))] == ["posted"]
    back.scheduler.shutdown()
    [reply] = notifier.to("CMGR")
    assert "延迟发送：原定 2025-10-15 10:00" in reply.text
    with travel(sh(2025, 10, 15, 14, 5)):
        again = start(engine, settings, notifier, owner="replica-a-again")
        started.append(again)
        assert CATCHUP_ID not in again.scheduler.job_ids()
    assert len(notifier.posts) == 1


def test_a_bot_down_for_weeks_posts_only_the_current_digest(setup) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, started = setup
    with travel(sh(2025, 10, 20, 9, 0)):  # Monday: last week's digest is stale now
        monday = start(engine, settings, notifier)
        started.append(monday)
        assert CATCHUP_ID not in monday.scheduler.job_ids()
        monday.scheduler.shutdown()
    with travel(sh(2025, 10, 22, 16, 0)):  # down since September; back on a Wednesday afternoon
        back = start(engine, settings, notifier)
        started.append(back)
    assert [o.status for o in back.run_at(CATCHUP_ID, sh(2025, 10, 22, 16, 0))] == ["posted"]
    [reply] = notifier.to("CMGR")
    assert "2025年第43周" in reply.text and "延迟发送" in reply.text
    for stale in ("2025-W40", "2025-W41", "2025-W42"):
        assert get_claim(engine=engine, job="digest", period=f"{stale}/slack:CMGR") is None


def test_two_schedulers_on_one_database_post_exactly_once(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, started = setup
    other_engine = make_engine(settings.resolved_database_url)  # a second process's own connection pool
    try:
        with travel(just_before(2025, 10, 15, 10, 0)):
            one = start(engine, settings, notifier, owner="replica-1")
            two = start(other_engine, settings, notifier, owner="replica-2")
            started.extend([one, two])
        results: list[list[Outcome]] = []
        runs = [
            threading.Thread(target=lambda r=r: results.append(r.run_at(CRON_ID, sh(2025, 10, 15, 10, 0))))
            for r in (one, two)
        ]
        for run in runs:
            run.start()
        for run in runs:
            run.join()
        statuses = sorted(outcomes[0].status for outcomes in results)
    finally:
        other_engine.dispose()
    assert statuses == ["already", "posted"]
    assert len(notifier.posts) == 1


def test_a_platform_failure_is_retried_reported_and_released(setup, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, started = setup
    settings.digest.channels = ["slack:CMGR", "slack:CDOWN"]
    notifier.always_fail = {"CDOWN"}
    caplog.set_level(logging.INFO, logger="handlers.changes.digest_job")
    with travel(just_before(2025, 10, 15, 10, 0)):
        running = start(engine, settings, notifier)
        started.append(running)
    outcomes = running.run_at(CRON_ID, sh(2025, 10, 15, 10, 0))
    with travel(sh(2025, 10, 15, 10, 0)):
        assert {o.destination: o.status for o in outcomes} == {"slack:CMGR": "posted", "slack:CDOWN": "failed"}
        assert notifier.attempts == 1 + 3  # one for CMGR, three attempts for CDOWN
        released = get_claim(engine=engine, job="digest", period="2025-W42/slack:CDOWN")
        assert released is not None and released.status == "released" and released.lease_until is None
        assert running.scheduler.next_run(RETRY_ID) is not None  # another go, 15 minutes later
        assert any(
            "failed after 3 attempt(s)" in r.getMessage() and "claim released" in r.getMessage() for r in caplog.records
        )
        assert sum("attempt" in r.getMessage() and "retrying" in r.getMessage() for r in caplog.records) == 2

        notifier.always_fail = set()  # the platform is back: the next run posts the missing one only
        again = running.job.run_due()
    assert {o.destination: o.status for o in again} == {"slack:CMGR": "already", "slack:CDOWN": "posted"}
    assert len(notifier.to("CMGR")) == 1 and len(notifier.to("CDOWN")) == 1


def test_a_transient_failure_succeeds_on_a_later_attempt(setup) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, started = setup
    notifier.failures = {"CMGR": 2}
    with travel(just_before(2025, 10, 15, 10, 0)):
        running = start(engine, settings, notifier)
        started.append(running)
    assert [o.status for o in running.run_at(CRON_ID, sh(2025, 10, 15, 10, 0))] == ["posted"]
    assert notifier.attempts == 3 and len(notifier.posts) == 1


def test_no_channel_means_no_job_and_a_warning(setup, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, started = setup
    settings.digest.channels = []
    with travel(just_before(2025, 10, 15, 10, 0)):
        running = start(engine, settings, notifier)
        started.append(running)
        assert running.scheduler.job_ids() == []
    assert any("PRBOT_DIGEST_CHANNELS" in r.getMessage() for r in caplog.records)


def test_an_unknown_year_is_logged(setup, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, started = setup
    with travel(sh(2030, 9, 30, 9, 0)):
        running = start(engine, settings, notifier)
        started.append(running)
    assert any("no data for 2030" in r.getMessage() for r in caplog.records)


def test_a_replica_that_died_mid_post_does_not_lose_the_week(setup) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, started = setup
    with travel(sh(2025, 10, 15, 10, 0, 5)):
        assert try_claim(engine=engine, job="digest", period="2025-W42/slack:CMGR", owner="replica-that-crashed")
    with travel(sh(2025, 10, 15, 10, 0, 30)):  # restarted: the claim is fresh, the crashed post may be going out
        running = start(engine, settings, notifier)
        started.append(running)
        assert CATCHUP_ID not in running.scheduler.job_ids()
        # Looked at again when the dead owner's lease (five minutes) runs out, not half an hour later.
        assert running.scheduler.next_run(RETRY_ID) == sh(2025, 10, 15, 10, 5, 5) + TAKEOVER_MARGIN
        running.scheduler.shutdown()
    assert notifier.posts == []
    with travel(sh(2025, 10, 15, 10, 5, 5) + TAKEOVER_MARGIN):
        assert [o.status for o in running.job.run_due()] == ["posted"]
    assert len(notifier.posts) == 1
    text = notifier.posts[0][1].text
    assert "未能完成" in text and "不在线" not in text  # a replica was online: it says retry, not offline
    claim = get_claim(engine=engine, job="digest", period="2025-W42/slack:CMGR")
    assert claim is not None and claim.status == "done" and claim.owner == "replica-a" and claim.token == 2


def test_a_survivor_online_at_the_fire_time_takes_over_within_the_lease(setup) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, started = setup
    with travel(sh(2025, 10, 15, 9, 59, 59, 900000)):
        assert try_claim(engine=engine, job="digest", period="2025-W42/slack:CMGR", owner="replica-that-crashed")
    with travel(just_before(2025, 10, 15, 10, 0)):
        running = start(engine, settings, notifier, owner="survivor")
        started.append(running)
        lease_end = sh(2025, 10, 15, 10, 4, 59, 900000) + TAKEOVER_MARGIN
    assert [(o.status, o.retry_at) for o in running.run_at(CRON_ID, sh(2025, 10, 15, 10, 0))] == [("held", lease_end)]
    assert running.scheduler.next_run(RETRY_ID) == lease_end
    running.scheduler.shutdown()
    assert notifier.posts == []
    with travel(lease_end):  # what the retry job runs
        assert [o.status for o in running.job.run_due()] == ["posted"]
    assert len(notifier.posts) == 1
    claim = get_claim(engine=engine, job="digest", period="2025-W42/slack:CMGR")
    assert claim is not None and claim.status == "done" and claim.owner == "survivor"


def test_the_sweep_takes_over_a_claim_abandoned_by_any_process(setup) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, _started = setup
    job = DigestJob(engine, settings, {"slack": notifier}, owner="replica-a", sleep=lambda _s: None)
    with travel(sh(2025, 10, 15, 10, 0, 30)):
        assert job.sweep() == []  # nobody claimed it: that is the cron job's (or the catch-up's) business
        assert try_claim(engine=engine, job="digest", period="2025-W42/slack:CMGR", owner="a-send-now-that-was-killed")
    with travel(sh(2025, 10, 15, 10, 4, 0)):
        assert job.sweep() == []  # the lease is still running
    assert notifier.posts == []
    with travel(sh(2025, 10, 15, 10, 5, 31)):
        assert [o.status for o in job.sweep()] == ["posted"]
        assert job.sweep() == []
    assert len(notifier.posts) == 1


def test_send_now_reports_a_post_another_process_holds(setup) -> None:  # type: ignore[no-untyped-def]
    engine, settings, notifier, _started = setup
    job = DigestJob(engine, settings, {"slack": notifier}, owner="cli", sleep=lambda _s: None)
    with travel(sh(2025, 10, 15, 10, 0, 5)):
        assert try_claim(engine=engine, job="digest", period="2025-W42/slack:CMGR", owner="replica-b")
        [outcome] = job.send_now("zh")
    assert outcome.status == "already" and "另一个实例正在发送" in outcome.detail and "10:05:05" in outcome.detail
    assert notifier.posts == []
