"""Uploaded files (avatars, horse photos, verification documents)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3, new_cuid, utcnow


class Upload(Base):
    __tablename__ = "Upload"
    __table_args__ = (
        Index("Upload_userId_idx", "userId"),
        Index("Upload_bucket_path_idx", "bucket", "path"),
        Index("Upload_verificationId_idx", "verificationId"),
    )

    id: Mapped[str] = mapped_column("id", Text, primary_key=True, default=new_cuid)
    user_id: Mapped[str] = mapped_column(
        "userId",
        Text,
        ForeignKey("User.id", name="Upload_userId_fkey", ondelete="RESTRICT", onupdate="CASCADE"),
        nullable=False,
    )
    bucket: Mapped[str] = mapped_column("bucket", Text, nullable=False)
    path: Mapped[str] = mapped_column("path", Text, nullable=False)
    url: Mapped[str] = mapped_column("url", Text, nullable=False)
    mime_type: Mapped[str] = mapped_column("mimeType", Text, nullable=False)
    original_name: Mapped[str | None] = mapped_column("originalName", Text, nullable=True)
    size_bytes: Mapped[int] = mapped_column("sizeBytes", Integer, nullable=False)
    verification_id: Mapped[str | None] = mapped_column(
        "verificationId",
        Text,
        ForeignKey(
            "ProviderVerification.id",
            name="Upload_verificationId_fkey",
            ondelete="SET NULL",
            onupdate="CASCADE",
        ),
        nullable=True,
    )
    created_at: Mapped[datetime] = mapped_column(
        "createdAt",
        Timestamp3,
        nullable=False,
        default=utcnow,
        server_default=text("CURRENT_TIMESTAMP"),
    )
