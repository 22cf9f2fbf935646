"""The customer's pages over HTTP: pay with the demo gateway and open the receipt, review a
completed visit, refused forms shown again with the message beside the field, notifications
with the unread count, profile, password and "log out everywhere", forgot/reset password by the
e-mailed link."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.sessions import create_session
from equinet.kit.dates import today_local
from equinet.models import User
from equinet.settings import Settings
from tests import factories
from tests.accounts.conftest import AppFactory, Mailbox, client_for
from tests.bookings.support import make_shop
from tests.web.scenes import PASSWORD

HOME = "http://testserver"
BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Origin": HOME,
}


async def _signed_in(
    client: httpx.AsyncClient, db: AsyncSession, user: User, settings: Settings
) -> str:
    token = await create_session(db, user, settings)
    await db.commit()
    client.cookies.set(settings.session_cookie_name, token)
    return token


async def test_pay_open_the_receipt_and_review_after_the_visit(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    visit = await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service,
        status="confirmed", day=today_local() + timedelta(days=5),
    )  # fmt: skip
    await _signed_in(client, db_session, customer, settings)

    paid = await client.post(f"/my/bookings/{visit.id}/pay", headers=BROWSER)
    assert paid.status_code == 303 and paid.headers["location"] == "/my/bookings"
    page = await client.get("/my/bookings", headers=BROWSER)
    assert "Betalningen är genomförd" in page.text
    assert f'href="/api/bookings/{visit.id}/receipt"' in page.text
    receipt = await client.get(f"/api/bookings/{visit.id}/receipt", headers=BROWSER)
    assert receipt.status_code == 200 and "800" in receipt.text
    pdf = await client.get(f"/api/bookings/{visit.id}/receipt?format=pdf", headers=BROWSER)
    assert pdf.content.startswith(b"%PDF")
    again = await client.post(f"/my/bookings/{visit.id}/pay", headers=BROWSER)
    assert again.status_code == 422  # already paid: said beside the booking, nothing charged

    visit.status = "completed"
    await db_session.commit()
    no_rating = await client.post(
        f"/my/bookings/{visit.id}/review", data={"comment": "Bra"}, headers=BROWSER
    )
    assert no_rating.status_code == 422
    assert ">Bra</textarea>" in no_rating.text  # the comment is kept
    assert re.search(r'class="field-error">Fältet måste fyllas i<', no_rating.text)
    reviewed = await client.post(
        f"/my/bookings/{visit.id}/review", data={"rating": "4", "comment": "Bra"}, headers=BROWSER
    )
    assert reviewed.status_code == 303
    page = await client.get("/my/bookings", headers=BROWSER)
    assert "★★★★☆" in page.text and "Tack för din recension!" in page.text
    provider_page = await client.get(f"/providers/{shop.provider.id}", headers=BROWSER)
    assert "Bra" in provider_page.text


async def test_cancel_with_a_too_long_message_keeps_it_and_says_why(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    visit = await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service,
        day=today_local() + timedelta(days=5),
    )  # fmt: skip
    await _signed_in(client, db_session, customer, settings)
    long = "x" * 501
    refused = await client.post(
        f"/my/bookings/{visit.id}/cancel", data={"cancellationMessage": long}, headers=BROWSER
    )
    assert refused.status_code == 422
    assert long in refused.text and "högst 500 tecken" in refused.text
    assert "Väntar på bekräftelse" in refused.text  # still booked
    unknown = await client.post(f"/my/bookings/{uuid.uuid4()}/cancel", headers=BROWSER)
    assert unknown.status_code == 404
    assert "Bokningen hittades inte" in unknown.text


async def test_unread_notifications_show_in_the_header_until_read(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    customer = await factories.customer(db_session)
    await factories.notification(db_session, customer, message="Din bokning är bekräftad")
    await factories.notification(db_session, customer, message="Påminnelse")
    await _signed_in(client, db_session, customer, settings)
    page = await client.get("/notifications", headers=BROWSER)
    assert 'aria-label="2 olästa">2<' in page.text
    assert "Din bokning är bekräftad" in page.text
    read = await client.post("/notifications/read-all", headers=BROWSER)
    assert read.status_code == 303
    page = await client.get("/notifications", headers=BROWSER)
    assert "olästa" not in page.text and "Alla notiser är markerade som lästa." in page.text


async def test_profile_password_and_logging_out_everywhere_else(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    customer = await factories.customer(db_session, password=PASSWORD)
    other_device = await create_session(db_session, customer, settings)
    await _signed_in(client, db_session, customer, settings)

    empty = await client.post(
        "/profile", data={"firstName": "", "lastName": "Kund", "city": "Sala"}, headers=BROWSER
    )
    assert empty.status_code == 422
    assert 'value="Sala"' in empty.text
    assert re.search(r'id="f-firstName-error">Fältet måste fyllas i<', empty.text)
    saved = await client.post(
        "/profile", data={"firstName": "Klara", "lastName": "Kund", "city": "Sala"}, headers=BROWSER
    )
    assert saved.status_code == 303
    assert 'value="Klara"' in (await client.get("/profile", headers=BROWSER)).text

    wrong = await client.post(
        "/profile/password",
        data={"currentPassword": "fel-lösenord", "newPassword": "Nytt-Sadelgjord-9001"},
        headers=BROWSER,
    )
    assert wrong.status_code == 422
    assert re.search(r'id="f-currentPassword-error">Nuvarande lösenord är fel<', wrong.text)

    ended = await client.post("/profile/sessions/end-others", headers=BROWSER)
    assert ended.status_code == 303
    other = httpx.AsyncClient(transport=client._transport, base_url=HOME)
    async with other:
        other.cookies.set(settings.session_cookie_name, other_device)
        assert (await other.get("/profile", headers=BROWSER)).status_code == 303  # to login
    assert (await client.get("/profile", headers=BROWSER)).status_code == 200  # this one stays


async def test_forgot_and_reset_password_by_the_emailed_link(
    app_factory: AppFactory, mailbox: Mailbox, db_session: AsyncSession
) -> None:
    customer = await factories.customer(db_session, password=PASSWORD)
    await db_session.commit()
    app: FastAPI
    async with app_factory() as app, client_for(app) as client:
        sent = await client.post(
            "/forgot-password", data={"email": customer.email}, headers=BROWSER
        )
        assert sent.status_code == 303
        text = str(
            mailbox.last_to(customer.email).get_body(preferencelist=("plain",)).get_content()
        )  # type: ignore[union-attr]
        link = re.search(r"https?://[^\s]+/reset-password\?token=(\S+)", text)
        assert link, text
        form = await client.get(f"/reset-password?token={link.group(1)}", headers=BROWSER)
        assert f'value="{link.group(1)}"' in form.text
        weak = await client.post(
            "/reset-password", data={"token": link.group(1), "password": "123"}, headers=BROWSER
        )
        assert weak.status_code == 422 and 'id="f-password-error"' in weak.text
        done = await client.post(
            "/reset-password",
            data={"token": link.group(1), "password": "Nytt-Sadelgjord-9001"},
            headers=BROWSER,
        )
        assert done.status_code == 303  # the weak attempt did not use the link up
        login = await client.post(
            "/login",
            data={"email": customer.email, "password": "Nytt-Sadelgjord-9001"},
            headers=BROWSER,
        )
        assert login.status_code == 303 and login.headers["location"] == "/my/bookings"
