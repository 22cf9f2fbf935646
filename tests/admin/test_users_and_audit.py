"""Admin user administration and the audit log."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.accounts.helpers import logged_in
from tests.factories import DEFAULT_PASSWORD


async def test_search_finds_users_by_email_and_name(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    admin = await factories.customer(db_session, is_admin=True)
    target = await factories.customer(db_session, first_name="Ingrid", last_name="Hästsköld")
    headers = await logged_in(db_session, admin)

    by_name = await client.get("/api/admin/users", headers=headers, params={"q": "hästsköld"})
    by_mail = await client.get("/api/admin/users", headers=headers, params={"q": target.email})
    wildcard = await client.get("/api/admin/users", headers=headers, params={"q": "%"})

    assert [u["id"] for u in by_name.json()["data"]] == [target.id]
    assert [u["id"] for u in by_mail.json()["data"]] == [target.id]
    assert wildcard.json()["pagination"]["total"] == 0  # % is a character, not a wildcard
    assert "passwordHash" not in by_name.text


async def test_deactivation_ends_sessions_refuses_login_and_is_audited(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    admin = await factories.customer(db_session, is_admin=True)
    as_admin = await logged_in(db_session, admin)
    target = await factories.customer(db_session)
    as_target = await logged_in(db_session, target)

    response = await client.post(f"/api/admin/users/{target.id}/deactivate", headers=as_admin)

    assert response.status_code == 200, response.text
    assert response.json()["deactivatedAt"] is not None
    assert (await client.get("/api/profile", headers=as_target)).status_code == 401
    login = await client.post(
        "/api/auth/login", json={"email": target.email, "password": DEFAULT_PASSWORD}
    )
    assert (login.status_code, login.json()["code"]) == (403, "ACCOUNT_DEACTIVATED")

    back = await client.post(f"/api/admin/users/{target.id}/reactivate", headers=as_admin)
    assert back.json()["deactivatedAt"] is None
    login = await client.post(
        "/api/auth/login", json={"email": target.email, "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200, login.text

    log = await client.get("/api/admin/audit-log", headers=as_admin, params={"targetId": target.id})
    entries = log.json()["data"]
    assert [e["action"] for e in entries] == ["user.reactivate", "user.deactivate"]
    deactivation = entries[1]
    assert deactivation["actorId"] == admin.id and deactivation["actorEmail"] == admin.email
    assert deactivation["before"]["deactivated_at"] is None
    assert deactivation["after"]["deactivated_at"] is not None
    assert deactivation["after"]["sessionsEnded"] == 1
    assert deactivation["createdAt"].endswith("Z")


async def test_an_admin_cannot_deactivate_themself(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    admin = await factories.customer(db_session, is_admin=True)
    headers = await logged_in(db_session, admin)

    response = await client.post(f"/api/admin/users/{admin.id}/deactivate", headers=headers)

    assert (response.status_code, response.json()["code"]) == (409, "CANNOT_DEACTIVATE_SELF")
    assert (await client.get("/api/profile", headers=headers)).status_code == 200


async def test_unknown_user_is_404(client: httpx.AsyncClient, db_session: AsyncSession) -> None:
    headers = await logged_in(db_session, await factories.customer(db_session, is_admin=True))
    response = await client.post("/api/admin/users/nobody/deactivate", headers=headers)
    assert (response.status_code, response.json()["code"]) == (404, "USER_NOT_FOUND")


async def test_customers_and_providers_get_403_on_admin_routes(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    customer = await logged_in(db_session, await factories.customer(db_session))
    provider = await factories.provider(db_session)
    provider_user = await db_session.get(factories.User, provider.user_id)
    assert provider_user is not None
    as_provider = await logged_in(db_session, provider_user)
    for headers in (customer, as_provider):
        for method, path in (
            ("GET", "/api/admin/users"),
            ("GET", "/api/admin/audit-log"),
            ("GET", "/api/admin/verification-requests"),
        ):
            response = await client.request(method, path, headers=headers)
            assert response.status_code == 403, (path, response.text)
