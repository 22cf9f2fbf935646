"""`/api/calendar-feed`: my secret iCal URL (create, see, revoke); `/api/calendar/{token}.ics`:
the feed itself, read by calendar apps with the token as the only credential."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from equinet.accounts.dependencies import CurrentUser
from equinet.calendar_feeds import service
from equinet.calendar_feeds.schemas import FeedCreated, FeedStatus, Message
from equinet.db.session import DbSession
from equinet.kit.i18n import _
from equinet.kit.rate_limit_routes import limit_route
from equinet.settings import settings_of

router = APIRouter(prefix="/api/calendar-feed", tags=["calendar"])
feed_router = APIRouter(prefix="/api/calendar", tags=["calendar"])

limit_route("GET", "/api/calendar/{token}.ics", "api")


@router.get("", summary="Whether I have a calendar feed URL, and since when")
async def feed_status(db: DbSession, user: CurrentUser) -> FeedStatus:
    return await service.feed_status(db, user)


@router.post("", status_code=201, summary="A new secret feed URL (the old one stops working)")
async def create_feed(request: Request, db: DbSession, user: CurrentUser) -> FeedCreated:
    return await service.create_feed(db, settings_of(request), user)


@router.delete("", summary="Revoke my calendar feed URL")
async def revoke_feed(db: DbSession, user: CurrentUser) -> Message:
    await service.revoke_feed(db, user)
    return Message(message=_("Kalenderflödet har återkallats"))


@feed_router.get(
    "/{token}.ics",
    summary="An iCalendar feed of the token owner's upcoming bookings",
    responses={200: {"content": {"text/calendar": {}}}},
)
async def calendar_feed(db: DbSession, token: str) -> Response:
    body = await service.calendar_for_token(db, token)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )
