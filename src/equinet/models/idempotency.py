"""Idempotency keys of `POST /api/bookings` (kept 24 h) and the gap-free invoice counter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_uuid, utcnow


class IdempotencyKey(Base):
    __tablename__ = "IdempotencyKey"
    __table_args__ = (
        Index("IdempotencyKey_userId_key_key", "userId", "key", unique=True),
        Index("IdempotencyKey_expiresAt_idx", "expiresAt"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey(
            "User.id", name="IdempotencyKey_userId_fkey", ondelete="CASCADE", onupdate="CASCADE"
        ),
        nullable=False,
    )
    key: Mapped[str] = mapped_column("key", Text, nullable=False)
    request_hash: Mapped[str] = mapped_column("requestHash", Text, nullable=False)
    response_status: Mapped[int | None] = mapped_column("responseStatus", Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column("responseBody", Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
    expires_at: Mapped[datetime] = mapped_column("expiresAt", Timestamp3, nullable=False)


class InvoiceCounter(Base):
    """One row per year; incremented inside the payment's transaction, so numbers have no gaps."""

    __tablename__ = "InvoiceCounter"

    year: Mapped[int] = mapped_column("year", Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(
        "lastNumber", Integer, nullable=False, default=0, server_default=text("0")
    )
