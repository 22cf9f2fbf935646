"""Horses, verification and personal data in real Chromium: register a horse, add notes,
share its passport and open it anonymously, upload its photo; a provider asks for
verification, an admin logs in with two factors and approves it, and the badge shows; a
customer exports their data and deletes their account."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pyotp
import pytest
from PIL import Image
from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts import two_factor
from equinet.models import Provider, User
from tests import factories
from tests.web import scenes
from tests.web.live import LiveApp

pytestmark = pytest.mark.browser


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 32), (90, 60, 30)).save(out, format="PNG")
    return out.getvalue()


async def test_owner_registers_a_horse_adds_notes_shares_the_passport_and_a_photo(
    browser: Any, context: Any, page: Any, live: LiveApp
) -> None:
    owner = live.run(scenes.customer)
    await context.add_cookies([live.session_cookie(owner)])

    await page.goto("/my/horses")
    await page.get_by_label("Namn").fill("Blansen")
    await page.get_by_label("Ras").fill("Nordsvensk")
    await page.get_by_label("Kön").select_option("gelding")
    await page.get_by_role("button", name="Registrera hästen").click()
    await expect(page.get_by_role("status")).to_have_text("Hästen är registrerad.")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Blansen")

    notes = (("farrier", "Skoning runt om"), ("training", "Longering i ridhuset"))
    for category, title in notes:
        await page.get_by_label("Kategori").select_option(category)
        await page.get_by_label("Rubrik").fill(title)
        await page.get_by_role("button", name="Spara anteckningen").click()
        await expect(page.get_by_role("status")).to_have_text("Anteckningen är sparad.")
    timeline = page.locator("#timeline")
    await expect(timeline).to_contain_text("Skoning runt om")
    await expect(timeline).to_contain_text("Longering i ridhuset")
    await page.locator("#f-filter").select_option("training")
    await page.locator("#timeline").get_by_role("button", name="Filtrera").click()
    await expect(page.locator("#timeline")).not_to_contain_text("Skoning runt om")

    await page.get_by_role("button", name="Skapa ny länk").click()
    await expect(page.get_by_role("status")).to_contain_text("hästpasslänk")
    link = await page.locator(".passports input").first.input_value()
    assert "/passport/" in link

    await page.get_by_label("Foto (JPEG, PNG eller WebP)").set_input_files(
        {"name": "blansen.png", "mimeType": "image/png", "buffer": _png()}
    )
    await page.get_by_role("button", name="Ladda upp foto").click()
    await expect(page.get_by_role("status")).to_have_text("Fotot är uppladdat.")
    photo = page.get_by_role("img", name="Foto av Blansen")
    await expect(photo).to_be_visible()
    assert await photo.evaluate("img => img.naturalWidth") == 48

    stranger = await browser.new_context(base_url=live.url, locale="sv-SE")
    try:
        anonymous = await stranger.new_page()
        await anonymous.goto(link)
        await expect(anonymous.get_by_role("heading", level=1)).to_have_text("Hästpass: Blansen")
        await expect(anonymous.locator("main")).to_contain_text("Skoning runt om")
        await expect(anonymous.locator("main")).not_to_contain_text("Longering")
        await expect(anonymous.locator("main")).not_to_contain_text(owner.email)
    finally:
        await stranger.close()


async def _unverified_provider(db: AsyncSession) -> tuple[User, Provider]:
    owner = await factories.user(db, user_type="provider", first_name="Vera", last_name="Vet")
    provider = await factories.provider(db, owner, business_name="Veterinär Vera")
    return owner, provider


async def test_a_provider_is_verified_by_an_admin_who_logs_in_with_two_factors(
    browser: Any, context: Any, page: Any, live: LiveApp
) -> None:
    owner, provider = live.run(_unverified_provider)
    await context.add_cookies([live.session_cookie(owner)])
    await page.goto("/provider/verification")
    await page.get_by_label("Typ").select_option("license")
    await page.get_by_label("Benämning").fill("Veterinärlegitimation")
    await page.get_by_label("Utfärdare").fill("Jordbruksverket")
    await page.get_by_label("År").fill("2018")
    await page.get_by_label("Bild eller PDF av intyget").set_input_files(
        {"name": "legitimation.png", "mimeType": "image/png", "buffer": _png()}
    )
    await page.get_by_role("button", name="Skicka ansökan").click()
    await expect(page.get_by_role("status")).to_contain_text("Ansökan är skickad")
    await expect(page.locator("main")).to_contain_text("Väntar på granskning")

    async def make_admin(db: AsyncSession) -> tuple[User, str]:
        admin = await factories.customer(
            db, first_name="Ada", last_name="Admin", is_admin=True, password=scenes.PASSWORD
        )
        enrolment, _codes = await two_factor.enrol_confirmed(db, live.settings, admin)
        return admin, enrolment.secret

    admin, secret = live.run(make_admin)
    reviewer = await browser.new_context(base_url=live.url, locale="sv-SE")
    try:
        desk = await reviewer.new_page()
        await desk.goto("/admin/verifications")
        await expect(desk).to_have_url(re.compile(r"/login\?next="))
        await desk.get_by_label("E-post").fill(admin.email)
        await desk.get_by_label("Lösenord").fill(scenes.PASSWORD)
        await desk.get_by_role("button", name="Logga in").click()
        await expect(desk.get_by_role("heading", level=1)).to_have_text("Tvåstegsverifiering")
        await desk.get_by_label("Kod", exact=True).fill(pyotp.TOTP(secret).now())
        await desk.get_by_role("button", name="Logga in").click()
        await expect(desk).to_have_url(re.compile(r"/admin/verifications$"))

        request = desk.locator("li.card").filter(has_text="Veterinärlegitimation")
        await expect(request).to_contain_text("Veterinär Vera")
        document = request.get_by_role("img")
        await expect(document).to_be_visible()
        assert await document.evaluate("img => img.naturalWidth") == 48
        await request.get_by_role("button", name="Godkänn").click()
        await expect(desk.get_by_role("status")).to_have_text("Ansökan är godkänd.")
        await desk.goto("/admin/audit-log")
        await expect(desk.locator("table")).to_contain_text("verification.approve")
        await expect(desk.locator("table")).to_contain_text(admin.email)
    finally:
        await reviewer.close()

    await page.goto(f"/providers/{provider.id}")
    await expect(page.locator(".verified")).to_contain_text("Verifierad")
    await page.goto("/provider/verification")
    await expect(page.locator("main")).to_contain_text("Godkänd")


async def test_a_customer_exports_their_data_and_deletes_the_account(
    context: Any, page: Any, live: LiveApp
) -> None:
    customer = live.run(scenes.customer)
    await context.add_cookies([live.session_cookie(customer)])
    await page.goto("/profile")
    await page.get_by_role("link", name="Exportera dina uppgifter eller ta bort kontot").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mina uppgifter")

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Ladda ner (JSON)").click()
    download = await waiting.value
    exported = json.loads((await download.path()).read_text(encoding="utf-8"))
    assert customer.email in json.dumps(exported, ensure_ascii=False)

    await page.get_by_label("Bekräfta med ditt lösenord").fill("fel lösenord")
    await page.get_by_role("button", name="Ta bort kontot för alltid").click()
    await expect(page.locator("#f-password-error")).to_have_text("Fel lösenord")
    await page.get_by_label("Bekräfta med ditt lösenord").fill(scenes.PASSWORD)
    await page.get_by_role("button", name="Ta bort kontot för alltid").click()
    await expect(page.locator(".flash")).to_contain_text("Ditt konto är borttaget")
    await expect(page.get_by_role("link", name="Logga in")).to_be_visible()
    await page.goto("/profile")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
