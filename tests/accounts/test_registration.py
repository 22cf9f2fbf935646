"""Registration, e-mail verification and resending the link (spec §2.1, §7.22)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.accounts import service
from equinet.accounts.schemas import RegisterIn
from equinet.accounts.sessions import hash_token
from equinet.db.base import utcnow
from equinet.db.session import request_transaction
from equinet.models import EmailVerificationToken, Provider, User
from tests.accounts.conftest import Mailbox
from tests.accounts.helpers import STRONG_PASSWORD, link_token, register
from tests.conftest import make_settings
from tests.jobs.support import queued_jobs, run_queued_jobs


async def test_customer_registration_creates_unverified_user_and_mails_the_link(
    client: httpx.AsyncClient, db_session: AsyncSession, mailbox: Mailbox
) -> None:
    response = await register(client, email="  Stina.Ryttare@Example.SE ")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["message"] == "Användare skapad"
    assert body["user"]["email"] == "stina.ryttare@example.se"
    assert set(body["user"]) == {"id", "email", "firstName", "lastName", "userType"}
    user = await db_session.get(User, body["user"]["id"])
    assert user is not None and not user.email_verified
    assert user.password_hash.startswith("$argon2id$")
    message = mailbox.last_to("stina.ryttare@example.se")
    assert message["Subject"] == "Verifiera din e-post - Equinet"
    token = link_token(message)
    # Only a hash of the token is stored.
    stored = await db_session.scalar(
        select(EmailVerificationToken.token).where(EmailVerificationToken.user_id == user.id)
    )
    assert stored == hash_token(token) != token


async def test_provider_registration_creates_the_provider_row_at_once(
    client: httpx.AsyncClient, db_session: AsyncSession, mailbox: Mailbox
) -> None:
    response = await register(
        client,
        email="hovslagare@example.se",
        userType="provider",
        businessName="  Hovslageri   Norr ",
        description="Rad ett\nRad två",
        city="Umeå",
    )
    assert response.status_code == 201, response.text
    provider = await db_session.scalar(
        select(Provider).where(Provider.user_id == response.json()["user"]["id"])
    )
    assert provider is not None
    assert provider.business_name == "Hovslageri Norr"
    assert provider.description == "Rad ett\nRad två"  # line breaks survive (§7.33)
    assert provider.city == "Umeå"


async def test_provider_without_business_name_is_refused(client: httpx.AsyncClient) -> None:
    response = await register(client, email="nobiz@example.se", userType="provider")
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"


async def test_registering_an_existing_email_in_other_case_is_refused(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    assert (await register(client, email="dubbel@example.se")).status_code == 201
    response = await register(client, email="DUBBEL@example.se")
    assert response.status_code == 400
    assert response.json() == {
        "error": "En användare med denna e-postadress finns redan",
        "code": "EMAIL_ALREADY_REGISTERED",
    }


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kort1!", "Lösenordet måste vara minst 8 tecken"),
        ("x" * 129, "Lösenordet får vara högst 128 tecken"),
        ("sommar2024", "Lösenordet är för vanligt och lätt att gissa. Välj ett annat."),
        ("Password123!", "Lösenordet är för vanligt och lätt att gissa. Välj ett annat."),
        ("stina.ryttare99", "Lösenordet får inte bygga på ditt namn eller din e-postadress"),
    ],
)
async def test_weak_passwords_are_refused_with_the_reason(
    client: httpx.AsyncClient, password: str, message: str
) -> None:
    response = await register(client, email="stina.ryttare@example.se", password=password)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert body["details"][0]["field"] == "password"
    assert body["details"][0]["message"] == message


async def test_long_passphrases_without_symbols_are_accepted(client: httpx.AsyncClient) -> None:
    passphrase = "min häst äter havre varje morgon " * 3  # 99 characters, spaces, no digits
    response = await register(client, email="fras@example.se", password=passphrase)
    assert response.status_code == 201, response.text


async def test_unknown_fields_are_refused(client: httpx.AsyncClient) -> None:
    response = await register(client, email="extra@example.se", isAdmin=True)
    assert response.status_code == 422


async def test_verification_link_verifies_once(
    client: httpx.AsyncClient, db_session: AsyncSession, mailbox: Mailbox
) -> None:
    created = await register(client, email="verifiera@example.se")
    token = link_token(mailbox.last_to("verifiera@example.se"))
    response = await client.post("/api/auth/verify-email", json={"token": token})
    assert response.status_code == 200
    assert response.json() == {
        "message": "E-postadressen har verifierats",
        "email": "verifiera@example.se",
    }
    user = await db_session.get(User, created.json()["user"]["id"], populate_existing=True)
    assert user is not None and user.email_verified and user.email_verified_at is not None
    again = await client.post("/api/auth/verify-email", json={"token": token})
    assert again.status_code == 400
    assert again.json()["error"] == "Denna verifieringslänk har redan använts"


async def test_expired_verification_link_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession, mailbox: Mailbox
) -> None:
    await register(client, email="sent@example.se")
    token = link_token(mailbox.last_to("sent@example.se"))
    await db_session.execute(
        update(EmailVerificationToken)
        .where(EmailVerificationToken.token == hash_token(token))
        .values(expires_at=utcnow())
    )
    response = await client.post("/api/auth/verify-email", json={"token": token})
    assert response.status_code == 400
    assert response.json() == {
        "error": "Verifieringslänken har gått ut. Begär en ny.",
        "code": "VERIFICATION_TOKEN_EXPIRED",
    }


@pytest.mark.parametrize("token", ["0" * 64, "not-a-token"])
async def test_unknown_verification_token_is_a_400(client: httpx.AsyncClient, token: str) -> None:
    response = await client.post("/api/auth/verify-email", json={"token": token})
    assert response.status_code == 400
    assert response.json()["error"] == "Ogiltig eller utgången verifieringslänk"


async def test_resend_answers_the_same_for_unknown_and_existing_addresses(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await register(client, email="igen@example.se")
    unknown = await client.post("/api/auth/resend-verification", json={"email": "ingen@example.se"})
    known = await client.post("/api/auth/resend-verification", json={"email": "IGEN@example.se"})
    assert unknown.status_code == known.status_code == 200
    assert unknown.json() == known.json()
    assert mailbox.to("ingen@example.se") == []
    links = [link_token(m) for m in mailbox.to("igen@example.se")]
    assert len(links) == 2 and links[0] != links[1]
    # The new link works (old ones are not invalidated, as in the original).
    assert (
        await client.post("/api/auth/verify-email", json={"token": links[1]})
    ).status_code == 200


async def test_verification_mail_is_sent_only_when_the_request_commits(
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: Mailbox,
    smtp_server: tuple[Mailbox, int],
) -> None:
    """A request that fails after registration queued its e-mail leaves no job and sends nothing."""
    _, port = smtp_server
    settings = make_settings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    data = RegisterIn.model_validate(
        {
            "email": "rollback@example.se",
            "password": STRONG_PASSWORD,
            "firstName": "Roll",
            "lastName": "Back",
            "userType": "customer",
        }
    )
    with pytest.raises(RuntimeError):
        async with request_transaction(sessionmaker) as db:
            await service.register(db, settings, data)
            raise RuntimeError("later step of the request failed")
    async with sessionmaker() as check:
        assert await queued_jobs(check) == []  # the e-mail's job went with the rollback
    await run_queued_jobs(sessionmaker, settings)
    assert mailbox.to("rollback@example.se") == []

    async with request_transaction(sessionmaker) as db:
        await service.register(db, settings, data)
    assert await run_queued_jobs(sessionmaker, settings) == 1
    assert len(mailbox.to("rollback@example.se")) == 1
