"""Group visits at a stable: the request and its participants."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Double, ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class GroupBookingRequest(Base):
    __tablename__ = "GroupBookingRequest"
    __table_args__ = (
        Index("GroupBookingRequest_inviteCode_key", "inviteCode", unique=True),
        Index("GroupBookingRequest_creatorId_status_idx", "creatorId", "status"),
        Index("GroupBookingRequest_status_dateFrom_idx", "status", "dateFrom"),
        Index("GroupBookingRequest_inviteCode_idx", "inviteCode"),
        Index("GroupBookingRequest_providerId_status_idx", "providerId", "status"),
        Index("GroupBookingRequest_latitude_longitude_idx", "latitude", "longitude"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    creator_id: Mapped[str] = mapped_column(
        "creatorId",
        Text,
        ForeignKey(
            "User.id",
            name="GroupBookingRequest_creatorId_fkey",
            ondelete="RESTRICT",
            onupdate="CASCADE",
        ),
        nullable=False,
    )
    service_type: Mapped[str] = mapped_column("serviceType", Text, nullable=False)
    provider_id: Mapped[str | None] = mapped_column(
        "providerId",
        Text,
        ForeignKey(
            "Provider.id",
            name="GroupBookingRequest_providerId_fkey",
            ondelete="SET NULL",
            onupdate="CASCADE",
        ),
        nullable=True,
    )
    location_name: Mapped[str] = mapped_column("locationName", Text, nullable=False)
    address: Mapped[str] = mapped_column("address", Text, nullable=False)
    latitude: Mapped[float | None] = mapped_column("latitude", Double, nullable=True)
    longitude: Mapped[float | None] = mapped_column("longitude", Double, nullable=True)
    date_from: Mapped[datetime] = mapped_column("dateFrom", Timestamp3, nullable=False)
    date_to: Mapped[datetime] = mapped_column("dateTo", Timestamp3, nullable=False)
    notes: Mapped[str | None] = mapped_column("notes", Text, nullable=True)
    max_participants: Mapped[int] = mapped_column(
        "maxParticipants", Integer, nullable=False, default=10, server_default=text("10")
    )
    status: Mapped[str] = mapped_column(
        "status", Text, nullable=False, default="open", server_default=text("'open'")
    )
    invite_code: Mapped[str] = mapped_column("inviteCode", Text, nullable=False)
    join_deadline: Mapped[datetime | None] = mapped_column(
        "joinDeadline", Timestamp3, nullable=True
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


class GroupBookingParticipant(Base):
    __tablename__ = "GroupBookingParticipant"
    __table_args__ = (
        Index("GroupBookingParticipant_bookingId_key", "bookingId", unique=True),
        Index(
            "GroupBookingParticipant_groupBookingRequestId_status_idx",
            "groupBookingRequestId",
            "status",
        ),
        Index("GroupBookingParticipant_userId_idx", "userId"),
        Index(
            "GroupBookingParticipant_groupBookingRequestId_userId_key",
            "groupBookingRequestId",
            "userId",
            unique=True,
        ),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    group_booking_request_id: Mapped[str] = mapped_column(
        "groupBookingRequestId",
        Text,
        ForeignKey(
            "GroupBookingRequest.id",
            name="GroupBookingParticipant_groupBookingRequestId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        nullable=False,
    )
    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey(
            "User.id",
            name="GroupBookingParticipant_userId_fkey",
            ondelete="RESTRICT",
            onupdate="CASCADE",
        ),
        nullable=False,
    )
    number_of_horses: Mapped[int] = mapped_column(
        "numberOfHorses", Integer, nullable=False, default=1, server_default=text("1")
    )
    horse_id: Mapped[str | None] = mapped_column(
        "horseId",
        Text,
        ForeignKey(
            "Horse.id",
            name="GroupBookingParticipant_horseId_fkey",
            ondelete="SET NULL",
            onupdate="CASCADE",
        ),
        nullable=True,
    )
    horse_name: Mapped[str | None] = mapped_column("horseName", Text, nullable=True)
    horse_info: Mapped[str | None] = mapped_column("horseInfo", Text, nullable=True)
    notes: Mapped[str | None] = mapped_column("notes", Text, nullable=True)
    status: Mapped[str] = mapped_column(
        "status", Text, nullable=False, default="joined", server_default=text("'joined'")
    )
    booking_id: Mapped[str | None] = mapped_column(
        "bookingId",
        Text,
        ForeignKey(
            "Booking.id",
            name="GroupBookingParticipant_bookingId_fkey",
            ondelete="SET NULL",
            onupdate="CASCADE",
        ),
        nullable=True,
    )
    joined_at: Mapped[datetime] = mapped_column(
        "joinedAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
    updated_at: Mapped[datetime] = mapped_column(
        "updatedAt", Timestamp3, nullable=False, default=utcnow, onupdate=utcnow
    )
