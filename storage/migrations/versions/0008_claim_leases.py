"""claim leases and fencing tokens: an abandoned claim is taken over, a stale owner cannot finish

Revision ID: 0008
Revises: 0002
Create Date: 2026-12-01 11:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("token", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Claims left "claimed" by the old code (no lease) become takeable at once.
    with op.batch_alter_table("claims") as batch:
        batch.alter_column("token", server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM claims WHERE status = 'released'")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("token")
