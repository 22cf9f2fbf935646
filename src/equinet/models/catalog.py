"""The service catalogue: what a provider sells, for how long and at what price."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class Service(Base):
    __tablename__ = "Service"
    __table_args__ = (Index("Service_providerId_isActive_idx", "providerId", "isActive"),)

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    provider_id: Mapped[str] = mapped_column(
        "providerId",
        Text,
        ForeignKey(
            "Provider.id", name="Service_providerId_fkey", ondelete="CASCADE", onupdate="CASCADE"
        ),
        nullable=False,
    )
    name: Mapped[str] = mapped_column("name", Text, nullable=False)
    description: Mapped[str | None] = mapped_column("description", Text, nullable=True)
    # Kronor with öre, exact (revision 0009; it was double precision).
    price: Mapped[Decimal] = mapped_column("price", Numeric(12, 2), nullable=False)
    duration_minutes: Mapped[int] = mapped_column("durationMinutes", Integer, nullable=False)
    is_active: Mapped[bool] = mapped_column(
        "isActive", Boolean, nullable=False, default=True, server_default=text("true")
    )
    recommended_interval_weeks: Mapped[int | None] = mapped_column(
        "recommendedIntervalWeeks", Integer, nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
