"""Helpers for tests that need a logged-in user, shared with the other domains' tests.

    from tests.accounts.helpers import bearer, logged_in, login, register_and_verify

`logged_in(db, user)` starts a session straight in the database (fast, no password hashing) and
returns the `Authorization` header; `login(client, email, password)` goes through the real
POST /api/auth/login and returns the token. Users themselves come from tests.factories
(`factories.customer(db)`, `factories.provider(db)`: verified, password DEFAULT_PASSWORD).
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.sessions import create_session
from equinet.models import User
from equinet.settings import Settings
from tests.factories import DEFAULT_PASSWORD

STRONG_PASSWORD = "Grus-Hage-Sadel-77"
VERIFY_LINK = re.compile(r"/verify-email\?token=([0-9a-f]{64})")
RESET_LINK = re.compile(r"/reset-password\?token=([A-Za-z0-9_\-]+)")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def logged_in(
    db: AsyncSession, user: User, settings: Settings | None = None
) -> dict[str, str]:
    """Auth headers for `user`, by creating a session row directly (no HTTP, no hashing)."""
    from tests.conftest import make_settings

    token = await create_session(db, user, settings or make_settings())
    return bearer(token)


async def login(client: httpx.AsyncClient, email: str, password: str = DEFAULT_PASSWORD) -> str:
    """Log in through the API; the session token, to send as `bearer(token)`.

    The client does not keep the session cookie: cookie-authenticated POST/PUT/DELETE need an
    `Origin` header (CSRF), which httpx does not send. Tests of the cookie itself set it.
    """
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    token: str = response.json()["token"]
    return token


def link_token(message: EmailMessage, pattern: re.Pattern[str] = VERIFY_LINK) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = pattern.search(body.get_content())
    assert found, f"no link in {message['Subject']!r}"
    return found.group(1)


async def register(
    client: httpx.AsyncClient, *, email: str, password: str = STRONG_PASSWORD, **fields: Any
) -> httpx.Response:
    body = {
        "email": email,
        "password": password,
        "firstName": "Stina",
        "lastName": "Ryttare",
        "userType": "customer",
        **fields,
    }
    return await client.post("/api/auth/register", json=body)


async def register_and_verify(
    client: httpx.AsyncClient,
    mailbox: Any,
    *,
    email: str,
    password: str = STRONG_PASSWORD,
    **fields: Any,
) -> dict[str, Any]:
    """Register through the API, open the e-mailed link, return the new user's JSON.

    `mailbox` is the accounts tests' SMTP capture fixture (tests/accounts/conftest.py).
    """
    response = await register(client, email=email, password=password, **fields)
    assert response.status_code == 201, response.text
    message = mailbox.last_to(email.lower())
    verified = await client.post("/api/auth/verify-email", json={"token": link_token(message)})
    assert verified.status_code == 200, verified.text
    user: dict[str, Any] = response.json()["user"]
    return user
