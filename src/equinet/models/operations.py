"""Operational state kept in the database so that every worker process sees it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from equinet.db.base import Base, Timestamp3


class MaintenanceMode(Base):
    """At most one row (id = 1); `enabled` makes the API answer 503 to everyone but admins."""

    __tablename__ = "MaintenanceMode"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column("id", Integer, primary_key=True, server_default=text("1"))
    enabled: Mapped[bool] = mapped_column(
        "enabled", Boolean, nullable=False, server_default=text("false")
    )
    message: Mapped[str | None] = mapped_column("message", Text, nullable=True)
    changed_by: Mapped[str | None] = mapped_column("changedBy", Text, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(
        "changedAt", Timestamp3, nullable=False, server_default=text("CURRENT_TIMESTAMP")
    )
