"""Group-visit lists come in capped pages: mine, and the provider's available ones."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, make_shop
from tests.group_bookings.test_group_bookings import _create


async def read_in_pages(
    client: httpx.AsyncClient, url: str, headers: dict[str, str]
) -> tuple[list[str], list[str]]:
    """The ids of the first page of two and of the rest, checking the page headers."""
    first = await client.get(f"{url}?limit=2", headers=headers)
    assert first.status_code == 200, first.text
    assert first.headers["X-Has-More"] == "true" and "offset=2" in first.headers["Link"]
    rest = await client.get(f"{url}?limit=2&offset=2", headers=headers)
    assert rest.headers["X-Has-More"] == "false" and rest.headers["X-Offset"] == "2"
    capped = await client.get(f"{url}?limit=101", headers=headers)
    assert capped.headers["X-Limit"] == "100" and len(capped.json()) == 3
    assert (await client.get(f"{url}?limit=abc", headers=headers)).status_code == 422
    return [g["id"] for g in first.json()], [g["id"] for g in rest.json()]


async def test_my_groups_and_available_groups_come_in_pages(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    creator = await factories.customer(db_session)
    as_creator = await auth(db_session, creator, settings)
    mine = {(await _create(client, as_creator))["id"] for _ in range(3)}

    first, rest = await read_in_pages(client, "/api/group-bookings", as_creator)
    assert len(first) == 2 and len(rest) == 1 and set(first + rest) == mine

    shop = await make_shop(db_session)  # Uppsala, 50 km, "Skoning": the groups above fit
    as_shop = await auth(db_session, shop.provider_user, settings)
    first, rest = await read_in_pages(client, "/api/group-bookings/available", as_shop)
    assert len(first) == 2 and len(rest) == 1 and set(first + rest) == mine
