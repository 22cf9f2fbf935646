"""Accounts: users and their e-mail verification tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Double, ForeignKey, Index, Text, column, func, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class User(Base):
    __tablename__ = "User"
    __table_args__ = (
        Index("User_email_key", "email", unique=True),
        Index("User_latitude_longitude_idx", "latitude", "longitude"),
        # One account per address whatever its case; serves every lookup by e-mail (0010).
        Index("User_email_lower_key", func.lower(column("email")), unique=True),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    email: Mapped[str] = mapped_column("email", Text, nullable=False)
    password_hash: Mapped[str] = mapped_column("passwordHash", Text, nullable=False)
    user_type: Mapped[str] = mapped_column("userType", Text, nullable=False)
    first_name: Mapped[str] = mapped_column("firstName", Text, nullable=False)
    last_name: Mapped[str] = mapped_column("lastName", Text, nullable=False)
    phone: Mapped[str | None] = mapped_column("phone", Text, nullable=True)
    is_admin: Mapped[bool] = mapped_column(
        "isAdmin", Boolean, nullable=False, default=False, server_default=text("false")
    )
    is_manual_customer: Mapped[bool] = mapped_column(
        "isManualCustomer", Boolean, nullable=False, default=False, server_default=text("false")
    )
    email_verified: Mapped[bool] = mapped_column(
        "emailVerified", Boolean, nullable=False, default=False, server_default=text("false")
    )
    email_verified_at: Mapped[datetime | None] = mapped_column(
        "emailVerifiedAt", Timestamp3, nullable=True
    )
    city: Mapped[str | None] = mapped_column("city", Text, nullable=True)
    address: Mapped[str | None] = mapped_column("address", Text, nullable=True)
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
    # An admin deactivated the account (login refused) / the owner deleted it (anonymised).
    deactivated_at: Mapped[datetime | None] = mapped_column(
        "deactivatedAt", Timestamp3, nullable=True
    )
    deleted_at: Mapped[datetime | None] = mapped_column("deletedAt", Timestamp3, nullable=True)


class EmailVerificationToken(Base):
    __tablename__ = "EmailVerificationToken"
    __table_args__ = (
        Index("EmailVerificationToken_token_key", "token", unique=True),
        Index("EmailVerificationToken_token_idx", "token"),
        Index("EmailVerificationToken_userId_idx", "userId"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    token: Mapped[str] = mapped_column("token", Text, nullable=False)
    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey(
            "User.id",
            name="EmailVerificationToken_userId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        nullable=False,
    )
    expires_at: Mapped[datetime] = mapped_column("expiresAt", Timestamp3, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column("usedAt", Timestamp3, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
