"""The hot API endpoints send exactly their budget of SQL statements, so an N+1 (a query per
row) or an extra round trip fails CI instead of showing up later in a benchmark.

The data set has dozens of bookings, reviews and notifications, so a per-row query would add
dozens of statements. When an endpoint gets cheaper, lower its budget here.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from equinet.accounts.sessions import create_session
from equinet.settings import Settings
from tests.web.page_pairs import seed_scene
from tests.web.test_page_queries import counting

# Statements per request once per-process caches are warm (the session's user is looked up
# by the request; the provider's own row once more where the route needs it).
BUDGET = {
    "GET /api/providers?city": 2,
    "GET /api/providers/{id}": 5,
    "GET /api/providers/{id}/reviews": 3,
    "GET /api/providers/{id}/availability": 2,
    "GET /api/bookings as customer": 2,
    "GET /api/bookings as provider": 3,
    "GET /api/notifications": 2,
    "POST /api/bookings": 7,
}


async def test_hot_endpoints_send_their_budget_of_statements(
    app: FastAPI, db_session: AsyncSession, engine: AsyncEngine, settings: Settings
) -> None:
    scene = await seed_scene(db_session)
    customer = await create_session(db_session, scene.customer, settings)
    provider = await create_session(db_session, scene.owner, settings)
    await db_session.commit()
    app.state.provider_listings = None  # the listing cache would answer without SQL
    pid, sid, day = scene.provider.id, scene.service.id, scene.first_day.isoformat()

    gets = {
        "GET /api/providers?city": (f"/api/providers?city={scene.city}", None),
        "GET /api/providers/{id}": (f"/api/providers/{pid}", None),
        "GET /api/providers/{id}/reviews": (f"/api/providers/{pid}/reviews?limit=10", None),
        "GET /api/providers/{id}/availability": (
            f"/api/providers/{pid}/availability?date={day}&serviceId={sid}",
            None,
        ),
        "GET /api/bookings as customer": ("/api/bookings", customer),
        "GET /api/bookings as provider": ("/api/bookings", provider),
        "GET /api/notifications": ("/api/notifications?limit=50", customer),
    }
    counted: dict[str, int] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for name, (path, token) in gets.items():
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            assert (await client.get(path, headers=headers)).status_code == 200, name
            with counting(engine) as statements:
                response = await client.get(path, headers=headers)
            assert response.status_code == 200, (name, response.text[:300])
            counted[name] = len(statements)

        # One free slot on each of two days, seen from the customer's stable (the travel-time
        # rule): the first booking fills per-process caches, the second is counted.
        where = f"&lat={scene.customer.latitude}&lng={scene.customer.longitude}"
        free: list[tuple[str, str]] = []
        for offset in range(21, 49):  # past the seeded bookings
            other_day = (scene.first_day + timedelta(days=offset)).isoformat()
            slots = (
                await client.get(
                    f"/api/providers/{pid}/availability?date={other_day}&serviceId={sid}{where}"
                )
            ).json()["slots"]
            free += [(other_day, slot["startTime"]) for slot in slots if slot["isAvailable"]][:1]
            if len(free) == 2:
                break
        assert len(free) == 2, free
        for (booking_day, start), count in zip(free, (False, True), strict=True):
            body = {
                "providerId": pid,
                "serviceId": sid,
                "bookingDate": booking_day,
                "startTime": start,
            }
            with counting(engine) as statements:
                response = await client.post(
                    "/api/bookings", json=body, headers={"Authorization": f"Bearer {customer}"}
                )
            assert response.status_code == 201, response.text[:300]
            if count:
                counted["POST /api/bookings"] = len(statements)

    assert counted == BUDGET
