"""Providers (the businesses customers book) and their competence verifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Double, ForeignKey, Index, Integer, Text, column, func, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class Provider(Base):
    __tablename__ = "Provider"
    __table_args__ = (
        Index("Provider_userId_key", "userId", unique=True),
        Index("Provider_isActive_createdAt_idx", "isActive", "createdAt"),
        Index("Provider_city_idx", "city"),
        Index("Provider_businessName_idx", "businessName"),
        Index("Provider_latitude_longitude_idx", "latitude", "longitude"),
        # Case-insensitive "city starts with" of the public search (migration 0008).
        Index(
            "Provider_city_lower_pattern_idx",
            func.lower(column("city")).label("city_lower"),
            postgresql_ops={"city_lower": "text_pattern_ops"},
        ),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey("User.id", name="Provider_userId_fkey", ondelete="CASCADE", onupdate="CASCADE"),
        nullable=False,
    )
    business_name: Mapped[str] = mapped_column("businessName", Text, nullable=False)
    description: Mapped[str | None] = mapped_column("description", Text, nullable=True)
    address: Mapped[str | None] = mapped_column("address", Text, nullable=True)
    city: Mapped[str | None] = mapped_column("city", Text, nullable=True)
    postal_code: Mapped[str | None] = mapped_column("postalCode", Text, nullable=True)
    latitude: Mapped[float | None] = mapped_column("latitude", Double, nullable=True)
    longitude: Mapped[float | None] = mapped_column("longitude", Double, nullable=True)
    service_area_km: Mapped[float | None] = mapped_column(
        "serviceAreaKm", Double, nullable=True, default=50, server_default=text("50")
    )
    service_area: Mapped[str | None] = mapped_column("serviceArea", Text, nullable=True)
    profile_image_url: Mapped[str | None] = mapped_column("profileImageUrl", Text, nullable=True)
    is_active: Mapped[bool] = mapped_column(
        "isActive", Boolean, nullable=False, default=True, server_default=text("true")
    )
    is_verified: Mapped[bool] = mapped_column(
        "isVerified", Boolean, nullable=False, default=False, server_default=text("false")
    )
    verified_at: Mapped[datetime | None] = mapped_column("verifiedAt", Timestamp3, nullable=True)
    verified_by: Mapped[str | None] = mapped_column("verifiedBy", Text, nullable=True)
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


class ProviderVerification(Base):
    __tablename__ = "ProviderVerification"
    __table_args__ = (
        Index("ProviderVerification_providerId_status_idx", "providerId", "status"),
        Index("ProviderVerification_status_createdAt_idx", "status", "createdAt"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    provider_id: Mapped[str] = mapped_column(
        "providerId",
        Text,
        ForeignKey(
            "Provider.id",
            name="ProviderVerification_providerId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        nullable=False,
    )
    type: Mapped[str] = mapped_column("type", Text, nullable=False)
    title: Mapped[str] = mapped_column("title", Text, nullable=False)
    description: Mapped[str | None] = mapped_column("description", Text, nullable=True)
    issuer: Mapped[str | None] = mapped_column("issuer", Text, nullable=True)
    year: Mapped[int | None] = mapped_column("year", Integer, nullable=True)
    status: Mapped[str] = mapped_column(
        "status", Text, nullable=False, default="pending", server_default=text("'pending'")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column("reviewedAt", Timestamp3, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column("reviewedBy", Text, nullable=True)
    review_note: Mapped[str | None] = mapped_column("reviewNote", Text, nullable=True)
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
