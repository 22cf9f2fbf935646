"""Customers follow a provider's route announcements in an area of their choosing; a route
stop may visit a booking at its fixed time (RouteStop.bookingId, routeOrderId now optional).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = postgresql.TIMESTAMP(precision=3)


def upgrade() -> None:
    op.create_table(
        "AnnouncementFollow",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("customerId", sa.Text(), nullable=False),
        sa.Column("providerId", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=False),
        sa.Column("longitude", sa.Double(), nullable=False),
        sa.Column("radiusKm", sa.Double(), nullable=False),
        sa.Column("createdAt", TS, nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.PrimaryKeyConstraint("id", name="AnnouncementFollow_pkey"),
    )
    op.create_index(
        "AnnouncementFollow_customerId_providerId_key",
        "AnnouncementFollow",
        ["customerId", "providerId"],
        unique=True,
    )
    op.create_index("AnnouncementFollow_providerId_idx", "AnnouncementFollow", ["providerId"])
    op.create_foreign_key(
        "AnnouncementFollow_customerId_fkey", "AnnouncementFollow", "User", ["customerId"], ["id"],
        ondelete="CASCADE", onupdate="CASCADE",
    )  # fmt: skip
    op.create_foreign_key(
        "AnnouncementFollow_providerId_fkey", "AnnouncementFollow", "Provider", ["providerId"],
        ["id"], ondelete="CASCADE", onupdate="CASCADE",
    )  # fmt: skip
    op.execute('ALTER TABLE "AnnouncementFollow" ENABLE ROW LEVEL SECURITY')

    op.add_column("RouteStop", sa.Column("bookingId", sa.Text(), nullable=True))
    op.create_index("RouteStop_bookingId_idx", "RouteStop", ["bookingId"])
    op.create_foreign_key(
        "RouteStop_bookingId_fkey", "RouteStop", "Booking", ["bookingId"], ["id"],
        ondelete="CASCADE", onupdate="CASCADE",
    )  # fmt: skip
    op.alter_column("RouteStop", "routeOrderId", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    # Stops of plain bookings have no order to fall back to: they go with the column.
    op.execute('DELETE FROM "RouteStop" WHERE "routeOrderId" IS NULL')
    op.alter_column("RouteStop", "routeOrderId", existing_type=sa.Text(), nullable=False)
    op.drop_constraint("RouteStop_bookingId_fkey", "RouteStop", type_="foreignkey")
    op.drop_index("RouteStop_bookingId_idx", table_name="RouteStop")
    op.drop_column("RouteStop", "bookingId")
    op.drop_table("AnnouncementFollow")
