"""case bid usage

Revision ID: 0010
Revises: 0002
Create Date: 2026-12-01 11:05:00.000000

The plan's scoreboard: cases marked as used in a bid (用于投标), one row per case and bid.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_bid_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("bid", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("marked_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("marked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "bid", name="uq_case_bid_usage"),
    )
    with op.batch_alter_table("case_bid_usage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_bid_usage_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_bid_usage_marked_at"), ["marked_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_bid_usage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_bid_usage_marked_at"))
        batch_op.drop_index(batch_op.f("ix_case_bid_usage_case_id"))

    op.drop_table("case_bid_usage")
