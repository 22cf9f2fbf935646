"""The timeline: the owner sees everything; a provider who visited sees the shared categories
only, whatever filter they pass; anyone else gets 404."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, make_shop
from tests.horses.support import make_stable, past_day

SHARED = {"veterinary", "farrier", "medication"}


def _categories(items: list[dict[str, object]]) -> set[object]:
    return {item["category"] for item in items if item["type"] == "note"}


async def test_the_owner_sees_every_note_and_the_completed_visits_newest_first(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    # Not completed: not part of the care history.
    await factories.booking(
        db_session, by=stable.owner, at=stable.shop.provider, for_service=stable.shop.service,
        day=past_day(2), status="cancelled", horse_id=stable.horse.id,
    )  # fmt: skip
    response = await client.get(f"/api/horses/{stable.horse.id}/timeline", headers=stable.as_owner)
    assert response.status_code == 200, response.text
    items = response.json()
    assert _categories(items) == SHARED | {"training", "other", "injury"}
    [visit] = [item for item in items if item["type"] == "booking"]
    assert visit["status"] == "completed" and visit["providerName"] == "Hovslageri Hanna"
    assert visit["notes"] == "Portkod 1234"
    dates = [item["date"] for item in items]
    assert dates == sorted(dates, reverse=True)


async def test_a_category_filter_gives_that_category_and_no_visits(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    response = await client.get(
        f"/api/horses/{stable.horse.id}/timeline",
        headers=stable.as_owner,
        params={"category": "training"},
    )
    assert [(i["type"], i["category"]) for i in response.json()] == [("note", "training")]


async def test_a_visiting_provider_sees_only_the_shared_categories(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    url = f"/api/horses/{stable.horse.id}/timeline"
    response = await client.get(url, headers=stable.as_provider)
    assert response.status_code == 200, response.text
    items = response.json()
    assert _categories(items) == SHARED
    assert "Innehåll training" not in response.text and "Innehåll injury" not in response.text
    # The owner's private note to the provider stays with that booking.
    assert "Portkod" not in response.text
    assert [i["type"] for i in items].count("booking") == 1


async def test_a_provider_asking_for_a_private_category_gets_nothing(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    """The original gave a provider exactly the category asked for, private or not."""
    stable = await make_stable(db_session, settings)
    url = f"/api/horses/{stable.horse.id}/timeline"
    for private in ("training", "other", "injury", "general"):
        response = await client.get(url, headers=stable.as_provider, params={"category": private})
        assert response.status_code == 200, response.text
        assert response.json() == [], private
    shared = await client.get(url, headers=stable.as_provider, params={"category": "medication"})
    assert _categories(shared.json()) == {"medication"}


async def test_a_provider_without_a_booking_for_the_horse_gets_404(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    rival = await make_shop(db_session)
    # A booking of the same customer without this horse grants nothing either.
    await factories.booking(
        db_session, by=stable.owner, at=rival.provider, for_service=rival.service,
        day=past_day(5), status="completed",
    )  # fmt: skip
    for user in (rival.provider_user, await factories.customer(db_session)):
        headers = await auth(db_session, user, settings)
        response = await client.get(f"/api/horses/{stable.horse.id}/timeline", headers=headers)
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "HORSE_NOT_FOUND"
