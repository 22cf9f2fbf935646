"""Payments and invoices for bookings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class Payment(Base):
    __tablename__ = "Payment"
    __table_args__ = (
        Index("Payment_bookingId_key", "bookingId", unique=True),
        Index("Payment_invoiceNumber_key", "invoiceNumber", unique=True),
        Index("Payment_bookingId_status_idx", "bookingId", "status"),
        Index("Payment_status_paidAt_idx", "status", "paidAt"),
        Index("Payment_idempotencyKey_key", "idempotencyKey", unique=True),
        Index(
            "Payment_pending_updatedAt_idx",
            "updatedAt",
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    booking_id: Mapped[str] = mapped_column(
        "bookingId",
        Text,
        ForeignKey(
            "Booking.id", name="Payment_bookingId_fkey", ondelete="CASCADE", onupdate="CASCADE"
        ),
        nullable=False,
    )
    amount: Mapped[Decimal] = mapped_column("amount", Numeric(12, 2), nullable=False)
    currency: Mapped[str] = mapped_column(
        "currency", Text, nullable=False, default="SEK", server_default=text("'SEK'")
    )
    provider: Mapped[str] = mapped_column(
        "provider", Text, nullable=False, default="mock", server_default=text("'mock'")
    )
    provider_payment_id: Mapped[str | None] = mapped_column(
        "providerPaymentId", Text, nullable=True
    )
    status: Mapped[str] = mapped_column(
        "status", Text, nullable=False, default="pending", server_default=text("'pending'")
    )
    # The key the charge is sent to the gateway under: a retry asks about the same charge.
    idempotency_key: Mapped[str | None] = mapped_column("idempotencyKey", Text, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column("paidAt", Timestamp3, nullable=True)
    invoice_number: Mapped[str | None] = mapped_column("invoiceNumber", Text, nullable=True)
    invoice_url: Mapped[str | None] = mapped_column("invoiceUrl", Text, nullable=True)
    fortnox_invoice_id: Mapped[str | None] = mapped_column("fortnoxInvoiceId", Text, nullable=True)
    fortnox_status: Mapped[str | None] = mapped_column("fortnoxStatus", Text, nullable=True)
    sent_to_fortnox_at: Mapped[datetime | None] = mapped_column(
        "sentToFortnoxAt", Timestamp3, nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
    updated_at: Mapped[datetime] = mapped_column(
        "updatedAt", Timestamp3, nullable=False, default=utcnow, onupdate=utcnow
    )
