"""Reviews of completed bookings, with the provider reply."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class Review(Base):
    __tablename__ = "Review"
    __table_args__ = (
        Index("Review_bookingId_key", "bookingId", unique=True),
        Index("Review_providerId_createdAt_idx", "providerId", "createdAt"),
        Index("Review_customerId_idx", "customerId"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    rating: Mapped[int] = mapped_column("rating", Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column("comment", Text, nullable=True)
    booking_id: Mapped[str] = mapped_column(
        "bookingId",
        Text,
        ForeignKey(
            "Booking.id", name="Review_bookingId_fkey", ondelete="CASCADE", onupdate="CASCADE"
        ),
        nullable=False,
    )
    customer_id: Mapped[str] = mapped_column(
        "customerId",
        Text,
        ForeignKey(
            "User.id", name="Review_customerId_fkey", ondelete="RESTRICT", onupdate="CASCADE"
        ),
        nullable=False,
    )
    provider_id: Mapped[str] = mapped_column(
        "providerId",
        Text,
        ForeignKey(
            "Provider.id", name="Review_providerId_fkey", ondelete="CASCADE", onupdate="CASCADE"
        ),
        nullable=False,
    )
    reply: Mapped[str | None] = mapped_column("reply", Text, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column("repliedAt", Timestamp3, nullable=True)
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
