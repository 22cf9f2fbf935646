"""The notifications page: the newest notifications, open one, mark all read.

Calls the notifications service and repository as `notifications/router.py` does.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import HTMLResponse, Response

from equinet.db.session import DbSession
from equinet.kit.pagination import PageRequest
from equinet.notifications import repository, service
from equinet.notifications.schemas import NotificationOut
from equinet.web.context import PageUser, redirect, safe_next
from equinet.web.pages import page_router
from equinet.web.templating import render

router = page_router()


@router.get("/notifications", response_class=HTMLResponse)
async def notifications(request: Request, db: DbSession, user: PageUser) -> HTMLResponse:
    rows, _more = await service.list_newest(db, user.id, PageRequest(limit=50, offset=0))
    items = [NotificationOut.of(row) for row in rows]
    return render(request, "notifications/list.html", {"notifications": items})


@router.post("/notifications/read-all")
async def read_all(db: DbSession, user: PageUser) -> Response:
    await repository.mark_all_read(db, user.id)
    return redirect("/notifications", flash="notifications-read")


@router.post("/notifications/{notification_id}/open")
async def open_notification(notification_id: str, db: DbSession, user: PageUser) -> Response:
    """Marks the notification read and follows its link (our own paths only)."""
    row = await service.mark_read(db, user.id, notification_id)
    return redirect(safe_next(getattr(row, "link_url", None), "/notifications"))
