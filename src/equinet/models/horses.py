"""Horses, their health notes and shareable passport links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_cuid, new_uuid, utcnow


class Horse(Base):
    __tablename__ = "Horse"
    __table_args__ = (Index("Horse_ownerId_isActive_idx", "ownerId", "isActive"),)

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    owner_id: Mapped[str] = mapped_column(
        "ownerId",
        Text,
        ForeignKey("User.id", name="Horse_ownerId_fkey", ondelete="CASCADE", onupdate="CASCADE"),
        nullable=False,
    )
    name: Mapped[str] = mapped_column("name", Text, nullable=False)
    breed: Mapped[str | None] = mapped_column("breed", Text, nullable=True)
    birth_year: Mapped[int | None] = mapped_column("birthYear", Integer, nullable=True)
    color: Mapped[str | None] = mapped_column("color", Text, nullable=True)
    gender: Mapped[str | None] = mapped_column("gender", Text, nullable=True)
    special_needs: Mapped[str | None] = mapped_column("specialNeeds", Text, nullable=True)
    photo_url: Mapped[str | None] = mapped_column("photoUrl", Text, nullable=True)
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


class HorseNote(Base):
    __tablename__ = "HorseNote"
    __table_args__ = (
        Index("HorseNote_horseId_noteDate_idx", "horseId", "noteDate"),
        Index("HorseNote_authorId_idx", "authorId"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_uuid)
    horse_id: Mapped[str] = mapped_column(
        "horseId",
        Text,
        ForeignKey(
            "Horse.id", name="HorseNote_horseId_fkey", ondelete="CASCADE", onupdate="CASCADE"
        ),
        nullable=False,
    )
    author_id: Mapped[str] = mapped_column(
        "authorId",
        Text,
        ForeignKey(
            "User.id", name="HorseNote_authorId_fkey", ondelete="RESTRICT", onupdate="CASCADE"
        ),
        nullable=False,
    )
    category: Mapped[str] = mapped_column("category", Text, nullable=False)
    title: Mapped[str] = mapped_column("title", Text, nullable=False)
    content: Mapped[str | None] = mapped_column("content", Text, nullable=True)
    note_date: Mapped[datetime] = mapped_column("noteDate", Timestamp3, nullable=False)
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


class HorsePassportToken(Base):
    __tablename__ = "HorsePassportToken"
    __table_args__ = (
        Index("HorsePassportToken_token_key", "token", unique=True),
        Index("HorsePassportToken_token_idx", "token"),
        Index("HorsePassportToken_horseId_idx", "horseId"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_cuid)
    horse_id: Mapped[str] = mapped_column(
        "horseId",
        Text,
        ForeignKey(
            "Horse.id",
            name="HorsePassportToken_horseId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        nullable=False,
    )
    token: Mapped[str] = mapped_column("token", Text, nullable=False)
    expires_at: Mapped[datetime] = mapped_column("expiresAt", Timestamp3, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
