"""Login, sessions, logout, password reset and change (spec §2.1, §4.3, §7.21)."""

from __future__ import annotations

from datetime import timedelta

import bcrypt
import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.sessions import hash_token
from equinet.db.base import utcnow
from equinet.models import PasswordResetToken, Session, User
from equinet.settings import Settings
from tests import factories
from tests.accounts.conftest import Mailbox
from tests.accounts.helpers import RESET_LINK, bearer, link_token, logged_in, login
from tests.factories import DEFAULT_PASSWORD

NEW_PASSWORD = "Havre-och-Hö-2031"


async def test_login_returns_user_token_and_a_safe_cookie(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.provider(db_session)
    user = await db_session.get(User, owner.user_id)
    assert user is not None
    response = await client.post(
        "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"] == {
        "id": user.id,
        "email": user.email,
        "name": f"{user.first_name} {user.last_name}",
        "firstName": user.first_name,
        "lastName": user.last_name,
        "userType": "provider",
        "isAdmin": False,
        "emailVerified": True,
        "providerId": owner.id,
    }
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"equinet_session={body['token']};")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # http in tests; production adds Secure and __Host-
    # The cookie alone authenticates the next request, as does the bearer token.
    assert (await client.get("/api/auth/session")).status_code == 200
    client.cookies.clear()
    session = await client.get("/api/auth/session", headers=bearer(body["token"]))
    assert session.status_code == 200 and session.json()["user"]["id"] == user.id


