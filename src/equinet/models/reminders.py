"""Reminder bookkeeping: which reminder went to whom (the de-duplication key) and opt-outs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class ReminderDelivery(Base):
    """One reminder of one kind about one booking to one person; the unique index makes a
    second run of the reminder job a no-op."""

    __tablename__ = "ReminderDelivery"
    __table_args__ = (
        Index("ReminderDelivery_kind_bookingId_userId_key", "kind", "bookingId", "userId",
              unique=True),
        Index("ReminderDelivery_bookingId_idx", "bookingId"),
        Index("ReminderDelivery_userId_idx", "userId"),
    )  # fmt: skip

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    kind: Mapped[str] = mapped_column("kind", Text, nullable=False)
    booking_id: Mapped[str] = mapped_column(
        "bookingId",
        Text,
        ForeignKey(
            "Booking.id",
            name="ReminderDelivery_bookingId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        nullable=False,
    )
    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey(
            "User.id", name="ReminderDelivery_userId_fkey", ondelete="CASCADE", onupdate="CASCADE"
        ),
        nullable=False,
    )
    sent_at: Mapped[datetime] = mapped_column(
        "sentAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )


class ReminderOptOut(Base):
    """A person who followed the unsubscribe link of one kind of reminder."""

    __tablename__ = "ReminderOptOut"

    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey(
            "User.id", name="ReminderOptOut_userId_fkey", ondelete="CASCADE", onupdate="CASCADE"
        ),
        primary_key=True,
    )
    kind: Mapped[str] = mapped_column("kind", Text, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
