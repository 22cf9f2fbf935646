"""The horse, upload, verification, two-factor, personal-data, unsubscribe and calendar-feed
pages over HTTP: refused forms come back with the message beside the field and the input kept,
the passport page shows the shared notes only, and every change goes through the services."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.accounts import two_factor
from equinet.accounts.sessions import create_session
from equinet.app import create_app
from equinet.db.urls import DatabaseTarget
from equinet.kit.dates import today_local
from equinet.models import Horse, ReminderOptOut, User
from equinet.reminders import tokens
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import make_shop
from tests.conftest import make_settings
from tests.web.scenes import PASSWORD

HOME = "http://testserver"
BROWSER = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "Origin": HOME}


@pytest.fixture
async def app(
    test_database: DatabaseTarget, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> AsyncIterator[FastAPI]:
    """The app with its uploads and e-mails in the test's own folder, small upload limits."""
    settings = make_settings(
        test_database, upload_dir=tmp_path / "uploads", email_outbox_dir=tmp_path / "outbox",
        upload_max_bytes_horses=60_000,
    )  # fmt: skip
    application = create_app(settings)
    async with LifespanManager(application):
        application.state.sessionmaker = sessionmaker
        yield application


@pytest.fixture
def app_settings(app: FastAPI) -> Settings:
    settings: Settings = app.state.settings
    return settings


async def _signed_in(
    client: httpx.AsyncClient, db: AsyncSession, user: User, settings: Settings
) -> None:
    token = await create_session(db, user, settings)
    await db.commit()
    client.cookies.set(settings.session_cookie_name, token)


