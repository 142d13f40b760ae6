"""platform events: received, then answered, with an owner

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-01 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before this revision were processed when they were recorded: they count as answered.
    with op.batch_alter_table("platform_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default="answered")
        )
        batch_op.add_column(
            sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "claimed_at",
                sqlmodel.sql.sqltypes.UTCDateTime(),
                nullable=False,
                server_default=sa.text("CURRENT_TIMESTAMP"),
            )
        )
        batch_op.create_index(batch_op.f("ix_platform_events_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("platform_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_events_received_at"))
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("owner")
        batch_op.drop_column("state")
