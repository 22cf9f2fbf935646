"""The environment stamp: which environment first migrated this database (design.md rule 8)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3


class EnvironmentStamp(Base):
    __tablename__ = "EnvironmentStamp"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            "environment IN ('development', 'test', 'staging', 'production')", name="environment"
        ),
    )

    id: Mapped[int] = mapped_column("id", Integer, primary_key=True, server_default=text("1"))
    environment: Mapped[str] = mapped_column("environment", Text, nullable=False)
    stamped_at: Mapped[datetime] = mapped_column(
        "stampedAt", Timestamp3, nullable=False, server_default=text("CURRENT_TIMESTAMP")
    )