def _png(size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(out, format="PNG")
    return out.getvalue()


def _beside(page: str, field: str) -> str:
    found = re.search(rf'id="f-{field}-error">([^<]*)<', page)
    assert found, f"no message beside {field}"
    return found.group(1)


async def test_register_a_horse_refused_without_a_name_then_kept_and_shown(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    owner = await factories.customer(db_session)
    await _signed_in(client, db_session, owner, app_settings)

    refused = await client.post(
        "/my/horses", data={"name": " ", "breed": "Fjordhäst", "birthYear": "2015"},
        headers=BROWSER,
    )  # fmt: skip
    assert refused.status_code == 422
    assert _beside(refused.text, "name") == "Fältet måste fyllas i"
    assert 'value="Fjordhäst"' in refused.text
    too_old = await client.post(
        "/my/horses", data={"name": "Blansen", "birthYear": "1890"}, headers=BROWSER
    )
    assert too_old.status_code == 422 and "Födelseår" in _beside(too_old.text, "birthYear")
    assert (await db_session.scalars(select(Horse).where(Horse.owner_id == owner.id))).all() == []

    made = await client.post(
        "/my/horses", data={"name": "Blansen", "breed": "Fjordhäst", "gender": "mare"},
        headers=BROWSER,
    )  # fmt: skip
    assert made.status_code == 303
    page = await client.get(made.headers["location"], headers=BROWSER)
    assert "Hästen är registrerad." in page.text and "<h1>Blansen</h1>" in page.text
    listing = await client.get("/my/horses", headers=BROWSER)
    assert "Blansen" in listing.text and "Sto" in listing.text


async def test_notes_by_category_a_future_date_refused_and_the_filter(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner, name="Stjärna")
    await _signed_in(client, db_session, owner, app_settings)
    url = f"/my/horses/{horse.id}"

    tomorrow = (today_local() + timedelta(days=1)).isoformat()
    refused = await client.post(
        f"{url}/notes",
        data={"category": "farrier", "title": "Skoning", "content": "Fram", "noteDate": tomorrow},
        headers=BROWSER,
    )
    assert refused.status_code == 422
    assert _beside(refused.text, "noteDate") == "Datumet kan inte vara i framtiden"
    assert ">Fram</textarea>" in refused.text

    today = today_local().isoformat()
    for category, title in (("farrier", "Skoning runt om"), ("training", "Longering")):
        added = await client.post(
            f"{url}/notes",
            data={"category": category, "title": title, "noteDate": today},
            headers=BROWSER,
        )
        assert added.status_code == 303
    both = await client.get(url, headers=BROWSER)
    assert "Skoning runt om" in both.text and "Longering" in both.text
    farrier = await client.get(f"{url}?category=farrier", headers=BROWSER)
    assert "Skoning runt om" in farrier.text and "Longering" not in farrier.text
    unknown = await client.get(f"{url}?category=astrology", headers=BROWSER)
    assert unknown.status_code == 400 and "Ogiltig kategori" in unknown.text


async def test_a_passport_link_shows_the_shared_notes_only_until_revoked(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    owner = await factories.customer(db_session, phone="070-1234567")
    horse = await factories.horse(db_session, owner, name="Dunder")
    await factories.horse_note(db_session, horse, category="veterinary", title="Vaccination")
    await factories.horse_note(db_session, horse, category="training", title="Hoppträning")
    await _signed_in(client, db_session, owner, app_settings)

    made = await client.post(f"/my/horses/{horse.id}/passport", headers=BROWSER)
    assert made.status_code == 303
    page = await client.get(f"/my/horses/{horse.id}", headers=BROWSER)
    link = re.search(r'value="(http[^"]+/passport/[^"]+)"', page.text)
    assert link, "the passport link is shown to copy"
    path = "/passport/" + link.group(1).rsplit("/passport/", 1)[1]

    client.cookies.clear()
    shared = await client.get(path, headers=BROWSER)
    assert shared.status_code == 200
    assert "Vaccination" in shared.text and "Hoppträning" not in shared.text
    assert owner.email not in shared.text and "070-1234567" not in shared.text

    await _signed_in(client, db_session, owner, app_settings)
    passport_id = re.search(r'/passport/([^/"]+)/revoke', page.text)
    assert passport_id
    revoked = await client.post(
        f"/my/horses/{horse.id}/passport/{passport_id.group(1)}/revoke", headers=BROWSER
    )
    assert revoked.status_code == 303
    client.cookies.clear()
    gone = await client.get(path, headers=BROWSER)
    assert gone.status_code == 404 and "<html" in gone.text


async def test_horse_photo_wrong_type_and_too_large_beside_the_field_then_a_png(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner, name="Molly")
    await _signed_in(client, db_session, owner, app_settings)
    url = f"/my/horses/{horse.id}/photo"

    html = b"<html><script>alert(1)</script></html>"
    wrong = await client.post(
        url, files={"file": ("molly.png", html, "image/png")}, headers=BROWSER
    )
    assert wrong.status_code == 415
    assert "Filtypen stöds inte" in _beside(wrong.text, "photo")
    big = await client.post(
        url, files={"file": ("big.png", b"\x89PNG" + b"0" * 60_001, "image/png")},
        headers=BROWSER,
    )  # fmt: skip
    assert big.status_code == 413 and "Filen är för stor" in _beside(big.text, "photo")
    await db_session.refresh(horse)
    assert horse.photo_url is None

    stored = await client.post(
        url, files={"file": ("molly.png", _png(), "image/png")}, headers=BROWSER
    )
    assert stored.status_code == 303
    await db_session.refresh(horse)
    assert horse.photo_url and horse.photo_url.startswith("/api/upload/")
    page = await client.get(f"/my/horses/{horse.id}", headers=BROWSER)
    assert f'src="{horse.photo_url}"' in page.text
    photo = await client.get(horse.photo_url)
    assert photo.headers["content-type"] == "image/png"


async def test_provider_sees_a_customers_horse_with_the_shared_notes_only(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    shop = await make_shop(db_session)
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner, name="Vilja")
    await factories.horse_note(db_session, horse, category="medication", title="Penicillin")
    await factories.horse_note(db_session, horse, category="other", title="Privat sak")
    await _signed_in(client, db_session, shop.provider_user, app_settings)
    assert (await client.get(f"/provider/horses/{horse.id}", headers=BROWSER)).status_code == 404

    await factories.booking(
        db_session, by=owner, at=shop.provider, for_service=shop.service, horse_id=horse.id,
        status="completed", day=today_local() - timedelta(days=3),
    )  # fmt: skip
    await db_session.commit()
    page = await client.get(f"/provider/horses/{horse.id}?category=other", headers=BROWSER)
    assert page.status_code == 200
    assert "Privat sak" not in page.text  # a private category asked for: still not shown
    everything = await client.get(f"/provider/horses/{horse.id}", headers=BROWSER)
    assert "Penicillin" in everything.text and "Privat sak" not in everything.text


async def test_verification_request_refused_without_a_title_and_rejection_needs_a_reason(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    shop = await make_shop(db_session)
    await _signed_in(client, db_session, shop.provider_user, app_settings)
    form = {"type": "certificate", "title": "", "issuer": "Hushållningssällskapet", "year": "2019"}
    refused = await client.post("/provider/verification", data=form, headers=BROWSER,
                                files={"file": ("", b"", "application/octet-stream")})  # fmt: skip
    assert refused.status_code == 422
    assert _beside(refused.text, "title") == "Fältet måste fyllas i"
    assert 'value="Hushållningssällskapet"' in refused.text

    sent = await client.post(
        "/provider/verification", data={**form, "title": "Gesällbrev"}, headers=BROWSER,
        files={"file": ("intyg.png", _png(), "image/png")},
    )  # fmt: skip
    assert sent.status_code == 303
    mine = await client.get("/provider/verification", headers=BROWSER)
    assert "Gesällbrev" in mine.text and "Väntar på granskning" in mine.text
    assert "1 dokument" in mine.text

    admin = await factories.customer(db_session, is_admin=True)
    await _signed_in(client, db_session, admin, app_settings)
    queue = await client.get("/admin/verifications", headers=BROWSER)
    assert "Gesällbrev" in queue.text and 'src="/api/upload/' in queue.text
    verification_id = re.search(r'action="/admin/verifications/([^"]+)"', queue.text)
    assert verification_id
    no_reason = await client.post(
        f"/admin/verifications/{verification_id.group(1)}", data={"action": "reject"},
        headers=BROWSER,
    )  # fmt: skip
    assert no_reason.status_code == 422
    assert _beside(no_reason.text, "reviewNote") == "Ange en anledning när ansökan avvisas"
    rejected = await client.post(
        f"/admin/verifications/{verification_id.group(1)}",
        data={"action": "reject", "reviewNote": "Intyget är oläsligt"}, headers=BROWSER,
    )  # fmt: skip
    assert rejected.status_code == 303
    log = await client.get("/admin/audit-log", headers=BROWSER)
    assert "verification.reject" in log.text and admin.email in log.text

    await _signed_in(client, db_session, shop.provider_user, app_settings)
    mine = await client.get("/provider/verification", headers=BROWSER)
    assert "Avvisad" in mine.text and "Intyget är oläsligt" in mine.text


async def test_customer_cannot_open_the_admin_pages(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    customer = await factories.customer(db_session)
    await _signed_in(client, db_session, customer, app_settings)
    for path in ("/admin/verifications", "/admin/audit-log", "/provider/verification"):
        page = await client.get(path, headers=BROWSER)
        assert page.status_code == 403 and "Åtkomst nekad" in page.text


async def test_login_with_two_factor_asks_for_the_code_and_refuses_a_wrong_one(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    user = await factories.customer(db_session, password=PASSWORD)
    enrolment, codes = await two_factor.enrol_confirmed(db_session, app_settings, user)
    await db_session.commit()
    step_one = await client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, headers=BROWSER
    )
    assert step_one.status_code == 200 and 'name="challenge"' in step_one.text
    assert app_settings.session_cookie_name not in step_one.cookies
    challenge = re.search(r'name="challenge" value="([^"]+)"', step_one.text)
    assert challenge

    wrong = await client.post(
        "/login/code", data={"challenge": challenge.group(1), "code": "000000"}, headers=BROWSER
    )
    assert wrong.status_code == 401 and _beside(wrong.text, "code")
    right = await client.post(
        "/login/code",
        data={"challenge": challenge.group(1), "code": pyotp.TOTP(enrolment.secret).now()},
        headers=BROWSER,
    )
    assert right.status_code == 303
    assert app_settings.session_cookie_name in right.cookies

    # A recovery code works once as the second step.
    client.cookies.clear()
    again = await client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, headers=BROWSER
    )
    second = re.search(r'name="challenge" value="([^"]+)"', again.text)
    assert second
    recovered = await client.post(
        "/login/code", data={"challenge": second.group(1), "recoveryCode": codes[0]},
        headers=BROWSER,
    )  # fmt: skip
    assert recovered.status_code == 303


async def test_an_admin_without_two_factor_is_refused_at_the_page_login(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    admin = await factories.customer(db_session, is_admin=True, password=PASSWORD)
    await db_session.commit()
    refused = await client.post(
        "/login", data={"email": admin.email, "password": PASSWORD}, headers=BROWSER
    )
    assert refused.status_code >= 400 and 'role="alert"' in refused.text
    assert "session" not in " ".join(refused.cookies.keys())


async def test_two_factor_setup_wrong_password_and_wrong_code_then_recovery_codes_once(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    user = await factories.customer(db_session, password=PASSWORD)
    await _signed_in(client, db_session, user, app_settings)
    wrong = await client.post(
        "/profile/two-factor/setup", data={"password": "fel"}, headers=BROWSER
    )
    assert wrong.status_code == 400 and _beside(wrong.text, "password") == "Fel lösenord"

    setup = await client.post(
        "/profile/two-factor/setup", data={"password": PASSWORD}, headers=BROWSER
    )
    assert setup.status_code == 200 and "otpauth://totp/" in setup.text and "<svg" in setup.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', setup.text)
    assert secret
    bad = await client.post(
        "/profile/two-factor/confirm",
        data={"code": "123456", "secret": secret.group(1)},
        headers=BROWSER,
    )
    assert bad.status_code == 400 and _beside(bad.text, "code")
    done = await client.post(
        "/profile/two-factor/confirm",
        data={"code": pyotp.TOTP(secret.group(1)).now()},
        headers=BROWSER,
    )
    assert done.status_code == 200 and len(re.findall(r"<li><code>", done.text)) == 10
    profile = await client.get("/profile", headers=BROWSER)
    assert "Tvåstegsverifiering är på" in profile.text


async def test_delete_my_account_needs_the_password_and_a_provider_cancels_first(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service,
        status="confirmed", day=today_local() + timedelta(days=4),
    )  # fmt: skip
    await _signed_in(client, db_session, shop.provider_user, app_settings)
    page = await client.get("/my/data", headers=BROWSER)
    assert 'href="/api/export/my-data?format=csv"' in page.text
    wrong = await client.post("/my/data/delete", data={"password": "fel"}, headers=BROWSER)
    assert wrong.status_code == 400 and _beside(wrong.text, "password") == "Fel lösenord"
    blocked = await client.post(
        "/my/data/delete", data={"password": factories.DEFAULT_PASSWORD}, headers=BROWSER
    )
    assert blocked.status_code == 409
    assert "Avboka dem innan du tar bort kontot" in blocked.text
    assert "1 bekräftade bokningar" in blocked.text

    await _signed_in(client, db_session, customer, app_settings)
    exported = await client.get("/api/export/my-data?format=json", headers=BROWSER)
    assert exported.status_code == 200 and customer.email in exported.text
    deleted = await client.post(
        "/my/data/delete", data={"password": factories.DEFAULT_PASSWORD}, headers=BROWSER
    )
    assert deleted.status_code == 303
    after = await client.get("/profile", headers=BROWSER)
    assert after.status_code == 303 or "/login" in str(after.url)


async def test_the_unsubscribe_link_asks_first_and_only_the_button_unsubscribes(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    customer = await factories.customer(db_session)
    await db_session.commit()
    token = tokens.sign(app_settings, customer.id, "rebooking")
    opened = await client.get(f"/unsubscribe?token={token}", headers=BROWSER)
    assert opened.status_code == 200 and "Ja, avsluta" in opened.text
    api_opened = await client.get(f"/api/reminders/unsubscribe?token={token}")
    assert api_opened.status_code == 200 and api_opened.json()["unsubscribed"] is False
    opted = select(ReminderOptOut).where(ReminderOptOut.user_id == customer.id)
    assert (await db_session.scalars(opted)).all() == []

    confirmed = await client.post("/unsubscribe", data={"token": token}, headers=BROWSER)
    assert confirmed.status_code == 200 and "Klart." in confirmed.text
    assert len((await db_session.scalars(opted)).all()) == 1
    forged = await client.get("/unsubscribe?token=forged", headers=BROWSER)
    assert forged.status_code == 400 and 'role="alert"' in forged.text


async def test_calendar_feed_url_shown_once_then_revoked(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    customer = await factories.customer(db_session)
    await _signed_in(client, db_session, customer, app_settings)
    made = await client.post("/profile/calendar-feed", headers=BROWSER)
    url = re.search(r'id="feed-url" type="text" readonly value="([^"]+\.ics)"', made.text)
    assert made.status_code == 200 and url
    feed = await client.get(url.group(1).replace(app_settings.public_base_url.rstrip("/"), ""))
    assert feed.status_code == 200 and "BEGIN:VCALENDAR" in feed.text
    profile = await client.get("/profile", headers=BROWSER)
    assert url.group(1) not in profile.text and "aktiv kalenderadress" in profile.text
    revoked = await client.post("/profile/calendar-feed/revoke", headers=BROWSER)
    assert revoked.status_code == 303
    gone = await client.get(url.group(1).replace(app_settings.public_base_url.rstrip("/"), ""))
    assert gone.status_code == 404


async def test_edit_clears_an_optional_field_remove_hides_the_horse_and_others_get_404(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner, name="Pålle", breed="Shetland")
    other = await factories.customer(db_session)
    await _signed_in(client, db_session, other, app_settings)
    for path in (f"/my/horses/{horse.id}", f"/api/horses/{horse.id}/export?format=csv"):
        assert (await client.get(path, headers=BROWSER)).status_code == 404
    assert (await client.post(f"/my/horses/{horse.id}/delete", headers=BROWSER)).status_code == 404

    await _signed_in(client, db_session, owner, app_settings)
    empty_name = await client.post(
        f"/my/horses/{horse.id}", data={"name": "", "breed": "Shetland"}, headers=BROWSER
    )
    assert empty_name.status_code == 422 and _beside(empty_name.text, "name")
    saved = await client.post(
        f"/my/horses/{horse.id}", data={"name": "Pålle", "breed": "", "color": "Skäck"},
        headers=BROWSER,
    )  # fmt: skip
    assert saved.status_code == 303
    await db_session.refresh(horse)
    assert (horse.breed, horse.color) == (None, "Skäck")
    removed = await client.post(f"/my/horses/{horse.id}/delete", headers=BROWSER)
    assert removed.status_code == 303
    listing = await client.get("/my/horses", headers=BROWSER)
    assert "Hästen har tagits bort." in listing.text and "Pålle" not in listing.text


async def test_avatar_of_the_wrong_type_is_refused_beside_the_field_then_a_png_is_shown(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    shop = await make_shop(db_session)
    await _signed_in(client, db_session, shop.provider_user, app_settings)
    pdf_named_png = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    refused = await client.post(
        "/profile/avatar", files={"file": ("me.png", pdf_named_png, "image/png")},
        headers=BROWSER,
    )  # fmt: skip
    assert refused.status_code == 415 and "Filtypen stöds inte" in _beside(refused.text, "avatar")
    stored = await client.post(
        "/profile/avatar", files={"file": ("me.png", _png(), "image/png")}, headers=BROWSER
    )
    assert stored.status_code == 303
    await db_session.refresh(shop.provider)
    assert shop.provider.profile_image_url
    profile = await client.get("/profile", headers=BROWSER)
    assert f'src="{shop.provider.profile_image_url}"' in profile.text
    client.cookies.clear()
    public = await client.get(f"/providers/{shop.provider.id}", headers=BROWSER)
    assert f'src="{shop.provider.profile_image_url}"' in public.text
    assert (await client.get(shop.provider.profile_image_url)).status_code == 200


async def test_the_horse_pages_in_english(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner, name="Blixt", gender="stallion")
    await factories.horse_note(db_session, horse, category="veterinary", title="Tandvård")
    await _signed_in(client, db_session, owner, app_settings)
    client.cookies.set("lang", "en")
    listing = await client.get("/my/horses", headers=BROWSER)
    assert "<h1>My horses</h1>" in listing.text and "Register the horse" in listing.text
    page = await client.get(f"/my/horses/{horse.id}", headers=BROWSER)
    assert "Stallion" in page.text and "Veterinary" in page.text and "Horse passport" in page.text
    data = await client.get("/my/data", headers=BROWSER)
    assert "Delete my account" in data.text


async def test_new_recovery_codes_need_a_right_code_and_replace_the_old_ones(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    user = await factories.customer(db_session, password=PASSWORD)
    enrolment, old_codes = await two_factor.enrol_confirmed(db_session, app_settings, user)
    await _signed_in(client, db_session, user, app_settings)
    wrong = await client.post(
        "/profile/two-factor/recovery-codes", data={"recoveryCodeCheck": "000000"},
        headers=BROWSER,
    )  # fmt: skip
    assert wrong.status_code == 400 and _beside(wrong.text, "recoveryCodeCheck")
    fresh = await client.post(
        "/profile/two-factor/recovery-codes",
        data={"recoveryCodeCheck": pyotp.TOTP(enrolment.secret).now()}, headers=BROWSER,
    )  # fmt: skip
    assert fresh.status_code == 200
    shown = re.findall(r"<li><code>([^<]+)</code>", fresh.text)
    assert len(shown) == 10 and not set(shown) & set(old_codes)


async def test_a_verification_with_a_document_of_the_wrong_type_is_not_created(
    client: httpx.AsyncClient, db_session: AsyncSession, app_settings: Settings
) -> None:
    shop = await make_shop(db_session)
    await _signed_in(client, db_session, shop.provider_user, app_settings)
    refused = await client.post(
        "/provider/verification",
        data={"type": "license", "title": "Legitimation", "year": "2020"},
        files={"file": ("legitimation.png", b"<html><body>hej</body></html>", "image/png")},
        headers=BROWSER,
    )
    assert refused.status_code == 415
    assert "Filtypen stöds inte" in _beside(refused.text, "file")
    assert 'value="Legitimation"' in refused.text
    assert "Du har inte skickat någon ansökan än." in refused.text  # nothing half-written
