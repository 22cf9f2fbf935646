"""Secret iCal feed URLs: one live token per user, stored only as its SHA-256 hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class CalendarFeed(Base):
    __tablename__ = "CalendarFeed"
    __table_args__ = (
        Index("CalendarFeed_tokenHash_key", "tokenHash", unique=True),
        Index(
            "CalendarFeed_userId_active_key",
            "userId",
            unique=True,
            postgresql_where=text('"revokedAt" IS NULL'),
        ),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey(
            "User.id", name="CalendarFeed_userId_fkey", ondelete="CASCADE", onupdate="CASCADE"
        ),
        nullable=False,
    )
    token_hash: Mapped[str] = mapped_column("tokenHash", Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
    revoked_at: Mapped[datetime | None] = mapped_column("revokedAt", Timestamp3, nullable=True)
