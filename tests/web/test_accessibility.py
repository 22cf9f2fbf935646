"""axe-core in Chromium: the key pages have no serious or critical accessibility violation,
and nothing is wider than the screen, at desktop width and at 360 px."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe

from equinet.kit.dates import today_local
from tests import factories
from tests.web import scenes
from tests.web.live import LiveApp

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}


async def _violations(page: Any) -> list[str]:
    results = await Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


async def test_axe_finds_a_planted_violation(page: Any) -> None:
    """The check itself works: an unlabeled input and an image without alt are reported."""
    await page.set_content('<html lang="sv"><body><main><img src="x.png"></main></body></html>')
    assert any(v.startswith("image-alt") for v in await _violations(page))


@pytest.mark.parametrize("width", [1100, 360])
async def test_key_pages_have_no_serious_axe_violations(
    browser: Any, live: LiveApp, width: int
) -> None:
    shop = live.run(lambda db: scenes.stable(db, name="Tillgängliga Hovar"))
    customer = live.run(scenes.customer)
    horse = live.run(lambda db: factories.horse(db, customer, name="Axel"))
    day = today_local() + timedelta(days=2)
    flow = f"/providers/{shop.provider.id}/book?service={shop.service.id}&day={day}"
    viewport = {"width": width, "height": 800}
    anonymous = await browser.new_context(base_url=live.url, viewport=viewport)
    signed_in = await browser.new_context(base_url=live.url, viewport=viewport)
    await signed_in.add_cookies([live.session_cookie(customer)])
    try:
        public, mine = await anonymous.new_page(), await signed_in.new_page()
        await mine.goto(flow)
        first_slot = (await mine.locator(".slots a").first.inner_text()).strip()
        found: dict[str, list[str]] = {}
        for page, path in (
            (public, "/"),
            (public, "/?city=Uppsala"),
            (public, f"/providers/{shop.provider.id}"),
            (public, flow),
            (public, "/login"),
            (public, "/register"),
            (mine, f"{flow}&start={first_slot}"),
            (mine, "/my/bookings"),
            (mine, "/profile"),
            (mine, "/my/horses"),
            (mine, f"/my/horses/{horse.id}"),
            (mine, "/my/data"),
            (public, "/no-such-page"),
        ):
            await page.goto(path)
            problems = await _violations(page)
            if problems:
                found[path] = problems
            # Usable at 360 px: nothing makes the page scroll sideways.
            overflow = await page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, (path, width, overflow)
        assert not found, found
    finally:
        await anonymous.close()
        await signed_in.close()
