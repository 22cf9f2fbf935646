"""Equinet in real Chromium: register → verify → log in, booking a time the picker offers and
seeing it under my bookings, cancelling, the language switch, booking with the keyboard only,
and two customers racing for the last time of a day."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from equinet.kit.dates import today_local
from tests.web import scenes
from tests.web.live import LiveApp

pytestmark = pytest.mark.browser


def _login_as(context: Any, live: LiveApp, user: Any) -> None:
    context.add_cookies([live.session_cookie(user)])


def test_register_verify_by_the_emailed_link_and_log_in(page: Any, live: LiveApp) -> None:
    email = f"ny-{uuid.uuid4().hex[:8]}@example.se"
    page.goto("/register")
    page.get_by_label("Förnamn").fill("Nora")
    page.get_by_label("Efternamn").fill("Ny")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Lösenord").fill(scenes.PASSWORD)
    page.get_by_role("button", name="Skapa konto").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_contain_text("Öppna länken i e-postmeddelandet")

    # Before verifying, logging in says why it cannot.
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Lösenord").fill(scenes.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_contain_text("verifiera din e-postadress")

    link = live.link_in_mail(email, "/verify-email")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("E-postadressen har verifierats")
    page.goto(link)  # the link is single-use
    expect(page.get_by_role("alert")).to_contain_text("redan använts")

    page.goto("/login")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Lösenord").fill(scenes.PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(re.compile(r"/my/bookings$"))
    expect(page.get_by_role("status")).to_have_text("Du är inloggad.")
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def test_customer_books_an_offered_time_sees_it_and_cancels(
    context: Any, page: Any, live: LiveApp
) -> None:
    shop = live.run(scenes.stable)
    customer = live.run(scenes.customer)
    _login_as(context, live, customer)

    page.goto(f"/providers/{shop.provider.id}")
    expect(page.get_by_text("Verifierad")).to_be_visible()
    page.get_by_role("link", name="Boka Skoning").click()
    expect(page.get_by_role("heading", name="Välj dag")).to_be_visible()
    # The day after tomorrow in the week strip, then its first offered time.
    day = today_local() + timedelta(days=2)
    page.locator(f'.week a[href*="day={day.isoformat()}"]').click()
    expect(page.locator('.week a[aria-current="date"]')).to_have_attribute(
        "href", re.compile(f"day={day.isoformat()}")
    )
    slots = page.locator(".slots a")
    expect(slots.first).to_be_visible()
    chosen = slots.first.inner_text().strip()
    slots.first.click()
    expect(page.get_by_role("heading", name="Häst och bekräfta")).to_be_visible()
    page.get_by_label("Hästens namn").fill("Blansen")
    page.get_by_role("button", name="Bekräfta bokningen").click()

    expect(page).to_have_url(re.compile(r"/my/bookings$"))
    expect(page.get_by_role("status")).to_contain_text("Bokningen är skickad")
    booking = page.locator(".booking").filter(has_text="Hovslageri Hanna").first
    expect(booking).to_contain_text(chosen)
    expect(booking).to_contain_text("Väntar på bekräftelse")
    expect(booking).to_contain_text("Blansen")

    booking.get_by_text("Avboka", exact=True).click()
    booking.get_by_label("Meddelande till leverantören (valfritt)").fill("Hästen är halt")
    booking.get_by_role("button", name="Avboka bokningen").click()
    expect(page.get_by_role("status")).to_have_text("Bokningen är avbokad.")
    past = page.locator("section", has=page.get_by_role("heading", name="Tidigare och avbokade"))
    expect(past.locator(".booking").first).to_contain_text("Avbokad")
    expect(past.locator(".booking").first).to_contain_text("Hästen är halt")


def test_the_language_switch_turns_the_pages_english_and_back(page: Any) -> None:
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.goto("/")  # the choice is remembered
    expect(page.get_by_role("button", name="Search", exact=True)).to_be_visible()
    page.goto("/no-such-page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.goto("/")
    page.get_by_role("link", name="Svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("button", name="Sök", exact=True)).to_be_visible()


def _tab_to(page: Any, matches: str, limit: int = 60) -> None:
    """Press Tab until the focused element satisfies the JS predicate `matches` (on `el`)."""
    for _press in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            f"(() => {{ const el = document.activeElement; return !!({matches}); }})()"
        ):
            return
    raise AssertionError(f"Tab never reached an element where {matches}")


def test_booking_with_the_keyboard_only(context: Any, page: Any, live: LiveApp) -> None:
    shop = live.run(lambda db: scenes.stable(db, name="Tangentbordets Hovslageri"))
    customer = live.run(scenes.customer)
    _login_as(context, live, customer)
    page.goto(f"/providers/{shop.provider.id}")

    _tab_to(page, "el.getAttribute('aria-label') === 'Boka Skoning'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Välj dag")).to_be_visible()
    _tab_to(page, "el.closest('.slots') !== null")
    chosen = page.evaluate("document.activeElement.textContent.trim()")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Häst och bekräfta")).to_be_visible()
    _tab_to(page, "el.id === 'f-horseName'")
    page.keyboard.type("Tangent")
    _tab_to(page, "el.textContent.trim() === 'Bekräfta bokningen'")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/my/bookings$"))
    booking = page.locator(".booking").filter(has_text="Tangentbordets Hovslageri").first
    expect(booking).to_contain_text(chosen)
    expect(booking).to_contain_text("Tangent")


def test_two_customers_race_for_the_last_time_one_wins_the_other_is_told(
    browser: Any, live: LiveApp
) -> None:
    # Open 10:00-11:00 with a 60-minute service: one time per day.
    shop = live.run(lambda db: scenes.stable(db, name="Sista Tiden", opens="10:00", closes="11:00"))
    day = today_local() + timedelta(days=3)
    url = f"/providers/{shop.provider.id}/book?service={shop.service.id}&day={day}&start=10:00"
    pages = []
    for name in ("Alva", "Bo"):
        customer = live.run(lambda db, name=name: scenes.customer(db, first_name=name))
        ctx = browser.new_context(base_url=live.url, locale="sv-SE")
        _login_as(ctx, live, customer)
        page = ctx.new_page()
        page.goto(url)
        expect(page.get_by_role("button", name="Bekräfta bokningen")).to_be_visible()
        pages.append(page)

    # Both submit at once; the server decides.
    for page in pages:
        page.evaluate("document.querySelector('form[action$=\"/book\"]').requestSubmit()")
    for page in pages:
        page.wait_for_load_state("load")
        page.wait_for_function(
            "!document.querySelector('form[action$=\"/book\"]') || document.querySelector('[role=alert]')"
        )
    winners = [p for p in pages if p.url.endswith("/my/bookings")]
    losers = [p for p in pages if not p.url.endswith("/my/bookings")]
    assert len(winners) == 1 and len(losers) == 1, [p.url for p in pages]

    expect(winners[0].locator(".booking").first).to_contain_text("10:00")
    loser = losers[0]
    expect(loser.get_by_role("alert")).to_contain_text("Tiden hann bokas av någon annan")
    # The day has no time left; the next free times (later days) are offered instead.
    expect(loser.get_by_role("heading", name="Nästa lediga tider")).to_be_visible()
    expect(loser.locator(".next-free a").first).to_contain_text("10:00")
    for page in pages:
        page.context.close()
