"""Browser test fixtures: one live app and one Chromium for the whole session; a fresh
browser context (cookies, storage) per test. Skipped with the reason when Chromium is absent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.live import LiveApp, chromium, chromium_missing, live_app


@pytest.fixture(scope="session")
def live() -> Iterator[LiveApp]:
    missing = chromium_missing()
    if missing:
        pytest.skip(missing)
    with live_app() as app:
        yield app


@pytest.fixture(scope="session")
def browser(live: LiveApp) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def context(browser: Any, live: LiveApp) -> Iterator[Any]:
    ctx = browser.new_context(
        base_url=live.url, locale="sv-SE", viewport={"width": 1100, "height": 900}
    )
    ctx.set_default_timeout(10_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()
