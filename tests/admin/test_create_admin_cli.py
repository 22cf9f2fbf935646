"""`equinet users create-admin EMAIL`: a new admin with two-factor login enrolled, or a user
promoted; either way the printed secret completes a real two-step login."""

from __future__ import annotations

import re

import httpx
import pyotp
import pytest
from asgi_lifespan import LifespanManager

from equinet.app import create_app
from equinet.db.urls import DatabaseTarget
from tests.conftest import make_settings
from tests.db.support import fetch, run_cli

pytestmark = pytest.mark.schema


def _printed(output: str, label: str) -> str:
    found = re.search(rf"{label}: (\S+)", output)
    assert found, output
    return found.group(1)


async def test_create_admin_prints_what_a_two_step_login_needs(migrated: DatabaseTarget) -> None:
    result = await run_cli(migrated, "users", "create-admin", "Chef@Equinet.se")

    assert result.exit_code == 0, result.output
    assert "admin chef@equinet.se created" in result.stdout
    password = _printed(result.stdout, r"password \(shown once\)")
    secret = _printed(result.stdout, "TOTP secret")
    assert _printed(result.stdout, r"TOTP URI \(for a QR code\)").startswith("otpauth://totp/")
    codes = re.findall(r"^\s+([0-9a-f]{5}-[0-9a-f]{5})$", result.stdout, re.MULTILINE)
    assert len(codes) == 10
    rows = await fetch(
        migrated, 'SELECT "actorEmail", action FROM "AdminAuditLog" ORDER BY "createdAt"'
    )
    assert [r["action"] for r in rows] == ["user.create_admin"]
    assert rows[0]["actorEmail"].startswith("cli:")
    stored = await fetch(migrated, 'SELECT "secretEncrypted" FROM "TwoFactorCredential"')
    assert secret not in stored[0]["secretEncrypted"]  # encrypted at rest

    application = create_app(make_settings(migrated))
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            first = await client.post(
                "/api/auth/login", json={"email": "chef@equinet.se", "password": password}
            )
            assert first.json()["twoFactorRequired"] is True, first.text
            client.cookies.clear()
            second = await client.post(
                "/api/auth/login/totp",
                json={"challenge": first.json()["challenge"], "code": pyotp.TOTP(secret).now()},
            )
            assert second.status_code == 200, second.text
            assert second.json()["user"]["isAdmin"] is True


async def test_create_admin_promotes_an_existing_user(migrated: DatabaseTarget) -> None:
    first = await run_cli(migrated, "users", "create-admin", "kund@test.se")
    again = await run_cli(migrated, "users", "create-admin", "kund@test.se")

    assert first.exit_code == 0 and again.exit_code == 0, again.output
    assert "admin kund@test.se promoted" in again.stdout
    assert "password" not in again.stdout  # an existing account keeps its password
    rows = await fetch(migrated, 'SELECT action, before FROM "AdminAuditLog" ORDER BY "createdAt"')
    assert [r["action"] for r in rows] == ["user.create_admin", "user.promote_admin"]
    assert rows[1]["before"] is not None
