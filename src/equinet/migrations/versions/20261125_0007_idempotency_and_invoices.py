"""Idempotency keys for booking creation (kept 24 h) and a gap-free invoice number counter.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = postgresql.TIMESTAMP(precision=3)


def upgrade() -> None:
    op.create_table(
        "IdempotencyKey",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("requestHash", sa.Text(), nullable=False),
        sa.Column("responseStatus", sa.Integer(), nullable=True),
        sa.Column("responseBody", sa.Text(), nullable=True),
        sa.Column("createdAt", TS, nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.Column("expiresAt", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="IdempotencyKey_pkey"),
    )
    op.create_index(
        "IdempotencyKey_userId_key_key", "IdempotencyKey", ["userId", "key"], unique=True
    )
    op.create_index("IdempotencyKey_expiresAt_idx", "IdempotencyKey", ["expiresAt"])
    op.create_foreign_key(
        "IdempotencyKey_userId_fkey", "IdempotencyKey", "User", ["userId"], ["id"],
        ondelete="CASCADE", onupdate="CASCADE",
    )  # fmt: skip
    # One row per year; `UPDATE ... SET lastNumber = lastNumber + 1 RETURNING` inside the
    # payment's transaction gives numbers without gaps (a sequence would leave gaps on rollback).
    op.create_table(
        "InvoiceCounter",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("lastNumber", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("year", name="InvoiceCounter_pkey"),
    )
    op.execute('ALTER TABLE "IdempotencyKey" ENABLE ROW LEVEL SECURITY')
    op.execute('ALTER TABLE "InvoiceCounter" ENABLE ROW LEVEL SECURITY')


def downgrade() -> None:
    op.drop_table("InvoiceCounter")
    op.drop_table("IdempotencyKey")
