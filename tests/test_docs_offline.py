"""`/docs` renders in a real browser with every request outside the app refused (no internet)."""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator

import pytest
import uvicorn
from fastapi import FastAPI

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The test app (lifespan already running) on a real loopback port."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):  # uvicorn has no start event; it sets `started` once listening
        if server.started:
            break
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_swagger_ui_renders_with_no_internet(served: str) -> None:
    from playwright.async_api import async_playwright

    outside: list[str] = []
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = await browser.new_page()

            async def only_the_app(route: object) -> None:
                request = route.request  # type: ignore[attr-defined]
                if request.url.startswith(served):
                    await route.continue_()  # type: ignore[attr-defined]
                else:
                    outside.append(request.url)
                    await route.abort()  # type: ignore[attr-defined]

            await page.route("**/*", only_the_app)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            await page.goto(f"{served}/docs")
            title = page.locator(".swagger-ui .info .title")
            await title.wait_for(timeout=15_000)
            assert "Equinet" in await title.inner_text()
            # The operations from our own /openapi.json are listed, the security schemes too.
            await page.locator(".opblock-summary-path", has_text="/api/bookings").first.wait_for()
            assert await page.locator(".auth-wrapper .authorize").count() == 1
        finally:
            await browser.close()
    assert outside == [], outside
    assert not [p for p in problems if "Content Security Policy" in p], problems
