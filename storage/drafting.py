"""Drafted variants and the variant a user picked, so the team can see which personas and formats win."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint, func
from sqlmodel import Field, Session, SQLModel, col, select

from storage.library import Document, utcnow


class DraftBatch(SQLModel, table=True):
    """One drafting request and the variants it produced (button clicks and --pick refer to it)."""

    __tablename__ = "draft_batches"

    id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(index=True, max_length=200)
    platform: str = Field(default="console", max_length=40)
    kind: str = Field(max_length=20)  # headline | summary
    persona: str = Field(index=True, max_length=100)
    format: str = Field(default="", max_length=100)
    mode: str = Field(max_length=20)  # llm | offline
    source_ref: str = Field(default="", max_length=300)
    variants: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class DraftPick(SQLModel, table=True):
    """The variant a user chose from a batch; choosing again replaces their earlier choice."""

    __tablename__ = "draft_picks"
    __table_args__ = (UniqueConstraint("batch_id", "user_id", name="uq_draft_pick_batch_user"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: str = Field(foreign_key="draft_batches.id", index=True, max_length=32, ondelete="CASCADE")
    user_id: str = Field(max_length=200)
    variant: int  # 1-based, as the user saw it
    text: str = Field(max_length=4000)
    kind: str = Field(max_length=20)
    persona: str = Field(index=True, max_length=100)
    format: str = Field(default="", max_length=100)
    mode: str = Field(max_length=20)
    picked_at: datetime = Field(default_factory=utcnow)


def save_batch(
    *,
    session: Session,
    batch_id: str,
    user_id: str,
    platform: str,
    kind: str,
    persona: str,
    format: str,
    mode: str,
    source_ref: str,
    variants: list[str],
) -> DraftBatch:
    batch = DraftBatch(
        id=batch_id,
        user_id=user_id,
        platform=platform,
        kind=kind,
        persona=persona,
        format=format,
        mode=mode,
        source_ref=source_ref,
        variants=variants,
    )
    session.add(batch)
    return batch


def get_batch(*, session: Session, batch_id: str) -> DraftBatch | None:
    return session.get(DraftBatch, batch_id)


def latest_batch(*, session: Session, user_id: str) -> DraftBatch | None:
    stmt = select(DraftBatch).where(DraftBatch.user_id == user_id).order_by(col(DraftBatch.created_at).desc())
    return session.exec(stmt).first()


def record_pick(*, session: Session, batch: DraftBatch, user_id: str, variant: int) -> DraftPick:
    pick = session.exec(
        select(DraftPick).where(DraftPick.batch_id == batch.id, DraftPick.user_id == user_id)
    ).first() or DraftPick(
        batch_id=batch.id,
        user_id=user_id,
        variant=variant,
        text="",
        kind=batch.kind,
        persona=batch.persona,
        format=batch.format,
        mode=batch.mode,
    )
    pick.variant, pick.text, pick.picked_at = variant, batch.variants[variant - 1], utcnow()
    session.add(pick)
    return pick


def stats(*, session: Session, since: datetime | None = None) -> list[dict[str, Any]]:
    """Per (kind, persona, format): batches drafted, picks made; most picked first."""
    batches = select(DraftBatch.kind, DraftBatch.persona, DraftBatch.format, func.count()).group_by(
        DraftBatch.kind, DraftBatch.persona, DraftBatch.format
    )
    picks = select(DraftPick.kind, DraftPick.persona, DraftPick.format, func.count()).group_by(
        DraftPick.kind, DraftPick.persona, DraftPick.format
    )
    if since is not None:
        batches = batches.where(DraftBatch.created_at >= since)
        picks = picks.where(DraftPick.picked_at >= since)
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for kind, persona, fmt, n in session.exec(batches):
        rows[(kind, persona, fmt)] = {"kind": kind, "persona": persona, "format": fmt, "drafted": n, "picked": 0}
    for kind, persona, fmt, n in session.exec(picks):
        row = rows.setdefault(
            (kind, persona, fmt), {"kind": kind, "persona": persona, "format": fmt, "drafted": 0, "picked": 0}
        )
        row["picked"] = n
    out = list(rows.values())
    for row in out:
        row["pick_rate"] = round(row["picked"] / row["drafted"], 3) if row["drafted"] else None
    return sorted(out, key=lambda r: (-r["picked"], -(r["pick_rate"] or 0), r["persona"]))


def indexed_document(*, session: Session, doc_id: str) -> Document | None:
    """A library document a draft can start from: it exists and is indexed (so the draft may cite it)."""
    doc = session.get(Document, doc_id)
    return doc if doc is not None and doc.indexed else None
