"""Routes of the user's own notifications: list, unread count, mark read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from equinet.accounts.dependencies import CurrentUser
from equinet.db.session import DbSession
from equinet.kit.errors import errors
from equinet.kit.pagination import PageRequest, page_headers, paginated
from equinet.notifications import repository, service
from equinet.notifications.schemas import (
    MarkedAsRead,
    NotificationDetailOut,
    NotificationOut,
    UnreadCount,
)
from equinet.notifications.service import NotificationNotFound

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


@router.get("", response_model=list[NotificationOut], response_model_by_alias=True)
async def list_notifications(
    request: Request,
    response: Response,
    db: DbSession,
    user: CurrentUser,
    page: Annotated[
        PageRequest,
        Depends(paginated(default=service.DEFAULT_LIMIT, cap=service.MAX_LIMIT)),
    ],
) -> list[NotificationOut]:
    rows, has_more = await service.list_newest(db, user.id, page)
    page_headers(response, request, page, has_more)
    return [NotificationOut.of(row) for row in rows]


@router.post("", response_model=MarkedAsRead, response_model_by_alias=True)
async def mark_all_read(db: DbSession, user: CurrentUser) -> MarkedAsRead:
    return MarkedAsRead(marked_as_read=await repository.mark_all_read(db, user.id))


@router.get("/unread-count", response_model=UnreadCount)
async def unread_count(db: DbSession, user: CurrentUser) -> UnreadCount:
    return UnreadCount(count=await repository.unread_count(db, user.id))


@router.put(
    "/{notification_id}",
    response_model=NotificationDetailOut,
    response_model_by_alias=True,
    responses=errors(NotificationNotFound),
)
async def mark_read(
    db: DbSession, user: CurrentUser, notification_id: str
) -> NotificationDetailOut:
    return NotificationDetailOut.of_row(await service.mark_read(db, user.id, notification_id))
