"""Route-order lists come in capped pages with the pagination headers."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, make_shop
from tests.routes.support import order_near


async def test_my_orders_come_in_capped_pages(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    customer = await factories.customer(db_session)
    headers = await auth(db_session, customer, settings)
    orders = {(await order_near(db_session, customer)).id for _ in range(3)}

    for url in (
        "/api/route-orders/my-orders?",
        "/api/route-orders?announcementType=customer_initiated&",
    ):
        first = await client.get(f"{url}limit=2", headers=headers)
        assert first.status_code == 200, first.text
        assert len(first.json()) == 2 and first.headers["X-Has-More"] == "true"
        assert "offset=2" in first.headers["Link"]
        rest = await client.get(f"{url}limit=2&offset=2", headers=headers)
        assert len(rest.json()) == 1 and rest.headers["X-Has-More"] == "false"
        assert {o["id"] for o in first.json() + rest.json()} == orders, url

        capped = await client.get(f"{url}limit=500", headers=headers)
        assert capped.headers["X-Limit"] == "100" and len(capped.json()) == 3
        assert (await client.get(f"{url}limit=abc", headers=headers)).status_code == 422

    for url in ("/api/route-orders/follows", "/api/route-orders/announcements"):
        empty = await client.get(f"{url}?limit=5", headers=headers)
        assert empty.status_code == 200 and empty.json() == []
        assert empty.headers["X-Has-More"] == "false" and empty.headers["X-Limit"] == "5"
        assert (await client.get(f"{url}?limit=abc", headers=headers)).status_code == 422


async def test_available_orders_come_in_pages_nearest_first(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)  # Uppsala, 50 km service area
    nearest = await order_near(db_session, latitude=59.86, longitude=17.64)
    middle = await order_near(db_session, latitude=59.90, longitude=17.70)
    farthest = await order_near(db_session, latitude=60.00, longitude=17.80)
    headers = await auth(db_session, shop.provider_user, settings)
    url = "/api/route-orders/available"

    first = await client.get(f"{url}?limit=2", headers=headers)
    rest = await client.get(f"{url}?limit=2&offset=2", headers=headers)
    assert [o["id"] for o in first.json()] == [nearest.id, middle.id]
    assert first.headers["X-Has-More"] == "true"
    assert [o["id"] for o in rest.json()] == [farthest.id]
    assert rest.headers["X-Has-More"] == "false"
    capped = await client.get(f"{url}?limit=1000", headers=headers)
    assert capped.headers["X-Limit"] == "100"
    assert (await client.get(f"{url}?limit=abc", headers=headers)).status_code == 422