async def test_login_ignores_the_case_of_the_email(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await factories.customer(db_session, email="anna@exempel.se")
    # An adopted database may hold addresses as typed (§7.21): found all the same.
    await factories.customer(db_session, email="Legacy.Kund@Exempel.se")
    assert await login(client, "Anna@EXEMPEL.se")
    assert await login(client, "legacy.kund@exempel.se")


async def test_unknown_email_and_wrong_password_get_the_same_answer(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await factories.customer(db_session)
    unknown = await client.post(
        "/api/auth/login", json={"email": "finns-inte@example.se", "password": DEFAULT_PASSWORD}
    )
    wrong = await client.post(
        "/api/auth/login", json={"email": user.email, "password": "fel-lösenord-123"}
    )
    assert unknown.status_code == wrong.status_code == 401
    assert (
        unknown.json()
        == wrong.json()
        == {
            "error": "Ogiltig email eller lösenord",
            "code": "INVALID_CREDENTIALS",
        }
    )


async def test_unverified_user_is_told_only_with_the_right_password(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await factories.customer(db_session, email_verified=False, email_verified_at=None)
    wrong = await client.post("/api/auth/login", json={"email": user.email, "password": "x" * 9})
    assert wrong.status_code == 401
    right = await client.post(
        "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert right.status_code == 403
    assert right.json()["code"] == "EMAIL_NOT_VERIFIED"
    assert "set-cookie" not in right.headers


async def test_bcrypt_hash_from_the_original_logs_in_and_is_rehashed_with_argon2id(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    legacy = bcrypt.hashpw(b"test123", bcrypt.gensalt(10)).decode().replace("$2b$", "$2a$", 1)
    user = await factories.customer(db_session, password_hash=legacy)
    await login(client, user.email, "test123")  # the demo password predates the policy
    await db_session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    await login(client, user.email, "test123")


async def test_idle_session_expires(client: httpx.AsyncClient, db_session: AsyncSession) -> None:
    user = await factories.customer(db_session)
    headers = await logged_in(db_session, user)
    assert (await client.get("/api/profile", headers=headers)).status_code == 200
    idle = timedelta(minutes=client_settings(client).session_idle_minutes, seconds=1)
    await db_session.execute(
        update(Session).where(Session.user_id == user.id).values(last_seen_at=utcnow() - idle)
    )
    response = await client.get("/api/profile", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "Du måste vara inloggad", "code": "UNAUTHORIZED"}


async def test_session_ends_at_its_absolute_lifetime_even_when_busy(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await factories.customer(db_session)
    headers = await logged_in(db_session, user)
    await db_session.execute(
        update(Session)
        .where(Session.user_id == user.id)
        .values(expires_at=utcnow() - timedelta(seconds=1), last_seen_at=utcnow())
    )
    assert (await client.get("/api/auth/session", headers=headers)).status_code == 401


async def test_logout_revokes_the_session_on_the_server(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await factories.customer(db_session)
    token = await login(client, user.email)
    client.cookies.set("equinet_session", token)
    response = await client.post("/api/auth/logout", headers={"Origin": "http://testserver"})
    assert response.status_code == 200
    assert 'equinet_session=""' in response.headers["set-cookie"]
    assert "Max-Age=0" in response.headers["set-cookie"]
    # A copy of the old token is worthless now.
    assert (await client.get("/api/auth/session", headers=bearer(token))).status_code == 401
    revoked = await db_session.scalar(
        select(Session.revoked_at).where(Session.token_hash == hash_token(token))
    )
    assert revoked is not None


async def test_anonymous_calls_to_protected_routes_get_401(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/api/auth/session"),
        ("GET", "/api/profile"),
        ("PUT", "/api/auth/password"),
        ("GET", "/api/provider/profile"),
    ]:
        response = await client.request(method, path, json={})
        assert response.status_code == 401, path
        assert response.json()["code"] == "UNAUTHORIZED"


async def test_password_change_ends_every_other_session(
    client: httpx.AsyncClient, db_session: AsyncSession, mailbox: Mailbox
) -> None:
    user = await factories.customer(db_session)
    mine = await login(client, user.email)
    other = await login(client, user.email)
    response = await client.put(
        "/api/auth/password",
        json={"currentPassword": DEFAULT_PASSWORD, "newPassword": NEW_PASSWORD},
        headers=bearer(mine),
    )
    assert response.status_code == 200, response.text
    assert (await client.get("/api/auth/session", headers=bearer(mine))).status_code == 200
    assert (await client.get("/api/auth/session", headers=bearer(other))).status_code == 401
    assert await login(client, user.email, NEW_PASSWORD)
    old = await client.post(
        "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert old.status_code == 401
    assert mailbox.last_to(user.email)["Subject"] == "Ditt lösenord har ändrats - Equinet"


async def test_password_change_needs_the_current_password_and_a_good_new_one(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await factories.customer(db_session)
    headers = await logged_in(db_session, user)
    wrong = await client.put(
        "/api/auth/password",
        json={"currentPassword": "inte-rätt-alls", "newPassword": NEW_PASSWORD},
        headers=headers,
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "WRONG_CURRENT_PASSWORD"
    weak = await client.put(
        "/api/auth/password",
        json={"currentPassword": DEFAULT_PASSWORD, "newPassword": "qwerty123"},
        headers=headers,
    )
    assert weak.status_code == 422 and weak.json()["details"][0]["field"] == "newPassword"


async def test_forgot_password_answers_the_same_and_mails_only_real_accounts(
    client: httpx.AsyncClient, db_session: AsyncSession, mailbox: Mailbox
) -> None:
    user = await factories.customer(db_session)
    known = await client.post("/api/auth/forgot-password", json={"email": user.email.upper()})
    unknown = await client.post("/api/auth/forgot-password", json={"email": "vem@example.se"})
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    assert mailbox.to("vem@example.se") == []
    message = mailbox.last_to(user.email)
    assert message["Subject"] == "Återställ ditt lösenord - Equinet"
    token = link_token(message, RESET_LINK)
    stored = await db_session.scalar(
        select(PasswordResetToken.token_hash).where(PasswordResetToken.user_id == user.id)
    )
    assert stored == hash_token(token)


async def test_reset_link_sets_the_password_once_and_ends_all_sessions(
    client: httpx.AsyncClient, db_session: AsyncSession, mailbox: Mailbox
) -> None:
    user = await factories.customer(db_session)
    session_token = await login(client, user.email)
    await client.post("/api/auth/forgot-password", json={"email": user.email})
    token = link_token(mailbox.last_to(user.email), RESET_LINK)
    weak = await client.post(
        "/api/auth/reset-password", json={"token": token, "password": "password1"}
    )
    assert weak.status_code == 422  # ... and the link still works: nothing was committed
    response = await client.post(
        "/api/auth/reset-password", json={"token": token, "password": NEW_PASSWORD}
    )
    assert response.status_code == 200, response.text
    assert (await client.get("/api/auth/session", headers=bearer(session_token))).status_code == 401
    assert await login(client, user.email, NEW_PASSWORD)
    again = await client.post(
        "/api/auth/reset-password", json={"token": token, "password": "Ett-Annat-Lösen-9"}
    )
    assert again.status_code == 400 and again.json()["code"] == "INVALID_RESET_TOKEN"


async def test_reset_link_expires_after_an_hour(
    client: httpx.AsyncClient, db_session: AsyncSession, mailbox: Mailbox
) -> None:
    user = await factories.customer(db_session)
    await client.post("/api/auth/forgot-password", json={"email": user.email})
    token = link_token(mailbox.last_to(user.email), RESET_LINK)
    expires = await db_session.scalar(
        select(PasswordResetToken.expires_at).where(PasswordResetToken.user_id == user.id)
    )
    assert expires is not None and timedelta(minutes=59) < expires - utcnow() <= timedelta(hours=1)
    await db_session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    response = await client.post(
        "/api/auth/reset-password", json={"token": token, "password": NEW_PASSWORD}
    )
    assert response.status_code == 400


def client_settings(client: httpx.AsyncClient) -> Settings:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    settings: Settings = transport.app.state.settings  # type: ignore[attr-defined]
    return settings
