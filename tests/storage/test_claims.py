"""Claims with leases and fencing, on SQLite and PostgreSQL: one owner at a time, an abandoned claim
taken over once its lease runs out, a stale owner unable to finish, a live owner renewing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from storage.claims import (
    TAKEOVER_MARGIN,
    acquire,
    finish,
    get_claim,
    give_back,
    post_key,
    renew,
    run_claimed,
    try_claim,
)
from storage.db import make_engine, migrate
from storage.library import utcnow

LEASE = timedelta(minutes=5)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_one_owner_until_the_lease_runs_out_then_a_takeover_with_a_new_token(engine: Engine) -> None:
    now = utcnow()
    first = acquire(engine=engine, job="digest", period="W1/slack:C", owner="a", lease=LEASE, now=now)
    assert first is not None and first.token == 1 and not first.taken_over
    assert (
        acquire(
            engine=engine, job="digest", period="W1/slack:C", owner="b", lease=LEASE, now=now + timedelta(minutes=4)
        )
        is None
    )  # live owner
    second = acquire(
        engine=engine,
        job="digest",
        period="W1/slack:C",
        owner="b",
        lease=LEASE,
        now=now + timedelta(minutes=5, seconds=1),
    )
    assert second is not None and second.token == 2 and second.taken_over
    assert not finish(engine=engine, lease=first, detail="late")  # fenced: the stale owner cannot mark it done
    assert renew(engine=engine, lease=first) is None
    assert finish(engine=engine, lease=second, detail="message 9")
    claim = get_claim(engine=engine, job="digest", period="W1/slack:C")
    assert claim is not None and (claim.status, claim.owner, claim.detail, claim.token) == ("done", "b", "message 9", 2)
    # Done is done, however late anyone comes.
    assert (
        acquire(engine=engine, job="digest", period="W1/slack:C", owner="c", lease=LEASE, now=now + timedelta(days=1))
        is None
    )


def test_a_renewed_lease_is_not_taken_over(engine: Engine) -> None:
    now = utcnow()
    held = acquire(engine=engine, job="job", period="p", owner="a", lease=LEASE, now=now)
    assert held is not None
    renewed = renew(engine=engine, lease=held, duration=LEASE, now=now + timedelta(minutes=4))
    assert renewed is not None and renewed.until == now + timedelta(minutes=9)
    assert acquire(engine=engine, job="job", period="p", owner="b", lease=LEASE, now=now + timedelta(minutes=6)) is None
    assert (
        acquire(engine=engine, job="job", period="p", owner="b", lease=LEASE, now=now + timedelta(minutes=9, seconds=1))
        is not None
    )


def test_a_released_claim_is_free_at_once_and_its_old_token_is_fenced(engine: Engine) -> None:
    held = acquire(engine=engine, job="job", period="p", owner="a")
    assert held is not None and give_back(engine=engine, lease=held, detail="NotifyError: down")
    claim = get_claim(engine=engine, job="job", period="p")
    assert claim is not None and claim.status == "released" and claim.lease_until is None
    again = acquire(engine=engine, job="job", period="p", owner="b")
    assert again is not None and again.token == 2
    assert not give_back(engine=engine, lease=held) and not finish(engine=engine, lease=held)


def test_run_claimed_reports_done_held_and_gives_back_on_failure(engine: Engine) -> None:
    def fail(_lease: object) -> str:
        raise RuntimeError("platform down")

    with pytest.raises(RuntimeError):
        run_claimed(engine=engine, job="job", period="p", owner="a", work=fail)
    released = get_claim(engine=engine, job="job", period="p")
    assert released is not None and released.status == "released" and "platform down" in released.detail

    keys: list[tuple[int, bool]] = []
    result = run_claimed(
        engine=engine,
        job="job",
        period="p",
        owner="a",
        work=lambda lease: keys.append((lease.token, lease.taken_over)) or "ok",
    )
    assert result.status == "ran" and bool(result) and keys == [(2, True)]
    assert run_claimed(engine=engine, job="job", period="p", owner="b", work=lambda _l: "never").status == "done"

    holder = acquire(engine=engine, job="job", period="q", owner="a")
    assert holder is not None
    held = run_claimed(engine=engine, job="job", period="q", owner="b", work=lambda _l: "never")
    assert held.status == "held" and not held and held.retry_at == holder.until + TAKEOVER_MARGIN


def test_a_live_owner_keeps_renewing_while_it_works(engine: Engine) -> None:
    short = timedelta(seconds=0.6)
    seen: list[object] = []

    def slow(lease: object) -> str:
        first = get_claim(engine=engine, job="job", period="slow")
        assert first is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # wait for the heartbeat to move the lease forward
            now = get_claim(engine=engine, job="job", period="slow")
            if now is not None and now.lease_until and first.lease_until and now.lease_until > first.lease_until:
                seen.append(now.lease_until)
                break
            time.sleep(0.05)
        return "ok"

    assert run_claimed(engine=engine, job="job", period="slow", owner="a", work=slow, lease=short).status == "ran"
    assert seen, "the lease was never renewed"


def test_racing_replicas_get_one_owner(engine: Engine) -> None:
    winners: list[str] = []
    start = threading.Barrier(6)

    def race(owner: str) -> None:
        start.wait()
        if try_claim(engine=engine, job="race", period="p", owner=owner):
            winners.append(owner)

    threads = [threading.Thread(target=race, args=(f"r{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1


def test_the_post_key_is_the_same_for_every_owner() -> None:
    assert post_key("digest", "2025-W42/slack:C1") == "digest@2025-W42/slack:C1"
