"""Routes and group visits in real Chromium: a customer requests a visit, the provider finds
it among the orders in its area, plans an optimised route and sees it drawn as an SVG map
with one marker per stop; the provider's stop updates reach the customer's page; a group
visit is created, joined by the invite code typed in lower case and matched into bookings
both customers see."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import today_local
from equinet.models import User
from tests import factories
from tests.routes.support import order_near
from tests.web import scenes
from tests.web.live import LiveApp

pytestmark = pytest.mark.browser


@asynccontextmanager
async def _as(browser: Any, live: LiveApp, user: User) -> AsyncIterator[Any]:
    """A page in a browser context of its own, logged in as `user`."""
    ctx = await browser.new_context(
        base_url=live.url, locale="sv-SE", viewport={"width": 1100, "height": 900}
    )
    ctx.set_default_timeout(10_000)
    await ctx.add_cookies([live.session_cookie(user)])
    try:
        yield await ctx.new_page()
    finally:
        await ctx.close()


async def test_a_requested_visit_is_planned_on_an_optimised_route_and_its_updates_reach_the_customer(
    browser: Any, live: LiveApp
) -> None:
    tag = uuid.uuid4().hex[:6]
    shop = live.run(lambda db: scenes.stable(db, name=f"Rutt Hovslageri {tag}"))
    customer = live.run(lambda db: scenes.customer(db, first_name="Rut"))
    # Another customer's order in the area, so the route has two stops to order.
    other = live.run(
        lambda db: order_near(
            db, latitude=59.95, longitude=17.70, special_instructions=f"Norr {tag}"
        )
    )

    async with _as(browser, live, customer) as page:
        await page.goto("/customer/route-orders")
        await page.get_by_role("link", name="Beställ ett besök").first.click()
        await page.get_by_label("Tjänst").fill("Skoning")
        await page.get_by_label("Antal hästar").fill("2")
        await page.get_by_label("Adress").fill("Stallvägen 5, Knivsta")
        await page.get_by_label("Telefon").fill("070-5550101")
        await page.get_by_label("Övrigt (valfritt)").fill(f"Blansen tappar skon {tag}")
        await page.get_by_role("button", name="Skicka beställningen").click()
        await expect(page.get_by_role("status")).to_contain_text("Beställningen är skickad")
        await expect(page.locator(".route-order").first).to_contain_text("Väntar på planering")

        async with _as(browser, live, shop.provider_user) as provider:
            await provider.goto("/")
            await provider.get_by_role("link", name="Beställningar i området").click()
            mine = provider.locator(".available-order").filter(
                has_text=f"Blansen tappar skon {tag}"
            )
            await expect(mine).to_contain_text("km bort")
            await expect(provider.get_by_text("070-5550101")).to_have_count(0)  # not yet mine
            await mine.get_by_role("checkbox").check()
            await (
                provider.locator(".available-order")
                .filter(has_text=f"Norr {tag}")
                .get_by_role("checkbox")
                .check()
            )
            await provider.get_by_label("Ruttens namn").fill(f"Onsdagsrundan {tag}")
            await expect(
                provider.get_by_label("Optimera ordningen (kortaste körvägen)")
            ).to_be_checked()
            await provider.get_by_role("button", name="Planera rutten").click()

            await expect(provider).to_have_url(re.compile(r"/provider/routes/[^/]+$"))
            await expect(provider.get_by_role("status")).to_contain_text("Rutten är planerad")
            await expect(provider.get_by_role("heading", level=1)).to_have_text(
                f"Onsdagsrundan {tag}"
            )
            drawing = provider.get_by_role("img", name=f"Karta över rutten Onsdagsrundan {tag}")
            await expect(drawing).to_be_visible()
            await expect(drawing.locator(".stop-marker")).to_have_count(2)
            await expect(drawing.locator("polyline.route-path")).to_have_count(1)
            await expect(provider.locator(".route-stops > li")).to_have_count(2)
            await expect(provider.locator(".total-distance")).to_contain_text("km")
            stop = provider.locator(".stop").filter(has_text="Rut Kund")
            await expect(stop).to_contain_text("070-5550101")  # matched: the contact is shown
            await expect(stop).to_contain_text("Beräknad ankomst kl")

            await stop.get_by_role("button", name="På väg hit").click()
            await expect(provider.get_by_role("status")).to_contain_text("Stoppet är uppdaterat")
            await page.reload()
            visit = page.locator(".route-order .visit").first
            await expect(visit).to_contain_text(f"Rutt Hovslageri {tag} kommer den")
            await expect(visit).to_contain_text("Leverantören är på väg. Beräknad ankomst kl")

            stop = provider.locator(".stop").filter(has_text="Rut Kund")
            await stop.get_by_role("button", name=re.compile(r"^Framme vid stopp")).click()
            await expect(provider.locator(".stop").filter(has_text="Rut Kund")).to_contain_text(
                "Ankom kl"
            )
            await page.reload()
            await expect(page.locator(".route-order .visit").first).to_contain_text("Framme")
            await expect(page.locator(".route-order .visit").first).to_contain_text("Ankom kl")
    assert other.id


async def _day_of_bookings(db: AsyncSession, shop: scenes.Stable, day: date) -> None:
    """Two confirmed visits at known places that day, and one pending (not offered)."""
    for name, (lat, lon), start, status in (
        ("Alva", (59.80, 17.60), "13:00", "confirmed"),
        ("Bror", (59.92, 17.72), "09:00", "confirmed"),
        ("Cilla", (59.85, 17.70), "11:00", "pending"),
    ):
        person = await factories.customer(
            db, first_name=name, last_name="Kund", latitude=lat, longitude=lon,
            address=f"{name}s gård", city="Uppsala",
        )  # fmt: skip
        await factories.booking(
            db, by=person, at=shop.provider, for_service=shop.service, day=day, status=status,
            start_time=start, end_time=f"{int(start[:2]) + 1:02d}:00",
        )  # fmt: skip


async def test_a_provider_plans_a_route_of_the_days_confirmed_bookings_in_the_given_order(
    browser: Any, live: LiveApp
) -> None:
    tag = uuid.uuid4().hex[:6]
    shop = live.run(lambda db: scenes.stable(db, name=f"Dagens Hovslageri {tag}"))
    day = today_local() + timedelta(days=5)
    live.run(lambda db: _day_of_bookings(db, shop, day))

    async with _as(browser, live, shop.provider_user) as provider:
        await provider.goto("/provider/route-orders")
        await provider.get_by_label("Bokningar dagen").fill(day.isoformat())
        await provider.get_by_role("button", name="Visa dagens bokningar").click()
        offered = provider.locator(".day-booking")
        await expect(offered).to_have_count(2)
        await expect(offered.first).to_contain_text("09:00–10:00 · Skoning · Bror Kund")
        await expect(provider.locator("main")).not_to_contain_text("Cilla")
        for booking in await offered.all():
            await booking.get_by_role("checkbox").check()
        await provider.get_by_label("Ruttens namn").fill(f"Bokningsdagen {tag}")
        await expect(provider.get_by_label("Datum")).to_have_value(day.isoformat())
        await provider.get_by_label("Optimera ordningen (kortaste körvägen)").uncheck()
        await provider.get_by_role("button", name="Planera rutten").click()

        await expect(provider.get_by_role("status")).to_contain_text("Rutten är planerad")
        await expect(provider.get_by_role("heading", level=1)).to_have_text(f"Bokningsdagen {tag}")
        drawing = provider.get_by_role("img", name=f"Karta över rutten Bokningsdagen {tag}")
        await expect(drawing.locator(".stop-marker")).to_have_count(2)
        stops = provider.locator(".route-stops > li")
        await expect(stops).to_have_count(2)
        await expect(stops.nth(0)).to_contain_text("Bror Kund")  # 09:00 first, as listed
        await expect(stops.nth(0)).to_contain_text("Brors gård, Uppsala")
        await expect(stops.nth(1)).to_contain_text("Alva Kund")
        await expect(stops.nth(1)).to_contain_text("Beräknad ankomst kl 13:00")


async def test_a_group_visit_joined_by_a_lower_case_code_is_matched_into_bookings_for_both(
    browser: Any, live: LiveApp
) -> None:
    tag = uuid.uuid4().hex[:6]
    shop = live.run(lambda db: scenes.stable(db, name=f"Grupp Hovslageri {tag}"))
    organiser = live.run(lambda db: scenes.customer(db, first_name="Greta"))
    neighbour = live.run(lambda db: scenes.customer(db, first_name="Nils"))
    stable = f"Ridklubben {tag}"

    async with _as(browser, live, organiser) as page:
        await page.goto("/customer/group-bookings")
        await page.get_by_role("link", name="Starta ett gruppbesök").click()
        await page.get_by_label("Tjänst").fill("Skoning")
        await page.get_by_label("Stallets namn").fill(stable)
        await page.get_by_label("Adress").fill("Ridvägen 8, Knivsta")
        await page.get_by_label("Hästens namn (valfritt)").fill("Stjärna")
        await page.get_by_role("button", name="Skapa gruppbesöket").click()
        await expect(page.get_by_role("status")).to_contain_text("Dela inbjudningskoden")
        code = (await page.locator("#invite-code").inner_text()).strip()
        assert re.fullmatch(r"[A-Z2-9]{8}", code), code

        async with _as(browser, live, neighbour) as other:
            await other.goto("/customer/group-bookings")
            await other.get_by_label("Inbjudningskod").fill(code.lower())
            await other.get_by_label("Hästens namn (valfritt)").fill("Pärla")
            await other.get_by_role("button", name="Gå med").click()
            await expect(other.get_by_role("status")).to_have_text("Du är med i gruppbesöket.")
            await expect(other.locator(".participant")).to_have_count(2)

            async with _as(browser, live, shop.provider_user) as provider:
                await provider.goto("/provider/group-bookings")
                await provider.get_by_role("link", name=f"Skoning · {stable}").click()
                await expect(provider.get_by_text("Pärla")).to_be_visible()
                await provider.get_by_role("button", name="Boka gruppbesöket").click()
                await expect(provider.get_by_role("status")).to_contain_text(
                    "Gruppbesöket är bokat"
                )

            for member in (page, other):
                await member.goto("/my/bookings")
                booking = member.locator(".booking").filter(has_text=f"Grupp Hovslageri {tag}")
                await expect(booking).to_have_count(1)
                await expect(booking).to_contain_text("Skoning")
            await other.goto("/customer/group-bookings")
            await expect(other.locator(".group").filter(has_text=stable)).to_contain_text("Bokad")


async def test_route_and_group_pages_have_no_serious_axe_violations(
    browser: Any, live: LiveApp
) -> None:
    from axe_playwright_python.async_playwright import Axe

    from tests.web.screenshots import routes_and_groups

    shop = live.run(lambda db: scenes.stable(db, name=f"Axe Hovslageri {uuid.uuid4().hex[:6]}"))
    customer = live.run(scenes.customer)
    code = uuid.uuid4().hex[:8].upper()
    made = live.run(
        lambda db: routes_and_groups(db, live.settings, customer, shop.provider, invite_code=code)
    )
    pages = {
        None: ["/announcements", f"/announcements/{made['announcement']}"],
        "customer": [
            "/customer/route-orders/new", "/customer/route-orders", "/customer/group-bookings",
            f"/customer/group-bookings/{made['group']}", "/customer/group-bookings/new",
        ],
        "provider": [
            "/provider/route-orders", "/provider/routes", f"/provider/routes/{made['route']}",
            "/provider/group-bookings", f"/provider/group-bookings/{made['group']}",
            "/provider/announcements/new",
        ],
    }  # fmt: skip
    users = {"customer": customer, "provider": shop.provider_user}
    found: dict[str, list[str]] = {}
    for width in (1100, 360):
        for who, paths in pages.items():
            ctx = await browser.new_context(
                base_url=live.url, locale="sv-SE", viewport={"width": width, "height": 800}
            )
            if who is not None:
                await ctx.add_cookies([live.session_cookie(users[who])])
            page = await ctx.new_page()
            try:
                for path in paths:
                    response = await page.goto(path)
                    assert response is not None and response.status == 200, path
                    results = await Axe().run(page)
                    serious = [
                        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                        for v in results.response["violations"]
                        if v.get("impact") in ("serious", "critical")
                    ]
                    if serious:
                        found[f"{path} @{width}"] = serious
                    overflow = await page.evaluate(
                        "document.documentElement.scrollWidth - window.innerWidth"
                    )
                    assert overflow <= 0, (path, width, overflow)
            finally:
                await ctx.close()
    assert not found, found
