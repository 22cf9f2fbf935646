"""All SQL of notifications; every read and write carries the owner (`userId`) in its WHERE."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import new_uuid, utcnow
from equinet.models import Notification

_COLUMNS = (
    Notification.id,
    Notification.type,
    Notification.message,
    Notification.is_read,
    Notification.link_url,
    Notification.created_at,
)


async def add(
    db: AsyncSession,
    *,
    user_id: str,
    type: str,
    message: str,
    link_url: str | None,
    metadata: dict[str, Any] | None,
) -> str:
    notification_id = new_uuid()
    await db.execute(
        insert(Notification).values(
            id=notification_id,
            user_id=user_id,
            type=type,
            message=message,
            link_url=link_url,
            metadata_json=json.dumps(metadata) if metadata is not None else None,
            created_at=utcnow(),
        )
    )
    return notification_id


async def newest(db: AsyncSession, user_id: str, limit: int, offset: int = 0) -> list[Any]:
    statement = (
        select(*_COLUMNS)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list((await db.execute(statement)).all())


async def unread_count(db: AsyncSession, user_id: str) -> int:
    statement = select(func.count()).where(
        Notification.user_id == user_id, Notification.is_read.is_(False)
    )
    return int(await db.scalar(statement) or 0)


async def mark_read(db: AsyncSession, user_id: str, notification_id: str) -> Any | None:
    statement = (
        update(Notification)
        .where(Notification.id == notification_id, Notification.user_id == user_id)
        .values(is_read=True)
        .returning(*_COLUMNS, Notification.metadata_json)
    )
    return (await db.execute(statement)).first()


async def mark_all_read(db: AsyncSession, user_id: str) -> int:
    statement = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.is_read.is_(False))
        .values(is_read=True)
    )
    result = await db.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
