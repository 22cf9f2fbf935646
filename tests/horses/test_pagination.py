"""The horse lists come in capped pages: horses, notes, the timeline and passport links."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.settings import Settings
from tests import factories
from tests.horses.support import make_stable


async def test_my_horses_come_in_pages_capped_at_100(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    for name in ("Aska", "Bamse"):
        await factories.horse(db_session, stable.owner, name=name)

    first = await client.get("/api/horses?limit=2", headers=stable.as_owner)
    assert first.status_code == 200, first.text
    assert [h["name"] for h in first.json()] == ["Aska", "Bamse"]
    assert first.headers["X-Has-More"] == "true" and first.headers["X-Limit"] == "2"
    assert 'rel="next"' in first.headers["Link"] and "offset=2" in first.headers["Link"]

    rest = await client.get("/api/horses?limit=2&offset=2", headers=stable.as_owner)
    assert [h["name"] for h in rest.json()] == ["Stjärna"]
    assert rest.headers["X-Has-More"] == "false" and "Link" not in rest.headers

    capped = await client.get("/api/horses?limit=5000", headers=stable.as_owner)
    assert capped.headers["X-Limit"] == "100" and len(capped.json()) == 3

    bad = await client.get("/api/horses?limit=abc", headers=stable.as_owner)
    assert bad.status_code == 422


async def test_notes_timeline_and_passports_come_in_pages(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    stable = await make_stable(db_session, settings)
    base = f"/api/horses/{stable.horse.id}"

    notes = await client.get(f"{base}/notes?limit=4", headers=stable.as_owner)
    later = await client.get(f"{base}/notes?limit=4&offset=4", headers=stable.as_owner)
    assert len(notes.json()) == 4 and notes.headers["X-Has-More"] == "true"
    assert len(later.json()) == 2 and later.headers["X-Has-More"] == "false"
    assert {n["id"] for n in notes.json()}.isdisjoint(n["id"] for n in later.json())
    capped = await client.get(f"{base}/notes?limit=999", headers=stable.as_owner)
    assert capped.headers["X-Limit"] == "200"

    # Six notes and the completed visit, merged newest first and cut into pages.
    whole = (await client.get(f"{base}/timeline", headers=stable.as_owner)).json()
    assert len(whole) == 7
    paged = []
    for offset in (0, 3, 6):
        part = await client.get(f"{base}/timeline?limit=3&offset={offset}", headers=stable.as_owner)
        assert part.headers["X-Has-More"] == ("true" if offset < 6 else "false")
        paged.extend(part.json())
    assert [item["id"] for item in paged] == [item["id"] for item in whole]

    for _ in range(3):
        created = await client.post(f"{base}/passport", headers=stable.as_owner)
        assert created.status_code == 201, created.text
    links = await client.get(f"{base}/passport?limit=2", headers=stable.as_owner)
    assert len(links.json()) == 2 and links.headers["X-Has-More"] == "true"

    for path in ("notes", "timeline", "passport"):
        bad = await client.get(f"{base}/{path}?limit=abc", headers=stable.as_owner)
        assert bad.status_code == 422, path
        assert bad.json()["code"]
