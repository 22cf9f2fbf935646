"""In-app notifications for users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class Notification(Base):
    __tablename__ = "Notification"
    __table_args__ = (
        Index("Notification_userId_isRead_idx", "userId", "isRead"),
        Index("Notification_userId_createdAt_idx", "userId", "createdAt"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey(
            "User.id", name="Notification_userId_fkey", ondelete="RESTRICT", onupdate="CASCADE"
        ),
        nullable=False,
    )
    type: Mapped[str] = mapped_column("type", Text, nullable=False)
    message: Mapped[str] = mapped_column("message", Text, nullable=False)
    is_read: Mapped[bool] = mapped_column(
        "isRead", Boolean, nullable=False, default=False, server_default=text("false")
    )
    link_url: Mapped[str | None] = mapped_column("linkUrl", Text, nullable=True)
    # `metadata` is reserved by SQLAlchemy; the column keeps its name.
    metadata_json: Mapped[str | None] = mapped_column("metadata", Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
