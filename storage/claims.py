"""Claims with leases and fencing: the one mechanism that makes every scheduled post happen once.

A claim is a row per (job, period). Whoever takes it owns it until ``lease_until``; a live owner
renews the lease while it works (``keep_alive``). A claim whose lease ran out (its owner died) is
taken over by any replica, which bumps ``token``. Finishing and releasing are fenced by that token,
so a stale owner that wakes up late cannot mark done (or give back) a claim it no longer holds.
The post itself must be idempotent under ``post_key`` (the notifier looks for a message carrying
the key before posting again), because a takeover cannot know whether the dead owner's post went out.

Statuses: ``claimed`` (held, or abandoned once the lease is past) | ``released`` (given back after a
failure, free for anyone) | ``done``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, ColumnElement, Text, and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Field, Session, SQLModel, col

from storage.library import utcnow

log = logging.getLogger(__name__)

# A few minutes: long enough for a post with its retries, short enough that a replica's death
# delays a reminder by minutes, not until the next restart.
DEFAULT_LEASE = timedelta(minutes=5)
# A claim held elsewhere is looked at again this long after its lease ends (live owners renew a
# third of the way through, far from the end, so this only absorbs clock rounding).
TAKEOVER_MARGIN = timedelta(milliseconds=50)


class Claim(SQLModel, table=True):
    __tablename__ = "claims"

    job: str = Field(primary_key=True, max_length=200)
    period: str = Field(primary_key=True, max_length=100)
    owner: str = Field(max_length=200)
    status: str = Field(default="claimed", max_length=20)  # claimed | released | done
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    claimed_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    # Fencing token: 1 for the first owner, +1 for each takeover or re-take after a release.
    token: int = Field(default=1)
    lease_until: datetime | None = None


@dataclass(frozen=True)
class Lease:
    """Proof of holding a claim: only the holder of the current token may finish or release it."""

    job: str
    period: str
    owner: str
    token: int
    until: datetime

    @property
    def taken_over(self) -> bool:
        """Someone held this claim before (a crash or a failure): the post may already be out."""
        return self.token > 1


@dataclass(frozen=True)
class ClaimResult:
    """What ``run_claimed`` did: ``ran`` (the work ran here), ``done`` (finished before, by anyone),
    or ``held`` (a live owner holds it; look again at ``retry_at``, when its lease runs out)."""

    status: str
    detail: str = ""
    retry_at: datetime | None = None
    token: int = 0

    def __bool__(self) -> bool:
        return self.status == "ran"


def post_key(job: str, period: str) -> str:
    """The idempotency key a post carries, the same for every owner of (job, period)."""
    return f"{job}@{period}"


def acquire(
    *, engine: Engine, job: str, period: str, owner: str, lease: timedelta = DEFAULT_LEASE, now: datetime | None = None
) -> Lease | None:
    """Take (job, period) for ``owner``: a new claim, a released one, or one whose lease ran out.
    None if it is done or a live owner holds it."""
    now = now or utcnow()
    until = now + lease
    with Session(engine) as session:
        session.add(Claim(job=job, period=period, owner=owner, claimed_at=now, lease_until=until))
        try:
            session.commit()
            return Lease(job, period, owner, 1, until)
        except IntegrityError:
            session.rollback()
    takeover = (
        update(Claim)
        .where(
            col(Claim.job) == job,
            col(Claim.period) == period,
            or_(
                col(Claim.status) == "released",
                and_(
                    col(Claim.status) == "claimed",
                    or_(col(Claim.lease_until).is_(None), col(Claim.lease_until) < now),
                ),
            ),
        )
        .values(owner=owner, status="claimed", token=col(Claim.token) + 1, lease_until=until, claimed_at=now)
    )
    with engine.begin() as connection:
        if connection.execute(takeover).rowcount != 1:
            return None
        # Same transaction: the row is ours (locked on PostgreSQL, the write lock on SQLite).
        token = connection.execute(
            select(col(Claim.token)).where(col(Claim.job) == job, col(Claim.period) == period)
        ).scalar_one()
    log.info("claim %s %s: taken by %s (token %d)", job, period, owner, token)
    return Lease(job, period, owner, token, until)


def _fenced(lease: Lease) -> list[ColumnElement[bool]]:
    return [
        col(Claim.job) == lease.job,
        col(Claim.period) == lease.period,
        col(Claim.token) == lease.token,
        col(Claim.status) == "claimed",
    ]


def renew(
    *, engine: Engine, lease: Lease, duration: timedelta = DEFAULT_LEASE, now: datetime | None = None
) -> Lease | None:
    """Extend a held lease; None if it was lost (taken over after it ran out)."""
    until = (now or utcnow()) + duration
    with engine.begin() as connection:
        changed = connection.execute(update(Claim).where(*_fenced(lease)).values(lease_until=until)).rowcount
    return Lease(lease.job, lease.period, lease.owner, lease.token, until) if changed == 1 else None


def finish(*, engine: Engine, lease: Lease, detail: str = "") -> bool:
    """Mark the claim done; False if this lease is stale (another owner took over: it decides)."""
    statement = update(Claim).where(*_fenced(lease)).values(status="done", detail=detail, finished_at=utcnow())
    with engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


def give_back(*, engine: Engine, lease: Lease, detail: str = "") -> bool:
    """Release the claim after a failure so a later run (or another replica) can try again."""
    statement = update(Claim).where(*_fenced(lease)).values(status="released", lease_until=None, detail=detail[:2000])
    with engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


def get_claim(*, engine: Engine, job: str, period: str) -> Claim | None:
    with Session(engine) as session:
        return session.get(Claim, (job, period))


@contextmanager
def keep_alive(*, engine: Engine, lease: Lease, duration: timedelta = DEFAULT_LEASE) -> Iterator[Callable[[], Lease]]:
    """Renew ``lease`` in the background (every third of its duration) while the block runs.
    Yields a function returning the newest lease."""
    current = [lease]
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(duration.total_seconds() / 3):
            try:
                renewed = renew(engine=engine, lease=current[0], duration=duration)
            except SQLAlchemyError as exc:  # a busy or briefly unreachable database: try at the next beat
                log.warning("claim %s %s: lease not renewed (%s)", lease.job, lease.period, exc.__class__.__name__)
                continue
            if renewed is None:
                log.warning("claim %s %s: lease lost to another owner", lease.job, lease.period)
                return
            current[0] = renewed

    thread = threading.Thread(target=beat, name=f"lease:{lease.job}", daemon=True)
    thread.start()
    try:
        yield lambda: current[0]
    finally:
        stop.set()
        thread.join(timeout=5)


def run_claimed(
    *,
    engine: Engine,
    job: str,
    period: str,
    owner: str,
    work: Callable[[Lease], str],
    lease: timedelta = DEFAULT_LEASE,
) -> ClaimResult:
    """Run ``work`` under the claim (job, period), renewing its lease meanwhile. On success the claim
    is marked done with the detail ``work`` returns; on failure it is given back and the error
    re-raised. ``work`` receives the lease (``taken_over`` tells it a previous owner may have posted)."""
    held = acquire(engine=engine, job=job, period=period, owner=owner, lease=lease)
    if held is None:
        claim = get_claim(engine=engine, job=job, period=period)
        if claim is None or claim.status == "done":
            return ClaimResult("done", claim.detail if claim else "")
        retry_at = claim.lease_until or utcnow()
        return ClaimResult("held", retry_at=retry_at + TAKEOVER_MARGIN, token=claim.token)
    with keep_alive(engine=engine, lease=held, duration=lease) as latest:
        try:
            detail = work(held)
        except BaseException as exc:
            give_back(engine=engine, lease=latest(), detail=f"{exc.__class__.__name__}: {exc}")
            raise
    if not finish(engine=engine, lease=latest(), detail=detail):
        # Our lease ran out while we worked and someone else owns the claim now; the post is
        # idempotent under its key, so their attempt finds ours instead of repeating it.
        log.warning("claim %s %s: finished after losing the lease (token %d)", job, period, held.token)
    return ClaimResult("ran", detail, token=held.token)


# ---- simple claims for work that is not a post (e.g. creating a drill's incident once) ----


def try_claim(*, engine: Engine, job: str, period: str, owner: str, lease: timedelta = DEFAULT_LEASE) -> bool:
    """True if this caller now owns (job, period): new, released, or abandoned (lease run out)."""
    return acquire(engine=engine, job=job, period=period, owner=owner, lease=lease) is not None


def complete(*, engine: Engine, job: str, period: str, detail: str = "") -> None:
    """Mark (job, period) done, whoever holds it (for callers that keep no ``Lease``)."""
    statement = (
        update(Claim)
        .where(col(Claim.job) == job, col(Claim.period) == period, col(Claim.status) != "done")
        .values(status="done", detail=detail, finished_at=utcnow())
    )
    with engine.begin() as connection:
        connection.execute(statement)


def release(*, engine: Engine, job: str, period: str) -> None:
    """Give (job, period) back after a failure, whoever holds it."""
    statement = (
        update(Claim)
        .where(col(Claim.job) == job, col(Claim.period) == period, col(Claim.status) != "done")
        .values(status="released", lease_until=None)
    )
    with engine.begin() as connection:
        connection.execute(statement)
