"""Providers' weekly opening hours and date exceptions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Double, ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class Availability(Base):
    __tablename__ = "Availability"
    __table_args__ = (
        Index("Availability_providerId_dayOfWeek_key", "providerId", "dayOfWeek", unique=True),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    provider_id: Mapped[str] = mapped_column(
        "providerId",
        Text,
        ForeignKey(
            "Provider.id",
            name="Availability_providerId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        nullable=False,
    )
    day_of_week: Mapped[int] = mapped_column("dayOfWeek", Integer, nullable=False)
    start_time: Mapped[str] = mapped_column("startTime", Text, nullable=False)
    end_time: Mapped[str] = mapped_column("endTime", Text, nullable=False)
    is_closed: Mapped[bool] = mapped_column(
        "isClosed", Boolean, nullable=False, default=False, server_default=text("false")
    )
    is_active: Mapped[bool] = mapped_column(
        "isActive", Boolean, nullable=False, default=True, server_default=text("true")
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


class AvailabilityException(Base):
    __tablename__ = "AvailabilityException"
    __table_args__ = (
        Index("AvailabilityException_providerId_date_idx", "providerId", "date"),
        Index("AvailabilityException_providerId_date_key", "providerId", "date", unique=True),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    provider_id: Mapped[str] = mapped_column(
        "providerId",
        Text,
        ForeignKey(
            "Provider.id",
            name="AvailabilityException_providerId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        nullable=False,
    )
    date: Mapped[date] = mapped_column("date", Date, nullable=False)
    is_closed: Mapped[bool] = mapped_column(
        "isClosed", Boolean, nullable=False, default=True, server_default=text("true")
    )
    start_time: Mapped[str | None] = mapped_column("startTime", Text, nullable=True)
    end_time: Mapped[str | None] = mapped_column("endTime", Text, nullable=True)
    reason: Mapped[str | None] = mapped_column("reason", Text, nullable=True)
    location: Mapped[str | None] = mapped_column("location", Text, nullable=True)
    latitude: Mapped[float | None] = mapped_column("latitude", Double, nullable=True)
    longitude: Mapped[float | None] = mapped_column("longitude", Double, nullable=True)
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
