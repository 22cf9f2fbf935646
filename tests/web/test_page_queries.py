"""Each page issues no more SQL statements than the API calls that answer the same question,
plus a small fixed allowance, so a page that loads rows one at a time (an N+1) fails here.

Statements are counted on the test's engine, which every request shares through the app's
sessionmaker (tests/conftest.py). The data set has dozens of bookings, reviews and
notifications, so a per-row query would add dozens of statements, far past the allowance.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from equinet.accounts.sessions import create_session
from equinet.settings import Settings
from tests.web.page_pairs import pairs, seed_scene

# A page shows the header's unread-notification count, which its API calls do not fetch.
PAGE_ALLOWANCE = 1
# What every API request of such a visitor repeats before its own query: the session lookup
# and, for a provider, its Provider row. A page is one request, so it pays this once.
REQUEST_OVERHEAD = {None: 0, "customer": 1, "provider": 2}
# The test's transaction plumbing, not the app's queries (production runs no savepoints).
PLUMBING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        if not str(args[2]).startswith(PLUMBING):
            statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def _statements(client: httpx.AsyncClient, engine: AsyncEngine, paths: list[str]) -> int:
    total = 0
    for path in paths:
        with counting(engine) as statements:
            response = await client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        total += len(statements)
    return total


async def test_pages_issue_no_more_statements_than_their_api_calls(
    app: FastAPI, db_session: AsyncSession, engine: AsyncEngine, settings: Settings
) -> None:
    scene = await seed_scene(db_session)
    tokens = {
        "customer": await create_session(db_session, scene.customer, settings),
        "provider": await create_session(db_session, scene.owner, settings),
    }
    await db_session.commit()
    # The listing cache would answer the home page and the search without SQL.
    app.state.provider_listings = None

    counted = {}
    transport = httpx.ASGITransport(app=app)
    for pair in pairs(scene):
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            if pair.who:
                client.cookies.set(settings.session_cookie_name, tokens[pair.who])
            for path in [pair.page, *pair.api]:  # first calls may fill per-process caches
                await client.get(path)
            page = await _statements(client, engine, [pair.page])
            api = await _statements(client, engine, pair.api)
        counted[pair.name] = (page, api - (len(pair.api) - 1) * REQUEST_OVERHEAD[pair.who])
    too_many = {name: c for name, c in counted.items() if c[0] > c[1] + PAGE_ALLOWANCE}
    assert not too_many, f"(page, API) statements: {counted}"
    # The scene really shows rows, so a per-row query would have shown up above.
    assert all(api > 0 for _page, api in counted.values()), counted
