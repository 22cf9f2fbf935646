"""Route orders (flexible bookings and announcements), routes and their stops."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Double, ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class RouteOrder(Base):
    __tablename__ = "RouteOrder"
    __table_args__ = (
        Index("RouteOrder_status_serviceType_idx", "status", "serviceType"),
        Index("RouteOrder_status_priority_idx", "status", "priority"),
        Index("RouteOrder_customerId_status_idx", "customerId", "status"),
        Index("RouteOrder_dateFrom_dateTo_status_idx", "dateFrom", "dateTo", "status"),
        Index(
            "RouteOrder_providerId_announcementType_status_idx",
            "providerId",
            "announcementType",
            "status",
        ),
        Index(
            "RouteOrder_latitude_longitude_announcementType_idx",
            "latitude",
            "longitude",
            "announcementType",
        ),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    customer_id: Mapped[str | None] = mapped_column(
        "customerId",
        Text,
        ForeignKey(
            "User.id", name="RouteOrder_customerId_fkey", ondelete="SET NULL", onupdate="CASCADE"
        ),
        nullable=True,
    )
    provider_id: Mapped[str | None] = mapped_column(
        "providerId",
        Text,
        ForeignKey(
            "Provider.id",
            name="RouteOrder_providerId_fkey",
            ondelete="SET NULL",
            onupdate="CASCADE",
        ),
        nullable=True,
    )
    announcement_type: Mapped[str] = mapped_column(
        "announcementType",
        Text,
        nullable=False,
        default="customer_initiated",
        server_default=text("'customer_initiated'"),
    )
    service_type: Mapped[str] = mapped_column("serviceType", Text, nullable=False)
    address: Mapped[str] = mapped_column("address", Text, nullable=False)
    latitude: Mapped[float | None] = mapped_column("latitude", Double, nullable=True)
    longitude: Mapped[float | None] = mapped_column("longitude", Double, nullable=True)
    number_of_horses: Mapped[int] = mapped_column(
        "numberOfHorses", Integer, nullable=False, default=1, server_default=text("1")
    )
    date_from: Mapped[datetime] = mapped_column("dateFrom", Timestamp3, nullable=False)
    date_to: Mapped[datetime] = mapped_column("dateTo", Timestamp3, nullable=False)
    priority: Mapped[str] = mapped_column(
        "priority", Text, nullable=False, default="normal", server_default=text("'normal'")
    )
    special_instructions: Mapped[str | None] = mapped_column(
        "specialInstructions", Text, nullable=True
    )
    contact_phone: Mapped[str | None] = mapped_column("contactPhone", Text, nullable=True)
    status: Mapped[str] = mapped_column(
        "status", Text, nullable=False, default="pending", server_default=text("'pending'")
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


class Route(Base):
    __tablename__ = "Route"
    __table_args__ = (
        Index("Route_providerId_routeDate_status_idx", "providerId", "routeDate", "status"),
        Index("Route_status_idx", "status"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    provider_id: Mapped[str] = mapped_column(
        "providerId",
        Text,
        ForeignKey(
            "Provider.id", name="Route_providerId_fkey", ondelete="RESTRICT", onupdate="CASCADE"
        ),
        nullable=False,
    )
    route_name: Mapped[str] = mapped_column("routeName", Text, nullable=False)
    route_date: Mapped[datetime] = mapped_column("routeDate", Timestamp3, nullable=False)
    start_time: Mapped[str] = mapped_column("startTime", Text, nullable=False)
    status: Mapped[str] = mapped_column(
        "status", Text, nullable=False, default="planned", server_default=text("'planned'")
    )
    total_distance_km: Mapped[float | None] = mapped_column(
        "totalDistanceKm", Double, nullable=True
    )
    total_duration_minutes: Mapped[int | None] = mapped_column(
        "totalDurationMinutes", Integer, nullable=True
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


class RouteStop(Base):
    __tablename__ = "RouteStop"
    __table_args__ = (
        Index("RouteStop_routeId_stopOrder_idx", "routeId", "stopOrder"),
        Index("RouteStop_routeOrderId_idx", "routeOrderId"),
        Index("RouteStop_status_idx", "status"),
        Index("RouteStop_bookingId_idx", "bookingId"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    route_id: Mapped[str | None] = mapped_column(
        "routeId",
        Text,
        ForeignKey(
            "Route.id", name="RouteStop_routeId_fkey", ondelete="CASCADE", onupdate="CASCADE"
        ),
        nullable=True,
    )
    # A stop visits a route order, or a booking at its fixed time (revision 0014), or both
    # (a booking made on an announcement).
    route_order_id: Mapped[str | None] = mapped_column(
        "routeOrderId",
        Text,
        ForeignKey(
            "RouteOrder.id",
            name="RouteStop_routeOrderId_fkey",
            ondelete="RESTRICT",
            onupdate="CASCADE",
        ),
        nullable=True,
    )
    booking_id: Mapped[str | None] = mapped_column(
        "bookingId",
        Text,
        ForeignKey(
            "Booking.id", name="RouteStop_bookingId_fkey", ondelete="CASCADE", onupdate="CASCADE"
        ),
        nullable=True,
    )
    stop_order: Mapped[int] = mapped_column("stopOrder", Integer, nullable=False)
    location_name: Mapped[str | None] = mapped_column("locationName", Text, nullable=True)
    address: Mapped[str] = mapped_column("address", Text, nullable=False)
    latitude: Mapped[float | None] = mapped_column("latitude", Double, nullable=True)
    longitude: Mapped[float | None] = mapped_column("longitude", Double, nullable=True)
    estimated_arrival: Mapped[datetime | None] = mapped_column(
        "estimatedArrival", Timestamp3, nullable=True
    )
    estimated_duration_min: Mapped[int] = mapped_column(
        "estimatedDurationMin", Integer, nullable=False, default=60, server_default=text("60")
    )
    actual_arrival: Mapped[datetime | None] = mapped_column(
        "actualArrival", Timestamp3, nullable=True
    )
    actual_departure: Mapped[datetime | None] = mapped_column(
        "actualDeparture", Timestamp3, nullable=True
    )
    status: Mapped[str] = mapped_column(
        "status", Text, nullable=False, default="pending", server_default=text("'pending'")
    )
    problem_note: Mapped[str | None] = mapped_column("problemNote", Text, nullable=True)
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


class AnnouncementFollow(Base):
    """A customer follows a provider's route announcements within `radiusKm` of a point."""

    __tablename__ = "AnnouncementFollow"
    __table_args__ = (
        Index(
            "AnnouncementFollow_customerId_providerId_key", "customerId", "providerId", unique=True
        ),
        Index("AnnouncementFollow_providerId_idx", "providerId"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    customer_id: Mapped[str] = mapped_column(
        "customerId",
        Text,
        ForeignKey(
            "User.id",
            name="AnnouncementFollow_customerId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        nullable=False,
    )
    provider_id: Mapped[str] = mapped_column(
        "providerId",
        Text,
        ForeignKey(
            "Provider.id",
            name="AnnouncementFollow_providerId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        nullable=False,
    )
    latitude: Mapped[float] = mapped_column("latitude", Double, nullable=False)
    longitude: Mapped[float] = mapped_column("longitude", Double, nullable=False)
    radius_km: Mapped[float] = mapped_column("radiusKm", Double, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
