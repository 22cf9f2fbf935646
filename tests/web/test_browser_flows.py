"""Equinet in real Chromium: register → verify → log in, booking a time the picker offers and
seeing it under my bookings, cancelling, the language switch, booking with the keyboard only,
and two customers racing for the last time of a day."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import expect

from equinet.kit.dates import today_local
from tests.web import scenes
from tests.web.live import LiveApp

pytestmark = pytest.mark.browser

BOOK_FORM = 'form[action$="/book"]'


async def _login_as(context: Any, live: LiveApp, user: Any) -> None:
    await context.add_cookies([live.session_cookie(user)])


async def test_register_verify_by_the_emailed_link_and_log_in(page: Any, live: LiveApp) -> None:
    email = f"ny-{uuid.uuid4().hex[:8]}@example.se"
    await page.goto("/register")
    await page.get_by_label("Förnamn").fill("Nora")
    await page.get_by_label("Efternamn").fill("Ny")
    await page.get_by_label("E-post").fill(email)
    await page.get_by_label("Lösenord").fill(scenes.PASSWORD)
    await page.get_by_role("button", name="Skapa konto").click()
    await expect(page).to_have_url(re.compile(r"/login$"))
    await expect(page.get_by_role("status")).to_contain_text("Öppna länken i e-postmeddelandet")

    # Before verifying, logging in says why it cannot.
    await page.get_by_label("E-post").fill(email)
    await page.get_by_label("Lösenord").fill(scenes.PASSWORD)
    await page.get_by_role("button", name="Logga in").click()
    await expect(page.get_by_role("alert")).to_contain_text("verifiera din e-postadress")

    link = live.link_in_mail(email, "/verify-email")
    await page.goto(link)
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("E-postadressen har verifierats")
    await page.goto(link)  # the link is single-use
    await expect(page.get_by_role("alert")).to_contain_text("redan använts")

    await page.goto("/login")
    await page.get_by_label("E-post").fill(email)
    await page.get_by_label("Lösenord").fill(scenes.PASSWORD)
    await page.get_by_role("button", name="Logga in").click()
    await expect(page).to_have_url(re.compile(r"/my/bookings$"))
    await expect(page.get_by_role("status")).to_have_text("Du är inloggad.")
    await expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


async def test_customer_books_an_offered_time_sees_it_and_cancels(
    context: Any, page: Any, live: LiveApp
) -> None:
    shop = live.run(scenes.stable)
    customer = live.run(scenes.customer)
    await _login_as(context, live, customer)

    await page.goto(f"/providers/{shop.provider.id}")
    await expect(page.get_by_text("Verifierad")).to_be_visible()
    await page.get_by_role("link", name="Boka Skoning").click()
    await expect(page.get_by_role("heading", name="Välj dag")).to_be_visible()
    # The day after tomorrow in the week strip, then its first offered time.
    day = (today_local() + timedelta(days=2)).isoformat()
    await page.locator(f'.week a[href*="day={day}"]').click()
    await expect(page.locator('.week a[aria-current="date"]')).to_have_attribute(
        "href", re.compile(f"day={day}")
    )
    slots = page.locator(".slots a")
    await expect(slots.first).to_be_visible()
    chosen = (await slots.first.inner_text()).strip()
    await slots.first.click()
    await expect(page.get_by_role("heading", name="Häst och bekräfta")).to_be_visible()
    await page.get_by_label("Hästens namn").fill("Blansen")
    await page.get_by_role("button", name="Bekräfta bokningen").click()

    await expect(page).to_have_url(re.compile(r"/my/bookings$"))
    await expect(page.get_by_role("status")).to_contain_text("Bokningen är skickad")
    booking = page.locator(".booking").filter(has_text="Hovslageri Hanna").first
    await expect(booking).to_contain_text(chosen)
    await expect(booking).to_contain_text("Väntar på bekräftelse")
    await expect(booking).to_contain_text("Blansen")

    await booking.get_by_text("Avboka", exact=True).click()
    await booking.get_by_label("Meddelande till leverantören (valfritt)").fill("Hästen är halt")
    await booking.get_by_role("button", name="Avboka bokningen").click()
    await expect(page.get_by_role("status")).to_have_text("Bokningen är avbokad.")
    past = page.locator("section", has=page.get_by_role("heading", name="Tidigare och avbokade"))
    await expect(past.locator(".booking").first).to_contain_text("Avbokad")
    await expect(past.locator(".booking").first).to_contain_text("Hästen är halt")


async def test_the_language_switch_turns_the_pages_english_and_back(page: Any) -> None:
    await page.goto("/login")
    await expect(page.locator("html")).to_have_attribute("lang", "sv")
    await page.get_by_role("link", name="English").click()
    await expect(page).to_have_url(re.compile(r"/login$"))
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    await page.goto("/")  # the choice is remembered
    await expect(page.get_by_role("button", name="Search", exact=True)).to_be_visible()
    await page.goto("/no-such-page")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    await page.goto("/")
    await page.get_by_role("link", name="Svenska").click()
    await expect(page.locator("html")).to_have_attribute("lang", "sv")
    await expect(page.get_by_role("button", name="Sök", exact=True)).to_be_visible()


async def _tab_to(page: Any, matches: str, limit: int = 60) -> None:
    """Press Tab until the focused element satisfies the JS predicate `matches` (on `el`)."""
    for _press in range(limit):
        await page.keyboard.press("Tab")
        script = f"(() => {{ const el = document.activeElement; return !!({matches}); }})()"
        if await page.evaluate(script):
            return
    raise AssertionError(f"Tab never reached an element where {matches}")


async def test_booking_with_the_keyboard_only(context: Any, page: Any, live: LiveApp) -> None:
    shop = live.run(lambda db: scenes.stable(db, name="Tangentbordets Hovslageri"))
    customer = live.run(scenes.customer)
    await _login_as(context, live, customer)
    await page.goto(f"/providers/{shop.provider.id}")

    await _tab_to(page, "el.getAttribute('aria-label') === 'Boka Skoning'")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Välj dag")).to_be_visible()
    await _tab_to(page, "el.closest('.slots') !== null")
    chosen = await page.evaluate("document.activeElement.textContent.trim()")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Häst och bekräfta")).to_be_visible()
    await _tab_to(page, "el.id === 'f-horseName'")
    await page.keyboard.type("Tangent")
    await _tab_to(page, "el.textContent.trim() === 'Bekräfta bokningen'")
    await page.keyboard.press("Enter")

    await expect(page).to_have_url(re.compile(r"/my/bookings$"))
    booking = page.locator(".booking").filter(has_text="Tangentbordets Hovslageri").first
    await expect(booking).to_contain_text(chosen)
    await expect(booking).to_contain_text("Tangent")


async def test_two_customers_race_for_the_last_time_one_wins_the_other_is_told(
    browser: Any, live: LiveApp
) -> None:
    # Open 10:00-11:00 with a 60-minute service: one time per day.
    shop = live.run(lambda db: scenes.stable(db, name="Sista Tiden", opens="10:00", closes="11:00"))
    day = today_local() + timedelta(days=3)
    url = f"/providers/{shop.provider.id}/book?service={shop.service.id}&day={day}&start=10:00"
    pages = []
    for name in ("Alva", "Bo"):
        customer = live.run(lambda db, name=name: scenes.customer(db, first_name=name))
        ctx = await browser.new_context(base_url=live.url, locale="sv-SE")
        await _login_as(ctx, live, customer)
        page = await ctx.new_page()
        await page.goto(url)
        await expect(page.get_by_role("button", name="Bekräfta bokningen")).to_be_visible()
        pages.append(page)

    async def submit(page: Any) -> None:
        async with page.expect_navigation():
            await page.evaluate(f"document.querySelector('{BOOK_FORM}').requestSubmit()")

    # Both customers confirm at the same moment; the server decides.
    await asyncio.gather(*(submit(page) for page in pages))
    winners = [p for p in pages if p.url.endswith("/my/bookings")]
    losers = [p for p in pages if not p.url.endswith("/my/bookings")]
    assert len(winners) == 1 and len(losers) == 1, [p.url for p in pages]

    await expect(winners[0].locator(".booking").first).to_contain_text("10:00")
    loser = losers[0]
    await expect(loser.get_by_role("alert")).to_contain_text("Tiden hann bokas av någon annan")
    # The day has no time left; the next free times (later days) are offered instead.
    await expect(loser.get_by_role("heading", name="Nästa lediga tider")).to_be_visible()
    await expect(loser.locator(".next-free a").first).to_contain_text("10:00")
    for page in pages:
        await page.context.close()


async def test_booking_works_without_javascript(browser: Any, live: LiveApp) -> None:
    shop = live.run(lambda db: scenes.stable(db, name="Utan Skript"))
    customer = live.run(scenes.customer)
    ctx = await browser.new_context(base_url=live.url, locale="sv-SE", java_script_enabled=False)
    try:
        await _login_as(ctx, live, customer)
        page = await ctx.new_page()
        await page.goto(f"/providers/{shop.provider.id}/book")
        await expect(page.get_by_text("Vald", exact=True)).to_be_visible()  # the only service
        day = (today_local() + timedelta(days=1)).isoformat()
        await page.locator(f'.week a[href*="day={day}"]').click()
        await expect(page).to_have_url(re.compile(f"day={day}"))
        await page.locator(".slots a").last.click()
        await expect(page).to_have_url(re.compile(r"start=\d\d(:|%3A)00"))
        await page.get_by_role("button", name="Bekräfta bokningen").click()
        await expect(page).to_have_url(re.compile(r"/my/bookings$"))
        await expect(page.locator(".booking").first).to_contain_text("Utan Skript")
    finally:
        await ctx.close()


async def test_near_me_uses_the_browsers_position(browser: Any, live: LiveApp) -> None:
    live.run(lambda db: scenes.stable(db, name="Nära Hovslageri"))  # in Uppsala
    ctx = await browser.new_context(
        base_url=live.url,
        locale="sv-SE",
        geolocation={"latitude": 59.86, "longitude": 17.64},
        permissions=["geolocation"],
    )
    try:
        page = await ctx.new_page()
        await page.goto("/")
        await page.get_by_role("button", name="Nära mig").click()
        await expect(page.get_by_role("heading", name="Leverantörer nära dig")).to_be_visible()
        card = page.locator(".provider-card").filter(has_text="Nära Hovslageri")
        await expect(card).to_contain_text("km bort")
    finally:
        await ctx.close()
