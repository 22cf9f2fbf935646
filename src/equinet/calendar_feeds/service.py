"""Calendar feeds: a secret, revocable URL per user. A new URL replaces the old one; the
token exists in clear only in the answer that creates it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.sessions import hash_token, new_token
from equinet.calendar_feeds import ics, repository
from equinet.calendar_feeds.schemas import FeedCreated, FeedStatus
from equinet.kit.dates import today_local
from equinet.kit.errors import NotFound
from equinet.models import User
from equinet.settings import Settings


class FeedNotFound(NotFound):
    code = "CALENDAR_FEED_NOT_FOUND"
    message = "Kalenderflödet hittades inte"


def feed_url(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/api/calendar/{token}.ics"


async def create_feed(db: AsyncSession, settings: Settings, user: User) -> FeedCreated:
    await repository.revoke_active(db, user.id)
    token = new_token()
    feed = await repository.insert_feed(db, user.id, hash_token(token))
    return FeedCreated(url=feed_url(settings, token), created_at=feed.created_at)


async def feed_status(db: AsyncSession, user: User) -> FeedStatus:
    feed = await repository.active_feed(db, user.id)
    if feed is None:
        return FeedStatus(active=False)
    return FeedStatus(active=True, created_at=feed.created_at)


async def revoke_feed(db: AsyncSession, user: User) -> None:
    if not await repository.revoke_active(db, user.id):
        raise FeedNotFound()


async def calendar_for_token(db: AsyncSession, token: str, *, now: datetime | None = None) -> bytes:
    """The feed behind `token`: upcoming confirmed bookings, cancelled ones as CANCELLED so
    subscribed calendars drop them."""
    user_id = await repository.owner_of_token(db, hash_token(token))
    if user_id is None:
        raise FeedNotFound()
    rows = await repository.feed_bookings(db, user_id, today_local(now))
    events = [ics.booking_event(row, as_provider=bool(row.as_provider)) for row in rows]
    return ics.calendar(events, name="Equinet")
