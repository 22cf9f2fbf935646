"""Server-side login sessions and password-reset tokens; tokens are stored only as hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class Session(Base):
    __tablename__ = "Session"
    __table_args__ = (
        Index("Session_tokenHash_key", "tokenHash", unique=True),
        Index("Session_userId_idx", "userId"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey("User.id", name="Session_userId_fkey", ondelete="CASCADE", onupdate="CASCADE"),
        nullable=False,
    )
    token_hash: Mapped[str] = mapped_column("tokenHash", Text, nullable=False)
    user_agent: Mapped[str | None] = mapped_column("userAgent", Text, nullable=True)
    ip_address: Mapped[str | None] = mapped_column("ipAddress", Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
    last_seen_at: Mapped[datetime] = mapped_column(
        "lastSeenAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
    expires_at: Mapped[datetime] = mapped_column("expiresAt", Timestamp3, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column("revokedAt", Timestamp3, nullable=True)


class PasswordResetToken(Base):
    __tablename__ = "PasswordResetToken"
    __table_args__ = (
        Index("PasswordResetToken_tokenHash_key", "tokenHash", unique=True),
        Index("PasswordResetToken_userId_idx", "userId"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey(
            "User.id", name="PasswordResetToken_userId_fkey", ondelete="CASCADE", onupdate="CASCADE"
        ),
        nullable=False,
    )
    token_hash: Mapped[str] = mapped_column("tokenHash", Text, nullable=False)
    expires_at: Mapped[datetime] = mapped_column("expiresAt", Timestamp3, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column("usedAt", Timestamp3, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
