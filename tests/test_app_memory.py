"""The test process does not keep the apps its tests built (see tests/app_memory.py)."""

from __future__ import annotations

import gc
import weakref

import httpx
from asgi_lifespan import LifespanManager

from equinet.app import create_app
from equinet.settings import Settings
from tests.app_memory import forget_classified_callables


async def test_an_app_a_test_built_and_used_is_collected_afterwards(settings: Settings) -> None:
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/api/health")).status_code == 200
            assert (await client.get("/docs")).status_code == 200
    built = weakref.ref(app)
    del app, transport, client
    assert forget_classified_callables() >= 2
    gc.collect()
    assert built() is None
