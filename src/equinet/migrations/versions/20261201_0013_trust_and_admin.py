"""Two-factor login (TOTP credentials, hashed recovery codes, login challenges), the admin
audit log, and account deactivation/deletion stamps on User.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = postgresql.TIMESTAMP(precision=3)
NOW = sa.text("CURRENT_TIMESTAMP")
NEW_TABLES = ("TwoFactorCredential", "TwoFactorRecoveryCode", "LoginChallenge", "AdminAuditLog")


def upgrade() -> None:
    op.add_column("User", sa.Column("deactivatedAt", TS, nullable=True))
    op.add_column("User", sa.Column("deletedAt", TS, nullable=True))
    op.create_table(
        "TwoFactorCredential",
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("secretEncrypted", sa.Text(), nullable=False),
        sa.Column("confirmedAt", TS, nullable=True),
        sa.Column("lastUsedStep", sa.BigInteger(), nullable=True),
        sa.Column("createdAt", TS, nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("userId", name="TwoFactorCredential_pkey"),
    )
    op.create_foreign_key(
        "TwoFactorCredential_userId_fkey", "TwoFactorCredential", "User", ["userId"], ["id"],
        ondelete="CASCADE", onupdate="CASCADE",
    )  # fmt: skip
    op.create_table(
        "TwoFactorRecoveryCode",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("codeHash", sa.Text(), nullable=False),
        sa.Column("usedAt", TS, nullable=True),
        sa.Column("createdAt", TS, nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("id", name="TwoFactorRecoveryCode_pkey"),
    )
    op.create_index("TwoFactorRecoveryCode_userId_idx", "TwoFactorRecoveryCode", ["userId"])
    op.create_foreign_key(
        "TwoFactorRecoveryCode_userId_fkey", "TwoFactorRecoveryCode", "User", ["userId"], ["id"],
        ondelete="CASCADE", onupdate="CASCADE",
    )  # fmt: skip
    op.create_table(
        "LoginChallenge",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("tokenHash", sa.Text(), nullable=False),
        sa.Column("expiresAt", TS, nullable=False),
        sa.Column("usedAt", TS, nullable=True),
        sa.Column("createdAt", TS, nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("id", name="LoginChallenge_pkey"),
    )
    op.create_index("LoginChallenge_tokenHash_key", "LoginChallenge", ["tokenHash"], unique=True)
    op.create_index("LoginChallenge_userId_idx", "LoginChallenge", ["userId"])
    op.create_foreign_key(
        "LoginChallenge_userId_fkey", "LoginChallenge", "User", ["userId"], ["id"],
        ondelete="CASCADE", onupdate="CASCADE",
    )  # fmt: skip
    op.create_table(
        "AdminAuditLog",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("actorId", sa.Text(), nullable=True),
        sa.Column("actorEmail", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("targetType", sa.Text(), nullable=False),
        sa.Column("targetId", sa.Text(), nullable=True),
        sa.Column("before", postgresql.JSONB(), nullable=True),
        sa.Column("after", postgresql.JSONB(), nullable=True),
        sa.Column("ipAddress", sa.Text(), nullable=True),
        sa.Column("createdAt", TS, nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("id", name="AdminAuditLog_pkey"),
    )
    op.create_index("AdminAuditLog_createdAt_idx", "AdminAuditLog", ["createdAt"])
    op.create_index("AdminAuditLog_actorId_idx", "AdminAuditLog", ["actorId"])
    op.create_index(
        "AdminAuditLog_targetType_targetId_idx", "AdminAuditLog", ["targetType", "targetId"]
    )
    op.create_foreign_key(
        "AdminAuditLog_actorId_fkey", "AdminAuditLog", "User", ["actorId"], ["id"],
        ondelete="SET NULL", onupdate="CASCADE",
    )  # fmt: skip
    for table in NEW_TABLES:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')


def downgrade() -> None:
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
    op.drop_column("User", "deletedAt")
    op.drop_column("User", "deactivatedAt")
