"""Passport links: random, 30 days, revocable and listed; the public read shows the horse and
its shared timeline, nothing about the owner."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.models import HorsePassportToken
from equinet.settings import Settings
from tests import factories
from tests.horses.support import make_stable


async def test_a_passport_link_is_random_lasts_30_days_and_is_listed(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    url = f"/api/horses/{stable.horse.id}/passport"
    first = (await client.post(url, headers=stable.as_owner)).json()
    second = (await client.post(url, headers=stable.as_owner)).json()
    assert first["token"] != second["token"]
    # token_urlsafe(32): 256 bits in 43 URL-safe characters.
    assert len(first["token"]) >= 43
    assert first["url"] == f"{settings.public_base_url}/passport/{first['token']}"
    row = await db_session.get(HorsePassportToken, first["id"])
    assert row is not None
    assert timedelta(days=29, hours=23) < row.expires_at - utcnow() <= timedelta(days=30)

    listed = (await client.get(url, headers=stable.as_owner)).json()
    assert {link["id"] for link in listed} == {first["id"], second["id"]}
    assert all(link["isExpired"] is False for link in listed)


async def test_the_public_passport_shows_the_horse_and_the_shared_timeline_only(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    link = await client.post(f"/api/horses/{stable.horse.id}/passport", headers=stable.as_owner)
    response = await client.get(f"/api/passport/{link.json()['token']}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"horse", "timeline", "expiresAt"}
    assert body["horse"]["name"] == "Stjärna" and body["horse"]["birthYear"] == 2016
    assert isinstance(body["horse"]["age"], int)
    notes = {i["category"] for i in body["timeline"] if i["type"] == "note"}
    assert notes == {"veterinary", "farrier", "medication"}
    assert [i["type"] for i in body["timeline"]].count("booking") == 1
    for private in ("Olga", "Ägare", stable.owner.email, stable.owner.id, "Portkod", "training"):
        assert private not in response.text, private


async def test_an_unknown_expired_or_revoked_link_is_a_404(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    assert (await client.get("/api/passport/not-a-token")).json()["code"] == "PASSPORT_NOT_FOUND"
    english = await client.get("/api/passport/not-a-token", headers={"Accept-Language": "en"})
    assert english.json()["error"] == "Horse passport not found"
    old = await factories.horse_passport_token(
        db_session, stable.horse, expires_at=utcnow() - timedelta(seconds=1)
    )
    expired = await client.get(f"/api/passport/{old.token}")
    assert expired.status_code == 404 and expired.json()["code"] == "PASSPORT_EXPIRED"

    link = (
        await client.post(f"/api/horses/{stable.horse.id}/passport", headers=stable.as_owner)
    ).json()
    revoked = await client.delete(
        f"/api/horses/{stable.horse.id}/passport/{link['id']}", headers=stable.as_owner
    )
    assert revoked.status_code == 200, revoked.text
    assert (await client.get(f"/api/passport/{link['token']}")).status_code == 404
    listed = await client.get(f"/api/horses/{stable.horse.id}/passport", headers=stable.as_owner)
    assert [entry["id"] for entry in listed.json()] == [old.id]
    assert listed.json()[0]["isExpired"] is True


async def test_a_passport_of_another_horse_cannot_be_revoked_through_mine(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    foreign = await factories.horse_passport_token(db_session)
    response = await client.delete(
        f"/api/horses/{stable.horse.id}/passport/{foreign.id}", headers=stable.as_owner
    )
    assert response.status_code == 404
    assert await db_session.get(HorsePassportToken, foreign.id) is not None
