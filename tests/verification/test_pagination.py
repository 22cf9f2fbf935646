"""Verification lists come in capped pages: my requests, a provider's public ones, the queue."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.accounts.helpers import logged_in
from tests.verification.test_verification import admin_login, provider_with_login


async def pages_of(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> list[str]:
    """Every id of the list, read two at a time, checking the page headers on the way."""
    ids: list[str] = []
    offset = 0
    while True:
        part = await client.get(f"{url}?limit=2&offset={offset}", headers=headers)
        assert part.status_code == 200, part.text
        assert part.headers["X-Limit"] == "2" and part.headers["X-Offset"] == str(offset)
        ids.extend(row["id"] for row in part.json())
        if part.headers["X-Has-More"] == "false":
            assert "Link" not in part.headers
            return ids
        assert f"offset={offset + 2}" in part.headers["Link"]
        offset += 2


async def test_requests_public_verifications_and_the_queue_come_in_pages(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider, _, headers = await provider_with_login(db_session)
    pending = [
        (await factories.provider_verification(db_session, provider, title=f"Kurs {n}")).id
        for n in range(3)
    ]
    approved = [
        (
            await factories.provider_verification(
                db_session, provider, title=f"Examen {n}", status="approved"
            )
        ).id
        for n in range(3)
    ]
    _, as_admin = await admin_login(db_session)
    stranger = await logged_in(db_session, await factories.customer(db_session))

    mine = await pages_of(client, "/api/verification-requests", headers)
    assert sorted(mine) == sorted(pending + approved) and len(set(mine)) == 6
    public = await pages_of(client, f"/api/providers/{provider.id}/verifications", stranger)
    assert sorted(public) == sorted(approved)
    queued = await pages_of(client, "/api/admin/verification-requests", as_admin)
    assert sorted(queued) == sorted(pending)

    for url, who in (
        ("/api/verification-requests", headers),
        (f"/api/providers/{provider.id}/verifications", stranger),
        ("/api/admin/verification-requests", as_admin),
    ):
        capped = await client.get(f"{url}?limit=1000", headers=who)
        assert capped.status_code == 200 and capped.headers["X-Limit"] == "100"
        bad = await client.get(f"{url}?limit=abc", headers=who)
        assert bad.status_code == 422 and bad.json()["code"], url
