"""The user's own notifications (spec §2.9): list, unread count, mark one and all read."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.models import Notification
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth


async def test_list_is_newest_first_own_only_and_hides_internal_fields(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    me = await factories.customer(db_session)
    old = await factories.notification(db_session, me, created_at=utcnow() - timedelta(hours=2))
    new = await factories.notification(
        db_session, me, message="Nyast", link_url="/customer/bookings", metadata_json='{"a":1}'
    )
    await factories.notification(db_session)  # someone else's

    response = await client.get("/api/notifications", headers=await auth(db_session, me, settings))

    assert response.status_code == 200
    body = response.json()
    assert [n["id"] for n in body] == [new.id, old.id]
    assert set(body[0]) == {"id", "type", "message", "isRead", "linkUrl", "createdAt"}
    assert body[0]["linkUrl"] == "/customer/bookings"


async def test_limit_defaults_to_20_and_is_capped_at_50(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    me = await factories.customer(db_session)
    for _ in range(55):
        await factories.notification(db_session, me)
    headers = await auth(db_session, me, settings)
    assert len((await client.get("/api/notifications", headers=headers)).json()) == 20
    assert len((await client.get("/api/notifications?limit=500", headers=headers)).json()) == 50
    second = await client.get("/api/notifications?limit=50&offset=50", headers=headers)
    assert len(second.json()) == 5 and second.headers["x-has-more"] == "false"
    for bad in ("abc", "0", "-1"):
        refused = await client.get(f"/api/notifications?limit={bad}", headers=headers)
        assert refused.status_code == 422  # not the original's 500 for "abc"
        assert refused.json()["details"][0]["field"] == "limit"


async def test_unread_count_and_mark_all_read(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    me = await factories.customer(db_session)
    for _ in range(3):
        await factories.notification(db_session, me)
    await factories.notification(db_session, me, is_read=True)
    other = await factories.notification(db_session)
    headers = await auth(db_session, me, settings)

    assert (await client.get("/api/notifications/unread-count", headers=headers)).json() == {
        "count": 3
    }
    marked = await client.post("/api/notifications", headers=headers)
    assert marked.json() == {"markedAsRead": 3}
    assert (await client.get("/api/notifications/unread-count", headers=headers)).json() == {
        "count": 0
    }
    await db_session.refresh(other)
    assert other.is_read is False


async def test_mark_one_read_only_for_its_owner(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    me = await factories.customer(db_session)
    mine = await factories.notification(db_session, me, metadata_json='{"bookingId": "b1"}')
    theirs = await factories.notification(db_session)
    headers = await auth(db_session, me, settings)

    response = await client.put(f"/api/notifications/{mine.id}", headers=headers)
    assert response.status_code == 200
    assert response.json()["isRead"] is True
    assert response.json()["metadata"] == {"bookingId": "b1"}

    hidden = await client.put(f"/api/notifications/{theirs.id}", headers=headers)
    assert hidden.status_code == 404
    assert hidden.json()["error"] == "Notifikation hittades inte"
    assert (
        await db_session.scalar(select(Notification.is_read).where(Notification.id == theirs.id))
        is False
    )


async def test_notifications_need_a_login(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/notifications")).status_code == 401
    assert (await client.get("/api/notifications/unread-count")).status_code == 401
