"""Browser test fixtures: one live app and one Chromium for the whole session; a fresh
browser context (cookies, storage) per test. Skipped with the reason when Chromium is absent."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

# Fixtures the page tests share with the accounts and maintenance tests (SMTP, own apps).
from tests.accounts.conftest import app_factory, mailbox, smtp_server  # noqa: F401
from tests.ops.test_maintenance import maintenance_switched_off  # noqa: F401
from tests.web.live import LiveApp, chromium, chromium_missing, live_app


@pytest.fixture(scope="session")
def live() -> Iterator[LiveApp]:
    missing = chromium_missing()
    if missing:
        pytest.skip(missing)
    with live_app() as app:
        yield app


@pytest.fixture(scope="session")
async def browser(live: LiveApp) -> AsyncIterator[Any]:
    async with chromium() as launched:
        yield launched


@pytest.fixture
async def context(browser: Any, live: LiveApp) -> AsyncIterator[Any]:
    ctx = await browser.new_context(
        base_url=live.url, locale="sv-SE", viewport={"width": 1100, "height": 900}
    )
    ctx.set_default_timeout(10_000)
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.fixture
async def page(context: Any) -> Any:
    return await context.new_page()
