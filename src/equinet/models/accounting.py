"""The Fortnox accounting connection of a provider."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_cuid, utcnow


class FortnoxConnection(Base):
    __tablename__ = "FortnoxConnection"
    __table_args__ = (
        Index("FortnoxConnection_providerId_key", "providerId", unique=True),
        Index("FortnoxConnection_providerId_idx", "providerId"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_cuid)
    provider_id: Mapped[str] = mapped_column(
        "providerId",
        Text,
        ForeignKey(
            "Provider.id",
            name="FortnoxConnection_providerId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        nullable=False,
    )
    access_token: Mapped[str] = mapped_column("accessToken", Text, nullable=False)
    refresh_token: Mapped[str] = mapped_column("refreshToken", Text, nullable=False)
    expires_at: Mapped[datetime] = mapped_column("expiresAt", Timestamp3, nullable=False)
    company_id: Mapped[str | None] = mapped_column("companyId", Text, nullable=True)
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
