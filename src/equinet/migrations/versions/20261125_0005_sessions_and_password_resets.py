"""Server-side sessions and password-reset tokens (both stored only as hashes).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = postgresql.TIMESTAMP(precision=3)
NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    op.create_table(
        "Session",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("tokenHash", sa.Text(), nullable=False),
        sa.Column("userAgent", sa.Text(), nullable=True),
        sa.Column("ipAddress", sa.Text(), nullable=True),
        sa.Column("createdAt", TS, nullable=False, server_default=NOW),
        sa.Column("lastSeenAt", TS, nullable=False, server_default=NOW),
        sa.Column("expiresAt", TS, nullable=False),
        sa.Column("revokedAt", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="Session_pkey"),
    )
    op.create_index("Session_tokenHash_key", "Session", ["tokenHash"], unique=True)
    op.create_index("Session_userId_idx", "Session", ["userId"])
    op.create_foreign_key(
        "Session_userId_fkey", "Session", "User", ["userId"], ["id"],
        ondelete="CASCADE", onupdate="CASCADE",
    )  # fmt: skip
    op.create_table(
        "PasswordResetToken",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("tokenHash", sa.Text(), nullable=False),
        sa.Column("expiresAt", TS, nullable=False),
        sa.Column("usedAt", TS, nullable=True),
        sa.Column("createdAt", TS, nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("id", name="PasswordResetToken_pkey"),
    )
    op.create_index(
        "PasswordResetToken_tokenHash_key", "PasswordResetToken", ["tokenHash"], unique=True
    )
    op.create_index("PasswordResetToken_userId_idx", "PasswordResetToken", ["userId"])
    op.create_foreign_key(
        "PasswordResetToken_userId_fkey", "PasswordResetToken", "User", ["userId"], ["id"],
        ondelete="CASCADE", onupdate="CASCADE",
    )  # fmt: skip
    op.execute('ALTER TABLE "Session" ENABLE ROW LEVEL SECURITY')
    op.execute('ALTER TABLE "PasswordResetToken" ENABLE ROW LEVEL SECURITY')


def downgrade() -> None:
    op.drop_table("PasswordResetToken")
    op.drop_table("Session")
