"""Maintenance mode (B3): one row every worker reads, so switching it on takes effect everywhere.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "MaintenanceMode",
        sa.Column("id", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("changedBy", sa.Text(), nullable=True),
        sa.Column(
            "changedAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.CheckConstraint("id = 1", name="MaintenanceMode_single_row_check"),
        sa.PrimaryKeyConstraint("id", name="MaintenanceMode_pkey"),
    )
    op.execute('ALTER TABLE "MaintenanceMode" ENABLE ROW LEVEL SECURITY')


def downgrade() -> None:
    op.drop_table("MaintenanceMode")
