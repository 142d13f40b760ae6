"""Claim rows: a unique (job, period) row taken before a scheduled post, so it happens exactly once
across replicas, restarts and retries. A failed post releases its claim so it can go again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Column, Text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from storage.library import utcnow


class Claim(SQLModel, table=True):
    __tablename__ = "claims"

    job: str = Field(primary_key=True, max_length=200)
    period: str = Field(primary_key=True, max_length=100)
    owner: str = Field(max_length=200)
    status: str = Field(default="claimed", max_length=20)  # claimed | done
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    claimed_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


def try_claim(engine: Engine, job: str, period: str, owner: str) -> bool:
    """True if this caller now owns (job, period); False if anyone already claimed it."""
    with Session(engine) as session:
        session.add(Claim(job=job, period=period, owner=owner))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    return True


def complete(engine: Engine, job: str, period: str, detail: str = "") -> None:
    with Session(engine) as session:
        claim = session.get(Claim, (job, period))
        if claim is not None:
            claim.status, claim.detail, claim.finished_at = "done", detail, utcnow()
            session.add(claim)
            session.commit()


def release(engine: Engine, job: str, period: str) -> None:
    """Give a claim back after a failure, so a later run (or another replica) can try again."""
    with Session(engine) as session:
        claim = session.get(Claim, (job, period))
        if claim is not None and claim.status != "done":
            session.delete(claim)
            session.commit()


def get_claim(engine: Engine, job: str, period: str) -> Claim | None:
    with Session(engine) as session:
        return session.get(Claim, (job, period))


def run_claimed(engine: Engine, job: str, period: str, owner: str, work: Callable[[], str]) -> bool:
    """Run ``work`` only if (job, period) can be claimed. On success the claim is marked done with
    the detail ``work`` returns; on failure it is released and the error re-raised.
    Returns False when someone else already holds the claim (nothing was run)."""
    if not try_claim(engine, job, period, owner):
        return False
    try:
        detail = work()
    except BaseException:
        release(engine, job, period)
        raise
    complete(engine, job, period, detail)
    return True
