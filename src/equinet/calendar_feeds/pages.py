"""The calendar-feed section of the profile page: create (the secret URL shown this once),
replace and revoke, through the same `calendar_feeds.service` calls as `/api/calendar-feed`."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import HTMLResponse, Response

from equinet.calendar_feeds import service
from equinet.db.session import DbSession
from equinet.kit.rate_limit_routes import limit_route
from equinet.web.context import PageUser, redirect
from equinet.web.pages import page_router

router = page_router()

limit_route("POST", "/profile/calendar-feed", "profileUpdate")


@router.post("/profile/calendar-feed", response_class=HTMLResponse)
async def create_feed(request: Request, db: DbSession, user: PageUser) -> Response:
    """Only the hash is kept, so the URL is shown on this response and never again."""
    from equinet.accounts.pages import profile_page

    created = await service.create_feed(db, request.app.state.settings, user)
    return await profile_page(request, db, user, feed_url=created.url)


@router.post("/profile/calendar-feed/revoke")
async def revoke_feed(db: DbSession, user: PageUser) -> Response:
    await service.revoke_feed(db, user)
    return redirect("/profile#calendar-feed", flash="feed-revoked")
