"""Bookings: a customer, a provider, a service, a horse, a date and a time window."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class Booking(Base):
    __tablename__ = "Booking"
    __table_args__ = (
        Index("Booking_providerId_bookingDate_status_idx", "providerId", "bookingDate", "status"),
        Index("Booking_customerId_bookingDate_idx", "customerId", "bookingDate"),
        Index("Booking_customerId_status_idx", "customerId", "status"),
        Index("Booking_serviceId_idx", "serviceId"),
        Index("Booking_routeOrderId_idx", "routeOrderId"),
        Index("Booking_horseId_idx", "horseId"),
        # Revision 0012: the rebooking reminders' scan of completed bookings.
        Index(
            "Booking_completedAt_idx",
            "completedAt",
            postgresql_where=text("status = 'completed'"),
        ),
        # Revision 0006: unique among active bookings only, so a cancelled slot can be rebooked.
        Index(
            "Booking_active_slot_key",
            "providerId",
            "bookingDate",
            "startTime",
            "endTime",
            unique=True,
            postgresql_where=text("status IN ('pending', 'confirmed')"),
        ),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    customer_id: Mapped[str] = mapped_column(
        "customerId",
        Text,
        ForeignKey(
            "User.id", name="Booking_customerId_fkey", ondelete="RESTRICT", onupdate="CASCADE"
        ),
        nullable=False,
    )
    provider_id: Mapped[str] = mapped_column(
        "providerId",
        Text,
        ForeignKey(
            "Provider.id", name="Booking_providerId_fkey", ondelete="RESTRICT", onupdate="CASCADE"
        ),
        nullable=False,
    )
    service_id: Mapped[str] = mapped_column(
        "serviceId",
        Text,
        ForeignKey(
            "Service.id", name="Booking_serviceId_fkey", ondelete="RESTRICT", onupdate="CASCADE"
        ),
        nullable=False,
    )
    route_order_id: Mapped[str | None] = mapped_column(
        "routeOrderId",
        Text,
        ForeignKey(
            "RouteOrder.id",
            name="Booking_routeOrderId_fkey",
            ondelete="SET NULL",
            onupdate="CASCADE",
        ),
        nullable=True,
    )
    booking_date: Mapped[datetime] = mapped_column("bookingDate", Timestamp3, nullable=False)
    start_time: Mapped[str] = mapped_column("startTime", Text, nullable=False)
    end_time: Mapped[str] = mapped_column("endTime", Text, nullable=False)
    # The service's price when the booking was made: what the customer pays, whatever the
    # service costs later.
    price_at_booking: Mapped[Decimal] = mapped_column(
        "priceAtBooking", Numeric(12, 2), nullable=False
    )
    # Always the business zone (Europe/Stockholm): kept for the schema, not read (kit/dates).
    timezone: Mapped[str] = mapped_column(
        "timezone",
        Text,
        nullable=False,
        default="Europe/Stockholm",
        server_default=text("'Europe/Stockholm'"),
    )
    status: Mapped[str] = mapped_column(
        "status", Text, nullable=False, default="pending", server_default=text("'pending'")
    )
    customer_notes: Mapped[str | None] = mapped_column("customerNotes", Text, nullable=True)
    cancellation_message: Mapped[str | None] = mapped_column(
        "cancellationMessage", Text, nullable=True
    )
    horse_name: Mapped[str | None] = mapped_column("horseName", Text, nullable=True)
    horse_info: Mapped[str | None] = mapped_column("horseInfo", Text, nullable=True)
    horse_id: Mapped[str | None] = mapped_column(
        "horseId",
        Text,
        ForeignKey(
            "Horse.id", name="Booking_horseId_fkey", ondelete="SET NULL", onupdate="CASCADE"
        ),
        nullable=True,
    )
    travel_time_minutes: Mapped[int | None] = mapped_column(
        "travelTimeMinutes", Integer, nullable=True
    )
    is_manual_booking: Mapped[bool] = mapped_column(
        "isManualBooking", Boolean, nullable=False, default=False, server_default=text("false")
    )
    created_by_provider_id: Mapped[str | None] = mapped_column(
        "createdByProviderId",
        Text,
        ForeignKey(
            "Provider.id",
            name="Booking_createdByProviderId_fkey",
            ondelete="SET NULL",
            onupdate="CASCADE",
        ),
        nullable=True,
    )
    # Revision 0012: when the booking was marked completed (reminders count from it).
    completed_at: Mapped[datetime | None] = mapped_column("completedAt", Timestamp3, nullable=True)
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
