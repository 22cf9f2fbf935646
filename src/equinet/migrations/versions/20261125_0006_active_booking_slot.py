"""A cancelled slot can be booked again: the slot is unique among active bookings only.

The baseline's unique index covers every status, so rebooking a cancelled 10:00-11:00 slot
failed. The partial index keeps the last line of defence for pending and confirmed bookings.
The downgrade restores the original index and fails, by design, if the data no longer fits it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["providerId", "bookingDate", "startTime", "endTime"]


def upgrade() -> None:
    op.drop_index("Booking_providerId_bookingDate_startTime_endTime_key", table_name="Booking")
    op.create_index(
        "Booking_active_slot_key",
        "Booking",
        COLUMNS,
        unique=True,
        postgresql_where=sa.text("status IN ('pending', 'confirmed')"),
    )


def downgrade() -> None:
    op.drop_index("Booking_active_slot_key", table_name="Booking")
    op.create_index(
        "Booking_providerId_bookingDate_startTime_endTime_key", "Booking", COLUMNS, unique=True
    )
