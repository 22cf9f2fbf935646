"""Exact money: prices and amounts as numeric(12,2), the price a booking was made at, and the
idempotency key a payment is charged under.

`Service.price` and `Payment.amount` were double precision (12345.67 is not exact in binary).
They become numeric(12,2), rounded to the öre. `Booking.priceAtBooking` keeps the price the
customer agreed to, filled for existing bookings from their service's current price (the best
knowledge there is). `Payment.idempotencyKey` is the key a charge is sent to the gateway
under: a retry or the reconciliation asks the gateway about the same key, never charges anew.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(12, 2)


def upgrade() -> None:
    op.alter_column(
        "Service", "price", type_=MONEY, existing_nullable=False,
        postgresql_using='round("price"::numeric, 2)',
    )  # fmt: skip
    op.alter_column(
        "Payment", "amount", type_=MONEY, existing_nullable=False,
        postgresql_using='round("amount"::numeric, 2)',
    )  # fmt: skip
    op.add_column("Booking", sa.Column("priceAtBooking", MONEY, nullable=True))
    op.execute(
        'UPDATE "Booking" b SET "priceAtBooking" = s."price" FROM "Service" s '
        'WHERE s."id" = b."serviceId"'
    )
    op.alter_column("Booking", "priceAtBooking", existing_type=MONEY, nullable=False)
    op.add_column("Payment", sa.Column("idempotencyKey", sa.Text(), nullable=True))
    op.create_index("Payment_idempotencyKey_key", "Payment", ["idempotencyKey"], unique=True)
    # The reconciliation looks for payments left pending: few rows, found by status and age.
    op.create_index(
        "Payment_pending_updatedAt_idx", "Payment", ["updatedAt"],
        postgresql_where=sa.text("status = 'pending'"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("Payment_pending_updatedAt_idx", table_name="Payment")
    op.drop_index("Payment_idempotencyKey_key", table_name="Payment")
    op.drop_column("Payment", "idempotencyKey")
    op.drop_column("Booking", "priceAtBooking")
    op.alter_column(
        "Payment", "amount", type_=sa.Double(), existing_nullable=False,
        postgresql_using='"amount"::double precision',
    )  # fmt: skip
    op.alter_column(
        "Service", "price", type_=sa.Double(), existing_nullable=False,
        postgresql_using='"price"::double precision',
    )  # fmt: skip
