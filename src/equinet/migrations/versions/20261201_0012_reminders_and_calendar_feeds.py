"""Booking completion time, reminder deliveries and opt-outs, calendar feed tokens.

`Booking.completedAt` is the moment a booking was marked completed; rebooking reminders count
from it (the original used `updatedAt`, which any later update moves). Existing completed rows
get the end of their visit (Europe/Stockholm), or `updatedAt` when that is earlier.
`ReminderDelivery` holds one row per (kind, booking, recipient): its unique index is the exact
de-duplication key, so a second run sends nothing. `ReminderOptOut` records the unsubscribe
links people followed. `CalendarFeed` keeps the SHA-256 of each user's secret iCal feed token.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = postgresql.TIMESTAMP(precision=3)
NEW_TABLES = ("ReminderDelivery", "ReminderOptOut", "CalendarFeed")

# The visit's end as a UTC timestamp, for rows whose endTime reads as HH:MM.
BACKFILL = """
UPDATE "Booking"
SET "completedAt" = CASE
    WHEN "endTime" ~ '^([01][0-9]|2[0-3]):[0-5][0-9]' THEN LEAST(
        "updatedAt",
        (("bookingDate"::date + substr("endTime", 1, 5)::time)
            AT TIME ZONE 'Europe/Stockholm') AT TIME ZONE 'UTC'
    )
    ELSE "updatedAt"
END
WHERE status = 'completed'
"""


def upgrade() -> None:
    op.add_column("Booking", sa.Column("completedAt", TS, nullable=True))
    op.execute(BACKFILL)
    op.create_index(
        "Booking_completedAt_idx",
        "Booking",
        ["completedAt"],
        postgresql_where=sa.text("status = 'completed'"),
    )

    op.create_table(
        "ReminderDelivery",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("bookingId", sa.Text(), nullable=False),
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("sentAt", TS, nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.PrimaryKeyConstraint("id", name="ReminderDelivery_pkey"),
    )
    op.create_index(
        "ReminderDelivery_kind_bookingId_userId_key",
        "ReminderDelivery",
        ["kind", "bookingId", "userId"],
        unique=True,
    )
    op.create_index("ReminderDelivery_bookingId_idx", "ReminderDelivery", ["bookingId"])
    op.create_index("ReminderDelivery_userId_idx", "ReminderDelivery", ["userId"])
    op.create_foreign_key(
        "ReminderDelivery_bookingId_fkey", "ReminderDelivery", "Booking", ["bookingId"], ["id"],
        ondelete="CASCADE", onupdate="CASCADE",
    )  # fmt: skip
    op.create_foreign_key(
        "ReminderDelivery_userId_fkey", "ReminderDelivery", "User", ["userId"], ["id"],
        ondelete="CASCADE", onupdate="CASCADE",
    )  # fmt: skip

    op.create_table(
        "ReminderOptOut",
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("createdAt", TS, nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.PrimaryKeyConstraint("userId", "kind", name="ReminderOptOut_pkey"),
    )
    op.create_foreign_key(
        "ReminderOptOut_userId_fkey", "ReminderOptOut", "User", ["userId"], ["id"],
        ondelete="CASCADE", onupdate="CASCADE",
    )  # fmt: skip

    op.create_table(
        "CalendarFeed",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("userId", sa.Text(), nullable=False),
        sa.Column("tokenHash", sa.Text(), nullable=False),
        sa.Column("createdAt", TS, nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.Column("revokedAt", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="CalendarFeed_pkey"),
    )
    op.create_index("CalendarFeed_tokenHash_key", "CalendarFeed", ["tokenHash"], unique=True)
    # One live feed per user: a new one replaces (revokes) the old.
    op.create_index(
        "CalendarFeed_userId_active_key",
        "CalendarFeed",
        ["userId"],
        unique=True,
        postgresql_where=sa.text('"revokedAt" IS NULL'),
    )
    op.create_foreign_key(
        "CalendarFeed_userId_fkey", "CalendarFeed", "User", ["userId"], ["id"],
        ondelete="CASCADE", onupdate="CASCADE",
    )  # fmt: skip

    for table in NEW_TABLES:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')


def downgrade() -> None:
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
    op.drop_index("Booking_completedAt_idx", table_name="Booking")
    op.drop_column("Booking", "completedAt")
