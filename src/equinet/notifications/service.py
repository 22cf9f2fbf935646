"""Writing notifications for the domain events of bookings, payments and reviews.

Notifications are rows in the request's own transaction: a rolled-back request leaves none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.errors import NotFound
from equinet.kit.pagination import PageRequest
from equinet.notifications import repository

DEFAULT_LIMIT = 20
MAX_LIMIT = 50


class NotificationNotFound(NotFound):
    code = "NOTIFICATION_NOT_FOUND"
    message = "Notifikation hittades inte"


async def notify(
    db: AsyncSession,
    *,
    user_id: str,
    type: str,
    message: str,
    link_url: str | None,
    metadata: dict[str, Any] | None = None,
) -> str:
    return await repository.add(
        db, user_id=user_id, type=type, message=message, link_url=link_url, metadata=metadata
    )


async def list_newest(db: AsyncSession, user_id: str, page: PageRequest) -> tuple[list[Any], bool]:
    return page.cut(await repository.newest(db, user_id, page.fetch, page.offset))


async def mark_read(db: AsyncSession, user_id: str, notification_id: str) -> Any:
    row = await repository.mark_read(db, user_id, notification_id)
    if row is None:
        raise NotificationNotFound()
    return row
