"""Personal data: the export holds everything about me and no secret; deleting my account
anonymises me, keeps bookings and payments, removes files, ends sessions and confirms by mail."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts import two_factor
from equinet.accounts.sessions import hash_token
from equinet.models import (
    Booking,
    Horse,
    HorseNote,
    HorsePassportToken,
    Payment,
    Provider,
    Session,
    Upload,
    User,
)
from equinet.settings import Settings
from tests import factories
from tests.accounts.conftest import AppFactory, Mailbox, client_for
from tests.accounts.helpers import logged_in
from tests.bookings.support import Shop, future_day, make_shop
from tests.factories import DEFAULT_PASSWORD
from tests.uploads.conftest import multipart, png


async def customer_with_history(db: AsyncSession) -> dict[str, object]:
    shop = await make_shop(db)
    me = await factories.customer(db, first_name="Maja", phone="070-1234567", city="Uppsala")
    horse = await factories.horse(db, me, name="Stjärna", special_needs="Allergisk mot hö")
    past = await factories.booking(
        db, by=me, at=shop.provider, for_service=shop.service, day=future_day(-30),
        status="completed", horse_id=horse.id, customer_notes="Ring innan",
    )  # fmt: skip
    payment = await factories.payment(db, past, invoice_number="EQ-GDPR-1")
    review = await factories.review(db, past, comment='=HYPERLINK("http://evil")')
    note = await factories.horse_note(db, horse, title="Verkad", content="Lite öm")
    passport = await factories.horse_passport_token(db, horse)
    return {
        "shop": shop, "me": me, "horse": horse, "past": past, "payment": payment,
        "review": review, "note": note, "passport": passport,
    }  # fmt: skip


async def test_export_json_has_everything_about_me_and_no_secrets(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    data = await customer_with_history(db_session)
    me = data["me"]
    assert isinstance(me, User)
    await factories.notification(db_session, me, message="Bokningen är bekräftad")
    await two_factor.enrol_confirmed(db_session, settings, me)
    headers = await logged_in(db_session, me)
    token = headers["Authorization"].split()[1]

    response = await client.get("/api/export/my-data", headers=headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    body = response.json()
    assert body["user"]["email"] == me.email and body["user"]["phone"] == "070-1234567"
    assert [h["name"] for h in body["horses"]] == ["Stjärna"]
    assert body["horses"][0]["specialNeeds"] == "Allergisk mot hö"
    assert [b["customerNotes"] for b in body["bookings"]] == ["Ring innan"]
    assert [p["invoiceNumber"] for p in body["payments"]] == ["EQ-GDPR-1"]
    assert [n["title"] for n in body["horseNotes"]] == ["Verkad"]
    assert len(body["reviews"]) == 1
    assert [n["message"] for n in body["notifications"]] == ["Bokningen är bekräftad"]
    assert body["sessions"] and body["twoFactor"]["enabled"] is True
    assert "provider" not in body
    text = response.text
    passport = data["passport"]
    assert isinstance(passport, HorsePassportToken)
    for secret in (me.password_hash, token, hash_token(token), passport.token):
        assert secret not in text
    for key in ("passwordHash", "password_hash", "tokenHash", "secret", "codeHash", "token"):
        assert f'"{key}"' not in text


async def test_export_csv_has_the_sections_and_neutralises_formulas(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    data = await customer_with_history(db_session)
    me = data["me"]
    assert isinstance(me, User)
    headers = await logged_in(db_session, me)

    response = await client.get("/api/export/my-data?format=csv", headers=headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].endswith('.csv"')
    titles = [line for line in response.text.splitlines() if line.startswith("# ")]
    assert titles[:6] == ["# Profil", "# Hästar", "# Bokningar", "# Betalningar",
                          "# Anteckningar", "# Recensioner"]  # fmt: skip
    reviews = response.text.split("# Recensioner\n")[1].split("\n\n")[0]
    rows = list(csv.DictReader(io.StringIO(reviews)))
    assert rows[0]["comment"].startswith("'=")  # a spreadsheet shows it, never runs it
    assert (await client.get("/api/export/my-data?format=xml", headers=headers)).status_code == 400


async def test_a_providers_export_has_the_business_and_its_services(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    shop = await make_shop(db_session)
    await factories.provider_verification(db_session, shop.provider, title="Hovslagarexamen")
    headers = await logged_in(db_session, shop.provider_user)

    body = (await client.get("/api/export/my-data", headers=headers)).json()
    csv_text = (await client.get("/api/export/my-data?format=csv", headers=headers)).text

    assert body["provider"]["businessName"] == "Hovslageri Hanna"
    assert [s["name"] for s in body["provider"]["services"]] == ["Skoning"]
    assert [v["title"] for v in body["provider"]["verifications"]] == ["Hovslagarexamen"]
    assert "# Leverantör" in csv_text and "# Tjänster" in csv_text


async def test_deleting_my_account_anonymises_me_and_keeps_the_bookkeeping(
    app_factory: AppFactory, db_session: AsyncSession, mailbox: Mailbox, tmp_path: Path
) -> None:
    data = await customer_with_history(db_session)
    me, horse, past, payment = data["me"], data["horse"], data["past"], data["payment"]
    assert isinstance(me, User) and isinstance(horse, Horse)
    assert isinstance(past, Booking) and isinstance(payment, Payment)
    address = me.email
    shop = data["shop"]
    assert isinstance(shop, Shop)
    upcoming = await factories.booking(
        db_session, by=me, at=shop.provider, for_service=shop.service,
        day=future_day(5), status="confirmed", start_time="13:00", end_time="14:00",
    )  # fmt: skip
    headers = await logged_in(db_session, me)
    uploads_dir = tmp_path / "files"

    async with (
        app_factory(upload_dir=uploads_dir) as application,
        client_for(application) as client,
    ):
        sent = await client.post(
            "/api/upload",
            headers=headers,
            **multipart(png(), "a.png", "horses", horse.id, "image/png"),
        )
        assert sent.status_code == 201, sent.text
        wrong = await client.post("/api/account/delete", headers=headers, json={"password": "fel"})
        assert (wrong.status_code, wrong.json()["code"]) == (400, "WRONG_PASSWORD")
        response = await client.post(
            "/api/account/delete", headers=headers, json={"password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 200, response.text
        assert (await client.get("/api/profile", headers=headers)).status_code == 401
        login = await client.post(
            "/api/auth/login", json={"email": address, "password": DEFAULT_PASSWORD}
        )
        assert login.status_code == 401

    await db_session.refresh(me)
    assert me.email != address and me.email.endswith("@deleted.equinet.se")
    assert (me.first_name, me.phone, me.city) == ("Borttagen", None, None)
    assert me.deleted_at is not None
    await db_session.refresh(past)
    await db_session.refresh(payment)
    assert past.status == "completed" and past.customer_id == me.id  # kept for bookkeeping
    assert payment.amount == 1800.0 and payment.invoice_number == "EQ-GDPR-1"
    await db_session.refresh(upcoming)
    assert upcoming.status == "cancelled"
    await db_session.refresh(horse)
    assert (horse.name, horse.special_needs, horse.is_active) == ("Borttagen häst", None, False)
    assert await db_session.scalar(select(HorseNote).where(HorseNote.horse_id == horse.id)) is None
    assert (
        await db_session.scalar(
            select(HorsePassportToken).where(HorsePassportToken.horse_id == horse.id)
        )
        is None
    )
    assert await db_session.scalar(select(Upload).where(Upload.user_id == me.id)) is None
    assert [p for p in uploads_dir.rglob("*") if p.is_file()] == []
    assert await db_session.scalar(select(Session).where(Session.user_id == me.id)) is None
    mail = mailbox.last_to(address)
    assert "borttaget" in mail["Subject"]


async def test_a_provider_with_confirmed_bookings_ahead_is_told_to_cancel_them_first(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    shop = await make_shop(db_session)
    booking = await factories.booking(
        db_session, at=shop.provider, for_service=shop.service, day=future_day(3),
        status="confirmed",
    )  # fmt: skip
    headers = await logged_in(db_session, shop.provider_user)

    response = await client.post(
        "/api/account/delete", headers=headers, json={"password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "FUTURE_CONFIRMED_BOOKINGS"
    assert "Avboka dem innan du tar bort kontot" in body["error"]
    assert body["details"]["bookingIds"] == [booking.id]
    provider = await db_session.get(Provider, shop.provider.id)
    assert provider is not None and provider.business_name == "Hovslageri Hanna"
    assert (await client.get("/api/profile", headers=headers)).status_code == 200


async def test_a_provider_without_bookings_ahead_is_deleted_and_unlisted(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    shop = await make_shop(db_session)
    await factories.provider_verification(db_session, shop.provider, status="approved")
    shop.provider.is_verified = True
    await factories.booking(
        db_session, at=shop.provider, for_service=shop.service, day=future_day(-3),
        status="completed",
    )  # fmt: skip
    headers = await logged_in(db_session, shop.provider_user)

    response = await client.post(
        "/api/account/delete", headers=headers, json={"password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 200, response.text
    provider = await db_session.get(Provider, shop.provider.id)
    assert provider is not None
    await db_session.refresh(provider)
    assert (provider.business_name, provider.is_active, provider.is_verified) == (
        "Borttagen leverantör", False, False,
    )  # fmt: skip
    listed = await client.get(f"/api/providers/{provider.id}")
    assert listed.status_code == 404
