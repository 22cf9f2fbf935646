"""My uploads come in capped pages, newest first, with the pagination headers."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.accounts.helpers import logged_in
from tests.uploads.conftest import multipart, png


async def test_my_uploads_come_in_capped_pages(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.customer(db_session)
    headers = await logged_in(db_session, owner)
    for n in range(3):
        # One photo per horse: a horse's new photo replaces its old one.
        horse = await factories.horse(db_session, owner, name=f"Häst {n}")
        sent = await client.post(
            "/api/upload",
            headers=headers,
            **multipart(png(), f"foto{n}.png", "horses", horse.id, "image/png"),
        )
        assert sent.status_code == 201, sent.text

    first = await client.get("/api/upload?limit=2", headers=headers)
    assert first.status_code == 200, first.text
    assert len(first.json()) == 2 and first.headers["X-Has-More"] == "true"
    assert "offset=2" in first.headers["Link"]
    rest = await client.get("/api/upload?limit=2&offset=2", headers=headers)
    assert len(rest.json()) == 1 and rest.headers["X-Has-More"] == "false"
    assert {u["id"] for u in first.json()}.isdisjoint(u["id"] for u in rest.json())

    capped = await client.get("/api/upload?limit=999", headers=headers)
    assert capped.headers["X-Limit"] == "100" and len(capped.json()) == 3
    assert (await client.get("/api/upload?limit=abc", headers=headers)).status_code == 422
