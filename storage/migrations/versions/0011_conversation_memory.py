"""conversation memory per thread

Revision ID: 0011
Revises: 0002
Create Date: 2026-12-01 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_memory",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("thread_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("pending_token", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "channel_id", "thread_id"),
    )
    with op.batch_alter_table("conversation_memory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_memory_pending_token"), ["pending_token"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_memory_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversation_memory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_memory_updated_at"))
        batch_op.drop_index(batch_op.f("ix_conversation_memory_pending_token"))
    op.drop_table("conversation_memory")
