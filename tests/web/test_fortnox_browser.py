"""The Fortnox settings page in real Chromium, against the local Fortnox stand-in: the provider
connects through the OAuth authorisation-code flow (the browser goes to the stand-in's consent
URL and back to the callback), the page says connected, the paid booking is invoiced by the
sync, and disconnecting shows not connected again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.async_api import expect

from tests.accounting.conftest import TEST_KEY, paid_completed
from tests.accounting.fortnox_standin import FortnoxStandIn
from tests.web.live import LiveApp, chromium_missing, live_app

pytestmark = pytest.mark.browser

PAGE = "/provider/settings/integrations"


@pytest.fixture(scope="module")
def standin() -> Iterator[FortnoxStandIn]:
    with FortnoxStandIn() as running:
        yield running


@pytest.fixture(scope="module")
def fortnox_live(standin: FortnoxStandIn) -> Iterator[LiveApp]:
    """A live app of its own with the integration on, pointed at the stand-in."""
    missing = chromium_missing()
    if missing:
        pytest.skip(missing)
    with live_app(
        fortnox_base_url=f"{standin.url}/3",
        fortnox_client_id=standin.state.client_id,
        fortnox_client_secret=standin.state.client_secret,
        fortnox_encryption_key=TEST_KEY,
    ) as app:
        yield app


async def test_a_provider_connects_fortnox_through_oauth_syncs_and_disconnects(
    browser: Any, fortnox_live: LiveApp, standin: FortnoxStandIn
) -> None:
    live = fortnox_live
    work = live.run(paid_completed)
    ctx = await browser.new_context(base_url=live.url, locale="sv-SE")
    ctx.set_default_timeout(10_000)
    await ctx.add_cookies([live.session_cookie(work.provider_user)])
    try:
        page = await ctx.new_page()
        await page.goto(PAGE)
        await expect(page.locator("#fortnox-status")).to_have_text("Fortnox är inte kopplat")

        hops: list[str] = []
        page.on("request", lambda request: hops.append(request.url))
        await page.get_by_role("link", name="Koppla Fortnox").click()
        await expect(page).to_have_url(re.compile(re.escape(live.url + PAGE) + r"\?success=true$"))
        assert any(url.startswith(f"{standin.url}/oauth-v1/auth?") for url in hops), hops
        assert any("/api/integrations/fortnox/callback?code=" in url for url in hops), hops
        await expect(page.locator("#fortnox-outcome")).to_be_visible()
        await expect(page.locator("#fortnox-status")).to_contain_text("Fortnox är kopplat")
        await expect(page.locator("#fortnox-waiting")).to_have_text("1")
        assert standin.state.token_grants[-1] == "authorization_code"

        await page.get_by_role("button", name="Synka fakturor").click()
        await expect(page.locator("#fortnox-outcome")).to_be_visible()
        for _attempt in range(50):  # the live worker sends the invoice to the stand-in
            if standin.invoices_with_reference(work.booking_ids[0]):
                break
            await page.wait_for_timeout(100)
        await page.reload()
        await expect(page.locator("#fortnox-invoiced")).to_have_text("1")
        await expect(page.locator("#fortnox-waiting")).to_have_text("0")

        await page.get_by_role("button", name="Koppla från").click()
        await expect(page.get_by_role("status")).to_be_visible()
        await expect(page.locator("#fortnox-status")).to_have_text("Fortnox är inte kopplat")
        await expect(page.get_by_role("link", name="Koppla Fortnox")).to_be_visible()
    finally:
        await ctx.close()
