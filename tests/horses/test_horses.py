"""Horses and their notes: the owner registers, edits, soft-deletes and writes notes."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import today_local
from equinet.models import Horse
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth
from tests.horses.support import make_stable, past_day


async def test_an_owner_registers_lists_and_edits_a_horse(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await factories.customer(db_session)
    headers = await auth(db_session, owner, settings)
    created = await client.post(
        "/api/horses",
        headers=headers,
        json={"name": " Tornado ", "breed": "Fjordhäst", "birthYear": 2012, "gender": "mare"},
    )
    assert created.status_code == 201, created.text
    horse = created.json()
    assert horse["name"] == "Tornado" and horse["ownerId"] == owner.id and horse["isActive"]
    await client.post("/api/horses", headers=headers, json={"name": "Aska"})

    listed = await client.get("/api/horses", headers=headers)
    assert [h["name"] for h in listed.json()] == ["Aska", "Tornado"]

    edited = await client.put(
        f"/api/horses/{horse['id']}", headers=headers, json={"breed": None, "color": "Brun"}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["breed"] is None and edited.json()["color"] == "Brun"
    assert edited.json()["name"] == "Tornado"


async def test_bad_horse_input_is_a_422_with_the_field(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await factories.customer(db_session)
    headers = await auth(db_session, owner, settings)
    horse = await factories.horse(db_session, owner)
    for body in (
        {"name": ""},
        {"name": "X", "birthYear": 1979},
        {"name": "X", "birthYear": today_local().year + 1},
        {"name": "X", "gender": "unicorn"},
        {"name": "X", "ownerId": "someone-else"},
    ):
        response = await client.post("/api/horses", headers=headers, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == "VALIDATION_ERROR"
    renamed = await client.put(f"/api/horses/{horse.id}", headers=headers, json={"name": None})
    assert renamed.status_code == 422
    assert renamed.json()["details"][0]["field"] == "name"


async def test_a_deleted_horse_is_gone_for_its_owner_and_its_passport(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    url = f"/api/horses/{stable.horse.id}"
    link = await client.post(f"{url}/passport", headers=stable.as_owner)
    token = link.json()["token"]

    deleted = await client.delete(url, headers=stable.as_owner)
    assert deleted.status_code == 200 and deleted.json() == {"message": "Hästen har tagits bort"}
    assert (await client.delete(url, headers=stable.as_owner)).status_code == 404
    assert (await client.get(url, headers=stable.as_owner)).status_code == 404
    assert (await client.get("/api/horses", headers=stable.as_owner)).json() == []
    assert (await client.get(f"/api/passport/{token}")).status_code == 404
    # Soft delete: the row and its history stay for the bookings that name it.
    await db_session.refresh(stable.horse)
    assert await db_session.get(Horse, stable.horse.id) is not None
    assert stable.horse.is_active is False
    timeline = await client.get(f"{url}/timeline", headers=stable.as_provider)
    assert timeline.status_code == 404


async def test_horse_detail_carries_its_latest_bookings(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    response = await client.get(f"/api/horses/{stable.horse.id}", headers=stable.as_owner)
    assert response.status_code == 200, response.text
    [booking] = response.json()["bookings"]
    assert booking["status"] == "completed"
    assert booking["provider"] == {"businessName": "Hovslageri Hanna"}
    assert booking["service"] == {"name": "Skoning"}
    assert booking["bookingDate"] == past_day(3).isoformat()


async def test_notes_are_written_filtered_edited_and_deleted_by_the_owner(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await factories.customer(db_session, first_name="Nora", last_name="Ny")
    headers = await auth(db_session, owner, settings)
    horse = await factories.horse(db_session, owner)
    notes = f"/api/horses/{horse.id}/notes"
    created = await client.post(
        notes,
        headers=headers,
        json={"category": "training", "title": "Longering", "noteDate": past_day(1).isoformat()},
    )
    assert created.status_code == 201, created.text
    note = created.json()
    assert note["author"] == {"firstName": "Nora", "lastName": "Ny"}
    assert note["noteDate"] == past_day(1).isoformat()
    await client.post(
        notes,
        headers=headers,
        json={"category": "veterinary", "title": "Vaccin", "noteDate": today_local().isoformat()},
    )

    assert [n["title"] for n in (await client.get(notes, headers=headers)).json()] == [
        "Vaccin",
        "Longering",
    ]
    only = await client.get(notes, headers=headers, params={"category": "training"})
    assert [n["title"] for n in only.json()] == ["Longering"]
    bad = await client.get(notes, headers=headers, params={"category": "gossip"})
    assert bad.status_code == 400 and bad.json()["code"] == "INVALID_CATEGORY"

    edited = await client.put(
        f"{notes}/{note['id']}", headers=headers, json={"content": "20 min", "category": "other"}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["content"] == "20 min" and edited.json()["category"] == "other"
    removed = await client.delete(f"{notes}/{note['id']}", headers=headers)
    assert removed.json() == {"message": "Anteckningen har tagits bort"}
    assert (await client.delete(f"{notes}/{note['id']}", headers=headers)).status_code == 404


async def test_a_note_cannot_be_dated_in_the_future_or_have_an_unknown_category(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await factories.customer(db_session)
    headers = await auth(db_session, owner, settings)
    horse = await factories.horse(db_session, owner)
    tomorrow = past_day(-1).isoformat()
    for body in (
        {"category": "farrier", "title": "Imorgon", "noteDate": tomorrow},
        {"category": "gossip", "title": "X", "noteDate": past_day(1).isoformat()},
        {"category": "farrier", "title": "", "noteDate": past_day(1).isoformat()},
        {"category": "farrier", "title": "X", "noteDate": "igår"},
    ):
        response = await client.post(f"/api/horses/{horse.id}/notes", headers=headers, json=body)
        assert response.status_code == 422, (body, response.text)


async def test_a_note_of_another_horse_is_not_reachable_through_mine(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await factories.customer(db_session)
    headers = await auth(db_session, owner, settings)
    mine = await factories.horse(db_session, owner)
    theirs = await factories.horse_note(db_session)  # someone else's horse
    url = f"/api/horses/{mine.id}/notes/{theirs.id}"
    assert (await client.put(url, headers=headers, json={"title": "Kapad"})).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404
    await db_session.refresh(theirs)
    assert theirs.title == "Skodd runt om"


async def test_a_provider_cannot_write_notes_on_a_horse_they_visited(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    response = await client.post(
        f"/api/horses/{stable.horse.id}/notes",
        headers=stable.as_provider,
        json={"category": "farrier", "title": "Från mig", "noteDate": past_day(1).isoformat()},
    )
    assert response.status_code == 404
