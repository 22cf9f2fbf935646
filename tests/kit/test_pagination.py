"""One pagination convention: limit/offset (or page), capped, headers with the next page."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.pagination import PageRequest, paginated
from equinet.settings import Settings
from tests import factories
from tests.providers.support import auth


async def test_page_becomes_an_offset_and_a_large_limit_is_lowered_to_the_cap() -> None:
    page_request = paginated(default=10, cap=50)
    assert await page_request(limit=None, offset=None, page=None) == PageRequest(limit=10, offset=0)
    assert await page_request(limit=500, offset=None, page=3) == PageRequest(limit=50, offset=100)
    assert await page_request(limit=5, offset=7, page=3) == PageRequest(limit=5, offset=7)
    rows, more = PageRequest(limit=2, offset=0).cut(["a", "b", "c"])
    assert (rows, more) == (["a", "b"], True)


async def test_the_booking_list_is_paged_and_links_to_the_next_page(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    me = await factories.customer(db_session)
    provider = await factories.provider(db_session)
    start = date.today() + timedelta(days=10)
    for n in range(3):
        await factories.booking(db_session, by=me, at=provider, day=start + timedelta(days=n))
    headers = await auth(db_session, me, settings)

    first = await client.get("/api/bookings", params={"limit": 2}, headers=headers)
    assert first.status_code == 200, first.text
    assert isinstance(first.json(), list) and len(first.json()) == 2  # old clients: an array
    assert (first.headers["x-limit"], first.headers["x-offset"]) == ("2", "0")
    assert first.headers["x-has-more"] == "true"
    link = first.headers["link"]
    assert link.endswith('>; rel="next"') and "offset=2" in link

    following = await client.get(link[1 : link.index(">")], headers=headers)
    assert following.status_code == 200 and len(following.json()) == 1
    assert following.headers["x-has-more"] == "false" and "link" not in following.headers
    seen = {b["id"] for b in first.json()} | {b["id"] for b in following.json()}
    assert len(seen) == 3


async def test_the_booking_list_refuses_a_malformed_limit(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    headers = await auth(db_session, await factories.customer(db_session), settings)
    for params in ({"limit": "abc"}, {"offset": "-1"}, {"offset": "2147483648"}, {"sida": "2"}):
        response = await client.get("/api/bookings", params=params, headers=headers)
        assert response.status_code == 422, params


async def test_exceptions_and_services_are_paged_too(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    user = await factories.user(db_session, user_type="provider")
    provider = await factories.provider(db_session, user)
    for n in range(3):
        await factories.service(db_session, provider, name=f"Tjänst {n}")
        await factories.availability_exception(
            db_session, provider, date=date.today() + timedelta(days=n + 1), is_closed=True
        )
    headers = await auth(db_session, user, settings)
    services = await client.get("/api/services", params={"limit": 2}, headers=headers)
    assert len(services.json()) == 2 and services.headers["x-has-more"] == "true"
    exceptions = await client.get(
        f"/api/providers/{provider.id}/availability-exceptions", params={"limit": 2, "offset": 2}
    )
    assert len(exceptions.json()) == 1 and exceptions.headers["x-has-more"] == "false"
