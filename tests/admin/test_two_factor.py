"""Two-factor login: TOTP after the password, single-use recovery codes, admins must have
it, providers may turn it on, and the login limiter counts the second step too."""

from __future__ import annotations

import time

import httpx
import pyotp
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts import two_factor
from equinet.models import User
from equinet.settings import Settings
from tests import factories
from tests.accounts.conftest import AppFactory, client_for
from tests.accounts.helpers import bearer, logged_in
from tests.factories import DEFAULT_PASSWORD


async def enrolled_admin(db: AsyncSession, settings: Settings) -> tuple[User, str, list[str]]:
    admin = await factories.customer(db, is_admin=True)
    enrolment, codes = await two_factor.enrol_confirmed(db, settings, admin)
    return admin, enrolment.secret, codes


async def password_step(client: httpx.AsyncClient, email: str) -> httpx.Response:
    client.cookies.clear()
    return await client.post("/api/auth/login", json={"email": email, "password": DEFAULT_PASSWORD})


async def second_step(client: httpx.AsyncClient, **body: str) -> httpx.Response:
    client.cookies.clear()  # a cookie-carrying POST would need an Origin (CSRF)
    return await client.post("/api/auth/login/totp", json=body)


async def test_admin_login_needs_the_code_after_the_password(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    admin, secret, _ = await enrolled_admin(db_session, settings)

    first = await password_step(client, admin.email)

    assert first.status_code == 200, first.text
    assert first.json()["twoFactorRequired"] is True
    assert "token" not in first.json() and "equinet_session" not in first.headers.get(
        "set-cookie", ""
    )
    challenge = first.json()["challenge"]
    wrong = await second_step(client, challenge=challenge, code="000000")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "INVALID_TWO_FACTOR_CODE")
    right = await second_step(client, challenge=challenge, code=pyotp.TOTP(secret).now())
    assert right.status_code == 200, right.text
    assert "equinet_session" in right.headers["set-cookie"]
    client.cookies.clear()  # cookie requests need an Origin (CSRF); this test uses the token
    token = right.json()["token"]
    assert (await client.get("/api/admin/users", headers=bearer(token))).status_code == 200
    # The challenge is used up.
    replay = await second_step(client, challenge=challenge, code=pyotp.TOTP(secret).now())
    assert (replay.status_code, replay.json()["code"]) == (401, "INVALID_LOGIN_CHALLENGE")


async def test_a_totp_code_works_only_once(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    admin, secret, _ = await enrolled_admin(db_session, settings)
    code = pyotp.TOTP(secret).now()
    first = (await password_step(client, admin.email)).json()["challenge"]
    second = (await password_step(client, admin.email)).json()["challenge"]

    ok = await second_step(client, challenge=first, code=code)
    replayed = await second_step(client, challenge=second, code=code)

    assert ok.status_code == 200, ok.text
    assert (replayed.status_code, replayed.json()["code"]) == (401, "INVALID_TWO_FACTOR_CODE")


async def test_a_recovery_code_works_once(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    admin, _, codes = await enrolled_admin(db_session, settings)

    async def with_recovery(code: str) -> httpx.Response:
        challenge = (await password_step(client, admin.email)).json()["challenge"]
        return await second_step(client, challenge=challenge, recoveryCode=code)

    assert (await with_recovery(codes[0].upper())).status_code == 200
    again = await with_recovery(codes[0])
    assert (again.status_code, again.json()["code"]) == (401, "INVALID_TWO_FACTOR_CODE")
    assert (await with_recovery(codes[1])).status_code == 200


async def test_an_admin_without_two_factor_cannot_log_in(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    admin = await factories.customer(db_session, is_admin=True)
    response = await password_step(client, admin.email)
    assert (response.status_code, response.json()["code"]) == (403, "TWO_FACTOR_ENROLMENT_REQUIRED")


async def test_a_provider_turns_two_factor_on_and_then_needs_it(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session)
    user = await db_session.get(User, provider.user_id)
    assert user is not None
    headers = await logged_in(db_session, user)

    setup = await client.post(
        "/api/auth/two-factor/setup", headers=headers, json={"password": DEFAULT_PASSWORD}
    )
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    assert setup.json()["otpauthUri"].startswith("otpauth://totp/")
    assert setup.headers["Cache-Control"] == "no-store"
    # Not on until a first code proves the app has the secret.
    assert (await password_step(client, user.email)).json().get("token")
    confirm = await client.post(
        "/api/auth/two-factor/confirm", headers=headers, json={"code": pyotp.TOTP(secret).now()}
    )
    assert confirm.status_code == 200, confirm.text
    assert len(confirm.json()["recoveryCodes"]) == 10
    assert confirm.headers["Cache-Control"] == "no-store"
    status = await client.get("/api/auth/two-factor", headers=headers)
    assert status.json() == {"enabled": True, "required": False, "recoveryCodesLeft": 10}
    assert (await password_step(client, user.email)).json()["twoFactorRequired"] is True


async def test_admins_cannot_turn_two_factor_off(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    admin, secret, _ = await enrolled_admin(db_session, settings)
    headers = await logged_in(db_session, admin)
    response = await client.post(
        "/api/auth/two-factor/disable",
        headers=headers,
        json={"password": DEFAULT_PASSWORD, "code": pyotp.TOTP(secret).now()},
    )
    assert (response.status_code, response.json()["code"]) == (
        403,
        "TWO_FACTOR_REQUIRED_FOR_ADMINS",
    )


async def test_the_login_limiter_counts_wrong_second_factor_codes(
    app_factory: AppFactory, db_session: AsyncSession, settings: Settings
) -> None:
    admin, secret, _ = await enrolled_admin(db_session, settings)
    async with (
        app_factory(rate_limits={"login": "3/15 minutes"}) as application,
        client_for(application) as client,
    ):
        challenge = (await password_step(client, admin.email)).json()["challenge"]
        answers = [await second_step(client, challenge=challenge, code="123456") for _ in range(4)]
        # Wrong codes spend the login budget (the right password did not): after three, the
        # next attempt is refused, even a right one.
        assert [a.status_code for a in answers] == [401, 401, 401, 429]
        right = await second_step(
            client, challenge=challenge, code=pyotp.TOTP(secret).at(time.time())
        )
        assert right.status_code == 429
