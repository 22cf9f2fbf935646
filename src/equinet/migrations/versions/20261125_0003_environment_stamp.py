"""Environment stamp: the environment (development, test, staging, production) that first
migrated this database, so that no other environment's app or tools can run against it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "EnvironmentStamp",
        sa.Column("id", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.Column("environment", sa.Text(), nullable=False),
        sa.Column(
            "stampedAt",
            postgresql.TIMESTAMP(precision=3),
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        ),
        sa.CheckConstraint("id = 1", name="EnvironmentStamp_single_row_check"),
        sa.CheckConstraint(
            "environment IN ('development', 'test', 'staging', 'production')",
            name="EnvironmentStamp_environment_check",
        ),
        sa.PrimaryKeyConstraint("id", name="EnvironmentStamp_pkey"),
    )
    op.execute('ALTER TABLE "EnvironmentStamp" ENABLE ROW LEVEL SECURITY')


def downgrade() -> None:
    op.drop_table("EnvironmentStamp")
