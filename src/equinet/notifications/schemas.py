"""Response shapes of the notification routes (spec §2.9): userId is never exposed."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from equinet.kit.timestamps import UtcDateTime


class NotificationOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    type: str
    message: str
    is_read: bool = Field(serialization_alias="isRead")
    link_url: str | None = Field(serialization_alias="linkUrl")
    created_at: UtcDateTime = Field(serialization_alias="createdAt")

    @classmethod
    def of(cls, row: Any) -> NotificationOut:
        return cls(
            id=row.id,
            type=row.type,
            message=row.message,
            is_read=row.is_read,
            link_url=row.link_url,
            created_at=row.created_at,
        )


class NotificationDetailOut(NotificationOut):
    metadata: dict[str, Any] | None = None

    @classmethod
    def of_row(cls, row: Any) -> NotificationDetailOut:
        raw = row.metadata_json
        try:
            metadata = json.loads(raw) if raw else None
        except ValueError:  # rows written by the original app may hold anything
            metadata = None
        return cls(**NotificationOut.of(row).model_dump(), metadata=metadata)


class MarkedAsRead(BaseModel):
    marked_as_read: int = Field(serialization_alias="markedAsRead")


class UnreadCount(BaseModel):
    count: int
