"""Response shapes of the notification routes: userId is never exposed."""

from __future__ import annotations

import json
from typing import Any

from equinet.kit.api_model import ApiModel
from equinet.kit.timestamps import UtcDateTime


class NotificationOut(ApiModel):
    id: str
    type: str
    message: str
    is_read: bool
    link_url: str | None
    created_at: UtcDateTime

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


class MarkedAsRead(ApiModel):
    marked_as_read: int


class UnreadCount(ApiModel):
    count: int
