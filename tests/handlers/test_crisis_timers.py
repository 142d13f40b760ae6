"""Timers survive restarts and fire once: rescheduling at start (late ones once, late), two replicas on
one SQLite database, a platform failing for one recipient, and the real APScheduler path."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine
from sqlmodel import Session, select

from bot.scheduler import Scheduler
from storage.claims import Claim
from tests.fakes.recording_notifier import RecordingNotifier
from tests.handlers.crisis_setup import Crisis, at, build, crisis_settings

T0 = at(2026, 3, 2, 10, 0)


class FakeScheduler:
    """Records what a provider schedules, so a test can run the jobs itself."""

    def __init__(self) -> None:
        self.jobs: dict[str, tuple[Any, datetime, dict[str, Any]]] = {}
        self.intervals: dict[str, float] = {}

    def at(self, job_id: str, func: Any, run_at: datetime, **kwargs: Any) -> None:
        self.jobs[job_id] = (func, run_at, kwargs)

    def every(self, job_id: str, func: Any, seconds: float, **kwargs: Any) -> None:
        self.intervals[job_id] = seconds

    def job_ids(self) -> list[str]:
        return list(self.jobs)

    def run_due(self, now: datetime) -> int:
        due = [(job_id, job) for job_id, job in self.jobs.items() if job[1] <= now]
        for job_id, (func, _, kwargs) in sorted(due, key=lambda item: item[1][1]):
            del self.jobs[job_id]
            func(**kwargs)
        return len(due)


def deliveries(notifier: RecordingNotifier) -> Counter[tuple[str, str]]:
    return Counter((p.destination.channel_id, p.reply.text) for p in notifier.posts)


def test_restart_mid_incident_reschedules_pending_timers_and_fires_late_ones_once(tmp_path: Path) -> None:
    settings = crisis_settings(tmp_path / "data")
    notifier = RecordingNotifier()
    with time_machine.travel(T0, tick=False) as clock:
        first = build(settings, notifier)
        first.say('事件 start --level 2 "服务中断"', user="slack:U_PR")
        clock.move_to(T0 + timedelta(minutes=20))
        first.timers.fire_due()
        reminders_before = len(notifier.posts)
        first.engine.dispose()  # the process stops here

        # Down for three hours; a new process starts and its scheduler asks the provider for jobs.
        clock.move_to(T0 + timedelta(hours=3))
        second = build(settings, notifier)
        scheduler = FakeScheduler()
        for provider in second.providers:
            provider(scheduler)
        assert "crisis-timers-sweep" in scheduler.intervals
        pending = {job_id: run_at for job_id, (_, run_at, _) in scheduler.jobs.items()}
        assert len(pending) == 5, "everything but the response reminder that already went out"
        now = datetime.now(tz=T0.tzinfo)
        overdue = [run_at for run_at in pending.values() if run_at < T0 + timedelta(minutes=220)]
        assert len(overdue) == 3 and all(run_at >= now for run_at in overdue), "missed ones run now, late"
        assert scheduler.run_due(now + timedelta(seconds=1)) == 3
        fired = deliveries(notifier)
        # Response escalation + analysis reminder + analysis escalation, each to its people once.
        assert len(notifier.posts) - reminders_before == 3 + 2 + 3
        assert all(count == 1 for count in fired.values())

        # The same jobs scheduled again (a restart loop, an overlapping sweep) post nothing new.
        for provider in second.providers:
            provider(scheduler)
        scheduler.run_due(now + timedelta(seconds=1))
        second.timers.fire_due()
        assert deliveries(notifier) == fired
        clock.move_to(T0 + timedelta(hours=5))
        scheduler.run_due(datetime.now(tz=T0.tzinfo))
        assert len(notifier.posts) - reminders_before == 8 + 2 + 3, "statement reminder and escalation, once"
        assert all(count == 1 for count in deliveries(notifier).values())


def test_two_replicas_on_one_database_post_each_reminder_once(tmp_path: Path) -> None:
    settings = crisis_settings(tmp_path / "data")
    notifier = RecordingNotifier()
    with time_machine.travel(at(2026, 1, 5), tick=False) as clock:
        a, b = build(settings, notifier), build(settings, notifier)
        assert a.timers.owner != b.timers.owner
        a.say("演练 plan --year 2026")
        b.say("演练 confirm 1")
        a.say('事件 start --level 3 "某门店视频发酵"', user="slack:U_PR")
        notifier.clear()
        checkpoints = [at(2026, 1, 5, 9, 20), at(2026, 1, 5, 9, 30), at(2026, 1, 5, 11, 40), at(2026, 1, 5, 13)]
        drill_times = [at(2026, 2, 12, 14), at(2026, 2, 23, 14), at(2026, 2, 25, 14), at(2026, 2, 26, 13)]
        for moment in checkpoints + drill_times:
            clock.move_to(moment)
            barrier = threading.Barrier(2)

            def fire(replica: Crisis, barrier: threading.Barrier = barrier) -> None:
                barrier.wait()
                replica.timers.fire_due()

            threads = [threading.Thread(target=fire, args=(r,)) for r in (a, b)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        counts = deliveries(notifier)
        assert counts and all(count == 1 for count in counts.values()), counts.most_common(3)
        # 3 checkpoints × (reminder to thread + lead, escalation to thread + lead + manager) + 4 rungs × 4 people
        # + the unconfirmed list to the lead and the manager.
        assert len(notifier.posts) == 3 * 5 + 4 * 4 + 2
        with Session(a.engine) as session:
            claims = list(session.exec(select(Claim).where(Claim.job == "incident:1:analysis:escalate")))
        assert len(claims) == 3 and all(c.status == "done" for c in claims)


def test_a_failed_post_is_retried_for_that_recipient_only(tmp_path: Path) -> None:
    settings = crisis_settings(tmp_path / "data")
    with time_machine.travel(T0, tick=False) as clock:
        crisis = build(settings)
        crisis.say('事件 start --level 2 "舆情"', user="slack:U_PR")
        crisis.notifier.clear()
        crisis.notifier.fail_for = {"U_MGR2"}
        clock.move_to(T0 + timedelta(minutes=30))
        results = crisis.timers.fire_due()
        statuses = {r.status for r in results}
        assert statuses == {"retry"}
        first_round = Counter(p.destination.channel_id for p in crisis.notifier.posts)
        assert first_round == {"C_PR": 2, "U_BOSS": 1}  # reminder + escalation in the thread, manager
        crisis.notifier.fail_for = set()
        clock.move_to(T0 + timedelta(minutes=33))
        assert {r.status for r in crisis.timers.fire_due()} == {"fired"}
        assert Counter(p.destination.channel_id for p in crisis.notifier.posts) == {"C_PR": 2, "U_BOSS": 1, "U_MGR2": 2}


def test_two_replicas_schedule_every_timer_and_each_fires_once(tmp_path: Path) -> None:
    """Both replicas put every timer on their real scheduler: the one that started the incident at
    once, the other from the database when it starts and when it sweeps. When both run every job, each
    timer fires once. The jobs are called directly; no test waits on a scheduler's clock."""
    settings = crisis_settings(tmp_path / "data")
    notifier = RecordingNotifier()
    a, b = build(settings, notifier), build(settings, notifier)
    schedulers = [Scheduler(settings.timezone), Scheduler(settings.timezone)]  # never started
    with time_machine.travel(T0, tick=False) as clock:
        for provider in a.providers:
            provider(schedulers[0])
        a.say('事件 start --level 2 "甲"', user="slack:U_PR")  # scheduled live on replica a
        first = {f"crisis-timer:{t.id}" for t in a.timer_rows()}
        for provider in b.providers:
            provider(schedulers[1])  # replica b finds them in the database at start
        a.say('事件 start --level 5 "乙"', user="slack:U_PR")
        every = {f"crisis-timer:{t.id}" for t in a.timer_rows()}
        assert len(first) == 3 * 2 and len(every) == 2 * len(first)  # a reminder and a deadline per checkpoint
        assert every <= set(schedulers[0].job_ids())
        assert first <= set(schedulers[1].job_ids()) and not (every - first) & set(schedulers[1].job_ids())
        assert "crisis-timers-sweep" in schedulers[1].job_ids()

        clock.move_to(T0 + timedelta(hours=5))  # every deadline has passed
        b.timers.sweep()  # b's sweep finds what a wrote after b started
        assert every <= set(schedulers[1].job_ids())
        ids = sorted(int(job.rsplit(":", 1)[1]) for job in every)
        runs = [threading.Thread(target=lambda r=r: [r.timers.run_job(i) for i in ids]) for r in (a, b)]
        for run in runs:
            run.start()
        for run in runs:
            run.join()
    assert all(t.status == "fired" for t in a.timer_rows())
    counts = deliveries(notifier)
    opening = sum(1 for p in notifier.posts if "🚨" in p.reply.text)
    assert opening == 2
    assert len(notifier.posts) - opening == 2 * 3 * 5
    assert all(count == 1 for count in counts.values())
