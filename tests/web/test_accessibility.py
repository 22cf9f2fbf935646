"""axe-core in Chromium: the key pages have no serious or critical accessibility violation,
at desktop width and at 360 px."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from equinet.kit.dates import today_local
from tests.web import scenes
from tests.web.live import LiveApp

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}


def _violations(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


@pytest.mark.parametrize("width", [1100, 360])
def test_key_pages_have_no_serious_axe_violations(browser: Any, live: LiveApp, width: int) -> None:
    shop = live.run(lambda db: scenes.stable(db, name="Tillgängliga Hovar"))
    customer = live.run(scenes.customer)
    day = today_local() + timedelta(days=2)
    flow = f"/providers/{shop.provider.id}/book?service={shop.service.id}&day={day}"
    anonymous = browser.new_context(base_url=live.url, viewport={"width": width, "height": 800})
    signed_in = browser.new_context(base_url=live.url, viewport={"width": width, "height": 800})
    signed_in.add_cookies([live.session_cookie(customer)])
    try:
        public, mine = anonymous.new_page(), signed_in.new_page()
        found: dict[str, list[str]] = {}
        for page, path in (
            (public, "/"),
            (public, "/?city=Uppsala"),
            (public, f"/providers/{shop.provider.id}"),
            (public, flow),
            (public, "/login"),
            (public, "/register"),
            (mine, flow + "&start=" + _first_slot(mine, flow)),
            (mine, "/my/bookings"),
            (mine, "/profile"),
            (public, "/no-such-page"),
        ):
            page.goto(path)
            problems = _violations(page)
            if problems:
                found[path] = problems
            # Nothing wider than the screen: usable at 360 px without sideways scrolling.
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (path, width, overflow)
        assert not found, found
    finally:
        anonymous.close()
        signed_in.close()


def _first_slot(page: Any, flow: str) -> str:
    page.goto(flow)
    return str(page.locator(".slots a").first.inner_text()).strip()
