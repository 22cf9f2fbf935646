"""The provider's and the admin's pages in real Chromium: the provider confirms a booking and
the customer sees it, the provider replies to a review, weekly hours and a closed day change
what customers are offered, the admin switches maintenance mode and searches users, and axe-core
finds nothing serious on the dashboard, the calendar and the system page at 1100 and 360 px."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import today_local
from equinet.ops.maintenance import write_state
from tests import factories
from tests.web import scenes
from tests.web.live import LiveApp
from tests.web.test_accessibility import _violations

pytestmark = pytest.mark.browser


async def _signed_in(browser: Any, live: LiveApp, user: Any, width: int = 1100) -> Any:
    context = await browser.new_context(
        base_url=live.url, locale="sv-SE", viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(10_000)
    await context.add_cookies([live.session_cookie(user)])
    return context


async def _admin(db: AsyncSession) -> Any:
    return await factories.user(
        db, is_admin=True, first_name="Ada", email=f"admin-{uuid.uuid4().hex[:6]}@equinet.test"
    )


async def test_provider_confirms_a_booking_and_the_customer_sees_it(
    browser: Any, live: LiveApp
) -> None:
    shop = live.run(lambda db: scenes.stable(db, name="Bekräftande Hovar"))
    customer = live.run(scenes.customer)
    day = today_local() + timedelta(days=3)

    async def waiting(db: AsyncSession) -> None:
        await factories.booking(
            db, by=customer, at=shop.provider, for_service=shop.service, day=day,
            start_time="13:00", end_time="14:00", horse_name="Stjärna",
        )  # fmt: skip

    live.run(waiting)
    provider_context = await _signed_in(browser, live, shop.provider_user)
    customer_context = await _signed_in(browser, live, customer)
    try:
        page = await provider_context.new_page()
        await page.goto("/provider")
        waiting = page.locator("section", has=page.locator("#waiting-heading"))
        card = waiting.locator(".booking", has_text="Stjärna")
        await expect(card).to_contain_text("13:00–14:00")
        await card.get_by_role("button", name="Bekräfta").click()
        await expect(page.get_by_role("status")).to_contain_text("Bokningen är bekräftad")
        await expect(waiting).to_contain_text("Inga bokningar väntar på dig.")

        mine = await customer_context.new_page()
        await mine.goto("/my/bookings")
        booking = mine.locator(".booking", has_text="Stjärna")
        await expect(booking.locator(".status")).to_have_text("Bekräftad")
        await expect(mine.locator(".notifications-link .badge")).to_be_visible()
    finally:
        await provider_context.close()
        await customer_context.close()


async def test_provider_replies_to_a_review_and_the_reply_is_public(
    browser: Any, page: Any, live: LiveApp
) -> None:
    shop = live.run(lambda db: scenes.stable(db, name="Svarande Hovar"))
    customer = live.run(scenes.customer)

    async def reviewed(db: AsyncSession) -> None:
        visit = await factories.booking(
            db, by=customer, at=shop.provider, for_service=shop.service, status="completed",
            day=today_local() - timedelta(days=4),
        )  # fmt: skip
        await factories.review(
            db, visit, customer_id=customer.id, provider_id=shop.provider.id, rating=5,
            comment="Lugn med unghästen",
        )  # fmt: skip

    live.run(reviewed)
    context = await _signed_in(browser, live, shop.provider_user)
    try:
        own = await context.new_page()
        await own.goto("/provider/reviews")
        review = own.locator(".provider-review", has_text="Lugn med unghästen")
        await review.get_by_label("Svara").fill("Tack, välkommen åter!")
        await review.get_by_role("button", name="Publicera svaret").click()
        await expect(own.get_by_role("status")).to_have_text("Ditt svar är publicerat.")
        await expect(own.locator(".provider-review .review-reply")).to_contain_text(
            "Tack, välkommen åter!"
        )
    finally:
        await context.close()
    await page.goto(f"/providers/{shop.provider.id}")
    await expect(page.get_by_text("Tack, välkommen åter!")).to_be_visible()


async def test_weekly_hours_and_a_closed_day_change_the_offered_times(
    browser: Any, page: Any, live: LiveApp
) -> None:
    shop = live.run(lambda db: scenes.stable(db, name="Stängande Hovar"))
    closed = today_local() + timedelta(days=3)
    open_day = today_local() + timedelta(days=2)
    context = await _signed_in(browser, live, shop.provider_user)
    try:
        own = await context.new_page()
        await own.goto("/provider/hours")
        for weekday in range(7):
            await own.locator(f"#f-startTime{weekday}").fill("10:00")
            await own.locator(f"#f-endTime{weekday}").fill("14:00")
        await own.get_by_role("button", name="Spara veckan").click()
        await expect(own.get_by_role("status")).to_have_text("Veckans öppettider är sparade.")
        await own.get_by_label("Datum").fill(closed.isoformat())
        await own.get_by_label("Stängt hela dagen").check()
        await own.get_by_label("Anledning").fill("Kurs")
        await own.get_by_role("button", name="Spara undantaget").click()
        await expect(own.get_by_role("status")).to_have_text("Undantaget är sparat.")
        await expect(own.locator(".exceptions")).to_contain_text("Kurs")
        await own.goto(f"/provider/calendar?from={closed.isoformat()}")
        day_card = own.locator(".calendar-day", has=own.locator(f"#day-{closed.isoformat()}"))
        await expect(day_card).to_contain_text("Stängt")
    finally:
        await context.close()

    flow = f"/providers/{shop.provider.id}/book?service={shop.service.id}"
    await page.goto(f"{flow}&day={open_day.isoformat()}")
    slots = page.locator(".slots a")
    await expect(slots.first).to_have_text(re.compile(r"^\s*10:00"))
    assert "13:00" in await slots.last.inner_text()  # a 60-minute visit ends by 14:00
    await expect(page.locator(f'.week a[href*="day={closed.isoformat()}"]')).to_have_count(0)
    await page.goto(f"{flow}&day={closed.isoformat()}")
    await expect(page.locator(".slots a")).to_have_count(0)


async def _status_becomes(page: Any, path: str, status: int, seconds: float = 8.0) -> None:
    """Reload `path` until it answers `status` (each worker re-reads the state every 2 s)."""
    seen = None
    for _attempt in range(int(seconds / 0.25)):
        response = await page.goto(path)
        seen = response.status if response else None
        if seen == status:
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"{path} answered {seen}, not {status}")


async def test_admin_switches_maintenance_mode_on_the_system_page(
    browser: Any, page: Any, live: LiveApp
) -> None:
    admin = live.run(_admin)
    context = await _signed_in(browser, live, admin)

    async def switched_off(db: AsyncSession) -> None:
        await write_state(await db.connection(), enabled=False, message=None, changed_by="test")

    try:
        system = await context.new_page()
        await system.goto("/admin/system")
        await expect(system.locator("#maintenance-state")).to_have_text("Av")
        await expect(system.get_by_role("heading", name="Larmregler")).to_be_visible()
        await system.get_by_label("Meddelande till besökarna (valfritt)").fill("Ny version")
        await system.get_by_role("button", name="Slå på underhållsläget").click()
        await expect(system.get_by_role("status")).to_contain_text("Underhållsläget är på")
        await expect(system.locator("#maintenance-state")).to_have_text("På")

        # Other visitors get the maintenance page once their worker re-reads the state.
        await _status_becomes(page, "/", 503)
        await expect(page.get_by_text("Ny version")).to_be_visible()

        await system.get_by_role("button", name="Stäng av underhållsläget").click()
        await expect(system.get_by_role("status")).to_contain_text("Underhållsläget är av")
        await _status_becomes(page, "/", 200)
    finally:
        live.run(switched_off)
        await context.close()


async def test_admin_searches_users(browser: Any, live: LiveApp) -> None:
    admin = live.run(_admin)
    live.run(lambda db: factories.customer(db, first_name="Sigrid", last_name="Sökbarsson"))
    live.run(lambda db: factories.customer(db, first_name="Annan", last_name="Person"))
    context = await _signed_in(browser, live, admin)
    try:
        page = await context.new_page()
        await page.goto("/admin")
        await page.get_by_role("link", name="Användare").click()
        await page.get_by_label("Sök användare").fill("sökbars")
        await page.get_by_label("Sök användare").press("Enter")
        await expect(page).to_have_url(re.compile(r"/admin/users\?q="))
        rows = page.locator("table.data tbody tr")
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_contain_text("Sigrid Sökbarsson")
        await expect(rows.first).to_contain_text("Kund")
    finally:
        await context.close()


@pytest.mark.parametrize("width", [1100, 360])
async def test_provider_and_admin_pages_have_no_serious_axe_violations(
    browser: Any, live: LiveApp, width: int
) -> None:
    shop = live.run(lambda db: scenes.stable(db, name="Tillgängliga Kalendrar"))
    customer = live.run(scenes.customer)

    async def visit_today(db: AsyncSession) -> None:
        await factories.booking(
            db, by=customer, at=shop.provider, for_service=shop.service, day=today_local(),
            start_time="16:00", end_time="17:00",
        )  # fmt: skip

    live.run(visit_today)
    admin = live.run(_admin)
    provider_context = await _signed_in(browser, live, shop.provider_user, width)
    admin_context = await _signed_in(browser, live, admin, width)
    try:
        own, system = await provider_context.new_page(), await admin_context.new_page()
        found: dict[str, list[str]] = {}
        for page, path in (
            (own, "/provider"),
            (own, "/provider/calendar"),
            (own, "/provider/hours"),
            (system, "/admin/system"),
        ):
            await page.goto(path)
            problems = await _violations(page)
            if problems:
                found[path] = problems
            overflow = await page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, (path, width, overflow)
        assert not found, found
    finally:
        await provider_context.close()
        await admin_context.close()
